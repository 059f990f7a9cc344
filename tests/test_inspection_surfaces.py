"""Explanations and summaries where users meet them: ``Model.describe/explain``, the notebook cards
(``_repr_html_``), ``pmmlkit score --explain`` and the server's ``:explain`` endpoint.

Numbers are checked against the source scikit-learn model (additivity to its raw score and
coefficient x value for a logistic regression), and the CLI and server answers against
``pmmlkit.explain`` on the same records.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from serving_support import asgi_client
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import pmmlkit
from pmmlkit.cli import main
from pmmlkit.serving import Limits, ModelSource, ServingConfig, create_app

_rng = np.random.default_rng(11)
X = pd.DataFrame(_rng.normal(size=(60, 3)), columns=["a", "b", "c"])
Y = X.a * 2 - X.b + _rng.normal(size=60) * 0.1
YC = (Y > 0).astype(int)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[object, Path]]:
    folder = tmp_path_factory.mktemp("explain")
    made = {"forest": RandomForestRegressor(10, max_depth=4, random_state=0).fit(X, Y),
            "logistic": make_pipeline(StandardScaler(), LogisticRegression()).fit(X, YC),
            "network": MLPRegressor(hidden_layer_sizes=(3,), max_iter=30, random_state=0).fit(X, Y)}
    out = {}
    for name, estimator in made.items():
        path = pmmlkit.convert(estimator, X).save(folder / f"{name}.pmml")
        out[name] = (estimator, path)
    return out


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_model_describe_explain_and_cards(models) -> None:
    estimator, path = models["logistic"]
    model = pmmlkit.load(path)
    assert model.describe() == pmmlkit.describe(path)
    explanation = model.explain(X)
    k = explanation.outputs.index("1")
    np.testing.assert_allclose(explanation.totals()[:, k], estimator.decision_function(X), atol=1e-9)
    pd.testing.assert_frame_equal(explanation.frame(), pmmlkit.explain(path, X).frame())
    card = model._repr_html_()
    assert "RegressionModel" in card and "<td>a</td>" in card and "pmmlkit-summary" in card
    document = pmmlkit.convert(models["forest"][0], X)
    card = document._repr_html_()
    assert "MiningModel" in card and "trees 10" in card
    assert document.has_bulk_trees()  # the card did not turn the node arrays into elements


@pytest.mark.parametrize("suffix", ["csv", "jsonl", "parquet"])
def test_score_explain_adds_contribution_columns(models, tmp_path: Path, suffix: str) -> None:
    _, path = models["forest"]
    source = tmp_path / f"in.{suffix}"
    {"csv": lambda p: X.to_csv(p, index=False), "jsonl": lambda p: X.to_json(p, orient="records", lines=True),
     "parquet": lambda p: X.to_parquet(p)}[suffix](source)
    out = tmp_path / f"out.{suffix}"
    assert main(["score", str(path), str(source), "-o", str(out), "--explain", "--chunk-size", "7"]) == 0
    result = {"csv": pd.read_csv, "jsonl": lambda p: pd.read_json(p, lines=True),
              "parquet": pd.read_parquet}[suffix](out)
    expected = pmmlkit.explain(path, X).frame()
    assert list(result.columns) == ["predicted_y", *expected.columns]
    np.testing.assert_allclose(result[expected.columns].to_numpy(), expected.to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(result["explained_value"], result["predicted_y"], atol=1e-9)


def test_score_explain_refuses_a_model_without_an_exact_method(models, tmp_path: Path, capsys) -> None:
    _, path = models["network"]
    X.to_csv(tmp_path / "in.csv", index=False)
    out = tmp_path / "out.csv"
    assert main(["score", str(path), str(tmp_path / "in.csv"), "-o", str(out), "--explain"]) == 1
    assert "NeuralNetwork" in capsys.readouterr().err
    assert not out.exists() and list(tmp_path.iterdir()) == [tmp_path / "in.csv"]


def _serve(paths: dict[str, Path], requests: list[tuple[str, str, dict | None]]) -> list[httpx.Response]:
    app = create_app(ServingConfig(tuple(ModelSource(name, str(path)) for name, path in paths.items()), Limits(),
                                   poll_seconds=0))

    async def scenario() -> list[httpx.Response]:
        async with asgi_client(app) as client:
            return [await (client.post(url, json=body) if method == "POST" else client.get(url))
                    for method, url, body in requests]

    return asyncio.run(scenario())


def test_serve_explain_endpoint(models) -> None:
    estimator, logistic = models["logistic"]
    rows = X.head(3)
    instances = rows.to_dict("records")
    columns = {name: rows[name].tolist() for name in rows.columns}
    by_rows, by_columns, refused, document = _serve(
        {"logistic": logistic, "network": models["network"][1]},
        [("POST", "/v1/models/logistic:explain", {"instances": instances}),
         ("POST", "/v1/models/logistic/versions/1:explain", {"inputs": columns}),
         ("POST", "/v1/models/network:explain", {"instances": instances}),
         ("GET", "/v1/openapi.json", None)])
    assert by_rows.status_code == 200, by_rows.text
    assert by_rows.json() == by_columns.json()
    answer = by_rows.json()
    assert answer["space"] == "logit" and len(answer["explanations"]) == 3
    expected = pmmlkit.explain(logistic, rows)
    for row, explained in enumerate(answer["explanations"]):
        assert explained["contributions"]["1"] == pytest.approx(
            {name: expected.values[row, i, expected.outputs.index("1")] for i, name in enumerate(expected.inputs)},
            abs=1e-12)
        total = explained["base_value"]["1"] + sum(explained["contributions"]["1"].values())
        assert total == pytest.approx(explained["explained_value"]["1"], abs=1e-12)
        assert total == pytest.approx(estimator.decision_function(rows)[row], abs=1e-9)
    assert refused.status_code == 400 and "NeuralNetwork" in refused.json()["error"]
    paths = document.json()["paths"]
    assert "post" in paths["/v1/models/logistic:explain"]
    assert "/v1/models/network:explain" not in paths  # listed only where it answers


@pytest.mark.parametrize("body, message", [
    ({"instances": [{"a": 1.0, "b": 2.0, "c": {"x": 1}}]}, "instance 0"),
    ({"inputs": {"a": [1.0, 2.0], "b": [1.0, "many"], "c": [0.0, 0.0]}}, "instance 1"),
    ({"instances": [{"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0}]}, "'d'"),
])
def test_serve_explain_refuses_what_predict_refuses(models, body, message) -> None:
    # :explain takes its values through the input contract :predict uses: a value of the wrong type or
    # an unknown input is a 400 naming it, never coerced to a missing value and explained.
    explained, predicted = _serve({"logistic": models["logistic"][1]},
                                  [("POST", "/v1/models/logistic:explain", body),
                                   ("POST", "/v1/models/logistic:predict", body)])
    assert explained.status_code == predicted.status_code == 400, explained.text
    assert message in explained.json()["error"]
