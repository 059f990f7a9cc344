"""One pass over a document: parse it safely, run the semantic checks unit by unit and the schema step.

Streaming (``keep_tree=False``, what ``validate`` does): lxml's ``iterparse`` reads the file in
chunks, libxml2 checks the XML Schema on the same pass, and the checker drops every unit once it
has checked it, so memory grows with the largest single model, not with the file.
Keeping the tree (``keep_tree=True``, what the gate does for ``load``): the same checks on the same
events; the tree is returned for the engine.
Either way the document counts as read only when :func:`pmmlkit.wellformed.verdict` says it is
complete: the parser's end event for the root AND the root's end tag in the bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from lxml import etree

from ..parsing import MAX_DEPTH, doctype_line, peek
from ..pmml import MODEL_TAGS
from ..report import Report
from ..wellformed import DocumentEnd, verdict
from . import schema as schema_step
from .checks import Checker
from .elements import local
from .rawtrees import TreeBytes
from .vocabulary import NAMESPACES

UNITS = tuple("{*}" + tag for tag in ("PMML", "DataField", "DataDictionary", "TransformationDictionary", "Segment",
                                        "Extension", "row", *sorted(MODEL_TAGS)))


@dataclass(frozen=True)
class _Root:
    localname: str
    namespace: str | None
    version: str | None
    line: int | None


def _sniff_root(head: bytes) -> _Root | None:
    """The root element's name, namespace and version, read from the first bytes alone.

    None unless the root's start tag is whole in ``head``: some parser releases send the start
    event of a start tag the bytes cut short (``<P``), which would name a wrong root."""
    end = DocumentEnd()
    end.feed(head)
    if not end.root_read:
        return None
    try:
        for _, node in etree.iterparse(io.BytesIO(head), events=("start",), resolve_entities=False,
                                       no_network=True, load_dtd=False, huge_tree=True):
            qname = etree.QName(node)
            return _Root(qname.localname, qname.namespace, node.get("version"), node.sourceline)
    except etree.XMLSyntaxError:
        return None
    return None


def check_stream(open_stream: Callable[[], IO[bytes]], report: Report, schema: schema_step.Schema, keep_tree: bool
                 ) -> tuple[etree._Element | None, bool]:
    """Check the document ``open_stream()`` reads; returns (the tree when kept, whether it parsed).

    ``open_stream`` is called again (once) when a streaming schema check stops the parser early:
    the second pass, without the schema, finds the rules' issues or the syntax error.
    """
    with open_stream() as stream:
        head, chained = peek(stream)
        if not head.strip():
            report.add("error", "empty", "the file is empty")
            return None, False
        line = doctype_line(head)
        if line is not None:
            report.add("error", "doctype", "a DOCTYPE declaration is not allowed in PMML (DTDs and entities are "
                       "refused, nothing was expanded)", line)
            return None, False
        root_info = _sniff_root(head)
        if root_info is not None:
            if root_info.localname != "PMML":
                report.add("error", "root", f"the root element is <{root_info.localname}>, not <PMML>: this is not "
                           "a PMML document", root_info.line)
                return None, False
            report.version = _version(root_info.namespace)
        streamed = schema.xsd is not None and not keep_tree and root_info is not None \
            and schema_step.streams(schema, root_info.namespace)
        keep = keep_tree or (schema.xsd is not None and not streamed)
        # Stand-ins (rawtrees) replace trees that are valid against the PMML 4.4 schema: not while
        # the tree is kept for an engine, nor with another schema, which might want more of them.
        stand_ins = not keep and (schema.xsd is None or schema.own)
        outcome = _pass(chained, report, root_info, keep, schema.xsd if streamed else None, stand_ins=stand_ins)
    if outcome.restart:  # no element ended in the first megabytes: read again, tracking the root from its start
        with open_stream() as stream:
            outcome = _pass(stream, report, root_info, keep, schema.xsd if streamed else None, root_start=True,
                            stand_ins=stand_ins)
    schema_log, schema_failure = outcome.schema_log, outcome.schema_failure
    if outcome.rerun:  # the schema check stopped the parser early: read again without it for the rest
        with open_stream() as stream:
            outcome = _pass(stream, report, root_info, keep, None, root_start=True, stand_ins=stand_ins)
    if streamed and outcome.root is not None:
        report.checked = schema.label
        if schema_log is not None:
            schema_step.add_errors(schema_log, report)
            if schema_step.masked(report):  # read the whole tree for what a misplaced Extension hid
                with open_stream() as stream:
                    whole = etree.parse(stream, etree.XMLParser(**schema_step.SAFE_PARSER)).getroot()
                schema_step.unmask(whole, schema, report)
        elif schema_failure is not None:  # the plain parser found nothing: the schema check's word stands
            report.add("error", "schema", f"the schema check failed: {schema_failure}")
    if outcome.root is None:
        return None, False
    if not streamed and not schema_step.skipped(schema, report):
        schema_step.check_tree(outcome.root, schema, report)
    return (outcome.root if keep_tree else None), True


@dataclass
class _Outcome:
    root: etree._Element | None = None  # None when the document could not be read
    root_ended: bool = False  # the parser sent the root's end event (no proof alone: see wellformed)
    read_all: bool = False  # every byte was fed to the parser and to the DocumentEnd
    restart: bool = False  # read again with start events (see _ROOT_WITHIN)
    rerun: bool = False  # read again without the schema (it stopped the parser before the end)
    schema_log: etree._ListErrorLog | None = None
    schema_failure: str | None = None  # the schema check raised without a log entry: its message


_CHUNK = 1024 ** 2
# Start events make libxml2's pass about twice as slow, so the root is normally taken from the first
# element that ends. Freeing memory needs the root: when none has ended within this many bytes (a
# huge first Extension), the document is read again with start events.
_ROOT_WITHIN = 4 * _CHUNK


def _pass(stream: IO[bytes], report: Report, root_info: _Root | None, keep: bool,
          xsd: etree.XMLSchema | None, root_start: bool = False, stand_ins: bool = False) -> _Outcome:
    """One parse of the document, feeding the checker; rule issues go to ``report`` only if it parsed."""
    rules = Report(source=report.source)
    checker = Checker(rules, drop=not keep, empty_extensions=True)
    if root_info is not None and not checker.start(root_info.namespace, root_info.version, root_info.line):
        report.issues.extend(rules.issues)
        return _Outcome()
    etree.clear_error_log()  # libxml2's log is per thread, not per parse: start this parse's afresh
    parser = etree.XMLPullParser(events=("start", "end") if root_start else ("end",), tag=UNITS,
                                 resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, schema=xsd)
    outcome = _Outcome()
    root = None
    fed = 0
    tree_bytes = TreeBytes(stand_ins)
    document_end = DocumentEnd()  # fed the document's own bytes (the parser may get stand-ins)

    def incomplete() -> tuple[str, int | None] | None:
        return verdict(outcome.root_ended, document_end if outcome.read_all else None)

    try:
        try:
            while True:
                chunk = stream.read(_CHUNK)
                if chunk:
                    document_end.feed(chunk)
                    tree_bytes.feed(chunk)
                    parser.feed(tree_bytes.ready() if stand_ins else chunk)
                    fed += len(chunk)
                else:
                    outcome.read_all = True
                    if stand_ins:
                        parser.feed(tree_bytes.ready(final=True))
                    parser.close()
                for event, node in parser.read_events():
                    if root is None:
                        root = node if event == "start" else node.getroottree().getroot()
                    if event == "start":
                        continue
                    if node is root:
                        outcome.root_ended = True
                    elif local(node) == "TreeModel":
                        checker.end(node, tree_bytes.take())
                    else:
                        checker.end(node)
                tree_bytes.release()
                if not chunk:
                    break
                if root is None and fed >= _ROOT_WITHIN:
                    return _Outcome(restart=True)
                if root is not None:
                    _prune(root, _UNREAD_BY_ENGINE if keep else _UNREAD)
        except etree.XMLSyntaxError as exc:
            log = exc.error_log
            if xsd is None or any(e.domain_name not in ("SCHEMASV", "SCHEMASP") for e in log):
                _syntax(exc, report)
                return _Outcome()
            # A schema error (or, with lxml 6.2, a syntax error with an empty log) before the end:
            # read again without the schema, which finds the rest.
            if not log:
                return _Outcome(schema_failure=str(exc.msg or exc), rerun=True)
            if incomplete() is not None:
                return _Outcome(schema_log=log, rerun=True)
            outcome.schema_log = log
        problem = incomplete()
        if problem is not None:
            # While it checks a schema, libxml2 may neither raise on a truncated document nor
            # withhold the end events (lxml 6.2): the plain parser's reading tells where it broke.
            if xsd is not None:
                return _Outcome(rerun=True)
            report.add("error", "xml-syntax", f"not well-formed XML: {problem[0]}", problem[1])
            return _Outcome()
        if root is None:
            report.add("error", "xml-syntax", "the document has no root element")
            return _Outcome()
        if root_info is None:  # the root's start tag did not fit in the first bytes
            if local(root) != "PMML":
                report.add("error", "root", f"the root element is <{local(root)}>, not <PMML>", root.sourceline)
                return _Outcome()
            report.version = _version(etree.QName(root).namespace)
            if not checker.start(etree.QName(root).namespace, root.get("version"), root.sourceline):
                report.issues.extend(rules.issues)
                return _Outcome()
        if root.getroottree().docinfo.doctype:
            report.add("error", "doctype", "a DOCTYPE declaration is not allowed in PMML", 1)
            return _Outcome()
        checker.finish(root)
    except RecursionError:
        report.add("error", "depth", "the document is nested too deeply to check")
        return _Outcome()
    except MemoryError:
        report.add("error", "memory", "the document could not be read within the available memory")
        return _Outcome()
    report.issues.extend(rules.issues)
    outcome.root = root
    return outcome


# Elements whose content no check reads: their finished children are freed while the document
# streams, whatever their number (an Extension may hold anything).
_UNREAD = {"Extension", "Header", "Annotation", "InlineTable", "DataDictionary"}
# Keeping the tree for the engine: only what neither the checks nor the engine read. PMML4S skips
# every Extension unread (its builders' extension handler), so a document whose bulk is Extension
# content is kept small for load/score/info/verify too (the Checker empties each Extension at its
# end; this frees its finished children while it is still open).
_UNREAD_BY_ENGINE = {"Extension"}


def _prune(root: etree._Element, unread: set[str] = _UNREAD) -> None:
    """Free the finished children of ``unread`` elements along the open path (the last child chain)."""
    node = root
    inside = False
    while len(node):
        tag = local(node)
        inside = inside or tag in unread
        if inside and len(node) > 1:
            del node[:-1]
        node = node[-1]


def check_root(root: etree._Element, report: Report, schema: schema_step.Schema) -> bool:
    """The same checks on a document already parsed (nothing is dropped)."""
    if local(root) != "PMML":
        report.add("error", "root", f"the root element is <{local(root)}>, not <PMML>: this is not a PMML document",
                   root.sourceline)
        return False
    rules = Report(source=report.source)
    checker = Checker(rules, drop=False)
    namespace = etree.QName(root).namespace
    report.version = _version(namespace)
    if not checker.start(namespace, root.get("version"), root.sourceline):
        report.issues.extend(rules.issues)
        return False
    try:
        for _, node in etree.iterwalk(root, events=("end",), tag=UNITS):
            checker.end(node)
        checker.finish(root)
    except RecursionError:
        report.add("error", "depth", "the document is nested too deeply to check")
        return False
    if not schema_step.skipped(schema, report):
        schema_step.check_tree(root, schema, report)
    report.issues.extend(rules.issues)
    return True


def _version(namespace: str | None) -> str | None:
    return NAMESPACES.get(namespace or "")


def _syntax(exc: etree.XMLSyntaxError, report: Report) -> None:
    entry = next((e for e in exc.error_log if e.domain_name not in ("SCHEMASV", "SCHEMASP")), None)
    message = entry.message if entry is not None else re.sub(r", line \d+, column \d+$", "", str(exc.msg or exc))
    line = (entry.line if entry is not None else None) or getattr(exc, "lineno", None) or None
    if "depth" in message.lower() and ("excessive" in message.lower() or "nest" in message.lower()):
        report.add("error", "depth", f"the document is nested too deeply to be read safely (more than {MAX_DEPTH} "
                   "levels)", line)
        return
    report.add("error", "xml-syntax", f"not well-formed XML: {' '.join(message.split())}", line)
