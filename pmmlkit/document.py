"""PMMLDocument: a complete PMML 4.4 document, written atomically."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from lxml import etree

from .builders import tree_text
from .builders.fields import Scope, Target
from .builders.model import mining_schema, replace_header
from .errors import PMMLError, ValidationError
from .inspection.summary import summarize
from .parsing import parse_bytes
from .pmml import NAMESPACE, PMML_VERSION, element, find_child, model_element, tag_of
from .version import __version__


class PMMLDocument:
    """A PMML document; ``save(path)`` writes it, ``to_string()`` returns its text.

    Large trees stay as node arrays until written (see :mod:`pmmlkit.builders.tree_text`):
    ``save``/``to_bytes`` write them as text, tree by tree; ``root`` and ``model`` turn them into
    elements first, on first use.
    """

    def __init__(self, root: etree._Element) -> None:
        self._root = root
        self._expanded = False
        #: Which converter wrote it, when pmmlkit.convert() made it ("native", "sklearn2pmml").
        self.engine: str | None = None

    def has_bulk_trees(self) -> bool:
        """Whether trees are still kept as node arrays (not yet turned into elements)."""
        return not self._expanded and tree_text.has_placeholders(self._root)

    @property
    def root(self) -> etree._Element:
        if not self._expanded:
            tree_text.expand(self._root)
            self._expanded = True
        return self._root

    @root.setter
    def root(self, root: etree._Element) -> None:
        self._root = root
        self._expanded = False

    @classmethod
    def assemble(cls, scope: Scope, model: etree._Element, target: Target | None,
                 description: str | None = None, trained: Sequence[str] = ()) -> PMMLDocument:
        """Wrap a top-level model element: DataDictionary, MiningSchema, LocalTransformations.
        ``trained``: the input columns the model was trained on; those it does not use are declared in
        the DataDictionary too (not in the MiningSchema)."""
        body = [child for child in model if tag_of(child) not in ("MiningSchema", "LocalTransformations")]
        reached = scope.reachable(*body)  # one walk of the model: large forests are big
        inputs = scope.inputs_among(reached)
        replace_header(model, "MiningSchema", mining_schema(inputs, target))
        replace_header(model, "LocalTransformations", scope.local_transformations(reached))
        # The columns the model was trained on but does not use are declared too: the DataDictionary
        # describes the data, the MiningSchema what the model reads. A client may then send the complete
        # training row (pmmlkit.scoring.contract accepts and ignores such inputs).
        used = {f.name for f in inputs}
        declared = set(used)
        if target is not None:
            declared.add(target.name)
        declared.update(f.name for f in scope.nested_targets.values())
        unused = {name for name in trained if name not in declared and name in scope.inputs}
        data_fields = [f.data_field() for f in scope.inputs.values() if f.name in used or f.name in unused]
        if target is not None:
            data_fields.insert(0, target.field().data_field())
        data_fields += [f.data_field() for f in scope.nested_targets.values()]
        header = element("Header", element("Application", name="pmmlkit", version=__version__),
                         description=description)
        dictionary = element("DataDictionary", *data_fields, numberOfFields=len(data_fields))
        root = element("PMML", header, dictionary, model, version=PMML_VERSION)
        return cls(root)

    @property
    def model(self) -> etree._Element:
        node = model_element(self.root)
        if node is None:
            raise ValidationError("the document has no model element")
        return node

    def output_fields(self) -> list[etree._Element]:
        model = model_element(self._root)  # the Output is never deferred: no need to expand trees
        output = None if model is None else find_child(model, "Output")
        return [] if output is None else list(output)

    def to_bytes(self) -> bytes:
        chunks: list[bytes] = []
        tree_text.write_document(self._root, chunks.append)
        return b"".join(chunks)

    def to_string(self) -> str:
        return self.to_bytes().decode("utf-8")

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the document to ``path`` atomically and return the path."""
        with atomic_writer(path) as handle:
            tree_text.write_document(self._root, handle.write)  # a tree at a time: never the whole text
        return Path(path)

    def __repr__(self) -> str:
        model = model_element(self._root)
        if model is None:
            return "<PMMLDocument without a model>"
        return f"<PMMLDocument {tag_of(model)} functionName={model.get('functionName')!r}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def _repr_html_(self) -> str:
        """The summary card a notebook shows (``pmmlkit.describe(document)``), read from the written
        bytes so that trees kept as node arrays stay so."""
        return summarize(parse_bytes(self.to_bytes(), "<document>").getroot())._repr_html_()


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO[Any]]:
    """A file handle on a temporary file beside ``path``, renamed into place when the block
    succeeds and removed when it fails, so ``path`` is never left half-written.

    The file gets the usual permissions: those of the file it replaces, else 0666 less the umask
    (so that a service running as another user can read it). A temporary file left by a writer
    that was killed is removed by the next write to the same path.
    """
    target = Path(path)
    if target.is_dir():
        raise PMMLError(f"cannot write {target}: it is a folder: name a file (e.g. {target / 'model.pmml'})")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise PMMLError(f"cannot write {target}: the folder {directory} does not exist: create it first, or "
                        "name a file in a folder that exists")
    _remove_abandoned_temporaries(directory, target.name)
    # The writer's pid is in the name, so a later writer can tell an abandoned file from a live one.
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp",
                                   dir=directory)
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, _file_mode(target))  # mkstemp makes 0600 whatever the umask; os.replace keeps it
        text = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, mode, **text) as handle:
            yield handle
            try:
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as exc:
                raise _cannot_write(target, exc) from None
        try:
            os.replace(tmp, target)
        except OSError as exc:  # e.g. the target became a folder meanwhile
            raise _cannot_write(target, exc) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _cannot_write(target: Path, exc: OSError) -> PMMLError:
    """A failure to write ``target``, named by the user's path: the temporary file is an internal detail."""
    if target.is_dir():
        return PMMLError(f"cannot write {target}: it is a folder: name a file")
    return PMMLError(f"cannot write {target}: {exc.strerror or type(exc).__name__}")


def _file_mode(target: Path) -> int:
    """The mode for a new ``target``: the existing file's, else 0666 less the umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    # Linux shows the umask in /proc; elsewhere it can only be read by setting it (and back).
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _remove_abandoned_temporaries(directory: Path, name: str) -> None:
    """Remove ``.NAME.PID.XXXXXXXX.tmp`` files beside the target whose writing process is gone."""
    pattern = re.compile(rf"^\.{re.escape(name)}\.(\d+)\.[A-Za-z0-9_]+\.tmp$")
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        match = pattern.match(entry.name)
        if match and not _process_exists(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _process_exists(pid: int) -> bool:
    if os.name != "posix":  # os.kill(pid, 0) would not just probe there: keep the file
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. alive but owned by another user
        return True
    return True


def write_atomically(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_writer`)."""
    with atomic_writer(path) as handle:
        handle.write(data)
    return Path(path)


__all__ = ["PMMLDocument", "atomic_writer", "write_atomically", "NAMESPACE"]
