"""Data for the fidelity tables: every case scores NaNs, unseen categories and edge rows where
its model can take them."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes, load_iris

SEED = 7


@functools.cache
def _iris() -> tuple[pd.DataFrame, pd.Series]:
    X, y = load_iris(return_X_y=True, as_frame=True)
    X.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    return X, y


def iris() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Three classes (integer labels)."""
    X, y = _iris()
    return X, y, X


def iris_named() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Three classes with string labels."""
    X, y = _iris()
    return X, y.map({0: "setosa", 1: "versicolor", 2: "virginica"}), X


def iris_binary() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    X, y = _iris()
    return X, (y == 2).astype(int), X


def diabetes() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return X, y, X


def mixed(classification: bool = True) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Numeric and string columns with NaNs; the evaluation rows add unseen categories."""
    rng = np.random.default_rng(SEED)
    n = 400
    X = pd.DataFrame({
        "age": rng.normal(40, 12, n).round(1),
        "income": rng.lognormal(10, 0.6, n),
        "city": rng.choice(["paris", "lyon", "nice", "lille"], n),
        "plan": rng.choice(["basic", "pro", "team"], n),
    })
    X.loc[rng.random(n) < 0.1, "age"] = np.nan
    X.loc[rng.random(n) < 0.1, "income"] = np.nan
    X["city"] = X["city"].astype(object)
    X.loc[rng.random(n) < 0.08, "city"] = np.nan
    signal = 0.05 * np.nan_to_num(X["age"], nan=40) + (X["plan"] == "pro") * 1.5 - (X["city"] == "nice") * 1.0
    if classification:
        y = pd.Series(np.where(signal + rng.normal(0, 0.7, n) > 2.5, "yes", "no"), name="y")
    else:
        y = pd.Series(signal + rng.normal(0, 0.3, n), name="y")
    X_eval = pd.concat([X.iloc[:120], pd.DataFrame({
        "age": [30.0, np.nan, 55.5], "income": [np.nan, 20000.0, 1e5],
        "city": ["berlin", "paris", None], "plan": ["pro", "enterprise", "basic"]})], ignore_index=True)
    return X, y, X_eval


def mixed_regression() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    return mixed(classification=False)


def numeric_nan(classification: bool = True) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Numeric columns only, with NaNs in training and evaluation rows."""
    X, y, X_eval = mixed(classification)
    return X[["age", "income"]], y, X_eval[["age", "income"]]
