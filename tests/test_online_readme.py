"""The README's online-features walk-through runs as written, against a real Redis: make_rec.py,
models.json and the curl request of its :rank call (the server in process, on the test Redis)."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from redis_support import DATABASES, RedisServer, redis_server  # noqa: F401 (a fixture)
from serving_support import asgi_client

from pmmlkit.serving import Limits, ServingConfig, create_app
from pmmlkit.serving.config import read_model_config_file

pytestmark = pytest.mark.xdist_group("redis")
README = Path(__file__).resolve().parent.parent / "README.md"
URL = "redis://127.0.0.1:6379/0"


def block(name: str) -> str:
    match = re.search(rf"<!-- online-example: {re.escape(name)} -->\n```\w+\n(.*?)\n```", README.read_text(),
                      re.DOTALL)
    assert match, f"README block {name!r} not found"
    return match.group(1)


def test_walkthrough_ranks_with_features_from_redis(tmp_path, redis_server) -> None:  # noqa: F811
    (tmp_path / "make_rec.py").write_text(block("make_rec.py").replace(URL, redis_server.url_of(DATABASES["readme"])))
    subprocess.run([sys.executable, "make_rec.py"], cwd=tmp_path, check=True, timeout=300)
    config = block("models.json")
    assert '"timeout": 0.25' in config
    # A generous timeout here: tests never fail on a timing (a cold first lookup on a busy machine).
    (tmp_path / "models.json").write_text(config.replace(URL, redis_server.url_of(DATABASES["readme"])).replace('"timeout": 0.25',
                                                                                        '"timeout": 10'))
    shell = block("curl")
    assert "pmmlkit serve --model-config-file models.json" in shell
    curl = shlex.split(shell[shell.index("curl"):].split("\n#")[0].replace("\\\n", " "))
    body = json.loads(curl[curl.index("-d") + 1])
    app = create_app(ServingConfig(tuple(read_model_config_file(tmp_path / "models.json")), Limits(), 0))

    async def scenario() -> httpx.Response:
        async with asgi_client(app) as client:
            return await client.post("/v1/models/rec:rank", json=body)

    answer = asyncio.run(scenario())
    assert answer.status_code == 200, answer.json()
    results = answer.json()["results"]
    assert answer.json()["by"] == "probability_1" and len(results) == 2
    shown = re.search(r'# \{"by":"probability_1","results":\[\{"index":(\d),"score":([0-9.]+)\.\.\.,'
                      r'"candidate":\{"item_id":(\d)\}\},\{"index":(\d)', shell)
    assert shown, "the README shows the answer"
    assert [results[0]["index"], results[0]["candidate"]["item_id"], results[1]["index"]] == \
        [int(shown[1]), int(shown[3]), int(shown[4])], results
    assert str(results[0]["score"]).startswith(shown[2]), results
