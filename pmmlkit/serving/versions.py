"""Model versions: which one serves, and hot reload.

A model's base path holds numbered version folders, each with one ``.pmml``. The latest version
that loads serves. A poll finds new folders; a new version is loaded through ``pmmlkit.load``
(which refuses invalid documents) and checked against its embedded verification rows while the
old one keeps serving; only then does it take traffic, by one reference swap, and the old one is
dropped (requests already holding it finish on it) and its memory given back, the Java side
included. A version that fails is refused with a log line and remembered, so it is not retried
until its file changes. Versions are folders named with ASCII digits only; a version whose folder
is deleted drops out of the status. No answer shows a server path: messages name a version's
file relative to the model's base path.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import PMMLError
from ..parsing import parse_bytes, read_source
from ..scoring import jvm
from ..scoring.evaluator import Model, load_parsed
from .config import ModelSource
from .features import FeatureSpec, parse_features
from .metrics import record_load
from .online import OnlineFeatures, online_features
from .signature import Signature
from .verification import verification_problem

log = logging.getLogger("pmmlkit.serve")


@dataclass
class LoadedVersion:
    """A version that passed its checks and can score. ``lock`` keeps one scoring call at a time
    on the engine; the request path uses it to decide whether to score inline or on a thread."""

    name: str
    version: int
    path: Path
    model: Model
    signature: Signature
    lock: threading.Lock = field(default_factory=threading.Lock)
    online: OnlineFeatures | None = None  # inputs looked up in Redis (serving/online.py)


@dataclass
class VersionStatus:
    version: int
    state: str  # TensorFlow Serving's: START, LOADING, AVAILABLE, UNLOADING, END
    error_code: str = "OK"
    error_message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"version": str(self.version), "state": self.state,
                "status": {"error_code": self.error_code, "error_message": self.error_message}}


def load_version(name: str, version: int, path: Path, features: FeatureSpec | None = None,
                 shown_as: str | None = None, engine: str = "pmml4s") -> LoadedVersion:
    """Load and check one version (and its feature sources); PMMLError says why it cannot serve.
    ``shown_as`` names the file in messages (answers must not show server paths).

    The model is loaded for this version alone, never through load()'s cache: the cache would
    keep every replaced version (and its Java objects) alive."""
    shown = shown_as or path.name
    data, _ = read_source(path)
    root = parse_bytes(data, shown).getroot()
    model = load_parsed(data, shown, warm=True, engine=engine)
    problem = verification_problem(model, root)
    if problem is not None:
        raise PMMLError(f"{shown}: {problem}")
    signature = Signature(model, root)
    online = online_features(features, model, root, signature, name, shown)
    return LoadedVersion(name, version, path, model, signature, online=online)


def free_unloaded_memory() -> None:
    """Give back the memory of versions no longer referenced and of the last load's work, the
    JVM's included.

    A replaced model is garbage on both sides of the bridge: its Python objects go at once (or at
    the next cyclic collection), but the PMML4S objects they held stay in the Java heap until the
    JVM collects, and the JVM grows its heap rather than collect while there is room (by default a
    quarter of the machine's memory). A reload is rare and allocates hundreds of megabytes for a
    large model: a full collection right after it keeps the process near the size of the versions
    it serves, at the cost of one pause of the JVM's scoring. Then glibc, which keeps what the
    parse freed in its arenas, is asked to hand it back (for a 13 MB forest: 1.2 GB -> 0.45 GB)."""
    gc.collect()
    jvm.collect_garbage()
    if _malloc_trim is not None:
        _malloc_trim(0)


def _find_malloc_trim() -> Any:
    # glibc's malloc_trim, from the C library the process already uses; None elsewhere (macOS,
    # Windows, musl), where memory is given back as the allocator sees fit.
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


_malloc_trim = _find_malloc_trim()


class ServedModel:
    """The versions of one model name and the one that serves."""

    def __init__(self, source: ModelSource) -> None:
        self.source = source
        self.name = source.name
        self.features = parse_features(source.features, f"model {source.name!r}") if source.features else None
        self.current: LoadedVersion | None = None
        self.statuses: dict[int, VersionStatus] = {}
        self._refused: dict[int, tuple[str, float, int]] = {}  # version -> the file that failed
        self._lock = threading.Lock()  # one refresh at a time
        self._listing_error: str | None = None
        self._ignored: set[str] = set()  # folder names already logged as not versions
        self._dropped = False  # a version was loaded, unloaded or refused since the last collection

    def version_files(self) -> dict[int, Path | str]:
        """Version number -> its .pmml (or a reason it has none), for the folders present now."""
        base = Path(self.source.base_path)
        if base.is_file():
            return {1: base}
        found: dict[int, Path | str] = {}
        try:
            entries = list(os.scandir(base))
        except OSError as exc:
            message = f"cannot list {base}: {exc.strerror or exc}"
            if message != self._listing_error:  # once, not at every poll
                log.error("model %s: %s", self.name, message)
            self._listing_error = message
            return found
        self._listing_error = None
        for entry in entries:
            if not entry.is_dir():
                continue
            if not _is_version_name(entry.name):
                # str.isdigit() is true of '²' and '①', which int() refuses: only ASCII digits
                # name versions. A name that looks like a number is said once, not at every poll.
                if entry.name.isnumeric() and entry.name not in self._ignored:
                    self._ignored.add(entry.name)
                    log.warning("model %s: folder %r ignored: version folders are named with the digits "
                                "0-9 only", self.name, entry.name)
                continue
            files = sorted(Path(entry.path).glob("*.pmml"))
            found[int(entry.name)] = files[0] if len(files) == 1 else (
                f"{entry.name}/ holds no .pmml file" if not files else f"{entry.name}/ holds {len(files)} .pmml files")
        return found

    def shown_name(self, file: Path) -> str:
        """``file`` as answers name it: relative to the base path (never a server path)."""
        base = Path(self.source.base_path)
        return file.name if base.is_file() else f"{file.parent.name}/{file.name}"

    def _without_paths(self, message: str) -> str:
        # Messages from the file system or the loader may still hold the base path: cut it.
        base = Path(self.source.base_path)
        folder = base.parent if base.is_file() else base
        for prefix in {str(folder), os.path.realpath(folder), str(folder.absolute())}:
            message = message.replace(prefix + os.sep, "")
        return message

    def refresh(self) -> None:
        """Serve the latest version that loads; keep the current one when nothing newer does."""
        with self._lock:
            self._choose()
            if self._dropped:  # collected here, where no local of _choose() holds the old version
                self._dropped = False
                started = time.perf_counter()
                free_unloaded_memory()
                # The JVM pauses its scoring for the collection: the log says for how long.
                log.info("model %s: unused memory given back (%.2f s)", self.name, time.perf_counter() - started)

    def _choose(self) -> None:
        """The body of refresh(), under its lock."""
        files = self.version_files()
        current = self.current
        for version in [v for v in self.statuses if v not in files and (current is None or v != current.version)]:
            del self.statuses[version]  # its folder was deleted: it drops out of the status
            self._refused.pop(version, None)
        for version in sorted(files, reverse=True):
            if current is not None and version == current.version:
                return  # nothing newer loads: the current version goes on serving
            file = files[version]
            if current is not None and version < current.version:
                break  # the current one was removed: fall back to the next older below
            if self._try(version, file):
                return
        if current is not None and current.version not in files:
            self._fall_back(files)

    def _fall_back(self, files: dict[int, Path | str]) -> None:
        # The serving version's folder is gone: serve the newest older one that loads, or nothing.
        gone = self.current
        for version in sorted((v for v in files if gone is None or v < gone.version), reverse=True):
            if self._try(version, files[version]):
                return
        if gone is not None:
            log.warning("model %s: version %d was removed and no other version loads", self.name, gone.version)
            self.statuses[gone.version] = VersionStatus(gone.version, "END")
            self.current = None
            self._dropped = True

    def _try(self, version: int, file: Path | str) -> bool:
        """Load ``version`` and make it current; False (with a log line) if it is refused."""
        if isinstance(file, str):
            if version not in self._refused:
                log.error("model %s: version %d refused: %s", self.name, version, file)
                self._refuse(version, file, (file, 0.0, 0))
            return False
        try:
            stat = file.stat()
        except OSError:
            return False
        fingerprint = (str(file), stat.st_mtime, stat.st_size)
        if self._refused.get(version) == fingerprint:
            return False
        self.statuses[version] = VersionStatus(version, "LOADING")
        started = time.perf_counter()
        try:
            loaded = load_version(self.name, version, file, self.features, self.shown_name(file), self.source.engine)
        except PMMLError as exc:
            log.error("model %s: version %d refused, %s keeps serving: %s", self.name, version,
                      f"version {self.current.version}" if self.current else "no version", exc)
            self._refuse(version, str(exc), fingerprint)
            self._dropped = True  # what the refused version had loaded
            return False
        except Exception as exc:  # an engine failure must not stop the poller
            log.exception("model %s: version %d failed to load", self.name, version)
            self._refuse(version, f"{type(exc).__name__}: {exc}", fingerprint)
            self._dropped = True
            return False
        old = self.current
        self.current = loaded  # one reference swap: new requests take the new version
        self._refused.pop(version, None)
        self.statuses[version] = VersionStatus(version, "AVAILABLE")
        record_load(self.name, "loaded")
        log.info("model %s: version %d serving (loaded and verified in %.2f s)%s", self.name, version,
                 time.perf_counter() - started, f"; version {old.version} unloaded" if old else "")
        self._dropped = True  # the load's own garbage; requests still on the old version finish, then it goes
        if old is not None:
            self.statuses[old.version] = VersionStatus(old.version, "END")
        return True

    def _refuse(self, version: int, message: str, fingerprint: tuple[str, float, int]) -> None:
        self._refused[version] = fingerprint
        self.statuses[version] = VersionStatus(version, "END", "INVALID_ARGUMENT", self._without_paths(message))
        record_load(self.name, "refused")

    def serving(self, version: int | None) -> LoadedVersion | None:
        current = self.current
        if current is None or (version is not None and version != current.version):
            return None
        return current

    def status(self, version: int | None) -> list[dict[str, Any]]:
        if version is not None:
            found = self.statuses.get(version)
            return [found.to_dict()] if found else []
        return [s.to_dict() for _, s in sorted(self.statuses.items(), reverse=True)]


def _is_version_name(name: str) -> bool:
    return name.isascii() and name.isdigit()


class Poller:
    """Looks for new versions every ``seconds`` on a daemon thread (0: never)."""

    def __init__(self, models: list[ServedModel], seconds: float) -> None:
        self.models = models
        self.seconds = seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.seconds > 0:
            self._thread = threading.Thread(target=self._run, name="pmmlkit-version-poller", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            for model in self.models:
                try:
                    model.refresh()
                except Exception:  # keep polling whatever one refresh met
                    log.exception("model %s: refresh failed", model.name)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
