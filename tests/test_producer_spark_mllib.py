"""Documents another producer writes: Spark MLlib's own PMML export (``toPMML()`` of its RDD-based
linear models and k-means, written through JPMML-Model). Each is validated, scored on every
evaluator and compared with what the Spark model itself predicts at 1e-9, and the native engine
with PMML4S at 1e-12 (``harness.score``). The fitted numbers come from scikit-learn (fixed seeds);
the documents are Spark's.

What the table shows about such documents:

- Spark declares the classifiers' target without <Value>s. PMML4S then scores a binary ``logit``
  classifier null on every record: the gate refuses it on PMML4S (rule ``unsupported``, naming the
  fix) and ``auto`` / ``native`` score it (JPMML-Evaluator agrees).
- Spark's linear SVM export (``normalizationMethod="none"``, the threshold as the second table's
  intercept) reads, by PMML's rules, as the probability of class 1 being the margin itself, so its
  predicted class differs from Spark's ``predict`` (margin > threshold) where the margin is between 0
  and 0.5: PMML4S, JPMML-Evaluator and native agree with each other and are compared so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from harness import EVALUATORS, assert_schema_valid, assert_scores_match, score
from sklearn.cluster import KMeans
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.svm import LinearSVC

pytest.importorskip("pyspark")

from spark_support import SPARK_GROUP, spark  # noqa: E402, F401  (the session fixture)

import pmmlkit  # noqa: E402
from pmmlkit.errors import ValidationError  # noqa: E402

FEATURES = 3
COLUMNS = [f"field_{i}" for i in range(FEATURES)]


def _data() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    X = pd.DataFrame(rng.normal(size=(300, FEATURES)), columns=COLUMNS)
    margin = X @ np.array([1.5, -2.0, 0.5]) + 0.25
    return X, margin.to_numpy() + rng.normal(scale=0.3, size=len(X)), (margin > 0).astype(int).to_numpy()


def _rows(X: pd.DataFrame) -> pd.DataFrame:
    """Rows to score: the sample, then rows with a missing input (Spark has no missing values: only
    the engines are compared there)."""
    missing = X.head(4).copy()
    for i in range(FEATURES):
        missing.iloc[i, i] = np.nan
    missing.iloc[3, :] = np.nan
    return pd.concat([X.head(120), missing], ignore_index=True)


@dataclass(frozen=True)
class Export:
    """One Spark MLlib model: how to build it from fitted numbers, and what Spark predicts for a
    row as the PMML's outputs (None: Spark's own semantics differ from its export's)."""

    id: str
    build: Callable[[Any, pd.DataFrame, np.ndarray, np.ndarray], Any]
    expected: Callable[[Any, pd.DataFrame, Any], pd.DataFrame] | None  # (Spark model, rows, SparkContext)
    #: Words of the gate's refusal on PMML4S, when PMML4S cannot score the document.
    pmml4s_refuses: str | None = None


def _vector(sc: Any, values: Any) -> Any:
    array = sc._gateway.new_array(sc._jvm.double, len(values))
    for i, value in enumerate(values):
        array[i] = float(value)
    return sc._jvm.org.apache.spark.mllib.linalg.Vectors.dense(array)


def _linear(kind: str, estimator: Callable[[], Any]) -> Callable[[Any, pd.DataFrame, np.ndarray, np.ndarray], Any]:
    def build(sc: Any, X: pd.DataFrame, y: np.ndarray, labels: np.ndarray) -> Any:
        fitted = estimator().fit(X, y)
        return getattr(sc._jvm.org.apache.spark.mllib.regression, kind)(_vector(sc, fitted.coef_),
                                                                         float(fitted.intercept_))
    return build


def _classifier(kind: str, estimator: Callable[[], Any]) -> Callable[[Any, pd.DataFrame, np.ndarray, np.ndarray], Any]:
    def build(sc: Any, X: pd.DataFrame, y: np.ndarray, labels: np.ndarray) -> Any:
        fitted = estimator().fit(X, labels)
        return getattr(sc._jvm.org.apache.spark.mllib.classification, kind)(_vector(sc, fitted.coef_[0]),
                                                                             float(fitted.intercept_[0]))
    return build


def _kmeans(sc: Any, X: pd.DataFrame, y: np.ndarray, labels: np.ndarray) -> Any:
    centers = KMeans(n_clusters=4, n_init=3, random_state=0).fit(X).cluster_centers_
    vectors = sc._gateway.new_array(sc._jvm.org.apache.spark.mllib.linalg.Vector, len(centers))
    for i, center in enumerate(centers):
        vectors[i] = _vector(sc, center)
    return sc._jvm.org.apache.spark.mllib.clustering.KMeansModel(vectors)


