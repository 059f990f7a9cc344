"""The schema step: check a document against the project's PMML 4.4 XML Schema, or another one.

Documents in an older PMML namespace (3.0 to 4.3) are checked after a documented upgrade to 4.4:

1. every element in the old PMML namespace moves to ``http://www.dmg.org/PMML-4_4`` and the root's
   ``version`` becomes ``4.4``;
2. ``MiningField usageType="predicted"`` (renamed in 4.2) becomes ``usageType="target"``;
3. ``Trend`` (renamed in 4.4) becomes ``Trend_ExpoSmooth``.

Only the copy is upgraded: the engine reads the document as written. A schema given with
``--xsd`` whose target namespace is the document's own is used without upgrading.
"""

from __future__ import annotations

import copy
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..errors import ValidationError
from ..report import Report
from ..schemas import PMML_4_4, xml_schema
from .vocabulary import CURRENT, NAMESPACES

MAX_SCHEMA_ISSUES = 50
_RENAMES = {"Trend": "Trend_ExpoSmooth"}
_CLARK = re.compile(r"\{[^}\s',]*\}")


@dataclass(frozen=True)
class Schema:
    """A compiled schema, what to call it in reports, and the namespace it describes."""

    xsd: etree.XMLSchema | None
    label: str
    namespace: str | None
    problem: str | None = None  # why it cannot be used (absent, not a schema)
    own: bool = False  # the project's own PMML 4.4 schema


def load(path: str | os.PathLike | None = None) -> Schema:
    """The schema at ``path`` (default: the project's PMML 4.4 schema), compiled once.

    A schema the caller names that is absent or not a usable XML Schema raises ValidationError
    (the caller asked for a check that cannot be done); the project's own schema missing from an
    installation only skips the step, with a warning in the report.
    """
    chosen = Path(path) if path is not None else PMML_4_4
    label = "the PMML 4.4 schema (pmmlkit)" if path is None else str(chosen)
    if not chosen.is_file():
        if path is not None:
            # A FIFO or a device is refused here, before anything opens it (opening a FIFO blocks).
            what = "is a folder" if chosen.is_dir() else "is not a regular file (a FIFO, device or socket)" \
                if chosen.exists() else "does not exist"
            raise ValidationError(f"the schema {chosen} {what}: give the path of an XML Schema (.xsd) file")
        return Schema(None, label, None, f"the project's PMML 4.4 schema {chosen} is absent")
    try:
        compiled = xml_schema(chosen.resolve())
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError) as exc:
        problem = f"{chosen} is not a usable XML Schema: {' '.join(str(exc).split()).rstrip('.')}"
        if path is not None:
            raise ValidationError(f"{problem}; give the path of an XML Schema (.xsd) file") from None
        return Schema(None, label, None, problem)
    return Schema(compiled, label, _target_namespace(chosen.resolve()), own=path is None)


@functools.cache
def _target_namespace(path: Path) -> str | None:
    return etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot() \
        .get("targetNamespace")


def streams(schema: Schema, namespace: str | None) -> bool:
    """Whether the document can be checked while it streams (no upgrade needed)."""
    return schema.xsd is not None and namespace == schema.namespace


def check_tree(root: etree._Element, schema: Schema, report: Report) -> None:
    """The schema step on a parsed document (upgraded to 4.4 first if it needs it)."""
    if skipped(schema, report):
        return
    namespace = etree.QName(root).namespace
    document = root
    if namespace != schema.namespace and namespace in NAMESPACES and schema.namespace == CURRENT:
        document = upgrade(root)
        report.checked = f"{schema.label}, after upgrading from PMML {NAMESPACES[namespace]}"
    else:
        report.checked = schema.label
    assert schema.xsd is not None
    if not schema.xsd.validate(etree.ElementTree(document)):
        add_errors(schema.xsd.error_log, report)
        unmask(document, schema, report)


# libxml2's message for an element out of the content model's order (for an Extension, a
# deviation the gate tolerates).
_MISPLACED_EXTENSION = re.compile(r"(\.\.\. and \d+ more like this: )?Element 'Extension': This element is not "
                                  r"expected\.")
SAFE_PARSER = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def masked(report: Report) -> bool:
    """Whether a misplaced Extension may hide other schema errors: libxml2 stops checking the
    children of an element once its content is out of order, so the errors after it go unreported."""
    return any(i.code == "schema" and _MISPLACED_EXTENSION.match(i.message) for i in report.errors)


def unmask(root: etree._Element, schema: Schema, report: Report) -> None:
    """When a misplaced Extension may hide errors (``masked``), check a copy without Extensions (which
    every evaluator ignores, and the schema allows only as optional elements) and add what it finds."""
    if not masked(report) or schema.xsd is None:
        return
    copied = copy.deepcopy(root)
    for extension in list(copied.iter(f"{{{etree.QName(copied).namespace}}}Extension")):
        parent = extension.getparent()
        if parent is not None:
            parent.remove(extension)
    if schema.xsd.validate(etree.ElementTree(copied)):
        return
    hidden = Report(source=report.source)
    add_errors(schema.xsd.error_log, hidden)
    known = {(i.message, i.line) for i in report.issues}
    report.issues.extend(i for i in hidden.issues if (i.message, i.line) not in known)


def skipped(schema: Schema, report: Report) -> bool:
    if schema.xsd is None:
        report.checked = f"no schema ({schema.problem})"
        report.add("warning", "schema-skipped", f"schema step skipped: {schema.problem}")
        return True
    return False


def add_errors(log: etree._ListErrorLog, report: Report) -> None:
    """Schema errors from a libxml2 error log as report issues: the first MAX_SCHEMA_ISSUES, then
    one issue per further kind of message ("... and 12 more like this: <message>", at its first line),
    so that what the rest holds stays known (the gate tolerates some kinds, not others); past
    MAX_SCHEMA_ISSUES kinds, a last issue counts what is left."""
    entries = [e for e in log if e.domain_name in ("SCHEMASV", "SCHEMASP")] or list(log)
    for entry in entries[:MAX_SCHEMA_ISSUES]:
        report.add("error", "schema", _clean(entry.message), entry.line or None)
    rest: dict[str, list[int | None]] = {}
    for entry in entries[MAX_SCHEMA_ISSUES:]:
        rest.setdefault(_clean(entry.message), []).append(entry.line or None)
    kinds = list(rest.items())
    for message, lines in kinds[:MAX_SCHEMA_ISSUES]:
        report.add("error", "schema", f"... and {len(lines)} more like this: {message}", lines[0])
    left = sum(len(lines) for _, lines in kinds[MAX_SCHEMA_ISSUES:])
    if left:
        report.add("error", "schema", f"... and {left} more schema errors")


def _clean(message: str) -> str:
    return _CLARK.sub("", " ".join(message.split()))


def upgrade(root: etree._Element) -> etree._Element:
    """A copy of an older-version document, upgraded to PMML 4.4 (see the module's docstring)."""
    old = etree.QName(root).namespace
    upgraded = copy.deepcopy(root)
    for node in upgraded.iter():
        if not isinstance(node.tag, str):
            continue
        qname = etree.QName(node)
        if qname.namespace == old:
            node.tag = f"{{{CURRENT}}}{_RENAMES.get(qname.localname, qname.localname)}"
            if qname.localname == "MiningField" and node.get("usageType") == "predicted":
                node.set("usageType", "target")
    upgraded.set("version", "4.4")
    return upgraded
