"""Shared checks for fidelity tests: schema validity and scores on independent evaluators.

``EVALUATORS`` is the engine column of every fidelity table (case x engine): pmmlkit on PMML4S
("pmmlkit"), JPMML-Evaluator ("jpmml") and pmmlkit's native engine ("native"). On pmmlkit's
engines every fidelity row also checks that its two ways in agree: the column path (a DataFrame)
gives exactly what the record path (one dict per row) gives, and a list of records what those
records give one by one. Both cross the same input contract. A native row also checks that the
native engine gives PMML4S's columns, dtypes and values (to ENGINE_TOLERANCE)."""

from __future__ import annotations

import functools
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from lxml import etree
from pmmlkit.schemas import xml_schema

import pmmlkit
from pmmlkit.report import VerificationReport
from pmmlkit.verify import compare, reference_outputs

ROOT = Path(__file__).resolve().parent.parent
# The DMG's official schemas, a test oracle kept outside the project: beside the checkout, or where
# PMMLKIT_ORACLE points (a worktree's checkout has no ../shared of its own).
ORACLE = Path(os.environ.get("PMMLKIT_ORACLE") or ROOT.parent / "shared" / "oracle")
EVALUATORS = ("pmmlkit", "jpmml", "native")
TOLERANCE = 1e-9
# Native vs PMML4S: relative to the value; below ENGINE_FLOOR absolute (a probability written as
# 1 - p is -2.2e-16 on one engine and 0 on the other).
ENGINE_TOLERANCE = 1e-12
ENGINE_FLOOR = 1e-15


@functools.cache
def _schema(name: str) -> etree.XMLSchema | None:
    path = ORACLE / name
    if not path.exists():
        return None
    return etree.XMLSchema(etree.parse(str(path)))


def oracle_schema(name: str = "pmml-4-4-1.xsd") -> etree.XMLSchema:
    schema = _schema(name)
    if schema is None:
        pytest.skip(f"the official DMG schema {ORACLE / name} is absent (../shared/oracle is not beside the "
                    "checkout); schema checks need it")
    return schema


def _assert_valid(schema: etree.XMLSchema, document: etree._ElementTree, path: Path, label: str) -> None:
    if not schema.validate(document):
        errors = "\n".join(f"line {e.line}: {e.message}" for e in list(schema.error_log)[:10])
        raise AssertionError(f"{path} is not valid against {label}:\n{errors}")


def assert_schema_valid(path: Path, oracle_name: str = "pmml-4-4-1.xsd") -> None:
    """``path`` is valid against the project's own PMML 4.4 schema (always checked, so a fresh clone
    runs every fidelity row) and, where the DMG oracle is beside the checkout, against it too."""
    document = etree.parse(str(path))
    _assert_valid(xml_schema(), document, path, "the project schema schemas/pmml-4-4.xsd")
    oracle = _schema(oracle_name)
    if oracle is not None:
        _assert_valid(oracle, document, path, f"the DMG schema {oracle_name}")


def score(evaluator: str, path: Path, X: pd.DataFrame, engine_tolerance: float | None = None) -> pd.DataFrame:
    if evaluator == "pmmlkit":
        model = pmmlkit.load(path)
        columns = model.predict(X)
        assert_record_path_agrees(model, X, columns)
        return columns
    if evaluator == "native":
        model = pmmlkit.load(path, engine="native")
        columns = model.predict(X)
        assert_record_path_agrees(model, X, columns)
        assert_engines_agree(pmmlkit.load(path).predict(X), columns, f"{path.name}: native vs PMML4S",
                             engine_tolerance or ENGINE_TOLERANCE)
        return columns
    if evaluator == "jpmml":
        import jpmml_evaluator

        frame = X.astype(object).where(X.notna(), None)
        result = jpmml_evaluator.make_evaluator(str(path)).verify().evaluateAll(frame)
        return result.set_axis(X.index, axis=0)
    raise ValueError(evaluator)


