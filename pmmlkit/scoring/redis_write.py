"""Precompute into Redis: scored rows written as keys, for a plain lookup at request time.

One writer serves ``pmmlkit score --to-redis`` and the Spark executors (scoring/spark.py's
``write_redis``), with the same key templates as the server's feature lookups (key_templates.py):

- **rows** (no ``group_by``): each row's ``values`` under ``key`` filled from the row, as a hash
  (one field per value; a missing value is no field) or as JSON text (missing values are null);
- **groups** (``group_by``, ``rank_by``, ``member``): per group, its ``top_k`` rows by
  ``rank_by`` (highest first; ties keep the row order; rows without a score are left out and
  counted), as a sorted set (member -> score) or a list of members, best first.

Writes go in batches of keys, each batch one call of a small Lua script (REPLACE_SCRIPT): atomic
like MULTI/EXEC, one command and one reply per batch. Every key is replaced whole (DEL, then the
new content, then its TTL), so a reader never sees half of one, and re-running a job, or running
again one that failed half-way, overwrites what it wrote. Numbers are written in their
shortest exact text (``repr``), which ``float()`` reads back to the same double.

redis-py is imported lazily: it is an optional extra (``pmmlkit[redis]``).
"""

from __future__ import annotations

import heapq
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import PMMLError
from ..key_templates import KeyTemplate, key_text

FORMATS = ("hash", "json")
GROUP_TYPES = ("zset", "list")
BATCH_KEYS = 2000


@dataclass(frozen=True)
class RedisTarget:
    """Where and how scored rows go. ``values``: the columns written per row (None: all but the key's)."""

    url: str
    key: str
    format: str = "hash"
    ttl: int | None = None
    values: tuple[str, ...] | None = None
    group_by: tuple[str, ...] = ()
    rank_by: str | None = None
    member: str | None = None
    top_k: int | None = None
    group_as: str = "zset"

    def check(self, columns: list[str] | None = None) -> KeyTemplate:
        """The parsed key template; PMMLError for a target that cannot work (naming the column)."""
        template = KeyTemplate.parse(self.key, "--key")
        if not template.names:
            raise PMMLError(f"--key {self.key!r} has no {{column}} placeholder: every row (or group) would write "
                            "the same key")
        if self.format not in FORMATS:
            raise PMMLError(f"value format {self.format!r}: use one of {FORMATS}")
        if self.ttl is not None and self.ttl < 1:
            raise PMMLError(f"--ttl {self.ttl}: give a whole number of seconds, at least 1")
        if self.group_by:
            if self.rank_by is None or self.member is None:
                raise PMMLError("--group-by needs --rank-by (the output to sort on) and --member (the column whose "
                                "value each group lists)")
            if self.group_as not in GROUP_TYPES:
                raise PMMLError(f"group type {self.group_as!r}: use one of {GROUP_TYPES}")
            outside = [n for n in template.names if n not in self.group_by]
            if outside:
                raise PMMLError(f"--key {self.key!r} uses {outside}, which are not --group-by columns: one key per "
                                "group can only be made of the group's own values")
            if self.top_k is not None and self.top_k < 1:
                raise PMMLError(f"--top-k {self.top_k}: give at least 1")
        elif self.rank_by is not None or self.top_k is not None or self.member is not None:
            raise PMMLError("--rank-by, --member and --top-k go with --group-by")
        if columns is not None:
            needed = [*template.names, *self.group_by, *([self.rank_by, self.member] if self.group_by else []),
                      *(self.values or ())]
            absent = [n for n in dict.fromkeys(needed) if n not in columns]
            if absent:
                raise PMMLError(f"column(s) {absent} are not in the scored table (columns: {columns}); the key "
                                "template, --group-by, --rank-by and --member name input or output columns")
        return template


