"""Column names a library stores in its own form (LightGBM writes ``"a b"`` as ``"a_b"``) and
native Boosters that keep their training columns' names: each model converts from the user's own
frame (reordered, with extra columns), keeps the user's names in the PMML, and scores exactly
as its own predict on every engine."""

from __future__ import annotations

import joblib
import lightgbm
import numpy as np
import pandas as pd
import pytest
import xgboost
from cases import fit_quietly
from harness import EVALUATORS, check_model
from lightgbm import LGBMClassifier, LGBMRegressor
from lxml import etree
from sklearn.linear_model import LogisticRegression
from xgboost import XGBClassifier

import pmmlkit
from pmmlkit import ConversionError
from pmmlkit.cli import main

#: Names with spaces (leading, trailing, doubled), punctuation and non-ASCII letters.
COLUMNS = ["a b", "c-d", " lead", "trail ", "é  x", "w/q(1)"]


def _frame() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(7)
    X = pd.DataFrame(rng.normal(size=(400, len(COLUMNS))), columns=COLUMNS)
    X.iloc[::17, 0] = np.nan
    y = (X["a b"].fillna(0) + 0.5 * X["é  x"] - 0.3 * X["trail "] > 0).astype(int).to_numpy()
    return X, y


def _lightgbm_booster(X, y):
    return lightgbm.train({"objective": "binary", "num_leaves": 7, "verbose": -1, "seed": 0},
                          lightgbm.Dataset(X, y), num_boost_round=8)


def _xgboost_booster(X, y):
    return xgboost.train({"objective": "binary:logistic", "max_depth": 3}, xgboost.DMatrix(X, y), num_boost_round=8)


MODELS = {
    "lgbm-classifier": lambda X, y: fit_quietly(LGBMClassifier(n_estimators=8, num_leaves=7, verbose=-1), X, y),
    "lgbm-regressor": lambda X, y: fit_quietly(LGBMRegressor(n_estimators=8, num_leaves=7, verbose=-1), X, y),
    "lgbm-booster": _lightgbm_booster,
    "xgb-classifier": lambda X, y: fit_quietly(XGBClassifier(n_estimators=8, max_depth=3), X, y),
    "xgb-booster": _xgboost_booster,
    "logistic": lambda X, y: fit_quietly(LogisticRegression(max_iter=500), X.fillna(0), y),
}


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize("name", MODELS)
def test_user_names_convert_and_score_exactly(name, evaluator, tmp_path):
    X, y = _frame()
    if name == "logistic":
        X = X.fillna(0)
    model = MODELS[name](X, y)
    shuffled = X[X.columns[::-1]].assign(extra=1.0)
    check_model(model, shuffled, X, evaluator, tmp_path)
    document = pmmlkit.convert(model, shuffled)
    names = [f.get("name") for f in document.root.iter("{*}DataField")]
    assert set(COLUMNS) <= set(names), names  # the user's names, not the library's "a_b"
    assert not {"a_b", "_lead", "trail_", "é__x"} & set(names)


@pytest.mark.parametrize("name", ["lgbm-classifier", "lgbm-booster", "xgb-booster"])
def test_a_reordered_frame_is_matched_by_name(name):
    """A Booster fitted on a DataFrame is matched by name too: a reordered frame would otherwise
    feed each tree the wrong column."""
    X, y = _frame()
    model = MODELS[name](X, y)
    reordered = pmmlkit.convert(model, X[X.columns[::-1]])
    assert reordered.to_bytes() == pmmlkit.convert(model, X).to_bytes()


def test_two_columns_stored_alike_are_refused():
    """"a b" and "a_b" both match LightGBM's stored name "a_b": which one was fitted cannot be told."""
    X, y = _frame()
    model = MODELS["lgbm-classifier"](X, y)
    with pytest.raises(ConversionError, match=r"the columns \['a b', 'a_b'\] all match the model's input 'a_b'"):
        pmmlkit.convert(model, X.assign(a_b=1.0))


