"""Serving throughput and latency: `pmmlkit serve` (on PMML4S and on the native engine) against a
minimal FastAPI wrapper around pypmml, all driven by wrk on loopback in the same run.

    make bench-serve            # installs wrk (apt-get) and the bench extra, then runs this
    .venv/bin/python benchmarks/serve.py [--connections 50] [--seconds 10] [--workers 1]

The model is a scaler + logistic regression on 20 numeric inputs; every request scores one
record. Each server is warmed with a short wrk run first, then measured. The script prints
requests/s and p50/p99 latency per server, and whether pmmlkit reached 5x the wrapper's
throughput with p99 <= 20 ms; it measures and reports, it does not fail on a figure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pandas as pd
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import pmmlkit

HERE = Path(__file__).resolve().parent
FEATURES = 20
LUA = """wrk.method = "POST"
wrk.body = [[{body}]]
wrk.headers["Content-Type"] = "application/json"
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_model(folder: Path) -> tuple[Path, dict[str, float]]:
    X, y = make_classification(n_samples=2000, n_features=FEATURES, n_informative=10, random_state=0)
    frame = pd.DataFrame(X, columns=[f"x{i + 1}" for i in range(FEATURES)])
    estimator = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(frame, y)
    path = folder / "lr" / "1" / "model.pmml"
    path.parent.mkdir(parents=True)
    pmmlkit.convert(estimator, frame, verification=frame.head(5)).save(path)
    return path, {k: float(v) for k, v in frame.iloc[0].items()}


def wait_until(url: str, process: subprocess.Popen, seconds: float = 120.0, body: bytes | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with code {process.returncode}")
        try:
            request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def wrk(url: str, body: str, connections: int, seconds: int, threads: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA.format(body=body))
    try:
        out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
                              "-s", script.name, url], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    return parse_wrk(out)


def parse_wrk(out: str) -> dict[str, float]:
    def millis(text: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
        return float(number) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]

    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
              "p50": millis(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
              "p99": millis(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))}
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    result["non_2xx"] = float(errors.group(1)) if errors else 0.0
    result["socket_errors"] = socket_errors.group(1) if socket_errors else "none"
    return result


def measure(name: str, command: list[str], env: dict[str, str], ready_url: str, url: str, body: str,
            args: argparse.Namespace) -> dict[str, float]:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(ready_url, process, body=None if ready_url != url else body.encode())
        wrk(url, body, args.connections, 3, args.threads)  # warm-up: JIT, caches, connections
        result = wrk(url, body, args.connections, args.seconds, args.threads)
        # One connection, one request at a time: no queueing in the server, so a p99 far above the
        # p50 here is time the processes spent waiting for a CPU (a busy machine), not serving.
        alone = wrk(url, body, 1, 3, 1)
        result["p50_alone"], result["p99_alone"] = alone["p50"], alone["p99"]
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    print(f"{name:<42} {result['rps']:>10.0f} {result['p50']:>9.2f} {result['p99']:>9.2f}   "
          f"non-2xx {result['non_2xx']:.0f}, socket errors {result['socket_errors']}; one connection: "
          f"p50 {result['p50_alone']:.2f} ms, p99 {result['p99_alone']:.2f} ms", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=1, help="pmmlkit serve worker processes")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run `make bench-serve` (it installs wrk with apt-get)")
    with tempfile.TemporaryDirectory() as tmp:
        path, record = write_model(Path(tmp))
        print(f"single-record logistic regression ({FEATURES} inputs), wrk -t{args.threads} -c{args.connections} "
              f"-d{args.seconds}s on loopback, {os.cpu_count()} cores")
        print(f"{'server':<42} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9}")
        env = {**os.environ, "PMML_PATH": str(path)}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        pypmml = measure("FastAPI + pypmml (1 worker)",
                         [sys.executable, "-m", "uvicorn", "pypmml_fastapi_app:app", "--port", str(port),
                          "--host", "127.0.0.1", "--no-access-log", "--app-dir", str(HERE)],
                         env, f"{base}/predict", f"{base}/predict", json.dumps(record), args)
        workers = f"{args.workers} worker{'s' if args.workers > 1 else ''}"
        results = {}
        for engine in ("pmml4s", "native"):
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            results[engine] = measure(
                f"pmmlkit serve --engine {engine} ({workers})",
                [sys.executable, "-m", "pmmlkit", "serve", "--model-name", "lr", "--model-base-path",
                 str(path.parent.parent), "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
                 "--engine", engine],
                env, f"{base}/v1/health/ready", f"{base}/v1/models/lr:predict", json.dumps({"instances": [record]}),
                args)
    for engine, served in results.items():
        ratio = served["rps"] / pypmml["rps"]
        print(f"pmmlkit ({engine}) / wrapper throughput: {ratio:.1f}x (target >= 5x): "
              f"{'met' if ratio >= 5 else 'NOT met'}; p99 {served['p99']:.2f} ms (target <= 20 ms): "
              f"{'met' if served['p99'] <= 20 else 'NOT met'}")
    print(f"native / PMML4S throughput: {results['native']['rps'] / results['pmml4s']['rps']:.2f}x")
    if hasattr(os, "getloadavg"):
        print(f"load average after the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
