"""A served model with feature sources keeps its OpenAPI contract: schemathesis generates requests
to its :predict, :classify and :rank operations (the request inputs and ids only; the rest comes
from a real Redis) and checks every answer against the document, with no 5xx."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from online_support import features, fill, train
from redis_support import RedisServer, redis_server  # noqa: F401 (a fixture)
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance
from serving_support import running_server

pytestmark = pytest.mark.xdist_group("redis")
EXAMPLES = 10


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
def test_online_operations_keep_the_openapi_contract(tmp_path, redis_server, mode) -> None:  # noqa: F811
    fill(redis_server.client())
    pmml = train(tmp_path / "rec.pmml")
    spec = features(redis_server.url, timeout=5.0, connect_timeout=5.0)
    config = tmp_path / "models.json"
    config.write_text(json.dumps({"models": [{"name": "rec", "base_path": str(pmml), "features": spec}]}))
    with running_server(["--model-config-file", str(config), "--max-rows", "50"], tmp_path / "server.log") as server:
        schema = schemathesis.openapi.from_url(f"{server.url}/v1/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        operations = [op for op in operations if op.method.upper() == "POST"]
        assert {op.path for op in operations} >= {"/v1/models/rec:predict", "/v1/models/rec:rank",
                                                  "/v1/models/rec:classify"}
        for operation in operations:
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                      derandomize=True, database=None)
            def check(case: schemathesis.Case) -> None:
                columnar = isinstance(case.body, dict) and "inputs" in case.body
                case.call_and_validate(excluded_checks=[positive_data_acceptance] if columnar else None)

            check()
        assert "Traceback" not in server.log_text() and "unexpected failure" not in server.log_text()
