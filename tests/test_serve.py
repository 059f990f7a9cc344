"""`pmmlkit serve` over HTTP: a real server on loopback, checked the way a TensorFlow Serving
client talks to it (predict in row and columnar form, classify, regress, metadata, version
status, health, metrics) and refusing every kind of bad request with a 400/404/405/413 that says
what is wrong, while it keeps serving."""

from __future__ import annotations

import asyncio
import json
import math
import time
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
import schemathesis
from cases import all_cases
from documents import field, regression
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance
from serving_support import Server, asgi_client, half_plus_two, running_server

import pmmlkit
from pmmlkit.serving import Limits, ModelSource, ServingConfig, create_app
from pmmlkit.serving import app as serving_app
from pmmlkit.serving.app import BATCH_ROWS, INLINE_ROWS

MAX_ROWS = 100
MAX_BODY = 20_000
SCHEMATHESIS_EXAMPLES = 10
CLASSIFIER_CASE = "ct-impute-onehot-logistic"  # age, income (numbers), city, plan (strings) -> yes/no

pytestmark = pytest.mark.xdist_group("serve")  # one server for the module, in one test worker


def _case(case_id: str):
    return next(c for c in all_cases("sklearn") if c.id == case_id)


@pytest.fixture(scope="module")
def classifier() -> tuple[Any, pd.DataFrame]:
    case = _case(CLASSIFIER_CASE)
    X, y, X_eval = case.data()
    return case.estimator().fit(X, y), X_eval


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, classifier) -> Server:
    root = tmp_path_factory.mktemp("serve")
    (root / "half_plus_two" / "1").mkdir(parents=True)
    (root / "half_plus_two" / "1" / "half_plus_two.pmml").write_text(half_plus_two(), encoding="utf-8")
    estimator, X_eval = classifier
    (root / "customers" / "3").mkdir(parents=True)
    pmmlkit.convert(estimator, X_eval, verification=X_eval.head(8)).save(root / "customers" / "3" / "model.pmml")
    config = root / "models.json"
    config.write_text(json.dumps({"models": [{"name": "half_plus_two", "base_path": "half_plus_two"},
                                             {"name": "customers", "base_path": str(root / "customers")}]}))
    with running_server(["--model-config-file", str(config), "--max-rows", str(MAX_ROWS),
                         "--max-body-bytes", str(MAX_BODY)], root / "server.log") as running:
        yield running


def _json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and math.isnan(v) or v is None else v) for k, v in row.items()}
            for row in frame.astype(object).to_dict("records")]


def _rows(X_eval: pd.DataFrame) -> pd.DataFrame:
    # Seen rows, and the table's last rows: missing numbers, missing and unseen categories.
    return pd.concat([X_eval.head(6), X_eval.tail(3)], ignore_index=True)


def test_half_plus_two(server: Server) -> None:
    answer = server.post("/v1/models/half_plus_two:predict", {"instances": [1.0, 2.0, 5.0]})
    assert (answer.status, answer.body) == (200, {"predictions": [2.5, 3.0, 4.5]})
    assert answer.headers["content-type"] == "application/json"
    versioned = server.post("/v1/models/half_plus_two/versions/1:predict", {"instances": [{"x": 1.0}, {"x": None}]})
    assert versioned.body == {"predictions": [2.5, None]}
    columnar = server.post("/v1/models/half_plus_two:predict", {"inputs": [1.0, 2.0, 5.0]})
    assert columnar.body == {"outputs": [2.5, 3.0, 4.5]}
    regress = server.post("/v1/models/half_plus_two:regress", {"examples": [{"x": 1}, {"x": 6}]})
    assert regress.body == {"results": [2.5, 5.0]}


