"""The online-features part of ``make demo``: embeddings in Redis -> a ranked answer, and precompute.

With ``redis-server`` on the PATH (``make redis``), it starts a throwaway one on a free loopback
port, puts a user and 200 items (16-dim float32 embeddings, the user's age in a hash) in it,
serves a logistic regression over their dot product and the age with ``pmmlkit serve``, asks
``:rank`` for the best 5 items and checks the answer against scores computed here; then writes
top-5 lists per user with ``pmmlkit score --to-redis`` and reads one back. Without Redis it says
how to get one and is skipped (not failed).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

DIM = 16
ITEMS = 200
HOW_TO = ("redis-server was not found: `make redis` installs it (apt-get install redis-server); or start "
          "one yourself, e.g. `redis-server --port 6379 --save \"\" --appendonly no --daemonize yes`, and run "
          "`make demo` again")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _process(command: list[str], log: Path) -> Iterator[subprocess.Popen]:
    with open(log, "wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


def _wait(check: object, what: str, process: subprocess.Popen, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode}")
        with contextlib.suppress(Exception):
            if check():  # type: ignore[operator]
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start within {seconds:.0f} s")


def run(out: Path) -> tuple[bool | None, str]:
    """(True, summary) when it worked, (False, why) when it failed, (None, how to) when skipped."""
    executable = shutil.which("redis-server")
    if executable is None:
        return None, HOW_TO
    try:
        import redis  # the serve (and redis) extra's client
        import uvicorn  # noqa: F401  (pmmlkit serve's server, from the serve extra)
    except ImportError as exc:
        return None, f"the online example needs the serve extra ({exc}): pip install 'pmmlkit[serve]'"
    from sklearn.linear_model import LogisticRegression

    import pmmlkit
    from pmmlkit.cli import main as cli

    folder = out / "online"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"affinity": rng.normal(0, 4, 2000), "age": rng.integers(18, 80, 2000).astype(float)})
    y = (X["affinity"] - 0.03 * X["age"] + rng.normal(size=2000) > 0).astype(int)
    pmml = folder / "rec.pmml"
    pmmlkit.convert(LogisticRegression().fit(X, y), X, verification=X.head(5)).save(pmml)
    redis_port = _free_port()
    url = f"redis://127.0.0.1:{redis_port}/0"
    with _process([executable, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                   "--dir", str(folder)], folder / "redis.log") as redis_process:
        client = redis.Redis(port=redis_port)
        _wait(client.ping, "redis-server", redis_process)
        user = rng.normal(size=DIM).astype("<f4")
        items = rng.normal(size=(ITEMS, DIM)).astype("<f4")
        client.hset("user:7", mapping={"age": 29})
        client.set("emb:user:7", user.tobytes())
        for item in range(ITEMS):
            client.set(f"emb:item:{item}", items[item].tobytes())
        features = {"redis": {"url": url, "timeout": 2.0}, "ids": ["user_id", "item_id"],
                    "vectors": {"user": {"key": "emb:user:{user_id}", "encoding": "float32", "length": DIM},
                                "item": {"key": "emb:item:{item_id}", "encoding": "float32", "length": DIM}},
                    "inputs": {"age": {"hash": "user:{user_id}", "field": "age"},
                               "affinity": {"dot": ["user", "item"]}}}
        config = folder / "models.json"
        config.write_text(json.dumps({"models": [{"name": "rec", "base_path": "rec.pmml", "features": features}]},
                                     indent=1))
        serve_port = _free_port()
        with _process([sys.executable, "-m", "pmmlkit", "serve", "--model-config-file", str(config), "--host",
                       "127.0.0.1", "--port", str(serve_port)], folder / "serve.log") as server:
            base = f"http://127.0.0.1:{serve_port}"
            _wait(lambda: urllib.request.urlopen(base + "/v1/health/ready", timeout=5).status == 200,
                  "pmmlkit serve", server)
            body = {"context": {"user_id": 7}, "candidates": [{"item_id": i} for i in range(ITEMS)], "top_k": 5,
                    "by": "probability(1)"}
            request = urllib.request.Request(base + "/v1/models/rec:rank", data=json.dumps(body).encode(),
                                             headers={"Content-Type": "application/json"})
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=60) as answer:
                    ranked = json.loads(answer.read())
            except urllib.error.HTTPError as error:
                return False, f":rank answered {error.code}: {error.read().decode('utf-8', 'replace')}"
            seconds = time.perf_counter() - started
        frame = pd.DataFrame({"affinity": items.astype(np.float64) @ user.astype(np.float64), "age": 29.0})
        expected = pmmlkit.load(pmml).predict(frame)["probability_1"].to_numpy()
        best = sorted(range(ITEMS), key=lambda i: (-expected[i], i))[:5]
        got = [r["index"] for r in ranked["results"]]
        scores = np.array([r["score"] for r in ranked["results"]])
        if got != best or not np.allclose(scores, expected[best], rtol=1e-9, atol=0):
            return False, f":rank answered {got}, scores computed here rank {best}"
        table = folder / "pairs.parquet"
        pairs = pd.DataFrame({"user_id": np.repeat(np.arange(50), 40), "item_id": np.tile(np.arange(40), 50),
                              "affinity": rng.normal(0, 4, 2000), "age": rng.integers(18, 80, 2000).astype(float)})
        pairs.to_parquet(table)
        with contextlib.redirect_stderr(open(os.devnull, "w")):
            status = cli(["score", str(pmml), str(table), "--to-redis", url, "--key", "top:{user_id}", "--group-by",
                          "user_id", "--rank-by", "probability_1", "--member", "item_id", "--top-k", "5"])
        stored = client.zrevrange("top:0", 0, -1)
        if status != 0 or len(stored) != 5:
            return False, f"precompute failed (exit status {status}, top:0 holds {len(stored)} items)"
    return True, (f"ranked {ITEMS} candidates with embeddings from Redis in {seconds * 1000:.0f} ms (a cold first request; top "
                  f"5: items {got}, scores equal to local scoring at 1e-9); precomputed top-5 lists for 50 users "
                  f"(top:0 = {[int(m) for m in stored]}); config in {config}")
