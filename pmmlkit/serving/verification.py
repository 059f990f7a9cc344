"""Check a loaded model against the ModelVerification rows its document embeds, before it takes
traffic: the rows' inputs are scored and every expected output compared (PMML's ``precision``
is relative, ``zeroThreshold`` is the magnitude below which a value counts as zero)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from lxml import etree

from ..pmml import find_child, format_value, model_element, plain, tag_of
from ..scoring.evaluator import Model

DEFAULT_PRECISION = 1e-6
DEFAULT_ZERO_THRESHOLD = 1e-16


def verification_problem(model: Model, root: etree._Element) -> str | None:
    """None when the document has no verification rows or scores all of them as they say; else
    what differs, first row first."""
    node = model_element(root)
    verification = find_child(node, "ModelVerification") if node is not None else None
    if verification is None:
        return None
    fields = find_child(verification, "VerificationFields")
    table = find_child(verification, "InlineTable")
    if fields is None or table is None:
        return None
    columns = {f.get("column") or f.get("field"): f for f in fields if isinstance(f.tag, str)}
    rows = [{tag_of(cell): (cell.text or "") for cell in row if isinstance(cell.tag, str)}
            for row in table if isinstance(row.tag, str) and tag_of(row) == "row"]
    if not rows:
        return None
    by_field = {f.get("field"): column for column, f in columns.items()}
    missing = [name for name in model.input_names if name not in by_field]
    if missing:
        return f"its verification rows lack the inputs {missing}"
    kinds = {f.name: f.is_numeric for f in model.input_fields}
    frame = pd.DataFrame({name: [_typed(row.get(by_field[name]), kinds[name]) for row in rows]
                          for name in model.input_names})
    scored = model.predict(frame)
    predicted = _predicted_output(model)
    for column, field in columns.items():
        name = field.get("field")
        if name in model.input_names:
            continue
        output = name if name in scored.columns else (predicted if name in {t.name for t in model.target_fields}
                                                       else None)
        if output is None:
            continue
        precision = float(field.get("precision", DEFAULT_PRECISION))
        zero = float(field.get("zeroThreshold", DEFAULT_ZERO_THRESHOLD))
        for i, row in enumerate(rows):
            want = row.get(column)
            got = scored[output].iloc[i]
            if not _agrees(want, got, precision, zero):
                return f"verification row {i}: {name} is {_text(got)}, the document expects {want!r}"
    return None


def _typed(text: str | None, numeric: bool) -> Any:
    if text is None or text == "":
        return None
    if numeric:
        try:
            return float(text)
        except ValueError:
            return text
    return text


def _predicted_output(model: Model) -> str | None:
    names = model.output_names
    return next((n for n in names if n.startswith("predicted_")), names[0] if names else None)


def _agrees(want: str | None, got: Any, precision: float, zero: float) -> bool:
    missing = got is None or (isinstance(got, float) and math.isnan(got))
    if want is None or want == "":
        return missing
    if missing:
        return False
    try:
        expected = float(want)
        actual = float(got)
    except (TypeError, ValueError):
        return format_value(got) == want
    if isinstance(got, str) and format_value(got) == want:
        return True
    if abs(expected) < zero:
        return abs(actual) < zero or abs(actual - expected) <= precision
    return abs(actual - expected) <= precision * abs(expected)


def _text(value: Any) -> str:
    return "missing" if value is None or (isinstance(value, float) and math.isnan(value)) else format_value(plain(value))
