"""validate(): check a PMML document and report what is wrong, never raise.

The checks (:mod:`pmmlkit.validation`): the document is read within bounds (size limit, regular
files only, no DTD or entity), checked against the project's PMML 4.4 XML Schema (or ``xsd``;
older versions after an upgrade to 4.4) and against the semantic rules of the rule table, in one
streaming pass. ``verify=True`` also re-scores the document's own ModelVerification rows.
"""

from __future__ import annotations

import os
from typing import Any

from .document import PMMLDocument
from .errors import ValidationError
from .parsing import TooLarge, display_name, is_text, open_source, parse_bytes, read_source
from .report import Report
from .validation import schema as schema_step
from .validation.gate import refusal
from .validation.scan import check_root, check_stream
from .verification import verify_document

# Streaming schema checks cannot tell lines; documents up to this size are re-checked in memory
# when they have schema errors, to point at the lines.
LINES_UP_TO_BYTES = 64 * 1024 ** 2


def validate(source: Any, xsd: str | os.PathLike | None = None, verify: bool = False,
             max_bytes: int | None = None) -> Report:
    """Check a PMML document (a path, its bytes or its XML text, or a PMMLDocument).

    ``xsd``: check against this XML Schema instead of the project's PMML 4.4 schema; a schema that
    is absent or not a usable XML Schema raises ValidationError (before any document is read).
    ``verify``: also re-score the document's ModelVerification rows on the engine.
    ``max_bytes``: the size limit (default ``PMMLKIT_MAX_BYTES`` or 1 GiB).
    Returns a :class:`~pmmlkit.report.Report`; ``report.ok`` is false when any error was found.
    Unreadable, oversized or malformed input is reported too, never raised.
    """
    schema = schema_step.load(xsd)  # a bad schema argument raises: it is not the document's fault
    label = None
    if isinstance(source, PMMLDocument):
        source, label = source.to_bytes(), "<document>"
    try:
        stream, name, size = open_source(source, max_bytes)
    except TypeError as exc:
        report = Report(source="<input>")
        report.add("error", "io", str(exc))
        return report
    except ValidationError as exc:
        named = isinstance(source, (str, os.PathLike)) and str(source).strip() and not is_text(source)
        report = Report(source=display_name(source) if named else "<input>")
        report.add("error", "too-large" if isinstance(exc, TooLarge) else "io", _without_name(str(exc), report.source))
        return report
    report = Report(source=label or name)
    try:
        first_stream = [stream]

        def reopen() -> Any:  # the stream already open, then the source again
            return first_stream.pop() if first_stream else open_source(source, max_bytes)[0]

        _, parsed = check_stream(reopen, report, schema, keep_tree=False)
        if parsed and size <= LINES_UP_TO_BYTES and any(i.code == "schema" and i.line is None for i in report.issues):
            _schema_lines(source, report, schema)
        if verify:
            _verify(source, max_bytes, report, parsed)
    except MemoryError:
        report.add("error", "memory", "the document could not be checked within the available memory")
    except OSError as exc:
        report.add("error", "io", f"cannot read: {exc.strerror or exc}")
    except Exception as exc:  # a checker bug must not hide the issues found so far
        report.add("error", "internal", f"validation stopped early ({type(exc).__name__}: {exc}); please report "
                   "this document to pmmlkit")
    report.issues.sort(key=lambda issue: issue.line or 0)
    return report


def _schema_lines(source: Any, report: Report, schema: schema_step.Schema) -> None:
    """Re-check a small document in memory, so that its schema errors carry lines."""
    data, name = read_source(source)
    root = parse_bytes(data, name).getroot()
    fresh = Report(source=report.source)
    check_root(root, fresh, schema)
    report.issues[:] = [i for i in report.issues if i.code != "schema"] + [i for i in fresh.issues
                                                                           if i.code == "schema"]


def _verify(source: Any, max_bytes: int | None, report: Report, parsed: bool) -> None:
    first = refusal(report)
    if not parsed or first is not None:
        report.add("warning", "verification-skipped", "the rows cannot be re-scored: the document has errors "
                   "that block loading")
        report.rescored = 0
        return
    data, name = read_source(source, max_bytes)
    report.rescored = verify_document(data, name, report)


def _without_name(message: str, name: str) -> str:
    return message[len(name) + 2:] if message.startswith(f"{name}: ") else message


__all__ = ["validate"]
