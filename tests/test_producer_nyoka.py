"""Documents another producer writes: nyoka (Apache-2.0), which converts scikit-learn pipelines to
PMML its own way. Each document is validated and scored on PMML4S and the native engine, on its
sample rows, rows with a missing input and rows exactly at (and one step either side of) every
split threshold the document holds; the native engine must give PMML4S's columns, dtypes and values
at 1e-12, or refuse the document by name (``auto`` then scores it on PMML4S).

The scores are compared between pmmlkit's engines, not with scikit-learn: how faithfully nyoka
writes a model is nyoka's business (it writes a multinomial logistic regression as one-vs-rest
logits, for one). JPMML-Evaluator is not in this table: it refuses some of these documents
(``Field "minMaxScaler(s5)" is not defined`` on every record of the forest regressor: nyoka lists
TransformationDictionary fields in a segment's MiningSchema) and reads others differently (a 0
probability for every class of the chained logistic regression).

Where PMML4S departs from the standard, native keeps the standard's answer (JPMML-Evaluator's too)
and the table says so: an average of classifiers whose every probability is missing (a tree
without a missing-value strategy meets a missing input) has no winner on native, where PMML4S
names the first category; and PMML4S computes ``threshold`` (nyoka's Binarizer), comparisons,
``round`` and ``pow`` of a missing value as if it were 0 (``threshold(missing, 3)`` is 0), where
the standard's and native's answer is missing.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from cases.data import diabetes, iris
from harness import assert_engines_agree, assert_record_path_agrees
from lxml import etree
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import Binarizer, MinMaxScaler, StandardScaler
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import pmmlkit
from pmmlkit.errors import UnsupportedElement

nyoka = pytest.importorskip("nyoka")


@dataclass(frozen=True)
class NyokaCase:
    id: str
    make: Callable[[], Any]
    data: Callable[[], tuple[pd.DataFrame, Any, Any]]
    scaler: Callable[[], Any] | None = StandardScaler
    #: Words of the native engine's refusal, for a document it does not compile.
    native_refuses: str | None = None
    #: The document applies a function to an input PMML4S takes as 0 when it is missing (see above):
    #: the engines are compared on the rows without a missing input.
    pmml4s_zero_for_missing: bool = False


CASES = [
    NyokaCase("logistic-regression", lambda: LogisticRegression(max_iter=500), iris),
    NyokaCase("linear-regression", LinearRegression, diabetes),
    NyokaCase("decision-tree-classifier", lambda: DecisionTreeClassifier(max_depth=4, random_state=0), iris, None),
    NyokaCase("decision-tree-regressor", lambda: DecisionTreeRegressor(max_depth=4, random_state=0), diabetes, None),
    NyokaCase("random-forest-classifier", lambda: RandomForestClassifier(n_estimators=8, max_depth=4, random_state=0),
              iris),
    NyokaCase("random-forest-regressor", lambda: RandomForestRegressor(n_estimators=8, max_depth=4, random_state=0),
              diabetes, MinMaxScaler),
    NyokaCase("gradient-boosting-classifier",
              lambda: GradientBoostingClassifier(n_estimators=10, max_depth=3, random_state=0), iris),
    NyokaCase("gradient-boosting-regressor",
              lambda: GradientBoostingRegressor(n_estimators=10, max_depth=3, random_state=0), diabetes, None),
    NyokaCase("svc-rbf", lambda: SVC(gamma=0.3), iris),
    NyokaCase("svr-rbf", lambda: SVR(gamma=0.1), diabetes),
    NyokaCase("mlp-classifier", lambda: MLPClassifier(hidden_layer_sizes=(8,), max_iter=400, random_state=0), iris),
    NyokaCase("mlp-regressor", lambda: MLPRegressor(hidden_layer_sizes=(8,), max_iter=400, random_state=0), diabetes),
    NyokaCase("gaussian-nb", GaussianNB, iris),
    NyokaCase("k-nearest-neighbors", lambda: KNeighborsClassifier(n_neighbors=5), iris,
              native_refuses="with raw TrainingInstances"),
    NyokaCase("k-means", lambda: KMeans(n_clusters=3, n_init=3, random_state=0), iris),
    NyokaCase("pca-logistic", lambda: LogisticRegression(max_iter=500), iris, PCA),
    NyokaCase("binarizer-naive-bayes", GaussianNB, iris, lambda: Binarizer(threshold=3.0),
              pmml4s_zero_for_missing=True),
]

# case id -> (PMML path, rows to score); each case is converted once per process.
_CONVERTED: dict[str, tuple[Path, pd.DataFrame]] = {}


def _convert(case: NyokaCase, folder: Path) -> tuple[Path, pd.DataFrame]:
    if case.id not in _CONVERTED:
        X, y, _ = case.data()
        steps = ([("prepare", case.scaler())] if case.scaler else []) + [("model", case.make())]
        pipeline = Pipeline(steps)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipeline.fit(X, y) if case.id != "k-means" else pipeline.fit(X)
            path = folder / f"{case.id}.pmml"
            try:
                nyoka.skl_to_pmml(pipeline, list(X.columns), "y", str(path))
            except Exception as exc:  # nyoka's own limits with this scikit-learn: not pmmlkit's to test
                pytest.skip(f"nyoka {nyoka.__version__} cannot convert {case.id}: {type(exc).__name__}: {exc}")
        _CONVERTED[case.id] = (path, _rows(X, path))
    return _CONVERTED[case.id]


def _rows(X: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The sample, a row per input with that input missing, and for every split threshold in the
    document a row at it and one step either side (the other inputs at their medians)."""
    frames = [X.head(60)]
    missing = pd.DataFrame([X.median()] * len(X.columns)).reset_index(drop=True)
    for i, column in enumerate(X.columns):
        missing.loc[i, column] = np.nan
    frames.append(missing)
    splits: dict[str, set[float]] = {}
    for predicate in etree.parse(str(path)).iter("{*}SimplePredicate"):
        if predicate.get("field") in X.columns and predicate.get("value") is not None:
            splits.setdefault(predicate.get("field"), set()).add(float(predicate.get("value")))
    for column, values in splits.items():
        at = np.array(sorted(values))
        edges = np.concatenate([at, np.nextafter(at, -np.inf), np.nextafter(at, np.inf)])
        frame = pd.DataFrame({c: np.full(len(edges), X[c].median()) for c in X.columns})
        frame[column] = edges
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _without_pmml4s_departures(reference: pd.DataFrame) -> pd.DataFrame:
    """PMML4S's frame as native computes it: no predicted class where every probability is missing."""
    probabilities = [c for c in reference.columns if c.startswith("probability_")]
    if not probabilities or "predicted_y" not in reference.columns:
        return reference
    unknown = reference[probabilities].isna().all(axis=1)
    if not unknown.any():
        return reference
    out = reference.copy()
    out["predicted_y"] = out["predicted_y"].astype(np.float64).where(~unknown, np.nan)
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_nyoka_documents_score_alike_on_both_engines(case: NyokaCase, tmp_path: Path) -> None:
    path, rows = _convert(case, tmp_path)
    report = pmmlkit.validate(path)
    assert report.ok, str(report)
    reference = pmmlkit.load(path).predict(rows)
    assert len(reference) == len(rows)
    if case.native_refuses:
        with pytest.raises(UnsupportedElement, match=case.native_refuses):
            pmmlkit.load(path, engine="native")
        assert pmmlkit.load(path, engine="auto").engine == "pmml4s"
        return
    native = pmmlkit.load(path, engine="native")
    if case.pmml4s_zero_for_missing:
        rows = rows[rows.notna().all(axis=1)].reset_index(drop=True)
        reference = pmmlkit.load(path).predict(rows)
    scored = native.predict(rows)
    assert_engines_agree(_without_pmml4s_departures(reference), scored, f"{case.id}: native vs PMML4S")
    assert_record_path_agrees(native, rows, scored)  # one record at a time, as the server scores
