"""Every Spark ML case × every evaluator: the PMML scores what Spark's own transform() gives, at 1e-9."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from harness import EVALUATORS, assert_schema_valid, assert_scores_match, score

pytest.importorskip("pyspark")

from cases.spark_cases import CASES  # noqa: E402
from spark_support import SPARK_GROUP, spark  # noqa: E402, F401  (the session fixture)

import pmmlkit  # noqa: E402
from pmmlkit.converters.spark import reference_outputs  # noqa: E402

# case id -> (PMML path, evaluation rows, Spark's outputs); each case is fitted once per process.
_PREPARED: dict[str, tuple[Path, pd.DataFrame, pd.DataFrame]] = {}


def _params():
    for case in CASES:
        for evaluator in EVALUATORS:
            marks = [pytest.mark.xdist_group(SPARK_GROUP)]
            if case.xfail:
                marks.append(pytest.mark.xfail(reason=case.xfail, strict=True))
            yield pytest.param(case, evaluator, id=f"{case.id}-{evaluator}", marks=marks)


def _prepare(case: Any, spark: Any, folder: Path) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    if case.id not in _PREPARED:
        fit_rows, _, eval_rows = case.data()
        fit_frame = spark_frame(spark, fit_rows)
        eval_frame = spark_frame(spark, eval_rows)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = case.estimator().fit(fit_frame)
            document = pmmlkit.convert(model, fit_frame)
            path = document.save(folder / f"{case.id}.pmml")
            expected = reference_outputs(model, eval_frame, document.output_fields())
            inputs = eval_frame.toPandas()
        assert_schema_valid(path)
        assert len(expected.columns) == len(document.output_fields())
        _PREPARED[case.id] = (path, inputs, expected)
    return _PREPARED[case.id]


def spark_frame(spark: Any, rows: pd.DataFrame) -> Any:
    """A Spark DataFrame of ``rows`` that keeps NaN as NaN in double columns (Arrow would make it null)
    and None as null in string columns."""
    from pyspark.sql import types as T

    fields = []
    for name in rows.columns:
        dtype = rows[name].dtype
        kind = (T.LongType() if pd.api.types.is_integer_dtype(dtype) else
                T.DoubleType() if pd.api.types.is_float_dtype(dtype) else T.StringType())
        fields.append(T.StructField(str(name), kind, True))
    records = [tuple(None if (isinstance(v, str) is False and f.dataType == T.StringType() and pd.isna(v))
                     else (int(v) if isinstance(f.dataType, T.LongType) else float(v)
                           if isinstance(f.dataType, T.DoubleType) else v)
                     for v, f in zip(row, fields)) for row in rows.itertuples(index=False)]
    return spark.createDataFrame(records, T.StructType(fields))


@pytest.mark.parametrize("case,evaluator", list(_params()))
def test_scores_match_spark(case, evaluator, spark, tmp_path_factory):  # noqa: F811
    path, inputs, expected = _prepare(case, spark, tmp_path_factory.getbasetemp())
    actual = score(evaluator, path, inputs)
    assert_scores_match(expected, actual, f"{case.id} on {evaluator}")
