"""The evaluator's own behaviour: record vs frame paths, threads, lossless values."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from cases.data import mixed
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import pmmlkit


@pytest.fixture(scope="module")
def mixed_model(tmp_path_factory):
    X, y, X_eval = mixed()
    pipeline = make_pipeline(
        ColumnTransformer([
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), ["age", "income"]),
            ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")),
             ["city", "plan"]),
        ]),
        LogisticRegression(max_iter=1000),
    ).fit(X, y)
    path = pmmlkit.convert(pipeline, X).save(tmp_path_factory.mktemp("m") / "mixed.pmml")
    return pipeline, pmmlkit.load(path), X_eval


def test_record_path_equals_frame_path(mixed_model):
    _, model, X_eval = mixed_model
    frame = model.predict(X_eval)
    for i in range(len(X_eval)):
        record = {k: (None if pd.isna(v) else v) for k, v in X_eval.iloc[i].items()}
        got = model.predict(record)
        for name in frame.columns:
            want = frame[name].iloc[i]
            assert got[name] == want or (pd.isna(want) and got[name] is None), (i, name, got[name], want)


def test_record_with_absent_fields_scores_as_missing_when_allowed(mixed_model):
    pipeline, model, _ = mixed_model
    with pytest.raises(pmmlkit.EvaluationError, match="missing='allow'"):
        model.predict({"city": "paris", "plan": "pro"})
    got = model.predict({"city": "paris", "plan": "pro"}, missing="allow")
    assert got == model.predict({"city": "paris", "plan": "pro", "age": None, "income": float("nan")})
    row = pd.DataFrame({"age": [np.nan], "income": [np.nan], "city": ["paris"], "plan": ["pro"]})
    assert got["probability_yes"] == pytest.approx(pipeline.predict_proba(row)[0, 1], abs=1e-12)


def test_doubles_cross_to_the_jvm_losslessly(tmp_path):
    # A linear model with a coefficient of 1 echoes its input: any text round trip would show.
    from sklearn.linear_model import LinearRegression

    X = pd.DataFrame({"x": [0.0, 1.0, 2.0]})
    model = LinearRegression().fit(X, X["x"])
    model.coef_ = np.array([1.0])
    model.intercept_ = 0.0
    path = pmmlkit.convert(model, X).save(tmp_path / "echo.pmml")
    values = np.array([np.pi, 1 / 3, 1e-300, 123456789.123456789, -2.2250738585072014e-308, 0.1 + 0.2])
    out = pmmlkit.load(path).predict(pd.DataFrame({"x": values}))["predicted_y"].to_numpy()
    assert np.array_equal(out, values)


def test_parallel_callers_get_the_serial_answers(tmp_path):
    # PMML4S models are not thread-safe (NaN/null results under concurrency, per upstream report):
    # the evaluator must give each JVM thread its own model, and serialise record calls.
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(6000, 5)), columns=[f"f{i}" for i in range(5)])
    y = (X.sum(axis=1) > 0).astype(int)
    forest = RandomForestClassifier(n_estimators=10, max_depth=6, random_state=0).fit(X, y)
    model = pmmlkit.load(pmmlkit.convert(forest, X).save(tmp_path / "forest.pmml"), threads=2)
    serial = model.predict(X)
    expected = forest.predict_proba(X)[:, 1]
    assert np.abs(serial["probability_1"].to_numpy() - expected).max() <= 1e-9
    records = [dict(X.iloc[i]) for i in range(300)]
    with ThreadPoolExecutor(4) as pool:
        frames = list(pool.map(model.predict, [X] * 4))
        singles = list(pool.map(model.predict, records))
    for frame in frames:
        pd.testing.assert_frame_equal(frame, serial)
    assert [s["probability_1"] for s in singles] == serial["probability_1"].iloc[:300].tolist()


def test_model_describes_its_fields(mixed_model):
    _, model, _ = mixed_model
    assert model.input_names == ["age", "income", "city", "plan"]
    assert [f.name for f in model.target_fields] == ["y"]
    assert model.output_names == ["predicted_y", "probability_no", "probability_yes"]
    assert {f.name: f.data_type for f in model.input_fields} == {
        "age": "double", "income": "double", "city": "string", "plan": "string"}
