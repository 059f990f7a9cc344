"""PMMLDocument: a complete PMML 4.4 document, written atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from lxml import etree

from .builders.fields import Scope, Target
from .builders.model import mining_schema, replace_header
from .errors import PMMLError, ValidationError
from .pmml import NAMESPACE, PMML_VERSION, element, find_child, model_element, tag_of


def _version() -> str:
    from . import __version__

    return __version__


class PMMLDocument:
    """A PMML document; ``save(path)`` writes it, ``to_string()`` returns its text."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root

    @classmethod
    def assemble(cls, scope: Scope, model: etree._Element, target: Target | None,
                 description: str | None = None) -> PMMLDocument:
        """Wrap a top-level model element: DataDictionary, MiningSchema, LocalTransformations."""
        body = [child for child in model if tag_of(child) not in ("MiningSchema", "LocalTransformations")]
        reached = scope.reachable(*body)  # one walk of the model: large forests are big
        inputs = scope.inputs_among(reached)
        replace_header(model, "MiningSchema", mining_schema(inputs, target))
        replace_header(model, "LocalTransformations", scope.local_transformations(reached))
        data_fields = [f.data_field() for f in inputs]
        if target is not None:
            data_fields.insert(0, target.field().data_field())
        data_fields += [f.data_field() for f in scope.nested_targets.values()]
        header = element("Header", element("Application", name="pmmlkit", version=_version()),
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
        output = find_child(self.model, "Output")
        return [] if output is None else list(output)

    def to_bytes(self) -> bytes:
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    def to_string(self) -> str:
        return self.to_bytes().decode("utf-8")

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the document to ``path`` atomically and return the path."""
        return write_atomically(path, self.to_bytes())

    def __repr__(self) -> str:
        model = self.model
        return f"<PMMLDocument {tag_of(model)} functionName={model.get('functionName')!r}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO[Any]]:
    """A file handle on a temporary file beside ``path``, renamed into place when the block
    succeeds and removed when it fails, so ``path`` is never left half-written."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise PMMLError(f"cannot write {target}: folder {directory} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        text = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, mode, **text) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_atomically(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_writer`)."""
    with atomic_writer(path) as handle:
        handle.write(data)
    return Path(path)


__all__ = ["PMMLDocument", "atomic_writer", "write_atomically", "NAMESPACE"]