@pytest.mark.parametrize("form", ["instances", "inputs", "classify", "many-rows"])
def test_classifier_scores_match_the_source_model(server: Server, classifier, form: str) -> None:
    estimator, X_eval = classifier
    # _rows: 9 rows, above INLINE_ROWS (scored on a thread); many-rows: one column batch.
    rows = X_eval.head(BATCH_ROWS + 16) if form == "many-rows" else _rows(X_eval)
    assert len(rows) > INLINE_ROWS
    records = _json_rows(rows)
    expected = estimator.predict_proba(rows)
    yes = list(estimator.classes_).index("yes")
    if form in ("instances", "many-rows"):  # many rows go through the batch path
        answer = server.post("/v1/models/customers:predict", {"instances": records})
        got = [(p["predicted_y"], p["probability_yes"]) for p in answer.body["predictions"]]
    elif form == "inputs":
        columns = {name: [r[name] for r in records] for name in rows.columns}
        answer = server.post("/v1/models/customers/versions/3:predict", {"inputs": columns})
        outputs = answer.body["outputs"]
        got = list(zip(outputs["predicted_y"], outputs["probability_yes"]))
    else:
        answer = server.post("/v1/models/customers:classify", {"examples": records})
        got = [(max(r, key=lambda pair: pair[1])[0], dict(r)["yes"]) for r in answer.body["results"]]
    assert answer.status == 200, answer.body
    assert [label for label, _ in got] == list(estimator.predict(rows))
    np.testing.assert_allclose([p for _, p in got], expected[:, yes], rtol=1e-9, atol=1e-12)


def test_classify_context_fills_every_example(server: Server) -> None:
    shared = {"income": 30000.0, "city": "paris", "plan": "pro"}
    answer = server.post("/v1/models/customers:classify", {"context": shared, "examples": [{"age": 30}, {"age": 60}]})
    alone = server.post("/v1/models/customers:classify", {"examples": [{**shared, "age": 30}, {**shared, "age": 60}]})
    assert answer.status == 200 and answer.body == alone.body
    assert [label for label, _ in answer.body["results"][0]] == ["no", "yes"]


@pytest.mark.parametrize("rows", [1, BATCH_ROWS + 1], ids=["one-row", "batch"])
def test_booleans_score_as_the_library_scores_them(server: Server, rows: int) -> None:
    # The one input contract (pmmlkit.scoring.inputs): a boolean is 1.0/0.0 in a numeric field and
    # "true"/"false" in a text one, on the single-record path and on the column (batch) path alike.
    flagged = {"age": True, "income": False, "city": True, "plan": "pro"}
    spelled = {"age": 1.0, "income": 0.0, "city": "true", "plan": "pro"}
    answers = [server.post(PREDICT, {"instances": [row] * rows}) for row in (flagged, spelled)]
    assert [a.status for a in answers] == [200, 200], answers[0].body
    assert answers[0].body == answers[1].body
    halves = server.post("/v1/models/half_plus_two:predict", {"instances": [True, False, None]})
    assert halves.body == {"predictions": [2.5, 2.0, None]}


def test_metadata_lists_inputs_and_outputs_with_types(server: Server) -> None:
    answer = server.get("/v1/models/customers/metadata")
    assert answer.status == 200
    assert answer.body["model_spec"] == {"name": "customers", "signature_name": "", "version": "3"}
    signature = answer.body["metadata"]["signature_def"]["signature_def"]["serving_default"]
    assert {n: t["dtype"] for n, t in signature["inputs"].items()} == {
        "age": "DT_DOUBLE", "income": "DT_DOUBLE", "city": "DT_STRING", "plan": "DT_STRING"}
    assert {n: t["dtype"] for n, t in signature["outputs"].items()} == {
        "predicted_y": "DT_STRING", "probability_no": "DT_DOUBLE", "probability_yes": "DT_DOUBLE"}
    assert signature["inputs"]["plan"]["pmml"]["optype"] == "categorical"
    assert server.get("/v1/models/half_plus_two/versions/1/metadata").body["model_spec"]["version"] == "1"


def test_version_status(server: Server) -> None:
    expected = {"model_version_status": [{"version": "3", "state": "AVAILABLE",
                                          "status": {"error_code": "OK", "error_message": ""}}]}
    assert server.get("/v1/models/customers").body == expected
    assert server.get("/v1/models/customers/versions/3").body == expected
    missing = server.get("/v1/models/customers/versions/7")
    assert missing.status == 404 and "no version 7" in missing.body["error"]


def test_health(server: Server) -> None:
    assert server.get("/v1/health/live").body == {"status": "alive"}
    assert server.get("/v1/health/ready").body == {"status": "ready", "models": {"half_plus_two": "1",
                                                                                 "customers": "3"}}


GOOD_ROW = {"age": 30.0, "income": 1000.0, "city": "paris", "plan": "pro"}
PREDICT = "/v1/models/customers:predict"

