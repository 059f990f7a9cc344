"""scikit-learn models PMML cannot state exactly (in the families, meta-estimators and preprocessing
extras) are refused, the message naming the step, why and what to use: one table of refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cases import fit_quietly
from cases.data import diabetes, iris, iris_binary, mixed
from sklearn.calibration import CalibratedClassifierCV
from sklearn.cluster import DBSCAN
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.decomposition import NMF
from sklearn.ensemble import GradientBoostingClassifier, StackingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neighbors import KNeighborsClassifier, RadiusNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    KBinsDiscretizer,
    QuantileTransformer,
    SplineTransformer,
    StandardScaler,
)
from sklearn.semi_supervised import LabelSpreading
from sklearn.svm import SVC, LinearSVC

import pmmlkit
from pmmlkit import ConversionError


def _iris():
    X, y, _ = iris()
    return X, y


def _diabetes():
    X, y, _ = diabetes()
    return X, y


def _mixed():
    X, y, _ = mixed()
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
    # -- models with no PMML converter: named with their path ------------------------------------------
    ("label-spreading", lambda: make_pipeline(StandardScaler(), LabelSpreading()), _iris,
     r"sklearn\.semi_supervised\..*LabelSpreading at Pipeline > labelspreading has no PMML converter"),
    ("quantile-transformer-inside-a-column-transformer",
     lambda: make_pipeline(ColumnTransformer([("num", make_pipeline(SimpleImputer(), QuantileTransformer(n_quantiles=10)),
                                               ["income"])]), LogisticRegression()), _mixed,
     r"QuantileTransformer at Pipeline > columntransformer > num > quantiletransformer has no PMML converter"),
    # -- meta-estimators ---------------------------------------------------------------------------------
    ("one-vs-rest-over-linear-svc", lambda: OneVsRestClassifier(LinearSVC()), _iris,
     r"OneVsRestClassifier over LinearSVC is not supported"),
    ("stacking-on-a-non-linear-decision-function",
     lambda: StackingClassifier([("gb", GradientBoostingClassifier(n_estimators=3))], stack_method="decision_function"),
     _iris, r"StackingClassifier: decision_function of GradientBoostingClassifier at step 'gb' is not converted; use "
            r"stack_method='predict_proba'"),
    ("temperature-calibration", lambda: CalibratedClassifierCV(LogisticRegression(), method="temperature", cv=2),
     _iris, r"CalibratedClassifierCV\(method='temperature'\) is not supported; use method='sigmoid' or 'isotonic'"),
    ("calibrating-a-non-linear-decision-function",
     lambda: CalibratedClassifierCV(GradientBoostingClassifier(n_estimators=3), cv=2), _iris,
     r"decision_function of GradientBoostingClassifier at step 'calibrated1' is not converted; calibrate a model "
     r"without decision_function \(it then reads predict_proba\)"),
    ("target-inverse-without-a-pmml-function",
     lambda: TransformedTargetRegressor(Ridge(), func=np.cbrt, inverse_func=lambda v: v ** 3, check_inverse=False),
     _diabetes, r"TransformedTargetRegressor\(inverse_func='<lambda>'\) is not converted; use one of np\.exp, "
                r".*StandardScaler / MinMaxScaler"),
    ("gradient-boosting-with-custom-init",
     lambda: make_pipeline(StandardScaler(), GradientBoostingClassifier(init=LogisticRegression(max_iter=500),
                                                                        n_estimators=3, max_depth=2)), _iris,
     r"Pipeline > gradientboostingclassifier: GradientBoostingClassifier\(init=LogisticRegression\(\.\.\.\)\) is "
     r"not supported.*use the default init \(or init='zero'\)"),
    # -- preprocessing -----------------------------------------------------------------------------------
    ("function-transformer-cbrt", lambda: make_pipeline(FunctionTransformer(np.cbrt), LogisticRegression(max_iter=500)),
     _iris, r"Pipeline > functiontransformer: FunctionTransformer\(func='cbrt'\) is not supported; func=None and "
            r"these numpy functions \(without kw_args\) are converted: np\.log, np\.log1p, np\.exp.*np\.sqrt.*np\.tanh"),
    ("sparse-splines", lambda: make_pipeline(SplineTransformer(sparse_output=True), Ridge()), _diabetes,
     r"SplineTransformer\(sparse_output=True\) is not converted"),
    ("kbins-discretizer-in-float32",
     lambda: make_pipeline(KBinsDiscretizer(n_bins=3, encode="ordinal", strategy="uniform", dtype=np.float32),
                           LogisticRegression(max_iter=500)), _iris,
     r"Pipeline > kbinsdiscretizer: KBinsDiscretizer\(dtype=.*float32.*\) rounds inputs to float32 first; fit with "
     r"dtype=None or np\.float64"),
]


@pytest.mark.parametrize("build,data,message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refusal_says_why_and_what_to_use(build, data, message):
    X, y = data()
    model = fit_quietly(build(), X, y)
    with pytest.raises(ConversionError, match=message):
        pmmlkit.convert(model, X)


def test_unconverted_class_with_no_predict_says_so():
    X, _, _ = iris()
    model = fit_quietly(DBSCAN(), X, None)
    with pytest.raises(ConversionError, match=r"sklearn\.cluster\..*DBSCAN at DBSCAN has no PMML form: it has no predict for new "
                                              r"rows; use KMeans"):
        pmmlkit.convert(model, X)


def test_multilabel_network_is_refused():
    X, y, _ = iris_binary()
    labels = np.column_stack([y, 1 - y])
    model = fit_quietly(MLPClassifier(hidden_layer_sizes=(3,), max_iter=50, random_state=0), X, labels)
    with pytest.raises(ConversionError, match=r"MLPClassifier fitted on multilabel targets .* fit it on a single "
                                              r"label column"):
        pmmlkit.convert(model, X)


def test_svc_probabilities_are_left_out_with_a_warning():
    X, y, _ = iris_binary()
    model = fit_quietly(SVC(probability=True, random_state=0), X, y)
    with pytest.warns(UserWarning, match=r"SVC: SVC\(probability=True\) is converted with its label and "
                                         r"decision_function only: its predict_proba has no exact PMML form"):
        document = pmmlkit.convert(model, X)
    assert [f.get("feature") for f in document.output_fields()] == ["predictedValue", "transformedValue"]
