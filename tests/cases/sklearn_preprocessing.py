"""Preprocessing and composition: ColumnTransformer, SimpleImputer, OneHotEncoder, one-vs-rest."""

from __future__ import annotations

import numpy as np
from sklearn.compose import ColumnTransformer, make_column_transformer
from sklearn.ensemble import RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from cases import Case
from cases.data import (
    coded,
    iris_named,
    mixed,
    mixed_known,
    mixed_regression,
    numeric_nan,
    three_class_mixed,
    with_empty_column,
)

NUMERIC = ["age", "income"]
CATEGORICAL = ["city", "plan"]


def _mixed_pipeline(model, categorical_imputer="most_frequent", encoder=None, remainder="drop"):
    """The usual shape: impute+scale the numbers, impute+one-hot the strings, then a model."""
    encoder = encoder or OneHotEncoder(handle_unknown="ignore")
    return make_pipeline(
        ColumnTransformer([
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), NUMERIC),
            ("cat", make_pipeline(SimpleImputer(strategy=categorical_imputer), encoder), CATEGORICAL),
        ], remainder=remainder),
        model,
    )


def _encoded(encoder, columns=CATEGORICAL, model=None):
    """One-hot encoding straight on the raw columns (NaN becomes a category of its own)."""
    return make_pipeline(ColumnTransformer([("cat", encoder, columns)], remainder="drop"),
                         model or LogisticRegression(max_iter=1000))


def _imputed(strategy, **options):
    return make_pipeline(SimpleImputer(strategy=strategy, **options), LogisticRegression(max_iter=1000))


