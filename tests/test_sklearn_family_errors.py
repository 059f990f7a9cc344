"""The scikit-learn families refuse what PMML cannot state exactly, saying why and what to use."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from cases.data import iris, iris_binary
from sklearn.cluster import DBSCAN
from sklearn.decomposition import NMF
from sklearn.neighbors import KNeighborsClassifier, RadiusNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import pmmlkit
from pmmlkit import ConversionError


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(X, y)


def _iris():
    X, y, _ = iris()
    return X, y


def _gram():
    """A precomputed kernel: the Gram matrix of iris."""
    X, y, _ = iris()
    return pd.DataFrame(X.to_numpy() @ X.to_numpy().T), y


CASES = [
    ("radius-neighbors", lambda: make_pipeline(StandardScaler(), RadiusNeighborsClassifier()), _iris,
     r"RadiusNeighborsClassifier at Pipeline > radiusneighborsclassifier has no PMML form: its number of "
     r"neighbours varies per row .*; use KNeighborsClassifier"),
    ("nmf", lambda: make_pipeline(NMF(n_components=2, max_iter=500), KNeighborsClassifier()), _iris,
     r"NMF at Pipeline > nmf has no PMML form: its transform solves an optimisation per row; use PCA or "
     r"TruncatedSVD"),
    ("precomputed-kernel", lambda: SVC(kernel="precomputed"), _gram,
     r"SVC: SVC with precomputed kernel has no PMML form here; use the linear, poly, rbf or sigmoid kernel"),
    ("callable-weights", lambda: KNeighborsClassifier(weights=lambda d: np.ones_like(d)), _iris,
     r"KNeighborsClassifier with a callable weights function has no PMML form; use weights='uniform' or "
     r"'distance'"),
    ("brute-distance-knn", lambda: KNeighborsClassifier(weights="distance", algorithm="brute"), _iris,
     r"KNeighborsClassifier\(weights='distance'\) with brute-force euclidean distances is not converted: .* "
     r"refit with algorithm='kd_tree' or 'ball_tree'"),
    ("cosine-knn", lambda: KNeighborsClassifier(metric="cosine", algorithm="brute"), _iris,
     r"KNeighborsClassifier\(metric='cosine'\) has no PMML form here; use a Minkowski metric"),
]


@pytest.mark.parametrize("build,data,message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_family_refusal_says_why_and_what_to_use(build, data, message):
    X, y = data()
    model = _fit(build(), X, y)
    with pytest.raises(ConversionError, match=message):
        pmmlkit.convert(model, X)


def test_unconverted_class_with_no_predict_says_so():
    X, _, _ = iris()
    model = _fit(DBSCAN(), X, None)
    with pytest.raises(ConversionError, match=r"sklearn\.cluster\..*DBSCAN at DBSCAN has no PMML form: it has no predict for new "
                                              r"rows; use KMeans"):
        pmmlkit.convert(model, X)


def test_multilabel_network_is_refused():
    X, y, _ = iris_binary()
    labels = np.column_stack([y, 1 - y])
    model = _fit(MLPClassifier(hidden_layer_sizes=(3,), max_iter=50, random_state=0), X, labels)
    with pytest.raises(ConversionError, match=r"MLPClassifier fitted on multilabel targets .* fit it on a single "
                                              r"label column"):
        pmmlkit.convert(model, X)


def test_svc_probabilities_are_left_out_with_a_warning():
    X, y, _ = iris_binary()
    model = _fit(SVC(probability=True, random_state=0), X, y)
    with pytest.warns(UserWarning, match=r"SVC: SVC\(probability=True\) is converted with its label and "
                                         r"decision_function only: its predict_proba has no exact PMML form"):
        document = pmmlkit.convert(model, X)
    assert [f.get("feature") for f in document.output_fields()] == ["predictedValue", "transformedValue"]
