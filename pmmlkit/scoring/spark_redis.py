"""Precompute from Spark: ``pmmlkit.scoring.spark.write_redis(df_scored, url, key=...)``.

The executors write, partition by partition, each with one Redis connection, through the same
writer as ``pmmlkit score --to-redis`` (scoring/redis_write.py: same key templates, hash or JSON
rows, ranked groups, MULTI/EXEC batches, TTL). Rows travel as Arrow batches
(``DataFrame.mapInArrow``); for groups the frame is first repartitioned by the group columns, so
each group is whole in one partition. The counts come back to the driver.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ..io import pandas_from_arrow
from .redis_write import RedisTarget, RedisWriter, WriteCount

_COUNTS = ("keys", "rows", "overwritten", "unranked", "keyless")


def write_redis(df: Any, url: str, key: str, *, value_format: str = "hash", values: Sequence[str] | None = None,
                ttl: int | None = None, group_by: Sequence[str] = (), rank_by: str | None = None,
                member: str | None = None, top_k: int | None = None, group_as: str = "zset") -> WriteCount:
    """Write a scored Spark DataFrame to Redis from the executors and return what was written.

    Rows: each row's ``values`` columns (default: every column the key does not use) under
    ``key`` (a template like ``"rec:{user_id}"``), as a hash or JSON text (``value_format``).
    Groups (``group_by``): one key per group holding its ``top_k`` best ``member`` values by
    ``rank_by``, as a sorted set or a list (``group_as``). ``ttl``: seconds until the keys expire.
    The count's ``overwritten`` is per partition (a key written twice in one partition).
    """
    target = RedisTarget(url=url, key=key, format=value_format, ttl=ttl,
                         values=tuple(values) if values is not None else None, group_by=tuple(group_by),
                         rank_by=rank_by, member=member, top_k=top_k, group_as=group_as)
    template = target.check(list(df.columns))
    if target.group_by:
        needed = list(dict.fromkeys([*target.group_by, target.rank_by, target.member]))
        frame = df.select(*needed).repartition(*target.group_by)
    else:
        chosen = list(values) if values is not None else [c for c in df.columns if c not in template.names]
        target = RedisTarget(**{**target.__dict__, "values": tuple(chosen)})
        frame = df.select(*dict.fromkeys([*template.names, *chosen]))

    def write(batches: Iterator[Any]) -> Iterator[Any]:
        return _write_partition(batches, target)

    counts = frame.mapInArrow(write, ", ".join(f"{name} long" for name in _COUNTS)).collect()
    total = WriteCount()
    for row in counts:
        total.add(WriteCount(**row.asDict()))
    return total


def _write_partition(batches: Iterator[Any], target: RedisTarget) -> Iterator[Any]:
    import pyarrow as pa  # lazily, on the executor: Spark's own Arrow dependency

    writer = RedisWriter(target)  # one connection for the partition
    try:
        for batch in batches:
            writer.write(pandas_from_arrow(batch))
        count = writer.close()
    finally:
        writer.client.close()
    yield pa.RecordBatch.from_pydict({name: [getattr(count, name)] for name in _COUNTS},
                                     schema=pa.schema([(name, pa.int64()) for name in _COUNTS]))
