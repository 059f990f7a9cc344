"""Reading PMML safely: bounded input, no DTD, no entity expansion, no network or file access.

Everything that reads a PMML document goes through here. The rules, in one place:

- a path must name a regular file: a folder, FIFO, device or socket is refused before it is opened
  for reading (so ``/dev/zero`` or a FIFO never blocks or fills memory);
- the document may be at most ``max_bytes`` long (default :data:`DEFAULT_MAX_BYTES`, or the
  ``PMMLKIT_MAX_BYTES`` environment variable); the size is checked before reading;
- a DOCTYPE is refused before parsing, and the parser resolves no entity, DTD, XInclude or
  external reference, so a document can never make pmmlkit read a file or the network;
- a document is complete only when its bytes say so too (:mod:`pmmlkit.wellformed`: the root's
  end tag read, nothing after it), whatever the parser's release says;
- text given as ``str`` is encoded as UTF-8 (its XML declaration's encoding is rewritten to match);
- the bytes handed to the scoring engine are lxml's UTF-8 re-serialization of the parsed tree
  (:func:`engine_bytes`), so the engine sees exactly the names and values the validator saw,
  whatever the file's encoding (UTF-8 with or without BOM, UTF-16, ISO-8859-1).
"""

from __future__ import annotations

import io
import os
import re
import stat
from pathlib import Path
from typing import IO, Union

from lxml import etree

from .errors import ValidationError
from .wellformed import in_memory

# What a source may be: the document's bytes, its XML text, or a path. validate, load and every
# other reader decide with :func:`source_kind`, so they accept the same things.
Source = Union[str, bytes, bytearray, memoryview, os.PathLike]
_BOM = "\ufeff"

DEFAULT_MAX_BYTES = 1024 ** 3  # 1 GiB
MAX_DEPTH = 2048  # libxml2's own limit with huge_tree; deeper documents are refused
_HEAD = 64 * 1024  # where a DOCTYPE could hide: before the first element
_DECLARATION = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2")
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")


class TooLarge(ValidationError):
    """The document is larger than the size limit."""


def max_bytes(limit: int | None = None) -> int:
    """The size limit in force: ``limit``, else ``PMMLKIT_MAX_BYTES``, else the default."""
    if limit is not None:
        return int(limit)
    text = os.environ.get("PMMLKIT_MAX_BYTES", "").strip()
    if text:
        try:
            return int(text)
        except ValueError:
            raise ValidationError(f"PMMLKIT_MAX_BYTES={text!r} is not a whole number of bytes") from None
    return DEFAULT_MAX_BYTES


def parser() -> etree.XMLParser:
    """The only XML parser pmmlkit uses for documents (see :func:`iterparse` for the streaming one)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=True, remove_comments=False)


def is_text(source: object) -> bool:
    """Whether ``source`` is XML text rather than a path (a leading byte order mark is text too)."""
    return isinstance(source, str) and source.lstrip().lstrip(_BOM).lstrip().startswith("<")


def source_kind(source: object) -> str:
    """``"bytes"``, ``"text"`` or ``"path"``: how a source is read.

    Raises TypeError for anything else, ValidationError for an empty string (neither a path nor
    a document)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "bytes"
    if isinstance(source, str):
        if not source.strip():
            raise ValidationError("empty source: give the path of a PMML file, its bytes or its XML text")
        return "text" if is_text(source) else "path"
    if isinstance(source, os.PathLike):
        return "path"
    raise TypeError(f"cannot read PMML from a {type(source).__name__}: give a path, bytes or XML text")


def display_name(source: object) -> str:
    """``source`` as it can be shown in a message: a path that is no usable file name (a NUL, a
    lone surrogate) is shown quoted and escaped, so that printing it cannot fail."""
    try:
        name = os.fspath(source)  # type: ignore[call-overload]
    except TypeError:
        return "<input>"
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return ascii(name)
    return ascii(name) if "\x00" in name else name


def _text_bytes(text: str) -> bytes:
    # The text is encoded as UTF-8, so its declaration must say so (a leading BOM character says
    # nothing then: dropped).
    text = text.lstrip().lstrip(_BOM)
    return _DECLARATION.sub(lambda m: f"{m.group(1)}{m.group(2)}UTF-8{m.group(2)}", text, count=1).encode("utf-8")


def open_source(source: Source, limit: int | None = None) -> tuple[IO[bytes], str, int]:
    """A binary stream over the document, a name for messages and its size in bytes.

    Raises :class:`ValidationError` for a missing, special or oversized file, before reading it.
    """
    cap = max_bytes(limit)
    kind = source_kind(source)
    if kind == "bytes":
        data, name = bytes(source), "<bytes>"  # type: ignore[arg-type]
    elif kind == "text":
        data, name = _text_bytes(source), "<string>"  # type: ignore[arg-type]
    else:
        return _open_path(Path(source), cap)  # type: ignore[arg-type]
    if len(data) > cap:
        raise TooLarge(f"{name}: the document is {len(data)} bytes, more than the limit of {cap} bytes "
                              "(raise it with max_bytes= or PMMLKIT_MAX_BYTES)")
    return io.BytesIO(data), name, len(data)