def _predictions(model: Any, X: pd.DataFrame, sc: Any) -> np.ndarray:
    return np.array([model.predict(_vector(sc, row)) for row in X.to_numpy()], dtype=np.float64)


def _regression(model: Any, X: pd.DataFrame, sc: Any) -> pd.DataFrame:
    return pd.DataFrame({"predicted_target": _predictions(model, X, sc)}, index=X.index)


def _logistic(model: Any, X: pd.DataFrame, sc: Any) -> pd.DataFrame:
    p = _predictions(model.clearThreshold(), X, sc)  # the probability of class 1
    model.setThreshold(0.5)
    return pd.DataFrame({"predicted_target": np.where(_predictions(model, X, sc) == 1.0, "1", "0"),
                         "probability": np.maximum(p, 1.0 - p)}, index=X.index)


def _clusters(model: Any, X: pd.DataFrame, sc: Any) -> pd.DataFrame:
    index = _predictions(model, X, sc).astype(int)
    centers = np.array([list(c.toArray()) for c in model.clusterCenters()])
    distance = ((X.to_numpy() - centers[index]) ** 2).sum(axis=1)  # squaredEuclidean, as Spark writes it
    return pd.DataFrame({"cluster": [str(i + 1) for i in index], "cluster_name": [f"cluster_{i}" for i in index],
                         "distance": distance}, index=X.index)


EXPORTS = [
    Export("linear-regression", _linear("LinearRegressionModel", LinearRegression), _regression),
    Export("lasso", _linear("LassoModel", lambda: Lasso(alpha=0.05)), _regression),
    Export("ridge", _linear("RidgeRegressionModel", lambda: Ridge(alpha=2.0)), _regression),
    Export("logistic-regression", _classifier("LogisticRegressionModel", LogisticRegression), _logistic,
           pmml4s_refuses="whose target DataField lists no categories"),
    Export("linear-svm", _classifier("SVMModel", lambda: LinearSVC(random_state=0)), None),
    Export("k-means", _kmeans, _clusters),
]

# id -> (PMML path, Spark model); each export is built once per process.
_EXPORTED: dict[str, tuple[Path, Any]] = {}


def _export(case: Export, sc: Any, folder: Path) -> tuple[Path, Any]:
    if case.id not in _EXPORTED:
        X, y, labels = _data()
        model = case.build(sc, X, y, labels)
        path = folder / f"{case.id}.pmml"
        path.write_text(model.toPMML())
        _EXPORTED[case.id] = (path, model)
    return _EXPORTED[case.id]


def _params():
    for case in EXPORTS:
        for evaluator in EVALUATORS:
            yield pytest.param(case, evaluator, id=f"{case.id}-{evaluator}",
                               marks=[pytest.mark.xdist_group(SPARK_GROUP)])


@pytest.mark.parametrize(("case", "evaluator"), list(_params()))
def test_spark_mllib_export_scores_as_spark_predicts(case: Export, evaluator: str, spark: Any,  # noqa: F811
                                                     tmp_path: Path) -> None:
    sc = spark.sparkContext
    path, model = _export(case, sc, tmp_path)
    assert_schema_valid(path)
    assert b"Apache Spark MLlib" in path.read_bytes()  # the other producer's own document
    rows = _rows(_data()[0])
    if evaluator == "pmmlkit" and case.pmml4s_refuses:
        with pytest.raises(ValidationError, match=case.pmml4s_refuses):
            pmmlkit.load(path)
        assert pmmlkit.load(path, engine="auto").engine == "native"
        return
    if evaluator == "pmmlkit":
        assert pmmlkit.validate(path).ok, str(pmmlkit.validate(path))
    native = pmmlkit.load(path, engine="native").predict(rows)
    # (native on harness.score: also PMML4S's columns at 1e-12, where PMML4S scores the document)
    actual = native if evaluator == "native" and case.pmml4s_refuses else score(evaluator, path, rows)
    assert len(actual) == len(native) == len(rows)
    if evaluator == "jpmml":  # JPMML-Evaluator gives the predicted value alone, named after the target
        assert_scores_match(native.iloc[:, :1], actual.iloc[:, :1].set_axis(native.columns[:1], axis=1),
                            f"{case.id}: JPMML-Evaluator vs native")
        return
    if case.expected is None:  # Spark's own predict reads the export differently (see above)
        return
    complete = rows.notna().all(axis=1).to_numpy()  # Spark has no missing values
    expected = case.expected(model, rows[complete], sc)
    assert_scores_match(expected, actual[complete], f"{case.id} on {evaluator}")
