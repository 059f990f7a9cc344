"""The OpenAPI document lists exactly the routes the server answers, for every kind of model: each
configuration of the table is served in process, every route the app could answer is asked with a
well-formed request, and the routes that answer 200 are compared with the document's paths (with
feature sources too, where Redis gives the inputs the request does not)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from documents import field, regression
from online_support import INPUTS, features, fill, train
from redis_support import DATABASES, RedisServer, redis_server  # noqa: F401 (a fixture)
from serving_support import add_version, asgi_client, half_plus_two

from pmmlkit.serving import Limits, ModelSource, ServingConfig, create_app
from pmmlkit.serving.app import APIS

pytestmark = pytest.mark.xdist_group("redis")
DB = DATABASES["routes"]
FIXED = ("/v1/health/live", "/v1/health/ready", "/v1/openapi.json", "/monitoring/prometheus/metrics", "/v1/models",
         "/v1/models/")
SQUARED = regression([field("x")], '<NumericPredictor name="x" exponent="2" coefficient="0.5"/>')


def _classifier(base: Path) -> None:
    (base / "1").mkdir(parents=True)
    train(base / "1" / "model.pmml")


@dataclass(frozen=True)
class Setup:
    id: str
    write: Callable[[Path], Any]  # writes the model's version folders under the given base path
    record: dict[str, Any]  # one well-formed request record
    by: str | None = None  # what :rank sorts on (a regression's predicted value when None)
    features: Callable[[RedisServer], dict[str, Any]] | None = None  # sources in Redis, filled by the callable
    version: int = 1  # the version the versioned paths name
    explains: bool = True  # the model has an exact explanation (:explain answers)


def _redis_x(redis: RedisServer) -> dict[str, Any]:
    redis.client(db=DB).set("x:7", "3.0")
    return {"redis": {"url": redis.url_of(DB), "timeout": 10.0, "connect_timeout": 10.0}, "ids": ["id"],
            "inputs": {"x": {"key": "x:{id}"}}}


def _redis_rec(redis: RedisServer) -> dict[str, Any]:
    fill(redis.client(db=DB))
    return features(redis.url_of(DB))


SETUPS = [
    Setup("regression", lambda base: add_version(base, 1, half_plus_two()), {"x": 1.0}),
    Setup("regression-without-exact-explanation", lambda base: add_version(base, 1, SQUARED), {"x": 1.0},
          explains=False),
    Setup("classifier", _classifier, dict.fromkeys(INPUTS, 1.0), by="probability(1)"),
    Setup("regression-with-feature-sources", lambda base: add_version(base, 1, half_plus_two()), {"id": 7},
          features=_redis_x),
    Setup("classifier-with-feature-sources", _classifier, {"channel": 1.0, "user_id": 1, "item_id": 2},
          by="probability(1)", features=_redis_rec),
    Setup("no-version-serving", lambda base: add_version(base, 1, "<PMML>not a model"), {"x": 1.0}),
]


def _body(api: str, record: dict[str, Any], by: str | None) -> dict[str, Any]:
    if api in ("predict", "explain"):
        return {"instances": [record]}
    if api == "rank":
        return {"candidates": [record], **({"by": by} if by else {})}
    return {"examples": [record]}


def _probes(setup: Setup) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    """(method, path as the document writes it, path asked, body) for every route the app has a handler for."""
    probes = [("get", path, path, None) for path in FIXED]
    for template, asked in (("/v1/models/m", "/v1/models/m"),
                            ("/v1/models/m/versions/{version}", f"/v1/models/m/versions/{setup.version}")):
        probes += [("get", template, asked, None), ("get", template + "/metadata", asked + "/metadata", None)]
        probes += [("post", f"{template}:{api}", f"{asked}:{api}", _body(api, setup.record, setup.by)) for api in APIS]
    return probes


@pytest.mark.parametrize("setup", SETUPS, ids=lambda s: s.id)
def test_the_openapi_document_lists_the_routes_the_server_answers(setup: Setup, tmp_path: Path,
                                                                  request: pytest.FixtureRequest) -> None:
    setup.write(tmp_path / "m")
    spec = setup.features(request.getfixturevalue("redis_server")) if setup.features else None
    app = create_app(ServingConfig((ModelSource("m", str(tmp_path / "m"), spec),), Limits(timeout_seconds=30),
                                   poll_seconds=0))
    probes = _probes(setup)

    async def scenario() -> tuple[dict[str, Any], list[httpx.Response]]:
        async with asgi_client(app, timeout=60) as client:
            document = (await client.get("/v1/openapi.json")).json()
            return document, [await client.request(method, asked, json=body) for method, _, asked, body in probes]

    document, answers = asyncio.run(scenario())
    status = {(method, path): answer.status_code for (method, path, _, _), answer in zip(probes, answers)}
    documented = {(method, path): operation for path, item in document["paths"].items()
                  for method, operation in item.items()}
    answered = {route for route, code in status.items() if code == 200}
    # Every route that answers is documented, and the document names no route the app has no handler for.
    assert sorted(answered - set(documented)) == []
    assert sorted(set(documented) - set(status)) == []
    # A documented route answers, or gives a server state its document lists (503: no version serves).
    wrong = {route: code for route, code in status.items()
             if route in documented and code != 200 and not (code >= 500 and str(code) in documented[route]["responses"])}
    assert wrong == {}
    # What each model kind answers, spelled out: the table's own claims about it.
    operations = {path.rsplit(":", 1)[1] for method, path in answered if method == "post" and ":" in path}
    if "no-version" in setup.id:
        assert operations == set()
        assert status[("get", "/v1/health/ready")] == 503
    else:
        kind = "classify" if setup.by else "regress"
        assert operations == {"predict", kind, "rank", *(["explain"] if setup.explains else [])}
