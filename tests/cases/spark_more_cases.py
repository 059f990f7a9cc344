"""Spark ML fidelity cases for the models of converters/spark/neural.py, factorization.py,
isotonic.py and clustering.py. Same shape as ``cases.spark_cases``: an unfitted Pipeline, and
(fit rows, None, evaluation rows).
"""

from __future__ import annotations

from cases import Case
from cases.spark_cases import _assemble, _f, _pipeline, clean
from cases.spark_model_cases import _clean_fit_dirty_eval, _keep

NUMERIC = ("a", "b", "c")


def _classification():
    from pyspark.ml import classification

    return classification


def _regression():
    from pyspark.ml import regression

    return regression


def _clustering():
    from pyspark.ml import clustering

    return clustering


def _scaled(*columns: str) -> list:
    return [_assemble(*columns, out="raw"), _f().StandardScaler(inputCol="raw", outputCol="features")]


def _mlp(layers: list[int], **params):
    return _classification().MultilayerPerceptronClassifier(layers=layers, seed=7, maxIter=60, **params)


def _label(column: str):
    return _f().StringIndexer(inputCol=column, outputCol=f"{column}_label")


CASES = [
    # -- multilayer perceptron (NeuralNetwork) --
    Case("mlp-binary", lambda: _pipeline(_assemble(*NUMERIC), _mlp([3, 5, 2])), clean),
    Case("mlp-multiclass-two-hidden", lambda: _pipeline(*_scaled(*NUMERIC), _mlp([3, 6, 4, 3], labelCol="kind3")),
         clean),
    Case("mlp-string-label", lambda: _pipeline(_label("kind"), _assemble(*NUMERIC, "n"),
                                               _mlp([4, 4, 3], labelCol="kind_label")), clean),
    # -- factorization machines --
    Case("fm-regressor", lambda: _pipeline(_assemble(*NUMERIC, "n"), _regression().FMRegressor(
        labelCol="y", factorSize=3, seed=3)), clean),
    Case("fm-classifier", lambda: _pipeline(_assemble(*NUMERIC), _classification().FMClassifier(
        factorSize=2, seed=3)), clean),
    Case("fm-classifier-string-label", lambda: _pipeline(_label("yes"), *_scaled(*NUMERIC, "n"),
                                                         _classification().FMClassifier(
        labelCol="yes_label", factorSize=4, seed=5)), clean),
    # -- isotonic regression --
    Case("isotonic-vector-nan", lambda: _pipeline(_keep(*NUMERIC), _regression().IsotonicRegression(
        labelCol="y", featureIndex=0)), _clean_fit_dirty_eval),
    Case("isotonic-scalar-ties", lambda: _pipeline(_regression().IsotonicRegression(
        labelCol="y", featuresCol="count")), clean),
    Case("isotonic-antitonic", lambda: _pipeline(_assemble(*NUMERIC), _regression().IsotonicRegression(
        labelCol="y", featureIndex=1, isotonic=False)), clean),
    # -- clustering --
    Case("kmeans", lambda: _pipeline(_assemble(*NUMERIC), _clustering().KMeans(k=4, seed=3)), clean),
    Case("kmeans-cosine", lambda: _pipeline(_assemble(*NUMERIC), _clustering().KMeans(
        k=3, seed=3, distanceMeasure="cosine")), clean),
    Case("bisecting-kmeans", lambda: _pipeline(*_scaled(*NUMERIC), _clustering().BisectingKMeans(k=5, seed=3)),
         clean),
]


def _far_rows(fitted, fit_rows):
    """Rows so far from every component that all densities underflow: Spark's probabilities are
    then EPSILON / (k * EPSILON), all equal, and the prediction the first component."""
    rows = fit_rows.iloc[:3].copy()
    rows["a"] = [1e3, -1e4, 0.0]
    rows["c"] = [1e3, 5.0, -1e5]
    return rows.reset_index(drop=True)


CASES += [
    Case("bisecting-kmeans-cosine", lambda: _pipeline(_assemble(*NUMERIC), _clustering().BisectingKMeans(
        k=4, seed=5, distanceMeasure="cosine")), clean),
    Case("gaussian-mixture", lambda: _pipeline(_assemble(*NUMERIC), _clustering().GaussianMixture(k=3, seed=3)),
         clean, _far_rows),
]
