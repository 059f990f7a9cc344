"""Meta-estimators (voting, stacking, bagging, AdaBoost, IsolationForest, calibration, target
transforms): their members include trees, so the scored rows add threshold-edge rows of every
tree they hold, mapped back to the input columns the tree reads."""

from __future__ import annotations

import numpy as np
import pandas as pd
from harness import threshold_edges
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor, make_column_selector
from sklearn.ensemble import (
    AdaBoostClassifier,
    AdaBoostRegressor,
    BaggingClassifier,
    BaggingRegressor,
    GradientBoostingRegressor,
    IsolationForest,
    RandomForestClassifier,
    StackingClassifier,
    StackingRegressor,
    VotingClassifier,
    VotingRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge, RidgeClassifier
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MinMaxScaler,
    OneHotEncoder,
    PolynomialFeatures,
    SplineTransformer,
    StandardScaler,
    TargetEncoder,
)
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from cases import Case
from cases.data import (
    coded,
    diabetes,
    iris,
    iris_binary,
    iris_named,
    mixed,
    mixed_known,
    mixed_regression,
    numeric_nan,
    three_class_mixed,
)
from cases.sklearn_more import _mixed

MAX_THRESHOLDS = 60


def _tree_thresholds(estimator, columns: list[int], found: dict[int, list[np.ndarray]]) -> None:
    """Collect split thresholds of every tree inside ``estimator`` by the X column they test;
    ``columns[j]`` is the X column of the estimator's j-th feature."""
    structure = getattr(estimator, "tree_", None)
    if structure is not None:
        for j, column in enumerate(columns):
            found.setdefault(column, []).append(structure.threshold[structure.feature == j])
        return
    members = list(getattr(estimator, "estimators_", []))
    members += [c.estimator for c in getattr(estimator, "calibrated_classifiers_", [])]
    members += [estimator.regressor_] if hasattr(estimator, "regressor_") else []
    subsets = getattr(estimator, "estimators_features_", None)
    for i, member in enumerate(members):
        if isinstance(member, str):
            continue
        _tree_thresholds(member, [columns[int(k)] for k in subsets[i]] if subsets is not None else columns, found)


def _edge_rows(fitted, X: pd.DataFrame, with_nan: bool) -> pd.DataFrame:
    found: dict[int, list[np.ndarray]] = {}
    _tree_thresholds(fitted, list(range(X.shape[1])), found)
    base = X.median(numeric_only=True)
    frames = []
    for column, arrays in found.items():
        values = np.unique(np.concatenate(arrays))
        values = values[np.abs(values) <= np.finfo(np.float32).max]
        if len(values) > MAX_THRESHOLDS:
            values = values[np.linspace(0, len(values) - 1, MAX_THRESHOLDS).round().astype(int)]
        values = threshold_edges(values)
        frame = pd.DataFrame({c: np.full(len(values), base[c]) for c in X.columns})
        frame[X.columns[column]] = values
        frames.append(frame)
        if with_nan:
            missing = frame.copy()
            for other in X.columns:
                if other != X.columns[column]:
                    missing[other] = np.nan
            frames.append(missing)
    return pd.concat(frames, ignore_index=True)


def edge_rows(fitted, X):
    return _edge_rows(fitted, X, with_nan=False)


def edge_rows_nan(fitted, X):
    return _edge_rows(fitted, X, with_nan=True)


def numeric_nan_regression():
    return numeric_nan(classification=False)


def _tree(depth=3):
    return DecisionTreeClassifier(max_depth=depth, random_state=0)


def _logistic():
    return make_pipeline(StandardScaler(), LogisticRegression())


def _members():
    return [("logistic", _logistic()), ("tree", _tree()),
            ("forest", RandomForestClassifier(n_estimators=4, max_depth=3, random_state=0))]


def _regressors():
    return [("ridge", Ridge(alpha=0.5)), ("tree", DecisionTreeRegressor(max_depth=4, random_state=0)),
            ("boosting", GradientBoostingRegressor(n_estimators=5, max_depth=2, random_state=0))]


VOTING = [
    Case("voting-soft-weighted", lambda: VotingClassifier(_members(), voting="soft", weights=[2, 1, 1]),
         iris_named, edge_rows),
    Case("voting-soft-binary", lambda: VotingClassifier(_members(), voting="soft"), iris_binary, edge_rows),
    Case("voting-hard", lambda: VotingClassifier(_members() + [("svc", LinearSVC(random_state=0))], voting="hard"),
         iris, edge_rows),
    Case("voting-hard-weighted-mixed",
         lambda: VotingClassifier([("logistic", _mixed(LogisticRegression)()), ("tree", _mixed(_tree)()),
                                   ("svc", _mixed(lambda: LinearSVC(random_state=0))())],
                                  voting="hard", weights=[1.0, 2.5, 1.0]), mixed),
    Case("voting-regressor-weighted", lambda: VotingRegressor(_regressors(), weights=[1, 2, 0.5]), diabetes,
         edge_rows),
]

