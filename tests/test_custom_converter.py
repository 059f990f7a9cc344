"""pmmlkit.register(cls, fn): one converter of a user's own transformer serves both frameworks'
pipelines (scikit-learn Pipeline and Spark PipelineModel), scored on both engines at 1e-9."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from harness import EVALUATORS, assert_scores_match, check_model, score
from lxml import etree
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from spark_support import SPARK_GROUP, spark  # noqa: F401  (the session fixture)

import pmmlkit
from pmmlkit.builders.expressions import apply, constant, ref
from pmmlkit.builders.fields import Field
from pmmlkit.context import Context
from pmmlkit.verify import reference_outputs


def _scratch_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registrations made in the test are forgotten after it."""
    registry = pmmlkit.registry.REGISTRY
    monkeypatch.setattr(registry, "_entries", dict(registry._entries))
    monkeypatch.setattr(registry, "_loaded", set(registry._loaded))


def convert_log_shift(fitted, fields: list[Field], context: Context) -> list[Field]:
    """log(x + shift) of every input field: the whole converter, for either framework."""
    shift = float(fitted.getShift() if hasattr(fitted, "getShift") else fitted.shift)
    return [context.scope.derive(f"logShift({f.name})", apply("ln", apply("+", ref(f), constant(shift))))
            for f in fields]


class LogShift(TransformerMixin, BaseEstimator):
    """scikit-learn: log(X + shift)."""

    def __init__(self, shift: float = 1.0) -> None:
        self.shift = shift

    def fit(self, X, y=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X):
        return np.log(np.asarray(X, dtype=np.float64) + self.shift)


def _rows(n: int = 80) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(7)
    X = pd.DataFrame({"a": rng.uniform(0, 5, n), "b": rng.uniform(0, 3, n)})
    return X, 1.5 * np.log(X["a"] + 2) - np.log(X["b"] + 2) + rng.normal(0, 0.05, n)


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_registered_converter_in_a_scikit_learn_pipeline(evaluator, tmp_path, monkeypatch):
    _scratch_registry(monkeypatch)
    pmmlkit.register(LogShift, convert_log_shift)
    X, y = _rows()
    model = make_pipeline(LogShift(shift=2.0), LinearRegression()).fit(X, y)
    check_model(model, X, X, evaluator, tmp_path)


def _spark_log_shift():
    from pyspark import keyword_only
    from pyspark.ml import Transformer
    from pyspark.ml.param import Param, Params, TypeConverters
    from pyspark.ml.param.shared import HasInputCol, HasOutputCol
    from pyspark.sql import functions as F

    class SparkLogShift(Transformer, HasInputCol, HasOutputCol):
        """Spark: log(inputCol + shift) into outputCol."""

        shift = Param(Params._dummy(), "shift", "added before the log", typeConverter=TypeConverters.toFloat)

        @keyword_only
        def __init__(self, inputCol=None, outputCol=None, shift=1.0):
            super().__init__()
            self._set(**self._input_kwargs)

        def getShift(self) -> float:
            return self.getOrDefault(self.shift)

        def _transform(self, dataset):
            return dataset.withColumn(self.getOutputCol(), F.log(F.col(self.getInputCol()) + self.getShift()))

    return SparkLogShift


@pytest.mark.xdist_group(SPARK_GROUP)
def test_registered_converter_in_a_spark_pipeline(spark, tmp_path, monkeypatch):  # noqa: F811
    from pyspark.ml import Pipeline
    from pyspark.ml.feature import VectorAssembler
    from pyspark.ml.regression import LinearRegression as SparkLinearRegression

    _scratch_registry(monkeypatch)
    SparkLogShift = _spark_log_shift()
    pmmlkit.register(SparkLogShift, convert_log_shift)
    X, y = _rows()
    frame = spark.createDataFrame(X.assign(label=y))
    model = Pipeline(stages=[SparkLogShift(inputCol="a", outputCol="log_a", shift=2.0),
                             VectorAssembler(inputCols=["log_a", "b"], outputCol="features"),
                             SparkLinearRegression(maxIter=5)]).fit(frame)
    document = pmmlkit.convert(model, frame)
    path = document.save(tmp_path / "model.pmml")
    expected = reference_outputs(model, frame, document.output_fields())
    for evaluator in EVALUATORS:
        assert_scores_match(expected, score(evaluator, path, X), f"SparkLogShift on {evaluator}")


@pytest.mark.parametrize(("returned", "message"), [
    (lambda: None, r"the converter for LogShift returned no fields \(None\): a transformer's converter must return "
                   r"the list of its output fields"),
    (lambda: etree.Element("RegressionModel"), r"LogShift is a model, but a transformer is expected here"),
], ids=["none", "model-element"])
def test_transformer_converter_returning_no_fields_is_named(returned, message, monkeypatch):
    _scratch_registry(monkeypatch)
    pmmlkit.register(LogShift, lambda fitted, fields, context: returned())
    X, y = _rows()
    model = make_pipeline(LogShift(shift=2.0), LinearRegression()).fit(X, y)
    with pytest.raises(pmmlkit.ConversionError, match=message):
        pmmlkit.convert(model, X)
