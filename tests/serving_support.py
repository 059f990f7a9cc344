"""Running `pmmlkit serve` for tests: a real server process on loopback, on a free port, always
stopped at the end; the half_plus_two document and a large synthetic forest; a small HTTP client
and raw-socket requests (for clients that send slowly or go away); and an in-process client of an
app (:func:`asgi_client`)."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from documents import field, pmml, regression

START_SECONDS = 120.0


def half_plus_two(intercept: float = 2.0, verification: list[tuple[float, float]] | None = None) -> str:
    """y = 0.5 x + intercept; ``verification`` rows (x, y) become a ModelVerification block."""
    rows = "".join(f"<row><x>{x!r}</x><y>{y!r}</y></row>" for x, y in verification or [])
    block = (f'<ModelVerification recordCount="{len(verification)}" fieldCount="2"><VerificationFields>'
             '<VerificationField field="x"/><VerificationField field="y"/></VerificationFields>'
             f"<InlineTable>{rows}</InlineTable></ModelVerification>") if verification else ""
    return regression([field("x")], '<NumericPredictor name="x" coefficient="0.5"/>', intercept=str(intercept),
                      verification=block, model_name="half_plus_two", description=f"y = 0.5 x + {intercept}",
                      declaration=True)


def forest(trees: int = 70, depth: int = 10, seed: int = 0) -> str:
    """A random regression forest of ``trees`` full trees of ``depth`` levels (about 13 MB with the
    defaults, the size of a 100-tree scikit-learn forest), built as text in well under a second.
    Level i of every tree splits on x<i>, so no node contradicts its ancestors."""
    rng = random.Random(seed)
    names = [f"x{i}" for i in range(depth)]
    fields = "".join(f'<DataField name="{n}" optype="continuous" dataType="double"/>' for n in names)
    mining = "".join(f'<MiningField name="{n}"/>' for n in names)
    parts = [f'<DataDictionary numberOfFields="{depth + 1}">{fields}'
             '<DataField name="y" optype="continuous" dataType="double"/></DataDictionary>'
             f'<MiningModel functionName="regression"><MiningSchema>{mining}'
             '<MiningField name="y" usageType="target"/></MiningSchema><Segmentation multipleModelMethod="average">']

    def node(level: int, predicate: str) -> None:
        if level == depth:
            parts.append(f'<Node score="{rng.uniform(-1, 1):.6f}">{predicate}</Node>')
            return
        name, value = names[level], f"{rng.uniform(-1, 1):.6f}"
        parts.append(f"<Node>{predicate}")
        node(level + 1, f'<SimplePredicate field="{name}" operator="lessOrEqual" value="{value}"/>')
        node(level + 1, f'<SimplePredicate field="{name}" operator="greaterThan" value="{value}"/>')
        parts.append("</Node>")

    for tree in range(trees):
        parts.append(f'<Segment id="{tree + 1}"><True/><TreeModel functionName="regression" '
                     f'noTrueChildStrategy="returnLastPrediction"><MiningSchema>{mining}</MiningSchema>')
        node(0, "<True/>")
        parts.append("</TreeModel></Segment>")
    parts.append("</Segmentation></MiningModel>")
    return pmml("".join(parts), "a synthetic forest", declaration=True)


def resident_megabytes(pid: int) -> float:
    """The resident set size of process ``pid`` (Linux), the JVM's heap and code included."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def add_version(base: Path, version: int, text: str, name: str = "model.pmml") -> Path:
    """Write a version folder whole: built under a hidden name, then renamed into place."""
    staging = base / f".staging-{version}"
    staging.mkdir(parents=True)
    (staging / name).write_text(text, encoding="utf-8")
    os.rename(staging, base / str(version))
    return base / str(version) / name


@contextlib.asynccontextmanager
async def asgi_client(app: Any, **options: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to ``app`` in this process, without a socket, inside the app's lifespan
    (its models loaded at the start, its pollers stopped at the end). ``options`` go to the client."""
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", **options) as client:
        yield client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    log: Path

    def request(self, path: str, body: Any = None, method: str | None = None, raw: bytes | None = None,
                timeout: float = 30.0) -> Answer:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                status, text, headers = answer.status, answer.read(), dict(answer.headers)
        except urllib.error.HTTPError as error:
            status, text, headers = error.code, error.read(), dict(error.headers)
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = text.decode("utf-8", "replace")
        return Answer(status, parsed, headers)

    def post(self, path: str, body: Any) -> Answer:
        return self.request(path, body, "POST")

    def get(self, path: str) -> Answer:
        return self.request(path)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def connect(self, timeout: float = 60.0) -> socket.socket:
        """A raw connection to the server, for requests sent by hand."""
        host, port = self.url.rsplit("/", 1)[1].split(":")
        return socket.create_connection((host, int(port)), timeout=timeout)

    def metric(self, name: str, **labels: str) -> float:
        """The sum of the samples of ``name`` whose labels include ``labels`` (0 if none)."""
        total = 0.0
        for line in self.get("/monitoring/prometheus/metrics").body.splitlines():
            if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
                total += float(line.rsplit(" ", 1)[1])
        return total


def post_head(path: str, length: int, expect_continue: bool = False) -> bytes:
    """The head of a POST with a JSON body of ``length`` bytes (the body is sent separately).
    With ``expect_continue``, the server says "100 Continue" once the app starts reading the body:
    proof that the request is in the app's hands."""
    expect = "Expect: 100-continue\r\n" if expect_continue else ""
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n{expect}\r\n").encode()


def read_until(sock: socket.socket, marker: bytes) -> bytes:
    """Bytes from ``sock`` up to and including ``marker`` (or all of them, if it closes first)."""
    data = b""
    while marker not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def read_to_close(sock: socket.socket) -> bytes:
    """Everything ``sock`` receives until the server closes it (socket.timeout if it never does)."""
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:  # closed with bytes of ours unread: a close all the same
            return data
        if not chunk:
            return data
        data += chunk


@contextlib.contextmanager
def running_server(args: list[str], log: Path, env: dict[str, str] | None = None,
                   port_flag: str = "--port") -> Iterator[Server]:
    """`pmmlkit serve ARGS --port P` on 127.0.0.1, ready (every model serving) when yielded."""
    port = free_port()
    with open(log, "wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "pmmlkit", "serve", *args, "--host", "127.0.0.1",
                                    port_flag, str(port)], stdout=sink, stderr=subprocess.STDOUT,
                                   env={**os.environ, **(env or {})}, start_new_session=True)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the server exited ({process.returncode}):\n{server.log_text()}")
            with contextlib.suppress(OSError):
                if server.get("/v1/health/ready").status == 200:
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"the server was not ready in {START_SECONDS:.0f} s:\n{server.log_text()}")
            time.sleep(0.2)
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Stop the server and its workers (its own process group)."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)
