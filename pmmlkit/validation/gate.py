"""The gate: the checks every reader of PMML runs before it trusts a document.

``pmmlkit.load`` (and through it ``score``, ``verify``, the Spark scorer and the server) and
``pmmlkit info`` call :func:`gate`. It runs the same checks as ``validate`` and refuses, with
:class:`~pmmlkit.ValidationError` naming the first fault and its line, every document whose fault
makes a score wrong or undefined: the rules the table marks "blocks loading". A schema error
blocks too, unless it is one of the known deviations below: those, and the errors of non-blocking
rules, are logged as warnings on the ``pmmlkit`` logger and the document is scored; ``strict=True``
refuses them too.
"""

from __future__ import annotations

import io
import logging
import re

from lxml import etree

from ..errors import ValidationError
from ..report import Issue, Report
from . import schema as schema_step
from .rules import BY_CODE
from .scan import check_root, check_stream

log = logging.getLogger("pmmlkit")

# Schema deviations real producers write that have one unambiguous reading, scored alike by PMML4S
# and JPMML-Evaluator (checked on PMML4S: tests/test_gate.py). Every other schema error (a second
# DataDictionary, an element from another namespace, an unknown enumeration value, ...) makes the
# engine fail or guess, so it blocks. The patterns match the schema step's messages (libxml2's
# wording, namespaces removed).
TOLERATED_SCHEMA_DEVIATIONS = (
    # The R pmml package: the type of an OutputField follows from its feature.
    re.compile(r"Element 'OutputField': The attribute 'dataType' is required but missing\."),
    # An Extension where the schema does not expect one: both engines ignore Extensions.
    re.compile(r"Element 'Extension': This element is not expected\."),
    # JPMML's vendor attributes (x-mathContext on its XGBoost/LightGBM models, ...): PMML4S ignores
    # them. x-mathContext="float" is reported besides, as interop-float (the engines' arithmetic differs).
    re.compile(r"Element '[^']+', attribute 'x-[^']*': The attribute 'x-[^']*' is not allowed\."),
)
_MORE_LIKE_THIS = re.compile(r"^\.\.\. and \d+ more like this: ")


def gate(data: bytes, name: str = "<bytes>", strict: bool = False, root: etree._Element | None = None,
         native: bool = False) -> etree._Element:
    """Check ``data`` (already parsed as ``root``, when given) and return its parsed root.

    Raises :class:`ValidationError` on the first blocking fault (on any error when ``strict``).
    ``native``: the document is for the native engine, which compiles some models PMML4S cannot
    score (:func:`native_scorable`): their ``unsupported`` issues do not block.
    """
    report = Report(source=name)
    schema = schema_step.load()
    if root is None:
        root, _ = check_stream(lambda: io.BytesIO(data), report, schema, keep_tree=True)
    else:
        check_root(root, report, schema)
    if native and root is not None:
        lines = {node.sourceline for node in root.iter() if native_scorable(node)}
        report.issues = [i for i in report.issues if not (i.code == "unsupported" and i.line in lines)]
    report.issues.sort(key=lambda issue: issue.line or 0)  # the first fault in the document
    first = refusal(report, strict)
    if first is not None or root is None:
        raise ValidationError(_message(name, first or Issue("error", "internal", "the document cannot be read")))
    for issue in report.errors:
        where = f"line {issue.line}: " if issue.line else ""  # a warning: not worded "error:"
        log.warning("%s: %s%s [%s] (tolerated: scored anyway; strict=True refuses it)", name, where, issue.message,
                    issue.code)
    return root


def native_scorable(node: etree._Element) -> bool:
    """A model the ``unsupported`` rule refuses (PMML4S cannot score it) that the native engine
    compiles: Cox regression. (The native compiler still refuses what it does not compile in it.)"""
    return isinstance(node.tag, str) and node.tag.rpartition("}")[2] == "GeneralRegressionModel" and \
        node.get("modelType") == "CoxRegression"


def refusal(report: Report, strict: bool = False) -> Issue | None:
    """The first issue of ``report`` that makes the gate refuse, or None."""
    for issue in report.errors:
        if strict or blocks(issue):
            return issue
    return None


def blocks(issue: Issue) -> bool:
    """Whether ``issue`` makes the gate refuse a document (without ``strict``)."""
    if issue.code == "schema":
        message = _MORE_LIKE_THIS.sub("", issue.message)  # "... and 12 more like this: <message>"
        return not any(pattern.match(message) for pattern in TOLERATED_SCHEMA_DEVIATIONS)
    return BY_CODE[issue.code].blocks


def _message(name: str, issue: Issue) -> str:
    where = f"line {issue.line}: " if issue.line else ""
    return (f"{name}: {where}{issue.message} [{issue.code}]; `pmmlkit validate` lists every issue and "
            "`pmmlkit validate --rules` explains the codes")