@dataclass
class WriteCount:
    keys: int = 0  # keys written (rows, or groups)
    rows: int = 0  # rows read
    overwritten: int = 0  # rows whose key an earlier row of this run had written (row mode)
    unranked: int = 0  # rows left out of their group: no score, or no member
    keyless: int = 0  # rows whose key could not be made (a key column is missing)
    empty: int = 0  # rows (hash mode) with no output value: Redis keeps no empty hash, so no key

    def add(self, other: WriteCount) -> None:
        for name in ("keys", "rows", "overwritten", "unranked", "keyless", "empty"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def to_dict(self) -> dict[str, int]:
        return {"keys": self.keys, "rows": self.rows, "overwritten": self.overwritten, "unranked": self.unranked,
                "keyless": self.keyless, "empty": self.empty}


@dataclass
class RedisWriter:
    """Writes frames of scored rows to ``target``; :meth:`close` writes the groups and returns the count."""

    target: RedisTarget
    client: Any = None
    count: WriteCount = field(default_factory=WriteCount)

    def __post_init__(self) -> None:
        self.template = self.target.check()
        if self.client is None:
            self.client = connect(self.target.url)
        self._seen: set[str] = set()
        self._groups: dict[str, list[tuple[float, int, str]]] = {}  # key -> heap of (score, -order, member)
        self._order = 0
        self._sha: Any = None

    def __enter__(self) -> RedisWriter:
        return self

    def __exit__(self, kind: Any, *rest: Any) -> None:
        if kind is None:
            self.close()

    def write(self, frame: pd.DataFrame) -> None:
        self.count.rows += len(frame)
        keys = self._keys(frame)
        if self.target.group_by:
            self._collect(frame, keys)
        else:
            self._write_rows(frame, keys)

    def close(self) -> WriteCount:
        if self.target.group_by:
            self._write_groups()
        return self.count

    # -- rows ------------------------------------------------------------------------------------
    def _keys(self, frame: pd.DataFrame) -> list[str | None]:
        # Column by column (the template's rule for each value is key_text), then one str.format per row.
        return self.template.fill_columns({name: _key_texts(frame[name]) for name in self.template.names})

    def _write_rows(self, frame: pd.DataFrame, keys: list[str | None]) -> None:
        target = self.target
        names = list(target.values) if target.values else [c for c in frame.columns if c not in self.template.names]
        as_json = target.format == "json"
        columns = [_cells(frame[name]) if as_json else _value_texts(frame[name]) for name in names]
        encoded = [name.encode() for name in names]
        batch: list[bytes] = []
        queued = 0
        for key, row in zip(keys, zip(*columns) if columns else [()] * len(keys)):
            if key is None:
                self.count.keyless += 1
                continue
            if key in self._seen:
                self.count.overwritten += 1
            else:
                self._seen.add(key)
            batch.append(key.encode())
            stored = True
            if as_json:
                batch.append(json.dumps(dict(zip(names, row)), separators=(",", ":"), allow_nan=False).encode())
            else:
                pairs = [part for name, value in zip(encoded, row) if value is not None
                         for part in (name, value)]
                batch.append(b"%d" % (len(pairs) // 2))
                batch.extend(pairs)
                stored = bool(pairs)  # none: the script still deletes what an earlier run wrote there
            if stored:
                self.count.keys += 1
            else:
                self.count.empty += 1
            queued += 1
            if queued >= BATCH_KEYS:
                self._send("string" if as_json else "hash", batch)
                batch, queued = [], 0
        if queued:
            self._send("string" if as_json else "hash", batch)

    # -- groups ----------------------------------------------------------------------------------
    def _collect(self, frame: pd.DataFrame, keys: list[str | None]) -> None:
        scores = _cells(frame[self.target.rank_by])
        members = _cells(frame[self.target.member])
        top_k = self.target.top_k
        for key, score, member in zip(keys, scores, members):
            self._order += 1
            if key is None:
                self.count.keyless += 1
                continue
            if score is None or member is None or type(score) is bool or not isinstance(score, (int, float)):
                self.count.unranked += 1
                continue
            heap = self._groups.setdefault(key, [])
            entry = (float(score), -self._order, _text(member))
            if top_k is None or len(heap) < top_k:
                heapq.heappush(heap, entry)
            elif entry > heap[0]:
                heapq.heapreplace(heap, entry)

    def _write_groups(self) -> None:
        as_zset = self.target.group_as == "zset"
        batch: list[bytes] = []
        queued = 0
        for key, heap in self._groups.items():
            best = sorted(heap, reverse=True)
            batch.append(key.encode())
            batch.append(b"%d" % len(best))
            for score, _, member in best:
                if as_zset:
                    batch.append(repr(score).encode())
                batch.append(member.encode())
            self.count.keys += 1
            queued += len(best) + 1
            if queued >= BATCH_KEYS * 4:
                self._send(self.target.group_as, batch)
                batch, queued = [], 0
        if queued:
            self._send(self.target.group_as, batch)
        self._groups.clear()

    def _send(self, mode: str, batch: list[bytes]) -> None:
        """One EVALSHA of REPLACE_SCRIPT over a batch of keys: one command, one reply, atomic."""
        ttl = b"%d" % (self.target.ttl or 0)
        if self._sha is None:
            self._sha = self.client.script_load(REPLACE_SCRIPT)
        payload = _packed([b"EVALSHA", self._sha.encode() if isinstance(self._sha, str) else self._sha, b"0",
                           mode.encode(), ttl, *batch])
        try:
            self._call(payload)
        except Exception as exc:
            if "NOSCRIPT" not in str(exc):
                raise
            self.client.script_load(REPLACE_SCRIPT)  # Redis restarted and forgot the script: once more
            self._call(payload)

    def _call(self, payload: bytes) -> None:
        pool = self.client.connection_pool
        connection = pool.get_connection()
        try:
            connection.send_packed_command([payload])
            connection.read_response()
        except BaseException as exc:
            if "NOSCRIPT" not in str(exc):
                connection.disconnect()  # never hand back a connection with a reply left unread
            raise
        finally:
            pool.release(connection)


# Replaces each key of a batch whole (DEL, new content, EXPIRE), all in one atomic script call.
# ARGV: mode, ttl (0: none), then per key: key and its content -- "string": the value; "hash": n,
# then n field/value pairs; "zset": n, then n score/member pairs; "list": n, then n members.
# Keys come in ARGV, not KEYS: a batch spans many keys, which is fine on one Redis (not a Cluster).
REPLACE_SCRIPT = """
local mode, ttl, n = ARGV[1], tonumber(ARGV[2]), #ARGV
local function add(command, key, first, last, step)
  local s = first
  while s <= last do
    local e = math.min(s + step - 1, last)
    redis.call(command, key, unpack(ARGV, s, e))
    s = e + 1
  end
end
local i = 3
while i <= n do
  local key = ARGV[i]
  redis.call('DEL', key)
  if mode == 'string' then
    redis.call('SET', key, ARGV[i + 1])
    i = i + 2
  else
    local m = tonumber(ARGV[i + 1])
    local width = (mode == 'list') and 1 or 2
    if m > 0 then
      add(mode == 'hash' and 'HSET' or mode == 'zset' and 'ZADD' or 'RPUSH', key, i + 2, i + 1 + width * m, 1000)
    end
    i = i + 2 + width * m
  end
  if ttl > 0 then redis.call('EXPIRE', key, ttl) end
end
return n
"""


def _packed(args: list[bytes]) -> bytes:
    """One command in Redis' wire format (RESP), built directly: redis-py's per-argument packing
    costs more than Redis takes to run the command."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(out)


def connect(url: str) -> Any:
    """A redis-py client for ``url`` (PMMLError when the client is not installed or Redis is unreachable)."""
    try:
        import redis  # lazily: the optional pmmlkit[redis] extra
    except ImportError:
        raise PMMLError("writing to Redis needs the Redis client: pip install 'pmmlkit[redis]'") from None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=60)
        client.ping()
    except (redis.RedisError, ValueError, OSError) as exc:
        raise PMMLError(f"cannot reach Redis at {url.split('@')[-1]}: {exc}") from None
    return client


def _cells(column: pd.Series) -> list[Any]:
    """Plain Python values (None for missing) of one column."""
    values = column.tolist()
    if column.dtype == object or column.dtype.kind == "f" or isinstance(column.dtype, pd.api.extensions.ExtensionDtype):
        return [None if v is None or v is pd.NA or (type(v) is float and math.isnan(v)) else
                v.item() if isinstance(v, np.generic) else v for v in values]
    return values


def _key_texts(column: pd.Series) -> list[str | None]:
    if _plain(column, "iu"):  # numpy integers: never missing (a nullable Int64 can be: key_text says so)
        return [str(v) for v in column.tolist()]
    return [key_text(v) for v in column.tolist()]


def _value_texts(column: pd.Series) -> list[bytes | None]:
    """A column's values as Redis text (None: missing), by the rule of _text."""
    if _plain(column, "f"):
        return [repr(v).encode() if v == v else None for v in column.tolist()]
    if _plain(column, "iu"):
        return [b"%d" % v for v in column.tolist()]
    return [None if v is None else _text(v).encode() for v in _cells(column)]


def _plain(column: pd.Series, kinds: str) -> bool:
    """A numpy column of these kinds: the fast paths. pandas' nullable Int64/Float64 share the kind but
    hold pd.NA, which neither b"%d" nor a NaN test takes: they go the general way, by _cells."""
    return isinstance(column.dtype, np.dtype) and column.dtype.kind in kinds


def _text(value: Any) -> str:
    """A value as Redis text: numbers in their shortest exact form (float() reads them back exactly)."""
    if type(value) is str:
        return value
    if type(value) is float:
        return repr(value)
    if type(value) is bool:
        return "true" if value else "false"
    return str(value)
