"""Online features: :rank with embeddings in Redis, and precompute into Redis, in one run.

    make bench-online           # installs redis-server (apt-get) and the test extras, then runs this
    .venv/bin/python benchmarks/online.py [--seconds 5] [--connections 4]

A local ephemeral redis-server holds one user (a hash with age, a 64-dim float32 embedding) and
500 items (a hash with price and popularity, a 64-dim float32 embedding each). A scikit-learn
logistic regression over the user-item dot product, their cosine, age, price and popularity,
converted with pmmlkit, is served twice by one `pmmlkit serve`: with those inputs looked up in
Redis (the request names the user and 500 item ids), and plain (the request sends the five
inputs of each of the 500 candidates). Each is measured on one keep-alive connection (latency
alone) and on ``--connections`` concurrent ones (throughput and latency under load), after a
warm-up; Redis round trips per request come from the server's metrics. Then `pmmlkit score
--to-redis` writes 100,000 scored rows as hashes (keys/s for the whole command, and for the
write alone). The script measures and reports; it does not fail on a figure. Targets: <= 3
round trips per rank request, p99 <= 25 ms, precompute >= 50,000 keys/s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

import pmmlkit
from pmmlkit.cli import main as cli
from pmmlkit.scoring.redis_write import RedisTarget, RedisWriter

DIM = 64
CANDIDATES = 500
PRECOMPUTE_ROWS = 100_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, what: str, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} did not start within {seconds:.0f} s")


def start_redis(folder: Path) -> tuple[subprocess.Popen, int]:
    executable = shutil.which("redis-server")
    if executable is None:
        raise SystemExit("redis-server is not installed: `make redis` (or apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen([executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    import redis

    wait_for(lambda: redis.Redis(port=port).ping(), "redis-server")
    return process, port


def write_model(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    rows = 5000
    frame = pd.DataFrame({"affinity": rng.normal(0, 8, rows), "similarity": rng.uniform(-1, 1, rows),
                          "age": rng.integers(18, 80, rows).astype(float), "price": rng.uniform(1, 100, rows),
                          "popularity": rng.exponential(1.0, rows)})
    label = (0.2 * frame["affinity"] + frame["similarity"] - 0.01 * frame["price"] + rng.normal(size=rows) > 0)
    path = folder / "rank" / "model.pmml"
    path.parent.mkdir()
    pmmlkit.convert(LogisticRegression(max_iter=1000).fit(frame, label.astype(int)), frame,
                    verification=frame.head(5)).save(path)
    return path


def fill_redis(port: int) -> list[dict[str, float]]:
    """The user and items in Redis; returns the inline candidates (the same features, computed here)."""
    import redis

    client = redis.Redis(port=port)
    rng = np.random.default_rng(1)
    user = rng.normal(size=DIM).astype("<f4")
    pipe = client.pipeline(transaction=False)
    pipe.hset("user:1", mapping={"age": 41})
    pipe.set("emb:user:1", user.tobytes())
    inline = []
    for item in range(CANDIDATES):
        vector = rng.normal(size=DIM).astype("<f4")
        price, popularity = float(np.round(rng.uniform(1, 100), 2)), float(rng.exponential(1.0))
        pipe.hset(f"item:{item}", mapping={"price": repr(price), "popularity": repr(popularity)})
        pipe.set(f"emb:item:{item}", vector.tobytes())
        a, b = user.astype(np.float64), vector.astype(np.float64)
        dot = float(np.dot(a, b))
        inline.append({"affinity": dot, "similarity": dot / float(np.linalg.norm(a) * np.linalg.norm(b)),
                       "age": 41.0, "price": price, "popularity": popularity})
    pipe.execute()
    return inline


def config(folder: Path, pmml: Path, redis_port: int) -> Path:
    features = {
        "redis": {"url": f"redis://127.0.0.1:{redis_port}/0", "timeout": 2.0},
        "ids": ["user_id", "item_id"],
        "vectors": {"user": {"key": "emb:user:{user_id}", "encoding": "float32", "length": DIM},
                    "item": {"key": "emb:item:{item_id}", "encoding": "float32", "length": DIM}},
        "inputs": {"age": {"hash": "user:{user_id}", "field": "age"},
                   "price": {"hash": "item:{item_id}", "field": "price"},
                   "popularity": {"hash": "item:{item_id}", "field": "popularity"},
                   "affinity": {"dot": ["user", "item"]}, "similarity": {"cosine": ["user", "item"]}}}
    path = folder / "models.json"
    path.write_text(json.dumps({"models": [{"name": "rank_redis", "base_path": str(pmml), "features": features},
                                           {"name": "rank_inline", "base_path": str(pmml)}]}))
    return path


class Client:
    """One keep-alive HTTP connection posting one pre-encoded body."""

    def __init__(self, port: int, path: str, body: bytes) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.path, self.body = path, body
        self.headers = {"Content-Type": "application/json"}

    def post(self) -> tuple[int, bytes]:
        self.connection.request("POST", self.path, self.body, self.headers)
        answer = self.connection.getresponse()
        return answer.status, answer.read()


def run_load(port: int, path: str, body: bytes, connections: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        client = Client(port, path, body)
        mine = []
        bad = 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            status, _ = client.post()
            mine.append(time.perf_counter() - started)
            bad += status != 200
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    millis = np.array(latencies) * 1000
    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "p50": float(np.percentile(millis, 50)),
            "p99": float(np.percentile(millis, 99)), "failures": failures[0]}


def round_trips(port: int) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/monitoring/prometheus/metrics")
    text = connection.getresponse().read().decode()
    match = re.search(r'^pmmlkit_serving_feature_round_trips_total\{model="rank_redis"\} ([0-9.e+]+)$', text, re.M)
    return float(match.group(1)) if match else 0.0


def rank_requests(serve_port: int, inline: list[dict[str, float]], args: argparse.Namespace) -> dict[str, dict]:
    bodies = {
        "rank_redis": {"context": {"user_id": 1}, "candidates": [{"item_id": i} for i in range(CANDIDATES)],
                       "top_k": 20, "by": "probability(1)"},
        "rank_inline": {"candidates": inline, "top_k": 20, "by": "probability(1)"},
    }
    answers = {}
    for name, body in bodies.items():
        encoded = json.dumps(body).encode()
        path = f"/v1/models/{name}:rank"
        status, text = Client(serve_port, path, encoded).post()
        if status != 200:
            raise SystemExit(f"{name}: {status} {text[:300]!r}")
        answers[name] = json.loads(text)
        run_load(serve_port, path, encoded, 1, 2.0)  # warm-up: the JIT, the pools
        before = round_trips(serve_port)
        alone = run_load(serve_port, path, encoded, 1, args.seconds)
        trips = (round_trips(serve_port) - before) / alone["requests"]
        loaded = run_load(serve_port, path, encoded, args.connections, args.seconds)
        answers[name + "_figures"] = {"alone": alone, "loaded": loaded, "round_trips": trips,
                                      "body_bytes": len(encoded)}
    same = [r["index"] for r in answers["rank_redis"]["results"]] == [r["index"] for r in
                                                                     answers["rank_inline"]["results"]]
    scores = np.array([r["score"] for r in answers["rank_redis"]["results"]])
    inline_scores = np.array([r["score"] for r in answers["rank_inline"]["results"]])
    answers["agree"] = bool(same and np.allclose(scores, inline_scores, rtol=1e-9, atol=0))
    return answers


def precompute(folder: Path, pmml: Path, redis_port: int) -> dict[str, float]:
    import redis

    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"user_id": rng.integers(0, 20_000, PRECOMPUTE_ROWS), "item_id": np.arange(PRECOMPUTE_ROWS),
                          "affinity": rng.normal(0, 8, PRECOMPUTE_ROWS), "similarity": rng.uniform(-1, 1, PRECOMPUTE_ROWS),
                          "age": rng.integers(18, 80, PRECOMPUTE_ROWS).astype(float),
                          "price": rng.uniform(1, 100, PRECOMPUTE_ROWS),
                          "popularity": rng.exponential(1.0, PRECOMPUTE_ROWS)})
    table = folder / "rows.parquet"
    frame.to_parquet(table)
    url = f"redis://127.0.0.1:{redis_port}/1"
    argv = ["score", str(pmml), str(table), "--to-redis", url, "--key", "rec:{user_id}:{item_id}"]
    cli(argv)  # warm-up: the JVM, the JIT
    started = time.perf_counter()
    cli(argv)
    command = time.perf_counter() - started
    scored = pd.concat([frame, pmmlkit.load(pmml).predict(frame)], axis=1)
    outputs = tuple(c for c in scored.columns if c not in frame.columns)
    writer = RedisWriter(RedisTarget(url, "rec:{user_id}:{item_id}", values=outputs))
    started = time.perf_counter()
    writer.write(scored)
    count = writer.close()
    write = time.perf_counter() - started
    top = ["score", str(pmml), str(table), "--to-redis", url, "--key", "top:{user_id}", "--group-by", "user_id",
           "--rank-by", outputs[-1], "--member", "item_id", "--top-k", "50"]
    started = time.perf_counter()
    cli(top)
    grouped = time.perf_counter() - started
    keys = redis.Redis(port=redis_port, db=1).dbsize()
    return {"rows": PRECOMPUTE_ROWS, "command_keys_per_s": PRECOMPUTE_ROWS / command,
            "write_keys_per_s": count.keys / write, "top_k_seconds": grouped, "keys_in_db": keys}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring time per case (default 5)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections (default 4)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pmmlkit-bench-online-"))
    redis_process, redis_port = start_redis(folder)
    serve = None
    try:
        pmml = write_model(folder)
        inline = fill_redis(redis_port)
        serve_port = free_port()
        serve = subprocess.Popen([sys.executable, "-m", "pmmlkit", "serve", "--model-config-file",
                                  str(config(folder, pmml, redis_port)), "--host", "127.0.0.1", "--port",
                                  str(serve_port), "--file-system-poll-wait-seconds", "0"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

        def ready() -> bool:
            connection = http.client.HTTPConnection("127.0.0.1", serve_port, timeout=5)
            connection.request("GET", "/v1/health/ready")
            return connection.getresponse().status == 200

        wait_for(ready, "pmmlkit serve")
        answers = rank_requests(serve_port, inline, args)
        print(f":rank, 1 user + {CANDIDATES} candidates, {DIM}-dim embeddings, top_k 20 "
              f"({args.seconds:g} s per case, after a 2 s warm-up)")
        print(f"{'case':<44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
        for name, label in (("rank_redis", "features looked up in Redis"), ("rank_inline", "all features inline")):
            figures = answers[name + "_figures"]
            for mode, text in (("alone", "1 connection"), ("loaded", f"{args.connections} connections")):
                f = figures[mode]
                print(f"{label + ', ' + text:<44} {f['rps']:>8.0f} {f['p50']:>8.2f} {f['p99']:>8.2f}"
                      + (f"   ({f['failures']} failed)" if f["failures"] else ""))
        redis_figures = answers["rank_redis_figures"]
        print(f"Redis round trips per rank request: {redis_figures['round_trips']:.2f} (target <= 3); request body "
              f"{redis_figures['body_bytes']} bytes vs {answers['rank_inline_figures']['body_bytes']} inline")
        print(f"the two rankings agree (same top 20, scores to 1e-9): {answers['agree']}")
        alone_p99 = redis_figures["alone"]["p99"]
        print(f"p99 on one connection {alone_p99:.2f} ms (target <= 25 ms): "
              f"{'met' if alone_p99 <= 25 else 'NOT met'}")
        figures = precompute(folder, pmml, redis_port)
        print(f"precompute, {figures['rows']} rows as hashes: pmmlkit score --to-redis (read, score, write) "
              f"{figures['command_keys_per_s']:,.0f} keys/s; the write alone {figures['write_keys_per_s']:,.0f} "
              f"keys/s (target >= 50,000); top-50 per user for 20,000 users: {figures['top_k_seconds']:.2f} s")
        return 0
    finally:
        if serve is not None:
            serve.terminate()
            try:
                serve.wait(timeout=20)
            except subprocess.TimeoutExpired:
                serve.kill()
        redis_process.terminate()
        redis_process.wait(timeout=20)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