def assert_engines_agree(reference: pd.DataFrame, native: pd.DataFrame, label: str,
                         tolerance: float = ENGINE_TOLERANCE) -> None:
    """The native engine's frame has PMML4S's columns and dtypes, the same labels and missing
    cells, and numbers equal to ENGINE_TOLERANCE."""
    assert list(native.columns) == list(reference.columns), (label, list(native.columns), list(reference.columns))
    for name in reference.columns:
        want, got = reference[name], native[name]
        assert got.dtype == want.dtype, f"{label}, {name}: dtype {got.dtype}, PMML4S {want.dtype}"
        if not pd.api.types.is_numeric_dtype(want.dtype):
            same = [(a is None or a != a) and (b is None or b != b) or a == b for a, b in zip(want, got)]
            assert all(same), f"{label}, {name}: first difference at row {same.index(False)}"
            continue
        a, b = want.to_numpy(dtype=np.float64), got.to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore"):  # inf - inf: equal infinities are compared by a == b
            close = (np.isnan(a) & np.isnan(b)) | (a == b) | \
                (np.abs(a - b) <= tolerance * np.maximum(np.abs(a), np.abs(b)) + ENGINE_FLOOR)
        if not close.all():
            i = int(np.flatnonzero(~close)[0])
            raise AssertionError(f"{label}, {name}: {int((~close).sum())} rows differ; first row {i}: "
                                 f"native {b[i]!r}, PMML4S {a[i]!r}")


def _same(column_value: Any, record_value: Any) -> bool:
    if hasattr(column_value, "item"):
        column_value = column_value.item()
    if record_value is None:
        return column_value is None or (isinstance(column_value, float) and math.isnan(column_value))
    if isinstance(record_value, (int, float)):
        return type(column_value)(record_value) == column_value
    return record_value == column_value


def assert_record_path_agrees(model: pmmlkit.Model, X: pd.DataFrame, columns: pd.DataFrame) -> None:
    """Each row of ``X`` scored alone as a dict gives exactly row i of ``columns`` (the frame's
    scores), and all the rows as one list of records give the same dicts."""
    records = X[model.input_names].to_dict("records")
    singles = [model.predict(record) for record in records]
    for i, (record, got) in enumerate(zip(records, singles)):
        assert list(got) == list(columns.columns), (i, list(got), list(columns.columns))
        for name in columns.columns:
            want = columns[name].iloc[i]
            assert _same(want, got[name]), f"row {i}, {name}: record path {got[name]!r}, column path {want!r} " \
                f"for {record}"
    assert model.predict(records) == singles


def assert_scores_match(expected: pd.DataFrame, actual: pd.DataFrame, label: str) -> VerificationReport:
    report = VerificationReport(source=label)
    compare(expected, actual, report, TOLERANCE)
    assert report.ok, str(report)
    return report


def check_model(estimator: Any, X_fit: pd.DataFrame, X_eval: pd.DataFrame, evaluator: str, tmp_path: Path,
                engine_tolerance: float | None = None, **options: Any) -> None:
    """Convert, check the file against the project's PMML schema (and the DMG's where present),
    score X_eval on ``evaluator`` and compare with the estimator's own predictions at 1e-9."""
    document = pmmlkit.convert(estimator, X_fit, **options)
    path = document.save(tmp_path / "model.pmml")
    assert_schema_valid(path)
    expected = reference_outputs(estimator, X_eval, document.output_fields())
    assert len(expected.columns) == len(document.output_fields())
    actual = score(evaluator, path, X_eval, engine_tolerance)
    assert_scores_match(expected, actual, f"{type(estimator).__name__} on {evaluator}")


def threshold_edges(values: np.ndarray) -> np.ndarray:
    """Values at, just below and just above each given threshold, in double and float32 steps."""
    values = np.asarray(values, dtype=np.float64)
    f32 = values.astype(np.float32)
    out = [values, np.nextafter(values, -np.inf), np.nextafter(values, np.inf),
           f32.astype(np.float64), np.nextafter(f32, np.float32(-np.inf)).astype(np.float64),
           np.nextafter(f32, np.float32(np.inf)).astype(np.float64)]
    return np.concatenate(out)
