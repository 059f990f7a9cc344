"""Decision trees and random forests, scored on rows at, just below and just above every split
threshold of the fitted trees (in double and float32 steps), besides the data's own rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
from harness import threshold_edges
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor, ExtraTreeClassifier, ExtraTreeRegressor

from cases import Case
from cases.data import diabetes, iris, iris_named, numeric_nan

# At most this many thresholds per feature (spread over the sorted list) keep forest cases fast.
MAX_THRESHOLDS = 150


def _trees(model):
    return list(getattr(model, "estimators_", [model]))


def _thresholds(model, column: int) -> np.ndarray:
    values = np.concatenate([t.tree_.threshold[t.tree_.feature == column] for t in _trees(model)])
    # +inf splits missing from present values; inputs beyond float32's range are rejected by predict.
    values = np.unique(values[np.abs(values) <= np.finfo(np.float32).max])
    if len(values) > MAX_THRESHOLDS:
        values = values[np.linspace(0, len(values) - 1, MAX_THRESHOLDS).round().astype(int)]
    return values


def _rows(X: pd.DataFrame, column: str, values: np.ndarray) -> pd.DataFrame:
    """Rows with ``column`` set to ``values`` and the other columns at their median, then the same
    rows with the other columns missing (trees fitted without NaNs still route them)."""
    values = values[np.abs(values) <= np.finfo(np.float32).max]
    base = X.median()
    frame = pd.DataFrame({c: np.full(len(values), base[c]) for c in X.columns})
    frame[column] = values
    missing = frame.copy()
    for other in X.columns:
        if other != column:
            missing[other] = np.nan
    return pd.concat([frame, missing], ignore_index=True)


def edge_rows(fitted, X: pd.DataFrame) -> pd.DataFrame:
    """Threshold-edge rows for every feature of a tree or forest."""
    return pd.concat([_rows(X, c, threshold_edges(_thresholds(fitted, i))) for i, c in enumerate(X.columns)],
                     ignore_index=True)


def scaled_edge_rows(fitted: Pipeline, X: pd.DataFrame) -> pd.DataFrame:
    """Edge rows for StandardScaler -> tree: thresholds live on the scaled values, so they are
    mapped back to raw values, and the raw neighbours of those are scored too."""
    scaler, model = fitted.steps[0][1], fitted.steps[-1][1]
    frames = []
    for i, column in enumerate(X.columns):
        raw = threshold_edges(_thresholds(model, i)) * scaler.scale_[i] + scaler.mean_[i]
        frames.append(_rows(X, column, threshold_edges(raw)))
    return pd.concat(frames, ignore_index=True)


def numeric_nan_regression():
    return numeric_nan(classification=False)


def _forest_classifier(**options):
    return lambda: RandomForestClassifier(n_estimators=15, max_depth=6, random_state=0, **options)


def _forest_regressor(**options):
    return lambda: RandomForestRegressor(n_estimators=15, max_depth=6, random_state=0, **options)


CASES = [
    Case("tree-classifier-iris", lambda: DecisionTreeClassifier(random_state=0), iris, edge_rows),
    Case("tree-classifier-string-labels", lambda: DecisionTreeClassifier(max_depth=4, random_state=0),
         iris_named, edge_rows),
    Case("tree-classifier-random-splitter", lambda: DecisionTreeClassifier(splitter="random", random_state=1),
         iris, edge_rows),
    Case("tree-classifier-nan", lambda: DecisionTreeClassifier(max_depth=6, random_state=0), numeric_nan,
         edge_rows),
    Case("tree-classifier-nan-random-splitter",
         lambda: DecisionTreeClassifier(splitter="random", max_depth=6, random_state=0), numeric_nan, edge_rows),
    Case("tree-regressor-diabetes", lambda: DecisionTreeRegressor(max_depth=8, random_state=0), diabetes, edge_rows),
    Case("tree-regressor-nan", lambda: DecisionTreeRegressor(max_depth=6, random_state=0), numeric_nan_regression,
         edge_rows),
    Case("scaler-tree-classifier", lambda: make_pipeline(StandardScaler(), DecisionTreeClassifier(random_state=0)),
         iris, scaled_edge_rows),
    Case("forest-classifier-iris", _forest_classifier(), iris, edge_rows),
    Case("forest-classifier-string-labels", _forest_classifier(), iris_named, edge_rows),
    Case("forest-classifier-nan", _forest_classifier(), numeric_nan, edge_rows),
    Case("forest-regressor-diabetes", _forest_regressor(), diabetes, edge_rows),
    Case("forest-regressor-nan", _forest_regressor(), numeric_nan_regression, edge_rows),
    Case("extra-tree-classifier", lambda: ExtraTreeClassifier(random_state=0), iris, edge_rows),
    Case("extra-tree-regressor-nan", lambda: ExtraTreeRegressor(max_depth=8, random_state=0), numeric_nan_regression,
         edge_rows),
    Case("extra-trees-classifier-nan", lambda: ExtraTreesClassifier(n_estimators=10, max_depth=6, random_state=0),
         numeric_nan, edge_rows),
    Case("extra-trees-regressor", lambda: ExtraTreesRegressor(n_estimators=10, max_depth=6, random_state=0),
         diabetes, edge_rows),
]