def _open_path(path: Path, cap: int) -> tuple[IO[bytes], str, int]:
    name = display_name(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ValidationError(f"{name}: no such file") from None
    except OSError as exc:
        raise ValidationError(f"{name}: cannot read: {exc.strerror or exc}") from None
    except ValueError:  # a NUL, or a lone surrogate the file system cannot encode (UnicodeEncodeError)
        raise ValidationError(f"{name}: not a usable file name (it holds a NUL or a character that is not "
                              "valid Unicode); give the path of a PMML file, its bytes or its XML text") from None
    _check_regular(info, name, cap)
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO after the stat, opening does not hang;
        # the fstat below refuses it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ValidationError(f"{name}: cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        _check_regular(info, name, cap)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb"), name, info.st_size


def _check_regular(info: os.stat_result, name: str, cap: int) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise ValidationError(f"{name}: is a folder, not a PMML file")
    if not stat.S_ISREG(info.st_mode):
        raise ValidationError(f"{name}: is not a regular file (a FIFO, device or socket); pmmlkit reads PMML "
                              "only from regular files")
    if info.st_size > cap:
        raise TooLarge(f"{name}: the file is {info.st_size} bytes, more than the limit of {cap} bytes "
                              "(raise it with max_bytes= or PMMLKIT_MAX_BYTES)")


def read_source(source: Source, limit: int | None = None) -> tuple[bytes, str]:
    """The document's bytes and a name for messages. ``source`` is a path or the XML itself."""
    stream, name, size = open_source(source, limit)
    with stream:
        try:
            data = stream.read(max_bytes(limit) + 1)
        except OSError as exc:
            raise ValidationError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes(limit):  # the file grew after the size check
        raise TooLarge(f"{name}: the document is larger than the limit of {max_bytes(limit)} bytes")
    return data, name


def doctype_line(head: bytes) -> int | None:
    """The line of a DOCTYPE declaration before the first element of ``head``, or None."""
    text = _decode_head(head)
    first = re.search(r"<[A-Za-z_]", text)
    prolog = text[: first.start() if first else len(text)]
    at = prolog.find("<!DOCTYPE")
    return prolog.count("\n", 0, at) + 1 if at >= 0 else None


def _decode_head(head: bytes) -> str:
    # UTF-16 documents are sniffed in UTF-16; anything else as Latin-1 (the markup is ASCII).
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[:2] in (b"<\x00", b"\x00<"):
        codec = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-16-le" if head[0] == 0x3C else
                                                                          "utf-16-be")
        return head[: len(head) // 2 * 2].decode(codec, errors="replace")
    return head.decode("latin-1")


def peek(stream: IO[bytes]) -> tuple[bytes, IO[bytes]]:
    """The first bytes of ``stream`` and a stream that still yields everything."""
    head = stream.read(_HEAD)
    return head, _Chained(head, stream)


class _Chained(io.RawIOBase):
    """``head`` followed by the rest of ``stream``: lets the DOCTYPE sniff look ahead without a seek."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()


def parse_bytes(data: bytes, name: str = "<bytes>") -> etree._ElementTree:
    """Parse ``data`` safely into a tree; a DOCTYPE is refused outright (PMML never needs one).

    This is the bare parse; :func:`pmmlkit.validation.gate` adds the checks every reader runs.
    """
    if not data.strip():
        raise ValidationError(f"{name}: the file is empty")
    if doctype_line(data[:_HEAD]) is not None:
        raise ValidationError(f"{name}: a DOCTYPE declaration is not allowed in PMML (entities and DTDs are refused)")
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser()))
    except etree.XMLSyntaxError as exc:
        raise ValidationError(syntax_message(name, exc)) from None
    if tree.docinfo.doctype:
        raise ValidationError(f"{name}: a DOCTYPE declaration is not allowed in PMML (entities and DTDs are refused)")
    problem = in_memory(data)  # the parser's word alone changes with its release (see wellformed)
    if problem is not None:
        line = f" (line {problem[1]})" if problem[1] else ""
        raise ValidationError(f"{name}: not well-formed XML{line}: {problem[0]}")
    return tree


def syntax_message(name: str, exc: etree.XMLSyntaxError) -> str:
    line = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
    if "Excessive depth" in str(exc.msg) or "depth" in str(exc.msg).lower() and "nest" in str(exc.msg).lower():
        return (f"{name}: the document is nested too deeply (more than {MAX_DEPTH} levels){line}; "
                "pmmlkit refuses such documents")
    return f"{name}: not well-formed XML{line}: {exc.msg}"


def parse(source: Source) -> etree._ElementTree:
    data, name = read_source(source)
    return parse_bytes(data, name)


def engine_bytes(root: etree._Element) -> bytes:
    """What the scoring engine reads: the parsed tree re-serialized as UTF-8."""
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def pmml4s_bytes(root: etree._Element, data: bytes) -> bytes:
    """``data`` (the engine bytes of ``root``) as PMML4S must read it to score like the standard.

    PMML4S takes a missing value of a continuous integer input as the number Long.MIN_VALUE (a
    regression then scores -9.2e18, a tree takes a wrong branch), where JPMML-Evaluator and the
    standard treat it as missing. Declared as double, such a field keeps missing values missing,
    and its whole numbers stay exact up to 2**53 (the input contract refuses fractions and whole
    numbers beyond 2**53 before they get here)."""
    targets = {m.get("name") for m in root.iterfind(".//{*}MiningField")
               if m.get("usageType") in ("target", "predicted")}  # (how a target's score is typed stays)
    fields = [f for f in root.iterfind("{*}DataDictionary/{*}DataField")
              if f.get("dataType") == "integer" and f.get("optype") == "continuous" and f.get("name") not in targets]
    if not fields:
        return data
    for field in fields:
        field.set("dataType", "double")
    try:
        return engine_bytes(root)
    finally:
        for field in fields:
            field.set("dataType", "integer")
