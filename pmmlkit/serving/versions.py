"""Model versions: which one serves, and hot reload.

A model's base path holds numbered version folders, each with one ``.pmml``. The latest version
that loads serves. A poll finds new folders; a new version is loaded through ``pmmlkit.load``
(which refuses invalid documents) and checked against its embedded verification rows while the
old one keeps serving; only then does it take traffic, by one reference swap, and the old one is
dropped (requests already holding it finish on it). A version that fails is refused with a log
line and remembered, so it is not retried until its file changes.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import PMMLError
from ..parsing import parse_bytes, read_source
from ..scoring.evaluator import Model, load
from .config import ModelSource
from .metrics import record_load
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


@dataclass
class VersionStatus:
    version: int
    state: str  # TensorFlow Serving's: START, LOADING, AVAILABLE, UNLOADING, END
    error_code: str = "OK"
    error_message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"version": str(self.version), "state": self.state,
                "status": {"error_code": self.error_code, "error_message": self.error_message}}


def load_version(name: str, version: int, path: Path, engine: str = "pmml4s") -> LoadedVersion:
    """Load and check one version; PMMLError says why it cannot serve."""
    data, source = read_source(path)
    root = parse_bytes(data, source).getroot()
    model = load(path, engine=engine)
    problem = verification_problem(model, root)
    if problem is not None:
        raise PMMLError(f"{path}: {problem}")
    return LoadedVersion(name, version, path, model, Signature(model, root))


class ServedModel:
    """The versions of one model name and the one that serves."""

    def __init__(self, source: ModelSource) -> None:
        self.source = source
        self.name = source.name
        self.current: LoadedVersion | None = None
        self.statuses: dict[int, VersionStatus] = {}
        self._refused: dict[int, tuple[str, float, int]] = {}  # version -> the file that failed
        self._lock = threading.Lock()  # one refresh at a time
        self._listing_error: str | None = None

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
            if not entry.is_dir() or not entry.name.isdigit():
                continue
            files = sorted(Path(entry.path).glob("*.pmml"))
            found[int(entry.name)] = files[0] if len(files) == 1 else (
                f"{entry.path} holds no .pmml file" if not files else f"{entry.path} holds {len(files)} .pmml files")
        return found

    def refresh(self) -> None:
        """Serve the latest version that loads; keep the current one when nothing newer does."""
        with self._lock:
            files = self.version_files()
            current = self.current
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
            loaded = load_version(self.name, version, file, self.source.engine)
        except PMMLError as exc:
            log.error("model %s: version %d refused, %s keeps serving: %s", self.name, version,
                      f"version {self.current.version}" if self.current else "no version", exc)
            self._refuse(version, str(exc), fingerprint)
            return False
        except Exception as exc:  # an engine failure must not stop the poller
            log.exception("model %s: version %d failed to load", self.name, version)
            self._refuse(version, f"{type(exc).__name__}: {exc}", fingerprint)
            return False
        old = self.current
        self.current = loaded  # one reference swap: new requests take the new version
        self._refused.pop(version, None)
        self.statuses[version] = VersionStatus(version, "AVAILABLE")
        record_load(self.name, "loaded")
        log.info("model %s: version %d serving (loaded and verified in %.2f s)%s", self.name, version,
                 time.perf_counter() - started, f"; version {old.version} unloaded" if old else "")
        if old is not None:
            self.statuses[old.version] = VersionStatus(old.version, "END")
        return True

    def _refuse(self, version: int, message: str, fingerprint: tuple[str, float, int]) -> None:
        self._refused[version] = fingerprint
        self.statuses[version] = VersionStatus(version, "END", "INVALID_ARGUMENT", message)
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
