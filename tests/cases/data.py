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
    # A missing string is NaN: pandas 3 stores None as NaN, but pandas 2 keeps None in an object
    # column, where scikit-learn's imputers do not see it as missing (README "Supported versions").
    X_eval = pd.concat([X.iloc[:120], pd.DataFrame({
        "age": [30.0, np.nan, 55.5], "income": [np.nan, 20000.0, 1e5],
        "city": ["berlin", "paris", np.nan], "plan": ["pro", "enterprise", "basic"]})], ignore_index=True)
    return X, y, X_eval


def mixed_regression() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    return mixed(classification=False)


def numeric_nan(classification: bool = True) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Numeric columns only, with NaNs in training and evaluation rows."""
    X, y, X_eval = mixed(classification)
    return X[["age", "income"]], y, X_eval[["age", "income"]]


def mixed_known() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Like :func:`mixed` but the evaluation rows hold only categories seen in fit (for encoders
    that reject unseen ones); NaNs stay."""
    X, y, _ = mixed()
    return X, y, X.iloc[:150]


def coded(classification: bool = True) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Integer-coded categories and explicit missing markers (-1 and "?") instead of NaN; the
    evaluation rows add an unseen code and an unseen string."""
    rng = np.random.default_rng(SEED + 1)
    n = 300
    X = pd.DataFrame({
        "rooms": rng.integers(1, 5, n).astype(np.float64),
        "score": rng.normal(10, 3, n).round(2),
        "grade": rng.choice(["a", "b", "c"], n).astype(object),
    })
    X.loc[rng.random(n) < 0.1, "score"] = -1.0
    X.loc[rng.random(n) < 0.1, "grade"] = "?"
    signal = 0.3 * X["rooms"] + 0.1 * X["score"] + (X["grade"] == "a") * 1.0
    if classification:
        y = pd.Series(np.where(signal + rng.normal(0, 0.5, n) > 2.5, 1, 0), name="y")
    else:
        y = pd.Series(signal + rng.normal(0, 0.3, n), name="y")
    X_eval = pd.concat([X.iloc[:100], pd.DataFrame({
        "rooms": [7.0, 2.0, 3.0], "score": [-1.0, 12.5, 3.0], "grade": ["b", "?", "z"]})],
        ignore_index=True)
    X_eval["grade"] = X_eval["grade"].astype(object)
    return X, y, X_eval


def with_empty_column() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """:func:`numeric_nan` plus a column that is all NaN in fit (SimpleImputer drops it)."""
    X, y, X_eval = numeric_nan()
    X = X.assign(empty=np.nan)
    X_eval = X_eval.assign(empty=np.where(np.arange(len(X_eval)) % 2 == 0, np.nan, 3.0))
    return X, y, X_eval


def three_class_mixed() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """:func:`mixed` with three string labels."""
    X, _, X_eval = mixed()
    y = pd.Series(np.where(X["plan"] == "pro", "high", np.where(X["age"].fillna(40) > 45, "mid", "low")), name="y")
    return X, y, X_eval
