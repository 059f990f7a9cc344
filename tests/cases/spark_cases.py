"""Spark ML fidelity cases: each row is a pipeline fitted on a small frame and the rows to score.

``Case.estimator()`` returns an unfitted ``Pipeline``; ``Case.data()`` returns
(fit rows, None, evaluation rows) as pandas frames that the test turns into Spark DataFrames.
"clean" data has no missing values or unseen categories (for stages that fail on them, as
handleInvalid="error" does); "dirty" data has NaNs, nulls and unseen categories.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from cases import Case

SEED = 11
N = 200


@functools.cache
def _base() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    a = rng.normal(0, 1, N)
    b = rng.normal(5, 2, N)
    c = rng.uniform(-3, 3, N)
    cat = rng.choice(["red", "green", "blue", "gray"], N, p=[0.4, 0.3, 0.2, 0.1])
    grade = rng.choice(["low", "mid", "high"], N)
    n = rng.integers(0, 4, N)
    eta = 0.8 * a - 0.3 * (b - 5) + 0.5 * c + (cat == "red") * 1.0 - (grade == "low") * 0.7
    frame = pd.DataFrame({"a": a, "b": b, "c": c, "cat": cat.astype(object), "grade": grade.astype(object),
                          "n": n.astype(np.int64)})
    frame["label"] = (eta + rng.normal(0, 0.8, N) > 0.3).astype(np.float64)
    frame["yes"] = np.where(frame["label"] > 0, "yes", "no").astype(object)
    frame["kind"] = np.select([eta < -0.5, eta < 0.8], ["ant", "bee"], "cat").astype(object)
    frame["kind3"] = np.select([eta < -0.5, eta < 0.8], [0.0, 1.0], 2.0)
    frame["y"] = 2.0 + eta + rng.normal(0, 0.3, N)
    frame["count"] = rng.poisson(np.exp(0.3 * eta + 0.5)).astype(np.float64)
    frame["positive"] = rng.gamma(2.0, np.exp(0.2 * eta) / 2.0)
    frame["share"] = 1.0 / (1.0 + np.exp(-eta))
    return frame


def clean() -> tuple[pd.DataFrame, None, pd.DataFrame]:
    frame = _base()
    return frame, None, frame.iloc[:120].reset_index(drop=True)


def dirty() -> tuple[pd.DataFrame, None, pd.DataFrame]:
    """NaNs in a and b, nulls in cat, and evaluation rows with unseen categories."""
    frame = _base().copy()
    rng = np.random.default_rng(SEED + 1)
    frame.loc[rng.random(N) < 0.1, "a"] = np.nan
    frame.loc[rng.random(N) < 0.1, "b"] = np.nan
    frame.loc[rng.random(N) < 0.08, "cat"] = None
    extra = frame.iloc[:6].copy()
    extra["cat"] = ["purple", None, "red", "teal", "blue", "RED"]
    extra["grade"] = ["top", "low", None, "mid", "bottom", "high"]
    extra["n"] = [9, 0, 1, 7, 2, 3]
    extra.loc[extra.index[[0, 3]], "a"] = np.nan
    evaluation = pd.concat([frame.iloc[:120], extra], ignore_index=True)
    return frame, None, evaluation


def _pipeline(*stages):
    from pyspark.ml import Pipeline

    return Pipeline(stages=list(stages))


def _f():
    from pyspark.ml import feature

    return feature


def _assemble(*columns, out="features", invalid="error"):
    return _f().VectorAssembler(inputCols=list(columns), outputCol=out, handleInvalid=invalid)


def _vector(*values):
    from pyspark.ml.linalg import Vectors

    return Vectors.dense(list(values))


def _lr(**params):
    from pyspark.ml.classification import LogisticRegression

    return LogisticRegression(maxIter=10, **params)


def _linear(**params):
    from pyspark.ml.regression import LinearRegression

    return LinearRegression(labelCol="y", maxIter=10, **params)


def _glm(label, **params):
    from pyspark.ml.regression import GeneralizedLinearRegression

    return GeneralizedLinearRegression(labelCol=label, maxIter=8, **params)


def _svc(**params):
    from pyspark.ml.classification import LinearSVC

    return LinearSVC(maxIter=5, **params)


def _indexed_categories(invalid="keep", drop_last=True, ohe_invalid="error"):
    F = _f()
    return [F.StringIndexer(inputCols=["cat", "grade"], outputCols=["cat_i", "grade_i"], handleInvalid=invalid),
            F.OneHotEncoder(inputCols=["cat_i", "grade_i"], outputCols=["cat_v", "grade_v"], dropLast=drop_last,
                            handleInvalid=ohe_invalid)]


def _label_indexer(column, order="frequencyDesc"):
    return _f().StringIndexer(inputCol=column, outputCol="label_idx", stringOrderType=order)


def _impute(strategy="mean"):
    return _f().Imputer(inputCols=["a", "b"], outputCols=["a_f", "b_f"], strategy=strategy)


CASES = [
    # -- linear models on assembled numeric columns --
    Case("lr-binary", lambda: _pipeline(_assemble("a", "b", "c"), _lr()), clean),
    Case("lr-binary-threshold", lambda: _pipeline(_assemble("a", "b", "c"), _lr(threshold=0.3)), clean),
    Case("lr-binary-as-multinomial", lambda: _pipeline(_assemble("a", "b", "c"), _lr(family="multinomial")), clean),
    Case("lr-multinomial-numeric-label",
         lambda: _pipeline(_assemble("a", "b", "c"), _lr(labelCol="kind3")), clean),
    Case("lr-multinomial-string-label",
         lambda: _pipeline(_label_indexer("kind", "alphabetAsc"), _assemble("a", "b", "c"),
                           _lr(regParam=0.01, labelCol="label_idx"),
                           _f().IndexToString(inputCol="prediction", outputCol="kind_out",
                                              labels=["ant", "bee", "cat"])), clean),
    Case("lr-string-label-binary", lambda: _pipeline(_label_indexer("yes"), _assemble("a", "b", "c"), _lr(labelCol="label_idx")), clean),
    Case("linear-regression", lambda: _pipeline(_assemble("a", "b", "c", "n"), _linear()), clean),
    Case("linear-regression-elastic-net",
         lambda: _pipeline(_assemble("a", "b", "c"), _linear(regParam=0.1, elasticNetParam=0.5)), clean),
    Case("linear-regression-no-intercept", lambda: _pipeline(_assemble("a", "b", "c"), _linear(fitIntercept=False)),
         clean),
    Case("linear-svc", lambda: _pipeline(_assemble("a", "b", "c"), _svc()), clean),
    Case("linear-svc-string-label", lambda: _pipeline(_label_indexer("yes"), _assemble("a", "b", "c"),
                                                      _svc(threshold=0.2, labelCol="label_idx")), clean),
    # -- GLM families and links --
    Case("glm-gaussian", lambda: _pipeline(_assemble("a", "b", "c"), _glm("y")), clean),
    Case("glm-gaussian-log", lambda: _pipeline(_assemble("a", "c"), _glm("positive", link="log")), clean),
    Case("glm-poisson", lambda: _pipeline(_assemble("a", "b", "c"), _glm("count", family="poisson")), clean),
    Case("glm-poisson-sqrt", lambda: _pipeline(_assemble("a", "c"), _glm("count", family="poisson", link="sqrt")),
         clean),
    Case("glm-gamma-inverse", lambda: _pipeline(_assemble("a", "c"), _glm("positive", family="gamma")), clean),
    Case("glm-binomial-logit", lambda: _pipeline(_assemble("a", "b", "c"), _glm("label", family="binomial")),
         clean),
    Case("glm-binomial-probit",
         lambda: _pipeline(_assemble("a", "b", "c"), _glm("label", family="binomial", link="probit")), clean),
    Case("glm-binomial-cloglog",
         lambda: _pipeline(_assemble("a", "b", "c"), _glm("label", family="binomial", link="cloglog")), clean),
    Case("glm-tweedie", lambda: _pipeline(_assemble("a", "c"),
                                          _glm("positive", family="tweedie", variancePower=1.5, linkPower=0.5)),
         clean),
    Case("glm-tweedie-log", lambda: _pipeline(_assemble("a", "c"), _glm("count", family="tweedie",
                                                                        variancePower=1.2)), clean),
    # -- categorical columns --
    Case("indexer-onehot-keep", lambda: _pipeline(*_indexed_categories(), _assemble("a", "cat_v", "grade_v", "c"),
                                                  _lr()), lambda: _no_nan(dirty())),
    Case("indexer-onehot-keep-full", lambda: _pipeline(*_indexed_categories(drop_last=False, ohe_invalid="keep"),
                                                       _assemble("cat_v", "grade_v", "c"), _linear()),
         lambda: _no_nan(dirty())),
    Case("indexer-orders", lambda: _pipeline(
        _f().StringIndexer(inputCol="cat", outputCol="cat_i", handleInvalid="keep", stringOrderType="alphabetAsc"),
        _f().StringIndexer(inputCol="grade", outputCol="grade_i", handleInvalid="keep",
                           stringOrderType="frequencyAsc"),
        _assemble("cat_i", "grade_i", "c"), _linear()), lambda: _no_nan(dirty())),
    Case("indexer-numeric-column", lambda: _pipeline(
        _f().StringIndexer(inputCol="n", outputCol="n_i", handleInvalid="keep"),
        _f().OneHotEncoder(inputCol="n_i", outputCol="n_v"), _assemble("n_v", "c"), _linear()),
        lambda: _no_nan(dirty())),
    Case("indexer-error-mode", lambda: _pipeline(
        _f().StringIndexer(inputCol="grade", outputCol="grade_i"), _f().OneHotEncoder(inputCol="grade_i",
                                                                                       outputCol="grade_v"),
        _assemble("grade_v", "a"), _label_indexer("kind"), _lr(labelCol="label_idx")), clean),
    # -- numeric feature stages --
    Case("imputer-mean", lambda: _pipeline(_impute(), _assemble("a_f", "b_f", "c"), _lr()), dirty),
    Case("imputer-median", lambda: _pipeline(_impute("median"), _assemble("a_f", "b_f", "c"), _linear()), dirty),
    Case("imputer-mode-marker", lambda: _pipeline(
        _f().Imputer(inputCols=["n"], outputCols=["n_f"], strategy="mode", missingValue=0.0),
        _assemble("n_f", "c"), _linear()), clean),
    Case("standard-scaler", lambda: _pipeline(_assemble("a", "b", "c"),
                                              _f().StandardScaler(inputCol="features", outputCol="scaled",
                                                                  withMean=True),
                                              _lr(featuresCol="scaled")), clean),
    Case("standard-scaler-std-only", lambda: _pipeline(_assemble("a", "b", "c"),
                                                       _f().StandardScaler(inputCol="features", outputCol="scaled"),
                                                       _linear(featuresCol="scaled")), clean),
    Case("min-max-and-max-abs-scalers", lambda: _pipeline(
        _assemble("a", "b", "c"), _f().MinMaxScaler(inputCol="features", outputCol="minmax", min=-1.0),
        _f().MaxAbsScaler(inputCol="features", outputCol="maxabs"),
        _assemble("minmax", "maxabs", out="scaled"), _lr(featuresCol="scaled")), clean),
    Case("bucketizer-keep", lambda: _pipeline(
        _f().Bucketizer(inputCol="a", outputCol="a_b", splits=[-float("inf"), -1.0, 0.0, 0.5, float("inf")],
                        handleInvalid="keep"),
        _f().OneHotEncoder(inputCol="a_b", outputCol="a_v", handleInvalid="keep"), _assemble("a_v", "c"), _linear()), dirty),
    Case("quantile-discretizer-multi", lambda: _pipeline(
        _f().QuantileDiscretizer(inputCols=["b", "c"], outputCols=["b_q", "c_q"], numBuckets=4, handleInvalid="keep"),
        _assemble("b_q", "c_q", "a", invalid="keep"), _linear()), lambda: _no_nan(dirty(), ("a",))),
    Case("binarizer", lambda: _pipeline(
        _f().Binarizer(inputCols=["a", "c"], outputCols=["a_01", "c_01"], thresholds=[0.0, 1.0]),
        _assemble("a_01", "c_01", "b"), _lr()), clean),
    Case("binarizer-vector", lambda: _pipeline(
        _assemble("a", "c"), _f().Binarizer(inputCol="features", outputCol="bits", threshold=0.25),
        _lr(featuresCol="bits")), clean),
    Case("elementwise-product", lambda: _pipeline(
        _assemble("a", "b", "c"), _f().ElementwiseProduct(scalingVec=_vector(2.0, -0.5, 0.0), inputCol="features",
                                                          outputCol="scaled"), _linear(featuresCol="scaled")), clean),
    Case("normalizers-l2-l1-inf", lambda: _pipeline(
        _assemble("a", "b", "c"), _f().Normalizer(inputCol="features", outputCol="unit2"),
        _f().Normalizer(inputCol="features", outputCol="unit1", p=1.0),
        _f().Normalizer(inputCol="features", outputCol="unitinf", p=float("inf")),
        _assemble("unit2", "unit1", "unitinf", out="units"), _linear(featuresCol="units")), clean),
    Case("sql-transformer", lambda: _pipeline(
        _f().SQLTransformer(statement="SELECT *, a * 2.5 + b AS ab, CASE WHEN c > 1 THEN 1.0 WHEN c < -1 AND a > 0 "
                                      "THEN -1.0 ELSE 0.0 END AS cc, sqrt(abs(b)) - exp(c / 3) AS rb, "
                                      "NOT (c >= 0 OR a < -1) AS flag FROM __THIS__"),
        _assemble("ab", "cc", "rb", "flag"), _linear()), clean),
    Case("pca", lambda: _pipeline(_assemble("a", "b", "c"), _f().PCA(k=2, inputCol="features", outputCol="pcs"),
                                  _linear(featuresCol="pcs")), clean),
    Case("polynomial-expansion", lambda: _pipeline(
        _assemble("a", "b", "c"), _f().PolynomialExpansion(degree=3, inputCol="features", outputCol="poly"),
        _linear(featuresCol="poly")), clean),
    Case("vector-slicer", lambda: _pipeline(_assemble("a", "b", "c"),
                                            _f().VectorSlicer(inputCol="features", outputCol="some", indices=[2, 0]),
                                            _lr(featuresCol="some")), clean),
    Case("vector-slicer-names", lambda: _pipeline(
        *_indexed_categories(), _assemble("a", "cat_v", "b", "grade_v", "c"),
        _f().VectorSlicer(inputCol="features", outputCol="some", indices=[4], names=["c", "cat_v_red", "a"]),
        _lr(featuresCol="some")), lambda: _no_nan(dirty())),
    # -- interactions (the last input varies fastest; nominal inputs are one-hot encoded) --
    Case("interaction-numeric-scalars", lambda: _pipeline(
        _f().Interaction(inputCols=["a", "c", "n"], outputCol="acn"), _assemble("a", "c", "acn"), _linear()), clean),
    Case("interaction-vector-scalar", lambda: _pipeline(
        _assemble("a", "b"), _f().Interaction(inputCols=["features", "c"], outputCol="abc"),
        _linear(featuresCol="abc")), clean),
    Case("interaction-nominal", lambda: _pipeline(
        *_indexed_categories(), _f().Interaction(inputCols=["cat_i", "a", "grade_v"], outputCol="mix"),
        _assemble("mix", "c", out="all"), _linear(featuresCol="all")), lambda: _no_nan(dirty())),
    Case("chi-sq-selector", lambda: _pipeline(
        *_indexed_categories(), _assemble("cat_v", "grade_v"),
        _f().ChiSqSelector(numTopFeatures=3, featuresCol="features", outputCol="chosen"),
        _lr(featuresCol="chosen")), lambda: _no_nan(dirty())),
    Case("univariate-selector", lambda: _pipeline(
        _assemble("a", "b", "c"),
        _f().UnivariateFeatureSelector(featuresCol="features", outputCol="chosen", labelCol="y",
                                       selectionMode="numTopFeatures")
        .setFeatureType("continuous").setLabelType("continuous").setSelectionThreshold(2),
        _linear(featuresCol="chosen")), clean),
    Case("variance-selector", lambda: _pipeline(
        _assemble("a", "b", "c"), _f().VarianceThresholdSelector(featuresCol="features", outputCol="chosen",
                                                                 varianceThreshold=1.5),
        _linear(featuresCol="chosen")), clean),
]


def _no_nan(data, columns=("a", "b")):
    """The dirty data without NaNs in ``columns`` (for stages that refuse NaN, as Spark does)."""
    fit, y, evaluation = data
    fit = fit.copy()
    evaluation = evaluation.copy()
    for name in columns:
        fit[name] = fit[name].fillna(0.25)
        evaluation[name] = evaluation[name].fillna(0.25)
    return fit, y, evaluation