STACKING = [
    Case("stacking-proba", lambda: StackingClassifier(_members(), final_estimator=LogisticRegression()),
         iris_named, edge_rows),
    Case("stacking-proba-binary-passthrough",
         lambda: StackingClassifier(_members(), final_estimator=LogisticRegression(), passthrough=True),
         iris_binary, edge_rows),
    Case("stacking-decision-function",
         lambda: StackingClassifier([("logistic", _logistic()), ("svc", LinearSVC(random_state=0)), ("tree", _tree())],
                                    final_estimator=DecisionTreeClassifier(max_depth=4, random_state=0),
                                    stack_method="auto"), iris, edge_rows),
    Case("stacking-final-no-proba",
         lambda: StackingClassifier(_members(), final_estimator=RidgeClassifier(), stack_method="predict_proba",
                                    passthrough=True), iris_named, edge_rows),
    Case("stacking-regressor", lambda: StackingRegressor(_regressors(), final_estimator=Ridge()), diabetes,
         edge_rows),
    Case("stacking-regressor-passthrough",
         lambda: StackingRegressor(_regressors()[1:], final_estimator=DecisionTreeRegressor(max_depth=3),
                                   passthrough=True), diabetes, edge_rows),
]

BAGGING = [
    Case("bagging-classifier-feature-subsets",
         lambda: BaggingClassifier(_tree(4), n_estimators=8, max_features=0.5, random_state=0), iris_named,
         edge_rows),
    Case("bagging-classifier-nan",
         lambda: BaggingClassifier(_tree(5), n_estimators=6, random_state=0), numeric_nan, edge_rows_nan),
    Case("bagging-classifier-votes",
         lambda: BaggingClassifier(RidgeClassifier(), n_estimators=5, max_features=3, random_state=0), iris),
    Case("bagging-regressor-bootstrap-features",
         lambda: BaggingRegressor(DecisionTreeRegressor(max_depth=4), n_estimators=6, max_features=0.7,
                                  bootstrap_features=True, random_state=0), diabetes, edge_rows),
]

BOOSTING = [
    Case("adaboost-classifier", lambda: AdaBoostClassifier(n_estimators=15, random_state=0), iris_named, edge_rows),
    Case("adaboost-classifier-binary", lambda: AdaBoostClassifier(_tree(2), n_estimators=10, random_state=0),
         iris_binary, edge_rows),
    Case("adaboost-regressor",
         lambda: AdaBoostRegressor(DecisionTreeRegressor(max_depth=3), n_estimators=10, random_state=0), diabetes,
         edge_rows),
]

