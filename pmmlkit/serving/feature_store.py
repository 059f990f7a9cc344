"""Reading features from Redis for one request: every lookup of the request in one round trip.

All the keys a request needs (hash fields by ``HMGET``, one per distinct hash key; string keys and
vectors by ``MGET``) go to Redis as one call of a small read-only Lua script (LOOKUP_SCRIPT) that
runs those commands and answers with one nested reply: one round trip, however many candidates,
and one reply for the client to parse (a pipeline of 500 ``HMGET`` would cost 500 replies' worth of
client-side work). When Redis has lost the script (a restart), it is loaded again, once. Each worker keeps one connection pool per Redis URL (and event loop), with connect and
read timeouts and no retries, and the whole lookup runs under ``timeout``: an unreachable or slow
Redis answers 503 within it, is counted in ``pmmlkit_serving_feature_store_errors``, and the next
request simply tries again on a fresh connection (recovery needs nothing else). Values are kept
between requests only when ``cache_seconds`` is set.

redis-py is imported lazily: it is in the ``serve`` extra, but a server without feature sources
never needs it.
"""

from __future__ import annotations

import asyncio
import logging
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

log = logging.getLogger("pmmlkit.serve")
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
            if _is_timeout(exc):
                raise self._unavailable("timeout", f"the feature store (Redis at {self._where()}) did not answer "
                                                   f"within {self.options.timeout:g} s ({exc})") from None
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
        from redis.exceptions import NoScriptError, ResponseError  # lazily, as below

        client = _client(self.options)
        # Hash keys grouped by their list of fields (one group per hash template, usually).
        groups: dict[tuple[str, ...], list[str]] = {}
        for name, fields in hashes.items():
            groups.setdefault(tuple(fields), []).append(name)
        arguments: list[Any] = [len(groups)]
        names: list[str] = []
        for fields, members in groups.items():
            arguments += [len(members), len(fields), *fields]
            names += members
        all_keys = [*names, *keys]
        self._lookups.inc(len(all_keys))
        sha = _SCRIPT_SHA.get(id(client))
        for _ in range(2):  # a second time only when Redis lost the script (a restart, SCRIPT FLUSH)
            if sha is None:
                self._round_trips.inc()
                sha = _SCRIPT_SHA[id(client)] = await client.script_load(LOOKUP_SCRIPT)
            self._round_trips.inc()
            try:
                reply = await client.evalsha(sha, len(all_keys), *all_keys, *arguments)
                break
            except NoScriptError:
                sha = None
            except ResponseError as exc:
                return [exc] * (len(hashes) + (1 if keys else 0))
        else:
            raise RequestError("the feature store keeps losing its lookup script (SCRIPT FLUSH?)", 503)
        answers = dict(zip(names, reply[:len(names)]))
        out: list[Any] = [answers[name] for name in hashes]
        if keys:
            out.append(reply[len(names)])
        return out

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
_SCRIPT_SHA: dict[int, str] = {}

# KEYS: the hash keys, group after group, then the string keys. ARGV: the number of groups, then
# per group its number of keys, its number of fields and the fields. Answers one HMGET reply per
# hash key, then one list for the string keys (MGET in slices: Lua's unpack has a stack limit).
LOOKUP_SCRIPT = """
local out, k, a = {}, 1, 2
for g = 1, tonumber(ARGV[1]) do
  local nkeys, nfields = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  for i = 1, nkeys do
    out[#out + 1] = redis.call('HMGET', KEYS[k], unpack(ARGV, a + 2, a + 1 + nfields))
    k = k + 1
  end
  a = a + 2 + nfields
end
if k <= #KEYS then
  local values = {}
  local s = k
  while s <= #KEYS do
    local e = math.min(s + 999, #KEYS)
    local part = redis.call('MGET', unpack(KEYS, s, e))
    for i = 1, #part do values[#values + 1] = part[i] end
    s = e + 1
  end
  out[#out + 1] = values
end
return out
"""


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


async def warm_up(stores: list[FeatureStore]) -> None:
    """Connect and load the lookup script before the first request (at startup), so that it pays
    neither; a Redis that is not there yet is only logged: requests answer 503 until it is."""
    for store in stores:
        client = _client(store.options)
        if id(client) in _SCRIPT_SHA:
            continue
        try:
            _SCRIPT_SHA[id(client)] = await asyncio.wait_for(client.script_load(LOOKUP_SCRIPT),
                                                             max(store.options.timeout, 5.0))
        except Exception as exc:  # any failure here is the first request's to report
            log.warning("model %s: the feature store (Redis at %s) is not ready yet: %s", store.model,
                        store._where(), exc)


async def close_clients() -> None:
    """Close this worker's pools (at shutdown)."""
    loop = id(asyncio.get_running_loop())
    for key in [k for k in _CLIENTS if k[1] == loop]:
        client = _CLIENTS.pop(key)
        try:
            await client.aclose(close_connection_pool=True)
        except Exception:  # closing a pool to a Redis that went away: nothing to do
            pass


def _is_timeout(exc: BaseException) -> bool:
    from redis.exceptions import TimeoutError as RedisTimeout  # lazily, as above

    return isinstance(exc, (RedisTimeout, TimeoutError))


def _is_redis_error(exc: BaseException) -> bool:
    from redis.exceptions import RedisError  # lazily, as above

    return isinstance(exc, (RedisError, OSError))
