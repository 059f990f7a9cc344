"""More scikit-learn models and transformers: the linear family, scalers and encoders, gradient boosting."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import (
    BayesianRidge,
    ElasticNet,
    HuberRegressor,
    Lasso,
    LogisticRegression,
    Ridge,
    RidgeClassifier,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (
    Binarizer,
    FunctionTransformer,
    KBinsDiscretizer,
    MaxAbsScaler,
    MinMaxScaler,
    Normalizer,
    OneHotEncoder,
    OrdinalEncoder,
    PolynomialFeatures,
    RobustScaler,
    StandardScaler,
)
from sklearn.svm import LinearSVC, LinearSVR
from sklearn.tree import DecisionTreeClassifier

from cases import Case
from cases.data import coded, diabetes, iris, iris_binary, iris_named, mixed, mixed_known, mixed_regression, numeric_nan
from cases.sklearn_tree import edge_rows


def _scaled(model):
    return lambda: make_pipeline(StandardScaler(), model())


def _mixed(model):
    """Imputed numbers and one-hot strings (NaNs and unseen categories in the scored rows)."""
    return lambda: make_pipeline(
        ColumnTransformer([("num", make_pipeline(SimpleImputer(), StandardScaler()), ["age", "income"]),
                           ("cat", OneHotEncoder(handle_unknown="ignore"), ["city", "plan"])]),
        model())


LINEAR = [
    Case("lasso", lambda: Lasso(alpha=0.1), diabetes),
    Case("elastic-net", lambda: ElasticNet(alpha=0.01, l1_ratio=0.3), diabetes),
    Case("elastic-net-no-intercept", lambda: ElasticNet(alpha=0.01, fit_intercept=False), diabetes),
    Case("sgd-regressor", _scaled(lambda: SGDRegressor(random_state=0)), diabetes),
    Case("huber", lambda: HuberRegressor(max_iter=500), diabetes),
    Case("bayesian-ridge", lambda: BayesianRidge(), diabetes),
    Case("linear-svr", _scaled(lambda: LinearSVR(random_state=0, max_iter=5000)), diabetes),
    Case("linear-svr-mixed", _mixed(lambda: LinearSVR(random_state=0, max_iter=5000)), mixed_regression),
    Case("sgd-log-binary", _scaled(lambda: SGDClassifier(loss="log_loss", random_state=0)), iris_binary),
    Case("sgd-log-multiclass", _scaled(lambda: SGDClassifier(loss="log_loss", random_state=0)), iris_named),
    Case("sgd-hinge-binary", _mixed(lambda: SGDClassifier(random_state=0)), mixed),
    Case("sgd-hinge-multiclass", _scaled(lambda: SGDClassifier(random_state=0)), iris),
    Case("sgd-modified-huber-labels", _scaled(lambda: SGDClassifier(loss="modified_huber", random_state=0)), iris),
    Case("ridge-classifier-binary", lambda: RidgeClassifier(), iris_binary),
    Case("ridge-classifier-multiclass", lambda: RidgeClassifier(alpha=0.5), iris_named),
    Case("linear-svc-binary", _mixed(lambda: LinearSVC(random_state=0)), mixed),
    Case("linear-svc-multiclass", _scaled(lambda: LinearSVC(random_state=0)), iris),
]



def numeric_nan_regression():
    return numeric_nan(classification=False)


def _then_impute(transformer, model=Ridge):
    """A transformer that passes NaN through, then an imputer, so NaN rows reach the PMML."""
    return lambda: make_pipeline(transformer, SimpleImputer(), model())


def _ordinal(encoder, model=None):
    return lambda: make_pipeline(
        ColumnTransformer([("cat", encoder, ["city", "plan"]), ("num", SimpleImputer(), ["age", "income"])]),
        model or DecisionTreeClassifier(max_depth=6, random_state=0))


def zero_rows(fitted, X: pd.DataFrame) -> pd.DataFrame:
    """An all-zero row and rows of tiny norm (Normalizer divides those by 1)."""
    n = X.shape[1]
    return pd.DataFrame([np.zeros(n), np.full(n, 1e-17), np.full(n, 1e-15), -np.full(n, 3e-16)], columns=X.columns)


def _steps(fitted):
    return [step for _, step in fitted.steps] if hasattr(fitted, "steps") else [fitted]


def _edge_frame(X: pd.DataFrame, per_column: list[np.ndarray]) -> pd.DataFrame:
    """Rows with one column at each value of ``per_column`` (and its double neighbours), the
    others at their median."""
    frames = []
    base = X.median()
    for column, values in zip(X.columns, per_column):
        values = np.concatenate([values, np.nextafter(values, -np.inf), np.nextafter(values, np.inf)])
        frame = pd.DataFrame({c: np.full(len(values), base[c]) for c in X.columns})
        frame[column] = values
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def bin_edge_rows(fitted, X: pd.DataFrame) -> pd.DataFrame:
    discretizer = next(s for s in _steps(fitted) if isinstance(s, KBinsDiscretizer))
    return _edge_frame(X, [np.asarray(e, dtype=np.float64) for e in discretizer.bin_edges_])


def binarizer_edge_rows(fitted, X: pd.DataFrame) -> pd.DataFrame:
    binarizer = next(s for s in _steps(fitted) if isinstance(s, Binarizer))
    return _edge_frame(X, [np.array([binarizer.threshold], dtype=np.float64)] * X.shape[1])


def positive_diabetes():
    X, y, X_eval = diabetes()
    return X + 1.0, y, X_eval + 1.0


# Options newer than the oldest scikit-learn supported (README "Supported versions"): rows using
# them are skipped on releases without them.
_NO_MAX_ABS_CLIP = None if "clip" in MaxAbsScaler().get_params() else "this scikit-learn has no MaxAbsScaler(clip=...)"
_NO_KBINS_QUANTILE_METHOD = None if "quantile_method" in KBinsDiscretizer().get_params() else \
    "this scikit-learn has no KBinsDiscretizer(quantile_method=...)"

PREPROCESSING = [
    Case("max-abs-scaler-nan", _then_impute(MaxAbsScaler()), numeric_nan_regression),
    Case("max-abs-scaler-clip", lambda: _then_impute(MaxAbsScaler(clip=True))(), numeric_nan_regression,
         unavailable=_NO_MAX_ABS_CLIP),
    Case("min-max-scaler-clip-nan", _then_impute(MinMaxScaler(clip=True)), numeric_nan_regression),
    Case("robust-scaler-nan", _then_impute(RobustScaler()), numeric_nan_regression),
    Case("robust-scaler-no-centering",
         _then_impute(RobustScaler(with_centering=False, quantile_range=(10.0, 90.0))), numeric_nan_regression),
    Case("robust-scaler-no-scaling", lambda: make_pipeline(RobustScaler(with_scaling=False), Ridge()), diabetes),
    Case("normalizer-l2", lambda: make_pipeline(Normalizer(), Ridge()), diabetes, zero_rows),
    Case("normalizer-l1", lambda: make_pipeline(Normalizer(norm="l1"), Ridge()), diabetes, zero_rows),
    Case("normalizer-max", lambda: make_pipeline(Normalizer(norm="max"), Ridge()), diabetes, zero_rows),
    Case("binarizer", lambda: make_pipeline(Binarizer(threshold=3.0), LogisticRegression()), iris_binary,
         binarizer_edge_rows),
    Case("ordinal-encoder-codes", _ordinal(OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                                                          encoded_missing_value=-2)), mixed),
    Case("ordinal-encoder-nan-codes",
         _ordinal(OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan)), mixed),
    Case("ordinal-encoder-error-known-rows", _ordinal(OrdinalEncoder()), mixed_known),
    Case("ordinal-encoder-numeric-codes",
         lambda: make_pipeline(
             ColumnTransformer([("codes", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
                                 ["rooms", "grade"])], remainder="passthrough"),
             DecisionTreeClassifier(max_depth=5, random_state=0)),
         coded),
    Case("kbins-ordinal-quantile",
         lambda: make_pipeline(KBinsDiscretizer(n_bins=5, encode="ordinal", quantile_method="averaged_inverted_cdf"),
                               Ridge()),
         diabetes, bin_edge_rows, unavailable=_NO_KBINS_QUANTILE_METHOD),
    Case("kbins-onehot-uniform",
         lambda: make_pipeline(KBinsDiscretizer(n_bins=4, encode="onehot-dense", strategy="uniform"),
                               LogisticRegression(max_iter=1000)),
         iris, bin_edge_rows),
    Case("kbins-onehot-sparse-kmeans",
         lambda: make_pipeline(KBinsDiscretizer(n_bins=3, strategy="kmeans"), LogisticRegression(max_iter=1000)),
         iris_named, bin_edge_rows),
    Case("polynomial-degree-2", lambda: make_pipeline(PolynomialFeatures(), StandardScaler(),
                                                      LogisticRegression(max_iter=2000)), iris),
    Case("polynomial-interactions",
         lambda: make_pipeline(PolynomialFeatures(interaction_only=True, include_bias=False), Ridge()), diabetes),
    Case("polynomial-degree-3", lambda: make_pipeline(PolynomialFeatures(degree=(2, 3)), Ridge()), diabetes),
    Case("function-log1p", lambda: make_pipeline(FunctionTransformer(np.log1p), Ridge()), positive_diabetes),
    Case("function-log", lambda: make_pipeline(FunctionTransformer(np.log), LogisticRegression(max_iter=1000)),
         iris_named),
    Case("function-exp-identity",
         lambda: make_pipeline(FunctionTransformer(np.exp), FunctionTransformer(), Ridge()), diabetes),
]



def boosting_edge_rows(fitted, X: pd.DataFrame) -> pd.DataFrame:
    """Threshold-edge rows over every tree of a gradient-boosting model (estimators_ is 2-D);
    without the rows with NaN, which GradientBoosting rejects."""
    rows = edge_rows(SimpleNamespace(estimators_=np.ravel(fitted.estimators_)), X)
    return rows.dropna().reset_index(drop=True)


def _boosting(cls, **options):
    return lambda: cls(n_estimators=30, max_depth=3, random_state=0, **options)


BOOSTING = [
    Case("gb-regressor", _boosting(GradientBoostingRegressor), diabetes, boosting_edge_rows),
    Case("gb-regressor-huber-subsample", _boosting(GradientBoostingRegressor, loss="huber", subsample=0.8),
         diabetes, boosting_edge_rows),
    Case("gb-regressor-absolute-zero-init", _boosting(GradientBoostingRegressor, loss="absolute_error", init="zero"),
         diabetes, boosting_edge_rows),
    Case("gb-regressor-quantile", _boosting(GradientBoostingRegressor, loss="quantile", alpha=0.8), diabetes),
    Case("gb-classifier-binary", _boosting(GradientBoostingClassifier), iris_binary, boosting_edge_rows),
    Case("gb-classifier-multiclass", _boosting(GradientBoostingClassifier, learning_rate=0.3), iris_named,
         boosting_edge_rows),
    Case("gb-classifier-int-labels", _boosting(GradientBoostingClassifier), iris, boosting_edge_rows),
    Case("gb-classifier-exponential", _boosting(GradientBoostingClassifier, loss="exponential"), iris_binary,
         boosting_edge_rows),
    Case("gb-classifier-mixed", _mixed(_boosting(GradientBoostingClassifier)), mixed),
]



def hist_edge_rows(fitted, X: pd.DataFrame) -> pd.DataFrame:
    """Threshold-edge rows (and NaN rows) over every numeric split of a HistGradientBoosting model."""
    trees = []
    for iteration in fitted._predictors:
        for predictor in iteration:
            nodes = predictor.nodes[(predictor.nodes["is_leaf"] == 0) & (predictor.nodes["is_categorical"] == 0)]
            trees.append(SimpleNamespace(tree_=SimpleNamespace(threshold=nodes["num_threshold"],
                                                               feature=nodes["feature_idx"])))
    return edge_rows(SimpleNamespace(estimators_=trees), X)


def positive_target_nan():
    X, y, X_eval = numeric_nan(classification=False)
    return X, np.exp(y / 2), X_eval


def _category_dtype():
    """:func:`mixed` with pandas "category" columns (HistGradientBoosting's categorical_features="from_dtype")."""
    X, y, X_eval = mixed()
    kinds = {c: pd.CategoricalDtype(sorted(X[c].dropna().unique())) for c in ("city", "plan")}
    return X.astype(kinds), y, X_eval.astype(kinds)


def _hist(cls, **options):
    return lambda: cls(max_iter=25, max_depth=4, random_state=0, **options)


def _with_codes(data):
    """:func:`mixed` plus an integer-coded column (categories 0-5, unseen 9 and -1 when scored)."""
    X, y, X_eval = data
    codes = (np.arange(len(X)) * 7) % 6
    eval_codes = ((np.arange(len(X_eval)) * 7) % 6).astype(np.float64)
    eval_codes[-3:] = [9.0, -1.0, np.nan]
    return X.assign(code=codes.astype(np.float64)), y, X_eval.assign(code=eval_codes)


HIST = [
    Case("hist-regressor-nan", _hist(HistGradientBoostingRegressor), numeric_nan_regression, hist_edge_rows),
    Case("hist-regressor-diabetes", _hist(HistGradientBoostingRegressor, loss="absolute_error"), diabetes,
         hist_edge_rows),
    Case("hist-regressor-poisson", _hist(HistGradientBoostingRegressor, loss="poisson"), positive_target_nan,
         hist_edge_rows),
    Case("hist-regressor-gamma", _hist(HistGradientBoostingRegressor, loss="gamma"), diabetes, hist_edge_rows),
    Case("hist-classifier-binary-nan", _hist(HistGradientBoostingClassifier), numeric_nan, hist_edge_rows),
    Case("hist-classifier-multiclass", _hist(HistGradientBoostingClassifier), iris_named, hist_edge_rows),
    Case("hist-classifier-categorical",
         _hist(HistGradientBoostingClassifier, categorical_features=["city", "plan", "code"]),
         lambda: _with_codes(mixed())),
    Case("hist-classifier-category-dtype", _hist(HistGradientBoostingClassifier), _category_dtype),
    Case("hist-regressor-categorical",
         _hist(HistGradientBoostingRegressor, categorical_features=["city", "plan"]), mixed_regression),
]

CASES = LINEAR + PREPROCESSING + BOOSTING + HIST
