"""Reading features from Redis for one request: every lookup of the request in one pipeline.

All the keys a request needs (hash fields by ``HMGET``, one per distinct hash key; string keys and
vectors by one ``MGET``) go to Redis in a single pipeline: one round trip, however many
candidates. Each worker keeps one connection pool per Redis URL (and event loop), with connect and
read timeouts and no retries, and the whole lookup runs under ``timeout``: an unreachable or slow
Redis answers 503 within it, is counted in ``pmmlkit_serving_feature_store_errors``, and the next
request simply tries again on a fresh connection (recovery needs nothing else). Values are kept
between requests only when ``cache_seconds`` is set.

redis-py is imported lazily: it is in the ``serve`` extra, but a server without feature sources
never needs it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from prometheus_client import Counter

from .features import RedisOptions
from .signature import RequestError

ROUND_TRIPS = Counter("pmmlkit_serving_feature_round_trips", "Round trips to the feature store (Redis), by model",
                      ("model",))
LOOKUPS = Counter("pmmlkit_serving_feature_lookups", "Redis keys looked up for requests, by model", ("model",))
STORE_ERRORS = Counter("pmmlkit_serving_feature_store_errors", "Feature lookups that failed: Redis unreachable, "
                       "too slow, or an error answer", ("model", "reason"))

_CACHE_LIMIT = 200_000  # entries; the cache is emptied when full (it only saves round trips)


class FeatureStore:
    """One model version's view of its Redis; the pool underneath is shared per worker and URL."""

    def __init__(self, options: RedisOptions, model: str) -> None:
        self.options = options
        self.model = model
        self._cache: dict[tuple[str, str | None], tuple[float, Any]] = {}
        self._round_trips = ROUND_TRIPS.labels(model)
        self._lookups = LOOKUPS.labels(model)

    async def fetch(self, hashes: dict[str, list[str]], keys: Sequence[str]
                    ) -> tuple[dict[str, list[bytes | None]], dict[str, bytes | None]]:
        """``HMGET`` of each hash key's fields and ``MGET`` of ``keys``, in one round trip."""
        hash_values: dict[str, list[bytes | None]] = {}
        key_values: dict[str, bytes | None] = {}
        if self.options.cache_seconds > 0:
            hashes, keys = self._from_cache(hashes, keys, hash_values, key_values)
        if not hashes and not keys:
            return hash_values, key_values
        try:
            answers = await asyncio.wait_for(self._pipeline(hashes, keys), self.options.timeout)
        except (asyncio.TimeoutError, TimeoutError):
            raise self._unavailable("timeout", f"the feature store (Redis at {self._where()}) did not answer "
                                               f"within {self.options.timeout:g} s") from None
        except Exception as exc:  # redis-py's ConnectionError and OSErrors: unreachable
            if not _is_redis_error(exc):
                raise
            raise self._unavailable("unreachable", f"the feature store (Redis at {self._where()}) is not "
                                                   f"reachable: {exc}") from None
        names = list(hashes)
        for name, answer in zip(names, answers):
            self._check_answer(answer, f"HMGET {name}")
            hash_values[name] = list(answer)
        if keys:
            answer = answers[len(names)]
            self._check_answer(answer, f"MGET of {len(keys)} keys")
            key_values.update(zip(keys, answer))
        if self.options.cache_seconds > 0:
            self._remember(hashes, keys, hash_values, key_values)
        return hash_values, key_values

    async def _pipeline(self, hashes: dict[str, list[str]], keys: Sequence[str]) -> list[Any]:
        client = _client(self.options)
        pipe = client.pipeline(transaction=False)
        for name, fields in hashes.items():
            pipe.hmget(name, fields)
        if keys:
            pipe.mget(list(keys))
        self._round_trips.inc()
        self._lookups.inc(len(hashes) + len(keys))
        return await pipe.execute(raise_on_error=False)

    def _check_answer(self, answer: Any, command: str) -> None:
        if isinstance(answer, Exception):
            STORE_ERRORS.labels(self.model, "error").inc()
            raise RequestError(f"the feature store answered {command} with an error: {answer} (check the key "
                               "types the features config expects)", 502)

    def _unavailable(self, reason: str, message: str) -> RequestError:
        STORE_ERRORS.labels(self.model, reason).inc()
        return RequestError(message, 503)

    def _where(self) -> str:
        return self.options.url.split("@")[-1]  # never a password

    # -- the optional cache ----------------------------------------------------------------------
    def _from_cache(self, hashes: dict[str, list[str]], keys: Sequence[str], hash_values: dict[str, Any],
                    key_values: dict[str, Any]) -> tuple[dict[str, list[str]], list[str]]:
        now = time.monotonic()
        cache = self._cache
        left_hashes = {}
        for name, fields in hashes.items():
            hit = cache.get((name, None))
            if hit is not None and hit[0] > now and all(f in hit[1] for f in fields):
                hash_values[name] = [hit[1][f] for f in fields]
            else:
                left_hashes[name] = fields
        left_keys = []
        for name in keys:
            hit = cache.get((name, ""))
            if hit is not None and hit[0] > now:
                key_values[name] = hit[1]
            else:
                left_keys.append(name)
        return left_hashes, left_keys

    def _remember(self, hashes: dict[str, list[str]], keys: Sequence[str], hash_values: dict[str, Any],
                  key_values: dict[str, Any]) -> None:
        if len(self._cache) > _CACHE_LIMIT:
            self._cache.clear()
        expires = time.monotonic() + self.options.cache_seconds
        for name, fields in hashes.items():
            self._cache[(name, None)] = (expires, dict(zip(fields, hash_values[name])))
        for name in keys:
            self._cache[(name, "")] = (expires, key_values[name])


# One client (and connection pool) per worker, Redis URL and event loop.
_CLIENTS: dict[tuple[RedisOptions, int], Any] = {}


def _client(options: RedisOptions) -> Any:
    import redis.asyncio as aioredis  # lazily: the serve extra's client, needed only with feature sources
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    loop = asyncio.get_running_loop()
    key = (options, id(loop))
    client = _CLIENTS.get(key)
    if client is None:
        # No retries: a failure answers 503 within the timeout, and the next request reconnects.
        pool = aioredis.BlockingConnectionPool.from_url(
            options.url, max_connections=options.max_connections, timeout=options.timeout,
            socket_connect_timeout=options.connect_timeout, socket_timeout=options.timeout,
            retry=Retry(NoBackoff(), 0))
        client = _CLIENTS[key] = aioredis.Redis(connection_pool=pool)
    return client


async def close_clients() -> None:
    """Close this worker's pools (at shutdown)."""
    loop = id(asyncio.get_running_loop())
    for key in [k for k in _CLIENTS if k[1] == loop]:
        client = _CLIENTS.pop(key)
        try:
            await client.aclose(close_connection_pool=True)
        except Exception:  # closing a pool to a Redis that went away: nothing to do
            pass


def _is_redis_error(exc: BaseException) -> bool:
    from redis.exceptions import RedisError  # lazily, as above

    return isinstance(exc, (RedisError, OSError))
