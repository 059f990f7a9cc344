"""Online features: a served model whose inputs are looked up in a real Redis (hash fields, string
keys, embeddings as float32/float64 bytes and JSON lists, dot products, cosines, constants and
defaults), :rank over 500 candidates in one round trip, missing and required keys, configs that
cannot work refused at load, and Redis stopped or stalled mid-run (503 within the timeout, then
recovery)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from online_support import DIM, expected_record, features, fill, train
from redis_support import RedisServer, redis_server, running_redis  # noqa: F401 (a fixture)
from serving_support import asgi_client

import pmmlkit
from pmmlkit.errors import PMMLError
from pmmlkit.serving import Limits, ModelSource, ServingConfig, create_app
from pmmlkit.serving.config import read_model_config_file
from pmmlkit.serving.explain import answer as explain_answer
from pmmlkit.serving.feature_store import ROUND_TRIPS, STORE_ERRORS
from pmmlkit.serving.features import parse_features
from pmmlkit.serving.versions import ServedModel

pytestmark = pytest.mark.xdist_group("redis")


@pytest.fixture(scope="module")
def pmml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train(tmp_path_factory.mktemp("online") / "rec.pmml")


@pytest.fixture(scope="module")
def model(pmml: Path) -> Any:
    return pmmlkit.load(pmml)


@pytest.fixture(scope="module")
def data(redis_server: RedisServer) -> tuple[dict, dict, dict, dict]:  # noqa: F811
    return fill(redis_server.client())


def _app(pmml: Path, spec: dict[str, Any], name: str = "rec") -> Any:
    return create_app(ServingConfig((ModelSource(name, str(pmml), spec),), Limits(timeout_seconds=30), poll_seconds=0))


def _run(app: Any, scenario: Callable[[httpx.AsyncClient], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        async with asgi_client(app, timeout=60) as client:
            return await scenario(client)

    return asyncio.run(main())


def _post(app: Any, path: str, body: Any) -> httpx.Response:
    async def scenario(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(path, json=body)

    return _run(app, scenario)


def _expected(model: Any, data: tuple, user: int, item: int, channel: float) -> float:
    ages, prices, users, items = data
    record = expected_record(users.get(user), items.get(item), ages.get(user), prices.get(item, 9.5), channel)
    return model.predict(record)["probability_1"]


def test_predict_joins_hash_fields_string_keys_and_embeddings(pmml, model, data, redis_server) -> None:  # noqa: F811
    app = _app(pmml, features(redis_server.url))
    instances = [{"user_id": 1, "item_id": 5, "channel": 2.0}, {"user_id": "0", "item_id": 7.0, "channel": 0},
                 {"user_id": 2, "item_id": 9999, "channel": 1.0},  # no such item: price default, vector missing
                 {"user_id": 404, "item_id": 3, "channel": None}]  # no such user: age and user vector missing
    answer = _post(app, "/v1/models/rec:predict", {"instances": instances, "missing_features": True})
    assert answer.status_code == 200, answer.json()
    got = [p["probability_1"] for p in answer.json()["predictions"]]
    want = [_expected(model, data, 1, 5, 2.0), _expected(model, data, 0, 7, 0.0), _expected(model, data, 2, 9999, 1.0),
            _expected(model, data, 404, 3, None)]
    assert [g is None for g in got] == [w is None for w in want] == [False, False, True, True]  # missing inputs
    np.testing.assert_allclose(got[:2], want[:2], rtol=1e-9)
    assert answer.json()["missing_features"] == {"price:9999": None, "emb:item:9999": None, "user:404": ["age"],
                                                 "emb:user:404": None}
    classify = _post(app, "/v1/models/rec:classify", {"examples": [{"item_id": 5, "channel": 2.0}],
                                                      "context": {"user_id": 1}})
    assert classify.status_code == 200 and classify.json()["results"][0][1][1] == pytest.approx(want[0], rel=1e-9)


def test_float64_bytes_and_json_vectors_spread_and_reduced(pmml, model, data, redis_server) -> None:  # noqa: F811
    ages, prices, users, items = data
    client = redis_server.client()
    client.set("emb64:user:1", users[1].astype("<f8").tobytes())
    client.set("embj:user:1", json.dumps(users[1].astype(np.float64).tolist()))
    for key in ("emb64:user:{user_id}", "embj:user:{user_id}"):
        spec = features(redis_server.url)
        spec["vectors"]["user"] = {"key": key, "encoding": "float64" if "64" in key else "json", "length": DIM}
        answer = _post(_app(pmml, spec), "/v1/models/rec:predict",
                       {"instances": [{"user_id": 1, "item_id": 11, "channel": 1.0}]})
        assert answer.status_code == 200, answer.json()
        assert answer.json()["predictions"][0]["probability_1"] == pytest.approx(
            _expected(model, data, 1, 11, 1.0), rel=1e-9)


def test_required_key_missing_is_a_404_naming_it(pmml, data, redis_server) -> None:  # noqa: F811
    spec = features(redis_server.url)
    spec["inputs"]["age"]["required"] = True
    app = _app(pmml, spec)
    answer = _post(app, "/v1/models/rec:predict", {"instances": [{"user_id": 77, "item_id": 1, "channel": 0}]})
    assert answer.status_code == 404
    assert "'user:77'" in answer.json()["error"] and "'age'" in answer.json()["error"]
    spec["vectors"]["user"]["required"] = True
    del spec["inputs"]["age"]["required"]
    answer = _post(_app(pmml, spec), "/v1/models/rec:predict", {"instances": [{"user_id": 77, "item_id": 1,
                                                                                "channel": 0}]})
    assert answer.status_code == 404 and "'emb:user:77'" in answer.json()["error"]


def test_values_from_redis_meet_the_input_contract(pmml, data, redis_server) -> None:  # noqa: F811
    client = redis_server.client()
    client.hset("user:901", mapping={"age": "old"})
    client.set("emb:user:900", b"\x00" * 7)
    app = _app(pmml, features(redis_server.url))
    answer = _post(app, "/v1/models/rec:predict", {"instances": [{"user_id": 901, "item_id": 1, "channel": 0}]})
    assert answer.status_code == 502 and "'age'" in answer.json()["error"]
    answer = _post(app, "/v1/models/rec:predict", {"instances": [{"user_id": 900, "item_id": 1, "channel": 0}]})
    assert answer.status_code == 502 and "emb:user:900" in answer.json()["error"]
    # The request's own values still meet the contract as before, and the ids are required.
    answer = _post(app, "/v1/models/rec:predict", {"instances": [{"user_id": 1, "item_id": 1, "channel": "x"}]})
    assert answer.status_code == 400 and "'channel'" in answer.json()["error"]
    answer = _post(app, "/v1/models/rec:predict", {"instances": [{"user_id": 1, "channel": 0}]})
    assert answer.status_code == 400 and "'item_id'" in answer.json()["error"]


def test_rank_500_candidates_in_one_round_trip(pmml, model, data, redis_server) -> None:  # noqa: F811
    app = _app(pmml, features(redis_server.url), name="ranker")
    candidates = [{"item_id": i, "channel": float(i % 3)} for i in range(500)]
    trips = ROUND_TRIPS.labels("ranker")
    before = trips._value.get()
    answer = _post(app, "/v1/models/ranker:rank", {"context": {"user_id": 2}, "candidates": candidates, "top_k": 20,
                                                   "by": "probability(1)"})
    assert answer.status_code == 200, answer.json()
    assert trips._value.get() - before <= 3
    scores = [_expected(model, data, 2, i, float(i % 3)) for i in range(500)]
    order = sorted(range(500), key=lambda i: (-scores[i], i))[:20]
    body = answer.json()
    assert body["by"] == "probability_1"
    assert [r["index"] for r in body["results"]] == order
    np.testing.assert_allclose([r["score"] for r in body["results"]], [scores[i] for i in order], rtol=1e-9)
    assert body["results"][0]["candidate"] == candidates[order[0]]
    refused = _post(app, "/v1/models/ranker:rank", {"candidates": candidates[:2], "by": "probability(7)"})
    assert refused.status_code == 400 and "'7'" in refused.json()["error"]


def test_rank_without_feature_sources(pmml, model) -> None:
    app = create_app(ServingConfig((ModelSource("plain", str(pmml)),), Limits(), poll_seconds=0))
    rows = [expected_record(np.ones(DIM), np.full(DIM, float(i + 1)), 30, float(i), 1.0) for i in range(5)]
    answer = _post(app, "/v1/models/plain:rank", {"candidates": rows, "by": "probability(0)", "top_k": 2})
    assert answer.status_code == 200, answer.json()
    scores = [model.predict(r)["probability_0"] for r in rows]
    assert [r["index"] for r in answer.json()["results"]] == sorted(range(5), key=lambda i: -scores[i])[:2]


def test_metadata_and_openapi_say_where_inputs_come_from(pmml, data, redis_server) -> None:  # noqa: F811
    app = _app(pmml, features(redis_server.url))

    async def scenario(client: httpx.AsyncClient) -> tuple[Any, Any]:
        return (await client.get("/v1/models/rec/metadata")).json(), (await client.get("/v1/openapi.json")).json()

    metadata, openapi = _run(app, scenario)
    sources = metadata["metadata"]["feature_sources"]
    assert sources["request"] == ["channel", "user_id", "item_id"]
    assert sources["redis"]["age"] == {"redis": "hash", "key": "user:{user_id}", "field": "age", "required": False}
    assert sources["redis"]["affinity"]["dot"][0].startswith("emb:user:{user_id}")
    assert "/v1/models/rec:rank" in openapi["paths"]
    predict = openapi["paths"]["/v1/models/rec:predict"]["post"]
    assert "age" in predict["description"] and "user:{user_id}" in predict["description"]
    rows = predict["requestBody"]["content"]["application/json"]["schema"]["oneOf"][0]["properties"]["instances"]
    assert set(rows["items"]["required"]) == {"channel", "user_id", "item_id"}


@pytest.mark.parametrize("change, message", [
    (lambda s: s["inputs"].update(agee={"hash": "user:{user_id}"}), "'agee' is not an input of the model"),
    (lambda s: s["vectors"]["item"].update(length=3), "vector 'item' has length 3"),
    (lambda s: s["inputs"]["age"].update(hash="user:{usr_id}"), "{usr_id}, which the request does not give"),
])
def test_a_config_that_cannot_work_is_refused_at_load(pmml, tmp_path, change, message) -> None:
    spec = features("redis://127.0.0.1:1/0")
    if "length" in message:
        spec["inputs"].pop("affinity")
        spec["inputs"].pop("similarity")
    change(spec)
    served = ServedModel(ModelSource("rec", str(pmml), spec))
    served.refresh()
    assert served.current is None
    assert message in served.statuses[1].error_message


def test_a_malformed_config_is_refused_when_read() -> None:
    spec = features("redis://127.0.0.1:1/0")
    spec["inputs"]["affinity"] = {"dot": ["user", "nobody"]}
    with pytest.raises(PMMLError, match="vector 'nobody' is not declared"):
        parse_features(spec, "model 'rec'")
    with pytest.raises(PMMLError, match="exactly one of"):
        parse_features({**spec, "inputs": {"age": {"field": "age"}}}, "model 'rec'")
    with pytest.raises(PMMLError, match="url must be like"):
        parse_features({**spec, "redis": {"url": "localhost:6379"}}, "model 'rec'")


def test_redis_stopped_mid_run_answers_503_then_recovers(pmml) -> None:
    with running_redis() as private:
        fill(private.client(), users=1, items=3)
        app = _app(pmml, features(private.url, timeout=5.0, connect_timeout=5.0), name="flaky")
        body = {"instances": [{"user_id": 0, "item_id": 1, "channel": 0}]}
        errors = STORE_ERRORS.labels("flaky", "unreachable")
        before = errors._value.get()

        async def scenario(client: httpx.AsyncClient) -> list[Any]:
            answers = [await client.post("/v1/models/flaky:predict", json=body)]
            private.stop()
            started = time.monotonic()
            answers.append(await client.post("/v1/models/flaky:predict", json=body))
            answers.append(time.monotonic() - started)
            private.start()
            fill(private.client(), users=1, items=3)
            answers.append(await client.post("/v1/models/flaky:predict", json=body))
            return answers

        up, down, seconds, again = _run(app, scenario)
    assert up.status_code == 200
    assert down.status_code == 503 and "not reachable" in down.json()["error"], down.json()
    assert seconds < 30.0  # refused connections answer at once (a loose bound: it only proves no hang)
    assert errors._value.get() - before == 1
    assert again.status_code == 200 and again.json() == up.json()


def test_a_stalled_redis_times_out_with_503(pmml) -> None:
    with running_redis() as private:
        fill(private.client(), users=1, items=3)
        app = _app(pmml, features(private.url, timeout=2.0), name="stalled")
        body = {"instances": [{"user_id": 0, "item_id": 1, "channel": 0}]}

        async def scenario(client: httpx.AsyncClient) -> list[Any]:
            answers = [await client.post("/v1/models/stalled:predict", json=body)]
            private.client().execute_command("CLIENT", "PAUSE", 30000, "ALL")
            started = time.monotonic()
            answers.append(await client.post("/v1/models/stalled:predict", json=body))
            answers.append(time.monotonic() - started)
            private.client().execute_command("CLIENT", "UNPAUSE")
            answers.append(await client.post("/v1/models/stalled:predict", json=body))
            return answers

        up, slow, seconds, again = _run(app, scenario)
    assert up.status_code == 200
    assert slow.status_code == 503 and "did not answer within 2 s" in slow.json()["error"]
    assert seconds < 25.0  # the pause lasts 30 s: an answer before it ends is the timeout's
    assert again.status_code == 200 and again.json() == up.json()


def test_cache_is_off_unless_configured(pmml, data, redis_server) -> None:  # noqa: F811
    client = redis_server.client()
    client.hset("user:500", mapping={"age": 20})
    client.set("emb:user:500", client.get("emb:user:0"))
    body = {"instances": [{"user_id": 500, "item_id": 1, "channel": 0}]}
    for cache_seconds, changes in ((0, True), (600, False)):
        app = _app(pmml, features(redis_server.url, cache_seconds=cache_seconds))

        async def scenario(client_: httpx.AsyncClient) -> tuple[Any, Any]:
            first = (await client_.post("/v1/models/rec:predict", json=body)).json()
            client.hset("user:500", mapping={"age": 70})
            second = (await client_.post("/v1/models/rec:predict", json=body)).json()
            client.hset("user:500", mapping={"age": 20})
            return first, second

        first, second = _run(app, scenario)
        assert (first != second) is changes


def test_features_in_a_text_config_and_checked_before_serving(pmml, tmp_path) -> None:
    (tmp_path / "rec_features.json").write_text(json.dumps(features("redis://127.0.0.1:1/0")))
    (tmp_path / "models.config").write_text(
        f'model_config_list {{ config {{ name: "rec" base_path: "{pmml}" features_file: "rec_features.json" }} }}')
    source, = read_model_config_file(tmp_path / "models.config")
    assert source.features == features("redis://127.0.0.1:1/0")
    broken = {**source.features, "vectors": {"user": {"key": "emb:{user_id}", "encoding": "float16", "length": 4}}}
    with pytest.raises(PMMLError, match="encoding must be one of"):
        ServingConfig((ModelSource("rec", str(pmml), broken),)).check()


def test_a_request_value_for_a_looked_up_input_is_refused(pmml, model, data, redis_server) -> None:  # noqa: F811
    # The lookup would overwrite it: answering with the stored value ignores what the client sent.
    app = _app(pmml, features(redis_server.url))
    answer = _post(app, "/v1/models/rec:predict", {"instances": [{"user_id": 1, "item_id": 5, "channel": 2.0,
                                                                  "affinity": -100.0}]})
    assert answer.status_code == 400, answer.json()
    assert "'affinity'" in answer.json()["error"] and "feature store" in answer.json()["error"]
    ranked = _post(app, "/v1/models/rec:rank", {"context": {"user_id": 1}, "by": "probability(1)",
                                                "candidates": [{"item_id": 5, "channel": 2.0, "age": 99}]})
    assert ranked.status_code == 400 and "'age'" in ranked.json()["error"]
    assert "feature store" in ranked.json()["error"]
    for api, body in (("rank", {"candidates": [{"item_id": 5, "channel": 2.0}], "by": "probability(1)"}),
                      ("classify", {"examples": [{"item_id": 5, "channel": 2.0}]})):
        answer = _post(app, f"/v1/models/rec:{api}", {**body, "context": {"user_id": 1, "age": 99}})
        assert answer.status_code == 400 and "'age'" in answer.json()["error"]
        assert "feature store" in answer.json()["error"]  # not "inputs the model does not know"


def test_explain_makes_the_same_lookups_as_predict(pmml, model, data, redis_server) -> None:  # noqa: F811
    ages, prices, users, items = data
    app = _app(pmml, features(redis_server.url))
    answer = _post(app, "/v1/models/rec:explain", {"instances": [{"user_id": 1, "item_id": 5, "channel": 2.0}],
                                                   "missing_features": True})
    assert answer.status_code == 200, answer.json()
    record = expected_record(users[1], items[5], ages[1], prices[5], 2.0)
    want = explain_answer(pmmlkit.explain(model, pd.DataFrame([record])))  # the answer, from the full record
    got = answer.json()
    assert got["space"] == want["space"]
    assert got["explanations"][0].keys() == want["explanations"][0].keys()
    for part, outputs in want["explanations"][0].items():
        assert got["explanations"][0][part].keys() == outputs.keys()
        for output, value in outputs.items():
            assert got["explanations"][0][part][output] == pytest.approx(value, rel=1e-9, abs=1e-12)
    assert answer.json()["missing_features"] == {}