def test_a_missing_column_is_named_in_the_model_s_form():
    X, y = _frame()
    model = MODELS["lgbm-classifier"](X, y)
    with pytest.raises(ConversionError, match=r"the columns \['a_b'\], which the model was fitted on, are missing"):
        pmmlkit.convert(model, X.drop(columns="a b"))


@pytest.mark.parametrize("name", ["lgbm-regressor", "lgbm-booster"])
def test_a_lightgbm_name_with_a_tab_is_a_conversion_error(name):
    """LightGBM fits a column named "a\tb" but cannot dump the model as JSON: the error names the
    column, it is not LightGBM's JSONDecodeError."""
    X, y = _frame()
    X = X.rename(columns={"a b": "a\tb"})
    model = MODELS[name](X, y)
    with pytest.raises(ConversionError, match=r"cannot describe this model as JSON.*\['a\\tb'\]"):
        pmmlkit.convert(model, X)


@pytest.mark.parametrize("name", ["lgbm-classifier", "xgb-classifier"])
def test_the_cli_reads_a_saved_model_s_columns_by_its_own_library(name, tmp_path, capsys):
    """A LightGBM or XGBoost model saved as a .joblib file loads through the scikit-learn front
    end; its own front end reads the sample, --features and the data to verify on."""
    X, y = _frame()
    X = X[["a b", "c-d", "é  x"]]  # --features strips spaces around a name
    joblib.dump(MODELS[name](X, y), tmp_path / "model.joblib")
    X.to_csv(tmp_path / "rows.csv", index=False)
    model, rows, pmml = (str(tmp_path / n) for n in ("model.joblib", "rows.csv", "model.pmml"))
    assert main(["convert", model, "--allow-pickle", "--sample", rows, "-o", pmml]) == 0
    assert main(["verify", model, pmml, rows, "--allow-pickle"]) == 0
    assert main(["convert", model, "--allow-pickle", "--features", ",".join(X.columns), "-o", pmml]) == 0
    assert "max |difference|" in capsys.readouterr().out
    names = [f.get("name") for f in etree.parse(pmml).iter("{*}DataField")]
    assert set(X.columns) <= set(names), names
    assert main(["convert", model, "--allow-pickle", "--features", "a b,c-d,x", "-o", pmml]) == 2
    assert "--features a b,c-d,x differs from the columns the model was fitted on" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["lgbm-regressor", "xgb-booster", "logistic"])
def test_a_frame_with_integer_column_names_verifies(name):
    """pd.DataFrame(array) names its columns 0, 1, ...: convert names the fields '0', '1', ...;
    verification= and verify() score the same frame under those names (they raised KeyError '0'), and
    scoring it says why the fields are missing."""
    X, y = _frame()
    X = X.fillna(0).set_axis(range(X.shape[1]), axis=1)
    model = MODELS[name](X, y)
    document = pmmlkit.convert(model, X, verification=X.head(5))
    report = pmmlkit.validate(document.to_bytes(), verify=True)
    assert report.ok and report.rescored == 5, str(report)
    assert pmmlkit.verify(model, document, X).ok
    with pytest.raises(pmmlkit.EvaluationError, match=r"columns \[[0-9, ]+\] are named by ints, not text"):
        pmmlkit.load(document.to_bytes(), engine="native").predict(X)


@pytest.mark.parametrize(("columns", "message"), [
    (["y", "b", "c"], r"target name 'y' \(the default\) is also an input column"),
    (["predicted_y", "b", "c"], r"the input columns \['predicted_y'\] have the names of the model's outputs"),
    (["a\x01b", "b", "c"], r"holds '\\x01' \(U\+0001\), which an XML document cannot carry"),
])
@pytest.mark.parametrize("name", ["xgb-classifier", "xgb-booster", "logistic"])
def test_a_name_pmml_cannot_hold_is_a_conversion_error(name, columns, message):
    """An input named like the default target wrote a document with 'y' twice (refused only at
    load), and a control character other than a tab or line end was lxml's raw ValueError."""
    X, y = _frame()
    X = X.fillna(0).iloc[:, :3].set_axis(columns, axis=1)
    model = MODELS[name](X, y)
    with pytest.raises(ConversionError, match=message):
        pmmlkit.convert(model, X)
