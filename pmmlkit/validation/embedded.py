"""Re-score a document's own ModelVerification rows (``pmmlkit verify FILE``, ``validate --verify``).

Each expected value is compared as the PMML standard says, with the tolerance its
VerificationField declares: a number whose expected magnitude is below ``zeroThreshold``
(default 1e-16) must score below it too; any other number must agree to ``precision`` (default
1e-6) relative to the expected value; anything else must be equal as text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from lxml import etree

from ..errors import PMMLError
from ..pmml import format_value, model_element, plain
from ..report import Report
from ..scoring.evaluator import load_parsed
from .elements import child, children, local
from .gate import gate
from .vocabulary import NAMESPACES, NUMERIC_TYPES

DEFAULT_PRECISION = 1e-6
DEFAULT_ZERO_THRESHOLD = 1e-16


@dataclass(frozen=True)
class _Column:
    field: str
    column: str
    precision: float
    zero: float


def check(data: bytes, name: str, report: Report, root: etree._Element | None = None) -> int:
    """Re-score the rows; add a ``verification-mismatch`` error per field that differs. Returns the
    number of rows checked (0 when there is nothing to check, with a ``verification-skipped`` warning).

    ``root``: the document as :func:`~pmmlkit.validation.gate` returned it, when the caller gated
    it already. Either way the tree is the gate's, streamed without what no engine reads (Extension
    content), so memory stays bounded by what is scored."""
    if root is None:
        try:
            root = gate(data, name)
        except PMMLError as exc:
            report.add("warning", "verification-skipped", f"the rows cannot be re-scored: {exc}")
            return 0
    report.version = report.version or NAMESPACES.get(etree.QName(root).namespace or "")
    model = model_element(root)
    block = child(model, "ModelVerification") if model is not None else None
    table = child(block, "InlineTable") if block is not None else None
    fields = child(block, "VerificationFields") if block is not None else None
    if table is None or fields is None:
        report.add("warning", "verification-skipped", "the document has no ModelVerification rows to re-score")
        return 0
    columns = [_Column(f.get("field"), f.get("column") or f.get("field"), _float(f.get("precision"),
                       DEFAULT_PRECISION), _float(f.get("zeroThreshold"), DEFAULT_ZERO_THRESHOLD))
               for f in children(fields, "VerificationField")]
    rows = [{local(cell): cell.text for cell in row if local(cell)} for row in children(table, "row")]
    lines = [row.sourceline for row in children(table, "row")]
    try:
        scorer = load_parsed(data, name, root=root)
    except PMMLError as exc:
        report.add("warning", "verification-skipped", f"the rows cannot be re-scored: {exc}", block.sourceline)
        return 0
    outputs = _expected_columns(model, columns, scorer.input_names)
    # The rows are text; the engine takes numbers for numeric fields (a cell that is not a number
    # stays text, and the engine's refusal says so).
    dictionary = child(root, "DataDictionary")
    numeric = {f.get("name") for f in (children(dictionary, "DataField") if dictionary is not None else [])
               if f.get("dataType") in NUMERIC_TYPES}
    inputs = pd.DataFrame({n: [_cell(row.get(_column_of(columns, n)), n in numeric) for row in rows]
                           for n in scorer.input_names}, dtype=object)
    scored = scorer.predict(inputs)
    for column, output in outputs:
        bad = [i for i, row in enumerate(rows)
               if not _agrees(row.get(column.column), plain(scored[output].iloc[i]), column)]
        if bad:
            i = bad[0]
            report.add("error", "verification-mismatch",
                       f"{column.field}: {len(bad)} of {len(rows)} verification rows differ; first: expected "
                       f"{rows[i].get(column.column)!r}, scored {format_value(plain(scored[output].iloc[i]))!r} "
                       f"(precision {column.precision:g}, zeroThreshold {column.zero:g})", lines[i])
    return len(rows)


def _expected_columns(model: etree._Element, columns: list[_Column], inputs: list[str]) -> list[tuple[_Column, str]]:
    """The verification columns that hold expected outputs, with the scored column each compares to."""
    output = child(model, "Output")
    declared = children(output, "OutputField") if output is not None else []
    names = {f.get("name") for f in declared}
    pairs = []
    for column in columns:
        if column.field in inputs:
            continue
        if column.field in names:
            pairs.append((column, column.field))
            continue
        # A target named directly: compare with the OutputField that predicts it.
        for item in declared:
            if item.get("feature", "predictedValue") == "predictedValue" and item.get("targetField") in (
                    None, column.field):
                pairs.append((column, item.get("name")))
                break
    return pairs


def _column_of(columns: list[_Column], field: str) -> str:
    return next((c.column for c in columns if c.field == field), field)


def _agrees(expected: str | None, actual: object, column: _Column) -> bool:
    missing = actual is None or (isinstance(actual, float) and math.isnan(actual))
    if expected is None or expected.strip() == "":
        return missing
    if missing:
        return False
    want = _float(expected, None)
    got = _float(format_value(actual), None) if not isinstance(actual, bool) else None
    if want is not None and got is not None:
        if abs(want) < column.zero:
            return abs(got) < column.zero
        return abs(got - want) <= column.precision * abs(want)
    return expected.strip() == format_value(actual)


def _cell(text: str | None, numeric: bool) -> str | float | None:
    if text is None or not numeric:
        return text
    if text.strip() == "":
        return None
    value = _float(text, None)
    return text if value is None else value


def _float(text: str | None, default: float | None) -> float | None:
    if text is None:
        return default
    try:
        return float(text)
    except ValueError:
        return default
