"""LightGBM through its scikit-learn API (the native Booster and LGBMRanker need fit arguments a
table row cannot give: see tests/test_lightgbm.py). Scored rows add, per feature, every split
threshold and its double and float32 neighbours, NaN, zero and the ±1e-35 zero band."""

from __future__ import annotations

import numpy as np
import pandas as pd
from harness import threshold_edges

from cases import Case
from cases.data import diabetes, iris_binary, iris_named, mixed, numeric_nan
from cases.sklearn_more import _mixed

try:
    import lightgbm
except ImportError:  # the optional extra is absent: no rows
    lightgbm = None

SPECIAL = np.array([np.nan, 0.0, -0.0, 1e-35, -1e-35, 1.0000000180025095e-35, 2e-35, -0.5, -1.0, 0.5, 2.999])


def split_thresholds(booster) -> dict[int, np.ndarray]:
    found: dict[int, list[float]] = {}
    for info in booster.dump_model()["tree_info"]:
        pending = [info["tree_structure"]]
        while pending:
            node = pending.pop()
            if "split_feature" in node:
                if node["decision_type"] == "<=":
                    found.setdefault(int(node["split_feature"]), []).append(float(node["threshold"]))
                pending += [node["left_child"], node["right_child"]]
    return {k: np.unique(v) for k, v in found.items()}


def edge_rows(fitted, X: pd.DataFrame) -> pd.DataFrame:
    booster = fitted.booster_
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    base = X[numeric].median()
    thresholds = split_thresholds(booster)
    frames = []
    for i, column in enumerate(X.columns):
        if column not in numeric:
            continue
        values = np.concatenate([threshold_edges(thresholds.get(i, np.array([]))), SPECIAL])
        frame = X.iloc[np.zeros(len(values), dtype=int)].reset_index(drop=True).copy()
        for c in numeric:
            frame[c] = base[c]
        frame[column] = values
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def zeros_and_nan():
    """diabetes with some zeros and NaNs (for zero_as_missing)."""
    X, y, _ = diabetes()
    X = X.copy()
    rng = np.random.default_rng(3)
    X = X.mask(rng.random(X.shape) < 0.1, 0.0).mask(rng.random(X.shape) < 0.05, np.nan)
    return X, y, X


def categories():
    """mixed() with its string columns as pandas categories (unseen ones become NaN in LightGBM)."""
    X, y, X_eval = mixed()
    for c in ("city", "plan"):
        X[c] = X[c].astype("category")
        X_eval[c] = pd.Categorical(X_eval[c], categories=X[c].cat.categories)
    return X, y, X_eval


def numeric_nan_regression():
    return numeric_nan(classification=False)


def coded_categories():
    """An integer-coded categorical feature (values 0..5, some negative and fractional in scoring)."""
    rng = np.random.default_rng(5)
    n = 300
    X = pd.DataFrame({"code": rng.integers(0, 6, n).astype(np.float64), "x": rng.normal(size=n)})
    y = pd.Series((X["code"].isin([1, 4]) * 2.0 + X["x"] + rng.normal(0, 0.2, n)), name="y")
    X_eval = pd.concat([X.iloc[:50], pd.DataFrame({"code": [np.nan, -0.5, -1.0, 1.7, 4.0, 7.0, 0.0],
                                                   "x": [0.1] * 7})], ignore_index=True)
    return X, y, X_eval


def _lgbm(kind, **options):
    def make():
        return getattr(lightgbm, kind)(n_estimators=12, num_leaves=7, min_child_samples=5, verbose=-1,
                                       random_state=0, **options)
    return make



CASES = [] if lightgbm is None else [
    Case("lgbm-regressor", _lgbm("LGBMRegressor"), diabetes, edge_rows),
    Case("lgbm-regressor-nan", _lgbm("LGBMRegressor"), numeric_nan_regression, edge_rows),
    Case("lgbm-regressor-zero-as-missing", _lgbm("LGBMRegressor", zero_as_missing=True), zeros_and_nan, edge_rows),
    Case("lgbm-regressor-no-missing", _lgbm("LGBMRegressor", use_missing=False), zeros_and_nan, edge_rows),
    Case("lgbm-poisson", _lgbm("LGBMRegressor", objective="poisson"), diabetes, edge_rows),
    Case("lgbm-random-forest",
         _lgbm("LGBMRegressor", boosting_type="rf", bagging_freq=1, bagging_fraction=0.7), diabetes, edge_rows),
    Case("lgbm-classifier-binary", _lgbm("LGBMClassifier"), iris_binary, edge_rows),
    Case("lgbm-classifier-multiclass", _lgbm("LGBMClassifier"), iris_named, edge_rows),
    Case("lgbm-classifier-nan", _lgbm("LGBMClassifier"), numeric_nan, edge_rows),
    Case("lgbm-classifier-pandas-categories", _lgbm("LGBMClassifier", min_data_per_group=5, cat_smooth=1.0),
         categories, edge_rows),
    Case("lgbm-pipeline-one-hot", _mixed(_lgbm("LGBMClassifier")), mixed),
    Case("lgbm-integer-categories", _lgbm("LGBMRegressor", categorical_feature=[0], min_data_per_group=5),
         coded_categories, edge_rows),
]
