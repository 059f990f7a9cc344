"""The one ModelVerification comparer: does a model score what a document's embedded rows expect?

``pmmlkit verify FILE``, ``pmmlkit validate --verify`` and the server's load-time check all call
:func:`check_embedded`; ``pmmlkit.verify`` (a model against its PMML) compares with the same rule,
:func:`agree`. One tolerance rule, PMML's (the ModelVerification element, VerificationField's
``precision`` and ``zeroThreshold``):

- an expected value that is missing (an absent or empty cell) agrees only with a missing score;
- a number whose magnitude is below ``zeroThreshold`` (default 1e-16) counts as zero: the score must
  be below it too;
- any other number must agree to ``precision`` (default 1e-6) relative to the expected value;
- anything else (a class label, a boolean) must be equal as text.

One way to find what a VerificationField is compared with (:func:`scored_column`): an input is
not compared; a field the model outputs is that output; a target is the OutputField that predicts
it (``feature="predictedValue"``, its ``targetField`` that target or absent), else the engine's
own prediction of it. The rows' inputs are read as the document declares them (numbers for numeric
fields); an input no row gives is missing, as PMML says of an absent cell.

This module scores, so it lives above :mod:`pmmlkit.validation` (which never scores) and
:mod:`pmmlkit.scoring`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from lxml import etree

from .errors import PMMLError
from .pmml import find_child, format_value, is_missing_value, model_element, plain, tag_of
from .report import Report
from .scoring.evaluator import Model, load_parsed
from .validation import gate
from .validation.vocabulary import NAMESPACES

DEFAULT_PRECISION = 1e-6
DEFAULT_ZERO_THRESHOLD = 1e-16


@dataclass(frozen=True)
class Tolerance:
    """How closely a score must agree with an expected number (PMML's VerificationField attributes)."""

    precision: float = DEFAULT_PRECISION
    zero_threshold: float = DEFAULT_ZERO_THRESHOLD

    def __str__(self) -> str:
        return f"precision {self.precision:g}, zeroThreshold {self.zero_threshold:g}"


def agree(expected: Any, actual: Any, tolerance: Tolerance) -> bool:
    """Whether ``actual`` (a score) agrees with ``expected`` (a cell's text, or a value)."""
    if _missing(expected):
        return _missing(actual)
    if _missing(actual):
        return False
    want, got = _number(expected), _number(actual)
    if want is not None and got is not None:
        return bool(agree_numbers(np.array([want]), np.array([got]), tolerance)[0])
    return _text(expected) == _text(actual)


def agree_numbers(expected: np.ndarray, actual: np.ndarray, tolerance: Tolerance) -> np.ndarray:
    """:func:`agree` for arrays of numbers (NaN is missing): a boolean per element."""
    expected = np.asarray(expected, dtype=np.float64)
    actual = np.asarray(actual, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        zero = np.abs(expected) < tolerance.zero_threshold
        close = np.where(zero, np.abs(actual) < tolerance.zero_threshold,
                         np.abs(actual - expected) <= tolerance.precision * np.abs(expected))
    # An infinity agrees with the same infinity only: the relative bound above is infinite for it
    # (|x - inf| <= p * inf holds for every x), so it must not decide.
    infinite = np.isinf(expected) | np.isinf(actual)
    close = np.where(infinite, expected == actual, close)
    return np.where(np.isnan(expected) | np.isnan(actual), np.isnan(expected) & np.isnan(actual), close)


# -- the embedded rows ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """A VerificationField: the field it names, the table column holding it, its tolerance."""

    field: str
    column: str
    tolerance: Tolerance


@dataclass(frozen=True)
class Mismatch:
    """A field whose scores differ from the rows' expected values (``first`` is the first such row)."""

    field: str
    rows: int  # how many rows differ
    of: int  # how many rows were compared
    first: int
    line: int | None
    expected: str | None
    scored: Any
    tolerance: Tolerance

    def __str__(self) -> str:
        return (f"{self.field}: {self.rows} of {self.of} verification rows differ; first, row {self.first}: "
                f"expected {self.expected!r}, scored {shown(self.scored)} ({self.tolerance})")


@dataclass
class Outcome:
    """What re-scoring a document's embedded rows found. ``rows`` is 0 when there was nothing to
    check (``skipped`` says why)."""

    rows: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return not self.mismatches


def columns_of(verification: etree._Element) -> list[Column]:
    fields = find_child(verification, "VerificationFields")
    return [Column(f.get("field"), f.get("column") or f.get("field"),
                   Tolerance(_attribute(f, "precision", DEFAULT_PRECISION),
                             _attribute(f, "zeroThreshold", DEFAULT_ZERO_THRESHOLD)))
            for f in (fields if fields is not None else ()) if isinstance(f.tag, str)
            and tag_of(f) == "VerificationField" and f.get("field") is not None]


def scored_column(model: Model, document_model: etree._Element, name: str) -> str | None:
    """The model output a VerificationField named ``name`` is compared with (None: not compared)."""
    if name in model.input_names:
        return None
    if name in model.output_names:
        return name
    if name not in {t.name for t in model.target_fields}:
        return None
    output = find_child(document_model, "Output")
    for item in output if output is not None else ():
        if isinstance(item.tag, str) and tag_of(item) == "OutputField" \
                and item.get("feature", "predictedValue") == "predictedValue" \
                and item.get("targetField") in (None, name) and item.get("segmentId") is None \
                and item.get("name") in model.output_names:
            return item.get("name")
    own = f"predicted_{name}"  # what the engine names its prediction when the Output declares none
    return own if own in model.output_names else None


def check_embedded(model: Model, root: etree._Element) -> Outcome:
    """Score the rows of the document's ModelVerification block and compare every expected output."""
    document_model = model_element(root)
    verification = find_child(document_model, "ModelVerification") if document_model is not None else None
    table = find_child(verification, "InlineTable") if verification is not None else None
    if verification is None or table is None or find_child(verification, "VerificationFields") is None:
        return Outcome(skipped="the document has no ModelVerification rows to re-score")
    columns = columns_of(verification)
    rows = [row for row in table if isinstance(row.tag, str) and tag_of(row) == "row"]
    if not rows:
        return Outcome(skipped="the document's ModelVerification table has no rows")
    cells = [{tag_of(cell): cell.text for cell in row if isinstance(cell.tag, str)} for row in rows]
    by_field = {c.field: c for c in columns}
    numeric = {f.name: f.is_numeric for f in model.input_fields}
    inputs = pd.DataFrame({name: [_input(row.get(by_field[name].column) if name in by_field else None,
                                         numeric[name]) for row in cells]
                           for name in model.input_names}, dtype=object)
    scored = model.predict(inputs)
    outcome = Outcome(rows=len(rows))
    for column in columns:
        output = scored_column(model, document_model, column.field)
        if output is None:
            continue
        values = [plain(v) for v in scored[output].tolist()]
        bad = [i for i, row in enumerate(cells) if not agree(row.get(column.column), values[i], column.tolerance)]
        if bad:
            i = bad[0]
            outcome.mismatches.append(Mismatch(column.field, len(bad), len(rows), i, rows[i].sourceline,
                                               cells[i].get(column.column), values[i], column.tolerance))
    return outcome


def verify_document(data: bytes, name: str, report: Report, root: etree._Element | None = None) -> int:
    """Load the document (``root``: as the gate returned it, when the caller gated it already) and
    add :func:`check_embedded`'s findings to ``report``: a ``verification-mismatch`` error per field
    that differs; a ``verification-skipped`` warning when there is nothing to check or the document
    cannot be loaded. Returns the number of rows checked (``pmmlkit verify FILE``,
    ``validate --verify``)."""
    try:
        root = gate(data, name) if root is None else root
        model = load_parsed(data, name, root=root)
    except PMMLError as exc:
        report.add("warning", "verification-skipped", f"the rows cannot be re-scored: {exc}")
        return 0
    report.version = report.version or NAMESPACES.get(etree.QName(root).namespace or "")
    outcome = check_embedded(model, root)
    if outcome.skipped:
        report.add("warning", "verification-skipped", outcome.skipped)
    for mismatch in outcome.mismatches:
        report.add("error", "verification-mismatch", str(mismatch), mismatch.line)
    return outcome.rows


# -- values --------------------------------------------------------------------------------------
def shown(value: Any) -> str:
    """A value as the user wrote it (2.0, 'setosa', missing), not as numpy's repr (np.float64(2.0))."""
    if _missing(value):
        return "missing"
    value = plain(value)
    return repr(value) if isinstance(value, str) else format_value(value)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    return is_missing_value(value)


def _number(value: Any) -> float | None:
    """A number, from a number or its text (a boolean is not one)."""
    value = plain(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _text(value: Any) -> str:
    value = plain(value)
    return value.strip() if isinstance(value, str) else format_value(value)


def _input(text: str | None, numeric: bool) -> Any:
    if text is None or text.strip() == "":
        return None
    if numeric:
        value = _number(text)
        return text if value is None else value  # not a number: the engine's refusal says so
    return text


def _attribute(node: etree._Element, name: str, default: float) -> float:
    value = _number(node.get(name)) if node.get(name) is not None else None
    return default if value is None or math.isnan(value) else value


__all__: Sequence[str] = ("Tolerance", "agree", "agree_numbers", "check_embedded", "verify_document",
                          "scored_column", "Mismatch", "Outcome", "DEFAULT_PRECISION", "DEFAULT_ZERO_THRESHOLD")
