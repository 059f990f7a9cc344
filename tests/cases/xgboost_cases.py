"""XGBoost through its scikit-learn API: float32 inputs, thresholds and sums. Scored rows add, per
feature, every split condition and its double and float32 neighbours, NaN and zeros."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from harness import threshold_edges

from cases import Case
from cases.data import diabetes, iris, iris_binary, mixed, numeric_nan
from cases.sklearn_more import _mixed

try:
    import xgboost
except ImportError:  # the optional extra is absent: no rows
    xgboost = None


def split_conditions(booster) -> dict[int, np.ndarray]:
    found: dict[int, list[float]] = {}
    trees = json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]["trees"]
    for tree in trees:
        for i, child in enumerate(tree["left_children"]):
            if child != -1:
                found.setdefault(int(tree["split_indices"][i]), []).append(float(tree["split_conditions"][i]))
    return {k: np.unique(v) for k, v in found.items()}


def edge_rows(fitted, X: pd.DataFrame) -> pd.DataFrame:
    booster = fitted.get_booster()
    base = X.median()
    frames = []
    for i, column in enumerate(X.columns):
        values = np.concatenate([threshold_edges(split_conditions(booster).get(i, np.array([]))),
                                 [np.nan, 0.0, -0.0]])
        frame = pd.DataFrame({c: np.full(len(values), base[c]) for c in X.columns})
        frame[column] = values
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def numeric_nan_regression():
    return numeric_nan(classification=False)


def _coded(data):
    """XGBClassifier wants labels 0 .. K-1."""
    def coded():
        X, y, X_eval = data()
        return X, (y == "yes").astype(int), X_eval
    return coded


def _three_classes():
    """numeric_nan's rows with three classes (by age and income), NaNs kept."""
    X, _, X_eval = numeric_nan()
    y = pd.Series(np.where(X["age"].fillna(40) > 45, 2, np.where(X["income"].fillna(0) > 25000, 1, 0)), name="y")
    return X, y, X_eval


def _xgb(kind, **options):
    def make():
        return getattr(xgboost, kind)(n_estimators=15, max_depth=3, learning_rate=0.3, random_state=0, **options)
    return make


CASES = [] if xgboost is None else [
    Case("xgb-regressor", _xgb("XGBRegressor"), diabetes, edge_rows),
    Case("xgb-regressor-nan", _xgb("XGBRegressor"), numeric_nan_regression, edge_rows),
    Case("xgb-poisson", _xgb("XGBRegressor", objective="count:poisson"), diabetes, edge_rows),
    Case("xgb-classifier-binary", _xgb("XGBClassifier"), iris_binary, edge_rows),
    Case("xgb-classifier-nan", _xgb("XGBClassifier"), _coded(numeric_nan), edge_rows),
    Case("xgb-classifier-multiclass", _xgb("XGBClassifier"), iris, edge_rows),
    Case("xgb-classifier-multiclass-nan", _xgb("XGBClassifier"), _three_classes, edge_rows),
    Case("xgb-pipeline-one-hot", _mixed(_xgb("XGBClassifier")), _coded(mixed)),
]