# (what is wrong, path, body: JSON value or raw bytes, status, words the message must contain)
BAD_REQUESTS = [
    ("not JSON", PREDICT, b'{"instances": [', 400, "not valid JSON"),
    ("NaN literal", PREDICT, b'{"instances": [NaN]}', 400, "not valid JSON"),
    ("empty body", PREDICT, b"", 400, "no body"),
    ("not UTF-8", PREDICT, b'{"instances": ["\xff"]}', 400, "not valid JSON"),
    ("nested too deeply", PREDICT, b"[" * 5000 + b"]" * 5000, 400, "not valid JSON"),
    ("number overflows", PREDICT, b'{"instances": [{"age": 1e999, "income": 1, "city": "a", "plan": "b"}]}', 400,
     "input 'age' (dataType double), instance 0: inf is outside the range of a double"),
    ("key given twice", PREDICT, b'{"instances": [{"age": 1, "age": 2, "income": 1, "city": "a", "plan": "b"}]}',
     400, "appear more than once"),
    ("not an object", PREDICT, [GOOD_ROW], 400, "must be a JSON object"),
    ("neither form", PREDICT, {"rows": [GOOD_ROW]}, 400, "needs 'instances'"),
    ("both forms", PREDICT, {"instances": [GOOD_ROW], "inputs": {}}, 400, "not both"),
    ("unknown key", PREDICT, {"instances": [GOOD_ROW], "extra": 1}, 400, "unknown key"),
    ("unknown signature", PREDICT, {"signature_name": "other", "instances": [GOOD_ROW]}, 400,
     "unknown signature_name"),
    ("instances not an array", PREDICT, {"instances": GOOD_ROW}, 400, "must be an array"),
    ("unknown input", PREDICT, {"instances": [{**GOOD_ROW, "zip": "75001"}]}, 400,
     "instance 0: the record has inputs the model does not know: ['zip']"),
    ("misspelt input", PREDICT, {"instances": [GOOD_ROW, {**{k: v for k, v in GOOD_ROW.items() if k != "age"},
                                                          "Age": 3}]}, 400,
     "instance 1: inputs missing from the record: ['age'] (the model needs ['age', 'income', 'city', 'plan']). "
     "Did you mean 'Age' for 'age'? Give a missing value as null"),
    ("missing input", PREDICT, {"instances": [{k: v for k, v in GOOD_ROW.items() if k != "plan"}]}, 400,
     "instance 0: inputs missing from the record: ['plan']"),
    ("string for a number", PREDICT, {"instances": [{**GOOD_ROW, "age": "30"}]}, 400,
     "input 'age' (dataType double), instance 0: a string ('30') in a numeric field"),
    ("array for a value", PREDICT, {"instances": [GOOD_ROW, {**GOOD_ROW, "age": [30]}]}, 400,
     "input 'age' (dataType double), instance 1: a nested value (list [30])"),
    ("value in a batch", PREDICT, {"instances": [GOOD_ROW] * 40 + [{**GOOD_ROW, "age": "x"}]}, 400,
     "input 'age' (dataType double), instance 40: a string ('x') in a numeric field"),
    ("value in a column", PREDICT, {"inputs": {"age": [1.0, "x"], "income": [1.0, 1.0], "city": ["a", "b"],
                                               "plan": ["pro", "pro"]}}, 400,
     "input 'age' (dataType double), 'inputs' row 1: a string ('x') in a numeric field"),
    ("value in an example", "/v1/models/customers:classify", {"examples": [GOOD_ROW, {**GOOD_ROW, "plan": [1]}]},
     400, "input 'plan' (dataType string), example 1: a nested value"),
    ("value in the context", "/v1/models/customers:classify", {"examples": [GOOD_ROW], "context": {"age": "x"}},
     400, "input 'age' (dataType double), 'context': a string ('x') in a numeric field"),
    ("bare value for several inputs", PREDICT, {"instances": [3.0]}, 400, "takes objects with its inputs"),
    ("uneven columns", PREDICT, {"inputs": {"age": [1.0, 2.0], "income": [1.0], "city": ["a", "b"],
                                            "plan": ["pro", "pro"]}}, 400, "differ in length"),
    ("column not an array", PREDICT, {"inputs": {**GOOD_ROW}}, 400, "must be an array"),
    ("columnar unknown input", PREDICT, {"inputs": {"age": [1.0], "income": [1.0], "city": ["a"], "plan": ["b"],
                                                    "zip": ["1"]}}, 400,
     "the 'inputs' object has inputs the model does not know: ['zip']"),
    ("too many rows", PREDICT, {"instances": [GOOD_ROW] * (MAX_ROWS + 1)}, 400, f"the limit is {MAX_ROWS}"),
    ("body too large", PREDICT, {"instances": [GOOD_ROW], "pad": "x" * MAX_BODY}, 413, f"limit is {MAX_BODY}"),
    ("classify without examples", "/v1/models/customers:classify", {"instances": [GOOD_ROW]}, 400,
     "needs 'examples'"),
    ("example not an object", "/v1/models/customers:classify", {"examples": [1]}, 400, "not an object"),
    ("classify a regression", "/v1/models/half_plus_two:classify", {"examples": [{"x": 1.0}]}, 400,
     "regression model"),
    ("regress a classifier", "/v1/models/customers:regress", {"examples": [GOOD_ROW]}, 400,
     "classification model"),
    ("unknown model", "/v1/models/nope:predict", {"instances": [1.0]}, 404, "'nope' is not served"),
    ("unknown version", "/v1/models/customers/versions/9:predict", {"instances": [GOOD_ROW]}, 404,
     "version 9 of model 'customers' is not available"),
    ("unknown endpoint", "/v1/models/customers:frobnicate", {"instances": [GOOD_ROW]}, 404, "no such endpoint"),
    ("unknown path", "/v2/anything", {"instances": [GOOD_ROW]}, 404, "no such endpoint"),
]


