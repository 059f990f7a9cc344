"""verify(): does a PMML file score what the original model scores?"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from lxml import etree

from .document import PMMLDocument
from .frontends import FRONT_ENDS
from .parsing import parse_bytes, read_source, source_kind
from .pmml import element, find_child, format_value, is_missing_value, plain
from .report import VerificationReport
from .scoring.evaluator import load_parsed
from .verification import Tolerance, agree, agree_numbers

TOLERANCE = 1e-9


def reference_outputs(estimator: Any, X: Any, output_fields: list[etree._Element]) -> pd.DataFrame:
    """The source model's own predictions, one column per PMML output field it can explain
    (computed by the model's front end)."""
    return FRONT_ENDS.for_model(estimator).reference_outputs(estimator, X, output_fields)


def compare(expected: pd.DataFrame, actual: pd.DataFrame, report: VerificationReport, tolerance: float = TOLERANCE) -> None:
    """Record the largest difference per column; an error where any row disagrees by the one
    ModelVerification rule (:func:`pmmlkit.verification.agree`) with ``precision`` and
    ``zeroThreshold`` both ``tolerance``: relative to the expected value, and a value below it in
    magnitude counts as zero. ``embed_verification`` writes the same tolerance into the document,
    so its embedded rows are checked as this comparison checked them."""
    report.rows = len(expected)
    rule = Tolerance(tolerance, tolerance)
    for name in expected.columns:
        if name not in actual.columns:
            report.add("error", "missing-output", f"the PMML has no output {name!r}")
            continue
        want = expected[name].to_numpy()
        got = actual[name].to_numpy()
        if _is_numeric(want) and _is_numeric(got):
            want = want.astype(np.float64)
            got = got.astype(np.float64)
            both_nan = np.isnan(want) & np.isnan(got)
            diff = np.where(both_nan, 0.0, np.abs(want - got))
            diff = np.where(np.isnan(diff), np.inf, diff)
            report.differences[name] = float(diff.max()) if len(diff) else 0.0
            bad = np.flatnonzero(~agree_numbers(want, got, rule))
        else:
            mismatch = np.array([not agree(plain(a), plain(b), rule) for a, b in zip(want, got)], dtype=bool)
            report.differences[name] = float(mismatch.sum())
            bad = np.flatnonzero(mismatch)
        if len(bad):
            i = int(bad[0])
            report.add("error", "mismatch",
                       f"{name}: {len(bad)} of {len(want)} rows differ; first at row {i}: "
                       f"model {_shown(want[i])}, PMML {_shown(got[i])}")


def verify(estimator: Any, pmml: Any, X: Any, tolerance: float = TOLERANCE) -> VerificationReport:
    """Score ``X`` with ``estimator`` and with the PMML (path, bytes or PMMLDocument) on pmmlkit's
    evaluator, and report the largest difference per output field."""
    # The document is read and parsed once; the evaluator reuses the parsed tree.
    if isinstance(pmml, PMMLDocument):
        document, data, name = pmml, pmml.to_bytes(), "<bytes>"
        report = VerificationReport(source="<document>")
    else:
        data, name = read_source(pmml)
        document = PMMLDocument(parse_bytes(data, name).getroot())
        report = VerificationReport(source=name if source_kind(pmml) == "path" else "<bytes>")
    output = find_child(document.model, "Output")
    if output is None:
        report.add("error", "no-output", "the PMML declares no Output fields to compare")
        return report
    front_end = FRONT_ENDS.for_model(estimator)
    frame = front_end.rows(X, estimator)
    expected = front_end.reference_outputs(estimator, frame, list(output))
    model = load_parsed(data, name, document.root)
    actual = model.predict(front_end.to_pandas(frame))
    compare(expected, actual, report, tolerance)
    return report


def embed_verification(document: PMMLDocument, estimator: Any, X: Any) -> None:
    """Add a ModelVerification block: sample inputs with the model's own outputs."""
    model_node = document.model
    front_end = FRONT_ENDS.for_model(estimator)
    frame = front_end.rows(X, estimator)
    expected = front_end.reference_outputs(estimator, frame, document.output_fields())
    frame = front_end.to_pandas(frame)
    inputs = [n.get("name") for n in find_child(model_node, "MiningSchema")
              if n.get("usageType", "active") == "active"]
    columns = [(name, frame[name]) for name in inputs] + [(name, expected[name]) for name in expected.columns]
    fields = element("VerificationFields")
    for i, (name, _) in enumerate(columns):
        is_output = i >= len(inputs)
        # Outputs are checked as verify() checks them (compare): relative to TOLERANCE, values
        # below it counting as zero.
        fields.append(element("VerificationField", field=name, column=f"c{i}",
                              precision=TOLERANCE if is_output else None,
                              zeroThreshold=TOLERANCE if is_output else None))
    table = element("InlineTable")
    for r in range(len(frame)):
        row = element("row")
        for i, (_, values) in enumerate(columns):
            value = values.iloc[r]
            if is_missing_value(value):
                continue
            cell = element(f"c{i}")
            cell.text = format_value(plain(value))
            row.append(cell)
        table.append(row)
    verification = element("ModelVerification", fields, table, recordCount=len(frame), fieldCount=len(columns))
    old = find_child(model_node, "ModelVerification")
    if old is not None:
        model_node.remove(old)
    model_node.append(verification)


def _shown(value: Any) -> str:
    """A value as the user wrote it (2.0, 'setosa', missing), not as numpy's repr (np.float64(2.0))."""
    if is_missing_value(value):
        return "missing"
    value = plain(value)
    return repr(value) if isinstance(value, str) else format_value(value)


def _is_numeric(values: np.ndarray) -> bool:
    return values.dtype.kind in "fiu"


__all__ = ["verify", "embed_verification", "reference_outputs", "compare"]
