"""LightGBM objects a fidelity-table row cannot fit: native Boosters (lightgbm.train) and
LGBMRanker (fit needs query groups). Each is scored on both engines against its own predict."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cases.data import diabetes, iris, numeric_nan
from cases.lightgbm_cases import SPECIAL, split_thresholds
from harness import EVALUATORS, TOLERANCE, assert_schema_valid, check_model, score, threshold_edges

import pmmlkit

lightgbm = pytest.importorskip("lightgbm")

PARAMS = {"num_leaves": 7, "min_data_in_leaf": 5, "verbose": -1, "seed": 0}


def _rows(booster, X: pd.DataFrame) -> pd.DataFrame:
    thresholds = split_thresholds(booster)
    frames = [X]
    for i, column in enumerate(X.columns):
        values = np.concatenate([threshold_edges(thresholds.get(i, np.array([]))), SPECIAL])
        frame = pd.DataFrame({c: np.full(len(values), X[c].median()) for c in X.columns})
        frame[column] = values
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _train(objective: str, X: pd.DataFrame, y, **params):
    return lightgbm.train({**PARAMS, "objective": objective, **params}, lightgbm.Dataset(X, y), num_boost_round=10)


def _booster_cases():
    X, y, _ = diabetes()
    yield "regression", _train("regression", X, y), X
    Xn, yn, _ = numeric_nan(classification=False)
    yield "regression-nan", _train("regression", Xn, yn), Xn
    Xb, yb, _ = iris()
    yield "binary-sigmoid", _train("binary", Xb, (yb == 2).astype(int), sigmoid=0.7), Xb


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize("name,booster,X", list(_booster_cases()), ids=lambda v: v if isinstance(v, str) else "")
def test_booster_scores_match_its_predict(name, booster, X, evaluator, tmp_path):
    check_model(booster, X, _rows(booster, X), evaluator, tmp_path)


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_multiclass_booster_probabilities_match_its_predict(evaluator, tmp_path):
    X, y, _ = iris()
    booster = _train("multiclass", X, y, num_class=3)
    path = pmmlkit.convert(booster, X).save(tmp_path / "model.pmml")
    assert_schema_valid(path)
    rows = _rows(booster, X)
    expected = booster.predict(rows)
    actual = score(evaluator, path, rows)
    for k in range(3):
        np.testing.assert_allclose(actual[f"probability_{k}"].astype(float), expected[:, k], rtol=0, atol=TOLERANCE)
    assert (actual["predicted_y"].astype(int).to_numpy() == expected.argmax(axis=1)).all()


@pytest.mark.parametrize("evaluator", EVALUATORS)
def test_ranker_scores_match_its_predict(evaluator, tmp_path):
    X, y, _ = diabetes()
    relevance = pd.qcut(y, 4, labels=False)
    ranker = lightgbm.LGBMRanker(n_estimators=10, num_leaves=7, min_child_samples=5, verbose=-1, random_state=0)
    ranker.fit(X, relevance, group=[len(X) // 4] * 3 + [len(X) - 3 * (len(X) // 4)])
    check_model(ranker, X, _rows(ranker.booster_, X), evaluator, tmp_path)


def test_one_vs_all_multiclass_is_refused():
    from pmmlkit import ConversionError

    X, y, _ = iris()
    model = lightgbm.LGBMClassifier(n_estimators=3, objective="multiclassova", verbose=-1).fit(X, y)
    with pytest.raises(ConversionError, match=r"LightGBM objective 'multiclassova.*' with 3 classes is not "
                                              r"converted; use objective='binary' or 'multiclass'"):
        pmmlkit.convert(model, X)