def repeated_rows():
    """40 identical rows and 10 varied ones: trees whose two samples are the same row are one leaf."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": np.r_[np.zeros(40), rng.normal(size=10)], "b": np.r_[np.zeros(40), rng.normal(size=10)]})
    return X, None, pd.concat([X, pd.DataFrame({"a": [0.5, -3.0], "b": [0.0, 2.0]})], ignore_index=True)


OUTLIERS = [
    Case("isolation-forest", lambda: IsolationForest(n_estimators=15, random_state=0), iris, edge_rows),
    Case("isolation-forest-single-leaf-trees",
         lambda: IsolationForest(n_estimators=20, max_samples=2, random_state=1), repeated_rows, edge_rows),
    Case("isolation-forest-nan-subsets",
         lambda: IsolationForest(n_estimators=10, max_features=0.5, contamination=0.1, random_state=0),
         numeric_nan_regression, edge_rows_nan),
]

CALIBRATION = [
    Case("calibrated-sigmoid-binary", lambda: CalibratedClassifierCV(_logistic(), method="sigmoid", cv=3),
         iris_binary),
    Case("calibrated-isotonic-tree", lambda: CalibratedClassifierCV(_tree(), method="isotonic", cv=3),
         iris_named, edge_rows),
    Case("calibrated-sigmoid-svc-no-ensemble",
         lambda: CalibratedClassifierCV(LinearSVC(random_state=0), ensemble=False), iris),
    Case("calibrated-isotonic-forest-nan",
         lambda: CalibratedClassifierCV(RandomForestClassifier(n_estimators=3, max_depth=4, random_state=0),
                                        method="isotonic", cv=2), numeric_nan, edge_rows_nan),
    Case("calibrated-isotonic-binary-mixed",
         lambda: CalibratedClassifierCV(_mixed(LogisticRegression)(), method="isotonic", cv=3), mixed),
]

TARGET = [
    Case("transformed-target-log", lambda: TransformedTargetRegressor(Ridge(), func=np.log, inverse_func=np.exp),
         diabetes),
    Case("transformed-target-log1p-tree",
         lambda: TransformedTargetRegressor(DecisionTreeRegressor(max_depth=4, random_state=0), func=np.log1p,
                                            inverse_func=np.expm1), diabetes, edge_rows),
    Case("transformed-target-scaler", lambda: TransformedTargetRegressor(Ridge(), transformer=StandardScaler()),
         diabetes),
    Case("transformed-target-minmax-mixed",
         lambda: TransformedTargetRegressor(_mixed(Ridge)(), transformer=MinMaxScaler()), mixed_regression),
]

def _encoded(encoder, model):
    """Imputed, scaled numbers and ``encoder`` on the string columns, then ``model``."""
    return lambda: make_pipeline(
        ColumnTransformer([("num", make_pipeline(SimpleImputer(), StandardScaler()), ["age", "income"]),
                           ("cat", encoder(), ["city", "plan"])]),
        model())


PREPROCESSING = [
    Case("one-hot-max-categories-infrequent-if-exist",
         _encoded(lambda: OneHotEncoder(max_categories=3, handle_unknown="infrequent_if_exist"), LogisticRegression),
         mixed),
    Case("one-hot-min-frequency-ignore",
         _encoded(lambda: OneHotEncoder(min_frequency=0.2, handle_unknown="ignore"), LogisticRegression), mixed),
    Case("one-hot-min-frequency-count-error",
         _encoded(lambda: OneHotEncoder(min_frequency=95), LogisticRegression), mixed_known),
    Case("target-encoder-binary", _encoded(TargetEncoder, LogisticRegression), mixed),
    Case("target-encoder-continuous", _encoded(lambda: TargetEncoder(smooth=5.0), Ridge), mixed_regression),
    Case("target-encoder-multiclass", _encoded(TargetEncoder, LogisticRegression), three_class_mixed),
    Case("target-encoder-numeric-codes",
         lambda: make_pipeline(ColumnTransformer([("codes", TargetEncoder(), ["rooms"]),
                                                  ("rest", "passthrough", ["score"])]), Ridge()),
         lambda: coded(classification=False)),
    Case("feature-union-weighted",
         lambda: make_pipeline(FeatureUnion([("scaled", StandardScaler()), ("square", PolynomialFeatures(2)),
                                             ("tanh", FunctionTransformer(np.tanh))],
                                            transformer_weights={"square": 0.5, "tanh": 2.0}), Ridge()), diabetes),
    Case("column-selector",
         lambda: make_pipeline(ColumnTransformer([
             ("num", make_pipeline(SimpleImputer(), StandardScaler()), make_column_selector(dtype_include="number")),
             ("cat", OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_include=object))]),
             LogisticRegression()), mixed),
    Case("function-transformer-numpy",
         lambda: make_pipeline(FeatureUnion([(f.__name__, FunctionTransformer(f)) for f in
                                             (np.sqrt, np.expm1, np.log10, np.abs, np.sin, np.arctan, np.floor)]),
                               StandardScaler(), LogisticRegression(max_iter=1000)), iris),
]

def outside_rows(fitted, X: pd.DataFrame) -> pd.DataFrame:
    """Rows beyond each column's range (extrapolation) and at every spline knot's edges."""
    low, high = X.min(), X.max()
    span = high - low
    frames = [pd.DataFrame({c: [low[c] - span[c], low[c] - 0.1 * span[c], high[c] + 0.1 * span[c],
                                high[c] + span[c]] for c in X.columns})]
    spline = fitted.steps[0][1]
    base = X.median()
    for column, bspline in zip(X.columns, spline.bsplines_):
        values = threshold_edges(np.unique(bspline.t))
        frame = pd.DataFrame({c: np.full(len(values), base[c]) for c in X.columns})
        frame[column] = values
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


SPLINES = [
    Case("spline-constant", lambda: make_pipeline(SplineTransformer(n_knots=4, degree=3), Ridge()), diabetes,
         outside_rows),
    Case("spline-linear-quantile-no-bias",
         lambda: make_pipeline(SplineTransformer(n_knots=5, degree=2, knots="quantile", extrapolation="linear",
                                                 include_bias=False), Ridge()), diabetes, outside_rows),
    Case("spline-continue", lambda: make_pipeline(SplineTransformer(n_knots=3, degree=3, extrapolation="continue"),
                                                  LogisticRegression(max_iter=1000)), iris, outside_rows),
    Case("spline-linear-degree-1",
         lambda: make_pipeline(SplineTransformer(n_knots=4, degree=1, extrapolation="linear"), Ridge()), diabetes,
         outside_rows),
    Case("spline-periodic", lambda: make_pipeline(SplineTransformer(n_knots=5, degree=3, extrapolation="periodic"),
                                                  Ridge()), diabetes, outside_rows),
    Case("spline-missing-zeros",
         lambda: make_pipeline(SplineTransformer(n_knots=4, handle_missing="zeros"),
                               LogisticRegression(max_iter=1000)), numeric_nan,
         unavailable=None if "handle_missing" in SplineTransformer().get_params() else
         "this scikit-learn has no SplineTransformer(handle_missing=...)"),
]

CASES = SPLINES + VOTING + STACKING + BAGGING + BOOSTING + OUTLIERS + CALIBRATION + TARGET + PREPROCESSING
