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
from cases.spark_model_cases import CASES as MODEL_CASES  # noqa: E402  (trees and other models)
from cases.spark_more_cases import CASES as MORE_CASES  # noqa: E402  (networks, FM, isotonic, clustering)
from spark_support import SPARK_GROUP, spark  # noqa: E402, F401  (the session fixture)

import pmmlkit  # noqa: E402
from pmmlkit.verify import reference_outputs  # noqa: E402

# case id -> (PMML path, evaluation rows, Spark's outputs); each case is fitted once per process.
_PREPARED: dict[str, tuple[Path, pd.DataFrame, pd.DataFrame]] = {}
# Classes of the fitted stages the cases converted, for the conformance check at the end.
_CONVERTED: set[type] = set()


def _params():
    for case in CASES + MODEL_CASES + MORE_CASES:
        for evaluator in EVALUATORS:
            marks = [pytest.mark.xdist_group(SPARK_GROUP)]
            if case.xfail:
                marks.append(pytest.mark.xfail(reason=case.xfail, strict=True))
            yield pytest.param(case, evaluator, id=f"{case.id}-{evaluator}", marks=marks)


def _prepare(case: Any, session: Any, folder: Path) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    if case.id not in _PREPARED:
        fit_rows, _, eval_rows = case.data()
        fit_frame = spark_frame(session, fit_rows)
        eval_frame = spark_frame(session, eval_rows)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = case.estimator().fit(fit_frame)
            if case.extra_rows is not None:  # rows that depend on the fitted model (split thresholds)
                eval_frame = spark_frame(session, pd.concat([eval_rows, case.extra_rows(model, fit_rows)],
                                                          ignore_index=True))
            document = pmmlkit.convert(model, fit_frame)
            path = document.save(folder / f"{case.id}.pmml")
            expected = reference_outputs(model, eval_frame, document.output_fields())
            inputs = eval_frame.toPandas()
        assert_schema_valid(path)
        assert len(expected.columns) == len(document.output_fields())
        _PREPARED[case.id] = (path, inputs, expected)
    return _PREPARED[case.id]


def spark_frame(session: Any, rows: pd.DataFrame) -> Any:
    """A Spark DataFrame of ``rows``: NaN stays NaN in double columns (Arrow would make it null),
    None is null in string columns, integers are longs."""
    from pyspark.sql import types as T

    kinds = {}
    for name in rows.columns:
        dtype = rows[name].dtype
        kinds[str(name)] = (T.LongType() if pd.api.types.is_integer_dtype(dtype) else
                            T.DoubleType() if pd.api.types.is_float_dtype(dtype) else T.StringType())

    def cell(value: Any, kind: Any) -> Any:
        if isinstance(kind, T.StringType):
            return None if value is None or (isinstance(value, float) and value != value) else str(value)
        return int(value) if isinstance(kind, T.LongType) else float(value)

    schema = T.StructType([T.StructField(n, k, True) for n, k in kinds.items()])
    records = [tuple(cell(v, k) for v, k in zip(row, kinds.values())) for row in rows.itertuples(index=False)]
    return session.createDataFrame(records, schema)


@pytest.mark.parametrize("case,evaluator", list(_params()))
def test_scores_match_spark(case, evaluator, spark, tmp_path_factory):  # noqa: F811
    path, inputs, expected = _prepare(case, spark, tmp_path_factory.getbasetemp())
    actual = score(evaluator, path, inputs)
    assert_scores_match(expected, actual, f"{case.id} on {evaluator}")


# -- what cannot be converted fails with a ConversionError that says what to do ----------------------------

def _small_frame(session: Any) -> Any:
    rows = pd.DataFrame({"a": [0.5, 1.5, 2.5, 3.5], "cat": ["x", "y", "x", "z"], "label": [0.0, 1.0, 0.0, 1.0]})
    return spark_frame(session, rows)


@pytest.mark.xdist_group(SPARK_GROUP)
def test_skip_mode_is_refused(spark):  # noqa: F811
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import StringIndexer, VectorAssembler

    frame = _small_frame(spark)
    model = Pipeline(stages=[StringIndexer(inputCol="cat", outputCol="cat_i", handleInvalid="skip"),
                             VectorAssembler(inputCols=["cat_i", "a"], outputCol="features"),
                             LogisticRegression(maxIter=2)]).fit(frame)
    with pytest.raises(pmmlkit.ConversionError, match='handleInvalid="skip".*setHandleInvalid'):
        pmmlkit.convert(model, frame)


@pytest.mark.xdist_group(SPARK_GROUP)
def test_unsupported_stage_and_missing_model(spark):  # noqa: F811
    from pyspark.ml import Pipeline
    from pyspark.ml.feature import StringIndexer, Tokenizer

    frame = _small_frame(spark)
    tokens = Pipeline(stages=[Tokenizer(inputCol="cat", outputCol="words")]).fit(frame)
    with pytest.raises(pmmlkit.ConversionError, match="no model to convert"):
        pmmlkit.convert(tokens, frame)
    with pytest.raises(pmmlkit.ConversionError, match="unfitted Pipeline"):
        pmmlkit.convert(Pipeline(stages=[StringIndexer(inputCol="cat", outputCol="i")]), frame)


@pytest.mark.xdist_group(SPARK_GROUP)
def test_vector_input_column_is_explained(spark):  # noqa: F811
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import VectorAssembler

    frame = VectorAssembler(inputCols=["a"], outputCol="features").transform(_small_frame(spark))
    model = LogisticRegression(maxIter=2).fit(frame)
    with pytest.raises(pmmlkit.ConversionError, match="column 'features' of X has Spark type vector"):
        pmmlkit.convert(model, frame)


@pytest.mark.xdist_group(SPARK_GROUP)
def test_interaction_of_vector_with_nominal_values_is_refused(spark):  # noqa: F811
    from pyspark.ml import Pipeline
    from pyspark.ml.feature import Interaction, StringIndexer, VectorAssembler
    from pyspark.ml.regression import LinearRegression

    frame = _small_frame(spark)
    model = Pipeline(stages=[StringIndexer(inputCol="cat", outputCol="cat_i"),
                             VectorAssembler(inputCols=["cat_i", "a"], outputCol="v"),
                             Interaction(inputCols=["v", "a"], outputCol="features"),
                             LinearRegression(maxIter=2)]).fit(frame)
    with pytest.raises(pmmlkit.ConversionError, match=r"stage 2 \(Interaction\): column 'v' is a vector with "
                                                      r"nominal values.*own input column"):
        pmmlkit.convert(model, frame)