@pytest.mark.parametrize("case", BAD_REQUESTS, ids=[c[0] for c in BAD_REQUESTS])
def test_bad_requests_are_refused_with_a_reason(server: Server, case: tuple) -> None:
    _, path, body, status, words = case
    answer = server.request(path, None if isinstance(body, bytes) else body, "POST",
                            raw=body if isinstance(body, bytes) else None)
    assert answer.status == status, answer.body
    assert isinstance(answer.body, dict) and set(answer.body) == {"error"}
    assert words in answer.body["error"]
    # ... and the worker is still there, serving.
    assert server.post("/v1/models/half_plus_two:predict", {"instances": [1.0]}).body == {"predictions": [2.5]}


@pytest.mark.parametrize("method, path, allowed", [("GET", "/v1/models/customers:predict", "POST"),
                                                   ("POST", "/v1/models/customers/metadata", "GET"),
                                                   ("PUT", "/v1/models/customers", "GET, POST")])
def test_wrong_method(server: Server, method: str, path: str, allowed: str) -> None:
    answer = server.request(path, {} if method != "GET" else None, method)
    assert answer.status == 405 and "error" in answer.body
    assert set(allowed.split(", ")) <= set(answer.headers["allow"].split(", "))


def test_metrics_count_requests_errors_and_latency(server: Server) -> None:
    server.post("/v1/models/half_plus_two:predict", {"instances": [1.0]})
    server.post("/v1/models/half_plus_two:predict", {"instances": ["one"]})
    text = server.get("/monitoring/prometheus/metrics").body
    samples = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line and not line.startswith("#")}
    labels = 'api="predict",model="half_plus_two",status="{}",version="1"'
    assert samples[f"pmmlkit_serving_requests_total{{{labels.format(200)}}}"] >= 1
    assert samples[f"pmmlkit_serving_request_errors_total{{{labels.format(400)}}}"] >= 1
    count = samples['pmmlkit_serving_request_latency_seconds_count{api="predict",model="half_plus_two",version="1"}']
    assert count >= 2
    assert samples['pmmlkit_serving_model_loads_total{model="customers",outcome="loaded"}'] == 1


