"""A real redis-server for tests: ``from redis_support import redis_server`` in a test module.

Each test process (each xdist worker included) starts its own ephemeral server on a free loopback
port (no persistence: ``--save "" --appendonly no``) once per session and stops it at the end, so
tests under ``pytest -n 2 --dist loadgroup`` never share one. A test that stops or pauses Redis
starts a :class:`RedisServer` of its own instead of disturbing the shared one, and a module that
flushes or overwrites keys uses a database number of its own (see DATABASES).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from serving_support import free_port

START_SECONDS = 20.0
# The database each test module uses on the shared server (0 for the online-features tests).
DATABASES = {"precompute": 1, "spark": 2, "readme": 3, "routes": 4}


@dataclass
class RedisServer:
    """One redis-server process on 127.0.0.1:``port``; :meth:`start` again after :meth:`stop` reuses the port."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    folder: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="pmmlkit-redis-"))

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def url_of(self, db: int) -> str:
        """One of Redis' numbered databases: test modules that flush keep to their own."""
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        executable = shutil.which("redis-server")
        if executable is None:
            pytest.skip("redis-server is not installed (make redis, or apt-get install redis-server)")
        self.process = subprocess.Popen(
            [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.folder, "--protected-mode", "no", "--loglevel", "warning", "--enable-debug-command",
             "local"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                if self.client().ping():
                    return self
            except Exception:  # not listening yet
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def client(self, **options: Any) -> Any:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=2, socket_timeout=10, **options)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def running_redis() -> Iterator[RedisServer]:
    """A private redis-server for one test (one that stops, restarts or pauses it)."""
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    pytest.importorskip("redis")
    with running_redis() as server:
        yield server
