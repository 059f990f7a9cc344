"""The test Redis itself: a real, private, ephemeral redis-server per test process."""

from __future__ import annotations

from redis_support import RedisServer, redis_server  # noqa: F401 (a fixture)


def test_redis_server_is_real_and_ephemeral(redis_server: RedisServer) -> None:  # noqa: F811
    client = redis_server.client()
    assert client.set("pmmlkit:probe", b"1") and client.get("pmmlkit:probe") == b"1"
    config = client.config_get("save") | client.config_get("appendonly")
    assert config == {"save": "", "appendonly": "no"}
    assert client.info("server")["tcp_port"] == redis_server.port


def test_demo_says_how_to_get_redis_when_it_is_missing(tmp_path, monkeypatch) -> None:
    from pmmlkit import demo_online

    monkeypatch.setenv("PATH", str(tmp_path))  # no redis-server on it
    ok, message = demo_online.run(tmp_path)
    assert ok is None and "make redis" in message and "redis-server --port" in message
