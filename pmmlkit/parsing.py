"""Hardened XML parsing: no DTD, no entity expansion, no network or file access."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Union

from lxml import etree

from .errors import ValidationError

Source = Union[str, bytes, os.PathLike]

MAX_BYTES = 2 * 1024 ** 3


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=True, remove_comments=False)


def read_source(source: Source) -> tuple[bytes, str]:
    """The document's bytes and a name for messages. ``source`` is a path or the XML itself."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), "<bytes>"
    if isinstance(source, str) and source.lstrip().startswith("<"):
        return source.encode("utf-8"), "<string>"
    path = Path(source)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValidationError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ValidationError(f"{path}: is a folder, not a PMML file") from None
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return data, str(path)


def parse_bytes(data: bytes, name: str = "<bytes>") -> etree._ElementTree:
    """Parse ``data`` safely; a DOCTYPE is refused outright (PMML never needs one)."""
    if not data.strip():
        raise ValidationError(f"{name}: the file is empty")
    # Refuse a DOCTYPE before parsing, so that entity tricks fail with this message rather than
    # with whatever libxml2 says about the unexpanded entity.
    first = re.search(rb"<[A-Za-z_]", data)
    if b"<!DOCTYPE" in data[: first.start() if first else len(data)]:
        raise ValidationError(f"{name}: a DOCTYPE declaration is not allowed in PMML (entities and DTDs are refused)")
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as exc:
        line = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
        if "Excessive depth" in str(exc.msg):
            raise ValidationError(f"{name}: the document is nested too deeply (more than 2048 levels){line}; "
                                  "pmmlkit refuses such documents") from None
        raise ValidationError(f"{name}: not well-formed XML{line}: {exc.msg}") from None
    if tree.docinfo.doctype:
        raise ValidationError(f"{name}: a DOCTYPE declaration is not allowed in PMML (entities and DTDs are refused)")
    return tree


def parse(source: Source) -> etree._ElementTree:
    data, name = read_source(source)
    return parse_bytes(data, name)