CASES = [
    Case("ct-impute-onehot-logistic", lambda: _mixed_pipeline(LogisticRegression(max_iter=1000)), mixed),
    Case("ct-impute-onehot-ridge", lambda: _mixed_pipeline(Ridge(alpha=1.0)), mixed_regression),
    Case("ct-constant-imputer", lambda: _mixed_pipeline(LogisticRegression(max_iter=1000), "constant"), mixed),
    Case("ct-remainder-passthrough",
         lambda: make_pipeline(
             ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL)],
                               remainder=make_pipeline(SimpleImputer(), MinMaxScaler())),
             LogisticRegression(max_iter=1000)),
         mixed),
    Case("ct-remainder-passthrough-raw",
         lambda: make_pipeline(
             ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
                                ("num", SimpleImputer(), NUMERIC)], remainder="passthrough"),
             LogisticRegression(max_iter=1000)),
         lambda: _with_extra_numeric(mixed())),
    Case("ct-positions-drop-passthrough",
         lambda: make_pipeline(
             make_column_transformer((SimpleImputer(strategy="mean"), [0, 1]), ("drop", [2]),
                                     (OneHotEncoder(handle_unknown="ignore"), slice(3, 4)),
                                     ("passthrough", [1])),
             SimpleImputer(), Ridge()),
         mixed_regression),
    Case("ct-weights", lambda: make_pipeline(
        ColumnTransformer([("num", SimpleImputer(), NUMERIC), ("cat", OneHotEncoder(handle_unknown="ignore"),
                                                                    CATEGORICAL)],
                          transformer_weights={"num": 0.5, "cat": 2.0}), Ridge()), mixed_regression),
    # SimpleImputer strategies, alone before a model.
    Case("imputer-mean", lambda: _imputed("mean"), numeric_nan),
    Case("imputer-median", lambda: _imputed("median"), numeric_nan),
    Case("imputer-most-frequent", lambda: _imputed("most_frequent"), numeric_nan),
    Case("imputer-constant", lambda: _imputed("constant", fill_value=-5.5), numeric_nan),
    Case("imputer-indicator", lambda: _imputed("mean", add_indicator=True), numeric_nan),
    Case("imputer-drops-empty-column", lambda: _imputed("mean"), with_empty_column),
    Case("imputer-keeps-empty-column", lambda: _imputed("median", keep_empty_features=True), with_empty_column),
    Case("imputer-markers",
         lambda: make_pipeline(
             ColumnTransformer([
                 ("num", SimpleImputer(missing_values=-1.0, strategy="mean", add_indicator=True), ["score"]),
                 ("cat", make_pipeline(SimpleImputer(missing_values="?", strategy="most_frequent"),
                                       OneHotEncoder(handle_unknown="ignore")), ["grade"]),
                 ("codes", OneHotEncoder(handle_unknown="ignore"), ["rooms"]),
             ]),
             LogisticRegression(max_iter=1000)),
         coded),
    # OneHotEncoder variants.
    Case("onehot-nan-category", lambda: _encoded(OneHotEncoder(handle_unknown="ignore")), mixed),
    Case("onehot-drop-first", lambda: _encoded(OneHotEncoder(drop="first", handle_unknown="ignore")), mixed),
    Case("onehot-drop-if-binary",
         lambda: _encoded(OneHotEncoder(drop="if_binary", handle_unknown="ignore"), ["plan", "binary"]),
         lambda: _with_binary(mixed())),
    Case("onehot-drop-explicit",
         lambda: _encoded(OneHotEncoder(drop=np.array(["lyon", "team"], dtype=object),
                                        handle_unknown="ignore")),
         mixed),
    Case("onehot-error-known-rows", lambda: _encoded(OneHotEncoder(handle_unknown="error")), mixed_known),
    Case("ct-imputed-onehot-error-known-rows",
         lambda: _mixed_pipeline(LogisticRegression(max_iter=1000), encoder=OneHotEncoder()), mixed_known),
    Case("onehot-numeric-codes",
         lambda: _encoded(OneHotEncoder(handle_unknown="ignore"), ["rooms"], Ridge()),
         lambda: coded(classification=False)),
    Case("onehot-numeric-codes-known",
         lambda: _encoded(OneHotEncoder(handle_unknown="error"), ["rooms", "grade"]),
         lambda: _known_rows(coded())),
    Case("onehot-infrequent-none-present",
         lambda: _encoded(OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=1)), mixed),
    # Labels and one-vs-rest.
    Case("ct-string-labels-multinomial", lambda: _mixed_pipeline(LogisticRegression(max_iter=1000)),
         three_class_mixed),
    Case("ct-ovr", lambda: _mixed_pipeline(OneVsRestClassifier(LogisticRegression(max_iter=1000))),
         three_class_mixed),
    Case("ovr-string-labels", lambda: OneVsRestClassifier(LogisticRegression(max_iter=1000)), iris_named),
    Case("ovr-binary", lambda: _mixed_pipeline(OneVsRestClassifier(LogisticRegression(max_iter=1000))), mixed),
    # Trees after the same preprocessing (selected with -k tree).
    Case("ct-impute-onehot-tree", lambda: _mixed_pipeline(DecisionTreeClassifier(max_depth=6, random_state=0)),
         mixed),
    Case("ct-impute-onehot-forest-regressor",
         lambda: _mixed_pipeline(RandomForestRegressor(n_estimators=10, max_depth=5, random_state=0)),
         mixed_regression),
    Case("logistic-liblinear-binary",
         lambda: _mixed_pipeline(LogisticRegression(solver="liblinear")), mixed),
]


def _with_extra_numeric(data):
    X, y, X_eval = data
    rng = np.random.default_rng(3)
    return (X.assign(extra=rng.normal(size=len(X))), y, X_eval.assign(extra=rng.normal(size=len(X_eval))))


def _with_binary(data):
    X, y, X_eval = data
    flag = np.where(np.arange(len(X)) % 3 == 0, "yes", "no").astype(object)
    flag_eval = np.where(np.arange(len(X_eval)) % 3 == 0, "yes", "no").astype(object)
    flag_eval[-1] = "maybe"
    return X.assign(binary=flag), y, X_eval.assign(binary=flag_eval)


def _known_rows(data):
    X, y, X_eval = data
    return X, y, X.iloc[:100]
