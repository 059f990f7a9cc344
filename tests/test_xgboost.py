"""XGBoost objects a fidelity-table row cannot fit (native Boosters from xgboost.train, XGBRanker
whose fit needs query ids) and what is refused. Each is scored on both engines against its own
predict."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cases.data import diabetes, iris, numeric_nan
from cases.xgboost_cases import split_conditions
from harness import EVALUATORS, assert_schema_valid, assert_scores_match, check_model, score, threshold_edges

import pmmlkit
from pmmlkit import ConversionError

xgboost = pytest.importorskip("xgboost")


def _rows(booster, X: pd.DataFrame) -> pd.DataFrame:
    conditions = split_conditions(booster)
    frames = [X]
    for i, column in enumerate(X.columns):
        values = np.concatenate([threshold_edges(conditions.get(i, np.array([]))), [np.nan, 0.0]])
        frame = pd.DataFrame({c: np.full(len(values), X[c].median()) for c in X.columns})
        frame[column] = values
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _train(objective: str, X: pd.DataFrame, y, **params):
    return xgboost.train({"objective": objective, "max_depth": 3, "seed": 0, **params},
                         xgboost.DMatrix(X, y), num_boost_round=10)


def _booster_cases():
    X, y, _ = diabetes()
    yield "squared-error", _train("reg:squarederror", X, y), X
    Xn, yn, _ = numeric_nan(classification=False)
    yield "squared-error-nan", _train("reg:squarederror", Xn, yn), Xn
    Xb, yb, _ = iris()
    yield "logistic", _train("binary:logistic", Xb, (yb == 2).astype(int)), Xb
    # The first tree fits y exactly: the later ones are single leaves (no split, no input read).
    Xl = pd.DataFrame({"a": np.tile([0.0, 1.0, 2.0, 3.0], 25), "b": np.arange(100.0)})
    yield "single-leaf-trees", _train("reg:squarederror", Xl, Xl["a"] * 10.0, eta=1.0, reg_lambda=0.0), Xl


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize("name,booster,X", list(_booster_cases()), ids=lambda v: v if isinstance(v, str) else "")
def test_booster_scores_match_its_predict(name, booster, X, evaluator, tmp_path):
    path = pmmlkit.convert(booster, X).save(tmp_path / "model.pmml")
    assert_schema_valid(path)
    rows = _rows(booster, X)
    expected = pd.DataFrame({"predicted_y": booster.inplace_predict(rows)}, index=rows.index)
    assert_scores_match(expected, score(evaluator, path, rows), f"Booster {name} on {evaluator}")


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize("objective", ["rank:pairwise", "rank:ndcg"])
def test_ranker_scores_match_its_predict(objective, evaluator, tmp_path):
    # Ranking objectives predict the raw margin: base score plus float32 leaf sums, no transform.
    X, y, _ = numeric_nan(classification=False)
    relevance = pd.qcut(y, 4, labels=False)
    query = np.arange(len(X)) * 4 // len(X)  # four queries of consecutive rows
    ranker = xgboost.XGBRanker(objective=objective, n_estimators=10, max_depth=3, random_state=0)
    ranker.fit(X, relevance, qid=query)
    check_model(ranker, X, _rows(ranker.get_booster(), X), evaluator, tmp_path)


def test_multiclass_booster_is_refused():
    X, y, _ = iris()
    booster = _train("multi:softprob", X, y, num_class=3)
    with pytest.raises(ConversionError, match=r"a multiclass XGBoost Booster predicts one probability per class: "
                                              r"convert the XGBClassifier \(the scikit-learn API\) instead"):
        pmmlkit.convert(booster, X)


def test_other_multiclass_objectives_are_refused():
    X, y, _ = iris()
    model = xgboost.XGBClassifier(n_estimators=3, objective="multi:softmax").fit(X, y)
    with pytest.raises(ConversionError, match=r"XGBoost objective 'multi:softmax' with several outputs is not "
                                              r"converted; regression, binary:logistic and multi:softprob are"):
        pmmlkit.convert(model, X)


def test_early_stopping_keeps_the_best_iteration(tmp_path):
    X, y, _ = iris()
    model = xgboost.XGBClassifier(n_estimators=40, early_stopping_rounds=2, learning_rate=0.5, random_state=0)
    model.fit(X.iloc[::2], y.iloc[::2], eval_set=[(X.iloc[1::2], y.iloc[1::2])], verbose=False)
    assert model.best_iteration < 39
    for evaluator in EVALUATORS:
        path = pmmlkit.convert(model, X).save(tmp_path / f"{evaluator}.pmml")
        expected = pd.DataFrame({"predicted_y": model.predict(X)}, index=X.index)
        for k in range(3):
            expected[f"probability_{k}"] = model.predict_proba(X)[:, k]
        assert_scores_match(expected, score(evaluator, path, X), f"early-stopped XGBClassifier on {evaluator}")


def test_a_custom_missing_marker_is_refused():
    X, y, _ = diabetes()
    model = xgboost.XGBRegressor(n_estimators=2, missing=-1.0).fit(X, y)
    with pytest.raises(ConversionError, match=r"XGBRegressor\(missing=-1\.0\) is not converted"):
        pmmlkit.convert(model, X)


def test_pmmlkits_own_extensions_draw_no_warning():
    """A converted binary classifier carries pmmlkit's method Extension (in an OutputField, where
    the schema allows it): validate has nothing to say about the file; a foreign
    Extension still draws the warning (`pmmlkit validate --strict` fails on warnings)."""
    X, y, _ = iris()
    model = xgboost.XGBClassifier(n_estimators=3, max_depth=2).fit(X, (y == 2).astype(int))
    data = pmmlkit.convert(model, X).to_bytes()
    assert b'<Extension name="pmmlkit-method"' in data
    report = pmmlkit.validate(data)
    assert report.ok and report.issues == [], report.to_json()
    foreign = data.replace(b'<Extension name="pmmlkit-method"', b'<Extension name="vendor-method"', 1)
    assert [i.code for i in pmmlkit.validate(foreign).issues] == ["interop-extension"]
