"""The test Redis itself: a real, private, ephemeral redis-server per test process."""

from __future__ import annotations

from redis_support import RedisServer, redis_server  # noqa: F401 (a fixture)


def test_redis_server_is_real_and_ephemeral(redis_server: RedisServer) -> None:  # noqa: F811
    client = redis_server.client()
    assert client.set("pmmlkit:probe", b"1") and client.get("pmmlkit:probe") == b"1"
    config = client.config_get("save") | client.config_get("appendonly")
    assert config == {"save": "", "appendonly": "no"}
    assert client.info("server")["tcp_port"] == redis_server.port