def test_openapi_document_lists_every_model(server: Server) -> None:
    document = server.get("/v1/openapi.json").body
    assert document["openapi"].startswith("3.")
    for path in ("/v1/models/half_plus_two:predict", "/v1/models/half_plus_two:regress",
                 "/v1/models/customers/versions/{version}:predict", "/v1/models/customers:classify"):
        assert "post" in document["paths"][path]
    assert "/v1/models/customers:regress" not in document["paths"]
    row = document["paths"]["/v1/models/customers:predict"]["post"]["requestBody"]["content"]["application/json"]
    instances = row["schema"]["oneOf"][0]["properties"]["instances"]
    assert instances["items"]["required"] == ["age", "income", "city", "plan"]
    assert instances["maxItems"] == MAX_ROWS


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_schemathesis_every_operation_keeps_the_openapi_contract(server: Server, mode: GenerationMode) -> None:
    # Generated requests to every operation (schema-valid ones, then schema-violating ones) never get
    # a 5xx, and each answer matches the document: status codes, content types, response schemas;
    # valid ones are accepted, invalid ones refused. A few examples per operation keep it short.
    schema = schemathesis.openapi.from_url(f"{server.url}/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14  # health, status, metadata, predict, classify, regress (with versions)
    if mode is GenerationMode.NEGATIVE:  # only operations with something to get wrong
        operations = [op for op in operations if op.method.upper() == "POST" or "{" in op.path]
    for operation in operations:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=SCHEMATHESIS_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                  derandomize=True, database=None)
        def check(case: schemathesis.Case) -> None:
            # JSON Schema cannot say that columnar arrays have one length: schema-valid columnar
            # bodies may still be refused (400, "differ in length"), so that one check is off there.
            columnar = isinstance(case.body, dict) and "inputs" in case.body
            case.call_and_validate(excluded_checks=[positive_data_acceptance] if columnar else None)

        check()


def test_server_log_is_quiet_about_defects(server: Server) -> None:
    # Every refusal above was a user error: none reached the server's defect path.
    assert "Traceback" not in server.log_text()
    assert "unexpected failure" not in server.log_text()


def test_request_timeout_answers_504(tmp_path, monkeypatch) -> None:
    # In-process app whose batch scoring (off the event loop) is held up well past the timeout, so
    # the outcome does not depend on how fast the engine is.
    path = tmp_path / "half_plus_two.pmml"
    path.write_text(half_plus_two(), encoding="utf-8")
    score = serving_app._score_blocking

    def held_up(*args: Any) -> Any:
        time.sleep(1.0)
        return score(*args)

    monkeypatch.setattr(serving_app, "_score_blocking", held_up)
    app = create_app(ServingConfig((ModelSource("hpt", str(path)),), Limits(timeout_seconds=0.05), poll_seconds=0))

    async def scenario() -> tuple[httpx.Response, httpx.Response]:
        async with asgi_client(app) as client:
            slow = await client.post("/v1/models/hpt:predict", json={"instances": [float(i) for i in range(500)]})
            return slow, await client.get("/v1/health/live")

    slow, live = asyncio.run(scenario())
    assert slow.status_code == 504
    assert "longer than the request timeout" in slow.json()["error"]
    assert live.status_code == 200


# y = a + 100 c + 1000 [b = true]: a continuous integer, b boolean, c double.
TYPED = regression(
    [field("a", "integer"), field("b", "boolean"), field("c")],
    '<NumericPredictor name="a" coefficient="1"/><NumericPredictor name="c" coefficient="100"/>'
    '<CategoricalPredictor name="b" value="true" coefficient="1000"/>'
    '<CategoricalPredictor name="b" value="false" coefficient="0"/>', output="")


def test_typed_inputs_follow_the_library_contract(tmp_path) -> None:
    """The server takes what Model.predict takes (booleans as true/false, 1/0 and their text; any
    whole number for a double field) and refuses what it refuses, with a 400 naming the input."""
    path = tmp_path / "typed.pmml"
    path.write_text(TYPED, encoding="utf-8")
    model = pmmlkit.load(path)
    app = create_app(ServingConfig((ModelSource("typed", str(path)),), Limits(), poll_seconds=0))
    taken = [{"a": 1, "b": flag, "c": 0.5} for flag in (True, "true", "TRUE", 1, "1", False, "0", 0)]
    taken += [{"a": 1, "b": True, "c": 10 ** 30}, {"a": None, "b": True, "c": 0.5}]
    refused = [({"a": 1.5, "b": True, "c": 0.5}, "not a whole number"), ({"a": 1, "b": "yes", "c": 0.5}, "boolean"),
               ({"a": 2 ** 53 + 1, "b": True, "c": 0.5}, "beyond 2**53")]

    async def scenario() -> list[httpx.Response]:
        async with asgi_client(app) as client:
            return [await client.post("/v1/models/typed:predict", json={"instances": [record]})
                    for record in taken + [record for record, _ in refused]]

    answers = asyncio.run(scenario())
    for record, answer in zip(taken, answers):
        assert answer.status_code == 200, (record, answer.json())
        assert answer.json()["predictions"] == [model.predict(record)["predicted_y"]], record
    for (record, words), answer in zip(refused, answers[len(taken):]):
        assert answer.status_code == 400 and words in answer.json()["error"], (record, answer.json())

