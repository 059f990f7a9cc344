"""`pmmlkit score --to-redis`: scored rows written to Redis instead of a table (precompute).

The scoring loop is score_command's; this module adds the flags and the sink that writes each
scored chunk (inputs and outputs side by side, so that keys can be made of input columns) with
pmmlkit.scoring.redis_write.
"""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..errors import PMMLError
from ..scoring.evaluator import Model
from ..scoring.redis_write import FORMATS, GROUP_TYPES, RedisTarget, RedisWriter, WriteCount
from .common import UsageError, bounded


def add_redis_arguments(score: argparse.ArgumentParser) -> None:
    group = score.add_argument_group(
        "precompute into Redis", "Write each row's outputs under a key made from the row (e.g. --key 'rec:{user_id}'), "
        "or with --group-by one ranked key per group; keys are replaced whole, so a re-run overwrites.")
    group.add_argument("--to-redis", metavar="URL", help="write to Redis at URL (redis://HOST:PORT/DB) instead of -o")
    group.add_argument("--key", metavar="TEMPLATE", help="key template over input or output columns, e.g. "
                       "'rec:{user_id}:{item_id}' (with --group-by: over the group columns)")
    group.add_argument("--value-format", choices=FORMATS, default="hash",
                       help="a row's outputs as a hash (a field per output; default) or as JSON text")
    group.add_argument("--ttl", type=bounded(int, 1, 10 * 366 * 86_400, "seconds"), metavar="SECONDS",
                       help="expire the keys after SECONDS (at most ten years)")
    group.add_argument("--group-by", metavar="COLS", help="one key per group of rows (comma-separated columns)")
    group.add_argument("--rank-by", metavar="FIELD", help="the column (usually an output) that ranks a group's rows")
    group.add_argument("--member", metavar="COL", help="the column whose value a group lists (e.g. item_id)")
    group.add_argument("--top-k", type=bounded(int, 1, 1_000_000), metavar="K",
                       help="keep the K best rows of each group (default: all)")
    group.add_argument("--group-as", choices=GROUP_TYPES, default="zset",
                       help="a group as a sorted set member -> score (default) or a list of members, best first")


def redis_target(args: argparse.Namespace, model: Model) -> RedisTarget:
    if args.output:
        raise UsageError("--to-redis writes to Redis: leave out -o")
    if not args.key:
        raise UsageError("--to-redis needs --key, a key template like 'rec:{user_id}'")
    target = RedisTarget(
        url=args.to_redis, key=args.key, format=args.value_format, ttl=args.ttl,
        values=tuple(model.output_names), group_by=tuple(c.strip() for c in args.group_by.split(",") if c.strip())
        if args.group_by else (), rank_by=args.rank_by, member=args.member, top_k=args.top_k, group_as=args.group_as)
    try:
        target.check()
    except PMMLError as exc:
        raise UsageError(str(exc)) from None
    return target


def check_redis_flags(args: argparse.Namespace) -> None:
    """Precompute flags without --to-redis are a mistake, not something to ignore."""
    given = [flag for flag, value in (("--key", args.key), ("--ttl", args.ttl), ("--group-by", args.group_by),
                                      ("--rank-by", args.rank_by), ("--member", args.member),
                                      ("--top-k", args.top_k)) if value is not None]
    if given and not args.to_redis:
        raise UsageError(f"{', '.join(given)} go(es) with --to-redis URL")
    if args.to_redis and getattr(args, "explain", False):  # its columns would be computed, then not written
        raise UsageError("--to-redis writes the model's outputs, not --explain's contribution columns: leave out "
                         "--explain, or write them to a file with -o OUT --explain")
    if args.to_redis and getattr(args, "spark", False):
        raise UsageError("--to-redis scores locally; on Spark, write from the executors with "
                         "pmmlkit.scoring.spark.write_redis(score(df, MODEL), URL, key=...) (README, 'Online features')")


class RedisSink:
    """A TableWriter's stand-in: ``write(frame)`` of inputs + outputs, the count at the end."""

    def __init__(self, target: RedisTarget) -> None:
        self.target = target
        self.writer: RedisWriter | None = None
        self.count = WriteCount()
        self._checked = False

    def __enter__(self) -> RedisSink:
        self.writer = RedisWriter(self.target)
        return self

    def write(self, frame: pd.DataFrame) -> None:
        if not self._checked:
            try:
                self.target.check(list(frame.columns))
            except PMMLError as exc:
                raise UsageError(str(exc)) from None
            self._checked = True
        self.writer.write(frame)

    def __exit__(self, kind: Any, *rest: Any) -> None:
        if kind is None and self.writer is not None:
            self.count = self.writer.close()

    def summary(self) -> dict[str, Any]:
        return {"redis": self.target.url.split("@")[-1], "keys_written": self.count.keys,
                "rows_overwritten": self.count.overwritten, "rows_unranked": self.count.unranked,
                "rows_without_key": self.count.keyless, "rows_without_values": self.count.empty}

    def message(self) -> str:
        c = self.count
        notes = [f"{n} {what}" for n, what in ((c.overwritten, "rows overwrote a key an earlier row wrote"),
                                               (c.unranked, "rows had no score or member and were left out"),
                                               (c.keyless, "rows had a missing key column and were not written"),
                                               (c.empty, "rows had no output value: Redis keeps no empty hash, "
                                                         "so their keys hold nothing"))
                 if n]
        return (f"pmmlkit: wrote {c.keys} keys to {self.target.url.split('@')[-1]}"
                + (f" ({'; '.join(notes)})" if notes else ""))
