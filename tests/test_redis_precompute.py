"""Precompute into a real Redis: `pmmlkit score --to-redis` writes 100,000 rows (hash or JSON) and
top-K lists per group, read back and checked against `pmmlkit score` on the same rows; re-runs
overwrite, TTLs hold, and flags that cannot work are refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from redis_support import DATABASES, RedisServer, redis_server  # noqa: F401 (a fixture)
from sklearn.linear_model import LogisticRegression

import pmmlkit
from pmmlkit.cli import main

pytestmark = pytest.mark.xdist_group("redis")
ROWS = 100_000
DB = DATABASES["precompute"]  # flushed here: a database of its own
USERS = 2_000


def rows(count: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"user_id": rng.integers(0, USERS, count), "item_id": np.arange(count),
                         "x1": rng.normal(size=count), "x2": rng.normal(size=count)})


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("precompute")
    train = rows(500, seed=1)
    label = (train["x1"] - 0.5 * train["x2"] > 0).astype(int)
    pmmlkit.convert(LogisticRegression().fit(train[["x1", "x2"]], label), train[["x1", "x2"]]).save(
        folder / "model.pmml")
    table = rows(ROWS)
    table.to_parquet(folder / "rows.parquet")
    assert main(["score", str(folder / "model.pmml"), str(folder / "rows.parquet"), "--keep-inputs",
                 "-o", str(folder / "scored.parquet")]) == 0
    return folder, folder / "model.pmml", pd.read_parquet(folder / "scored.parquet")


def _score(work: Any, url: str, *flags: str) -> int:
    folder, model, _ = work
    return main(["score", str(model), str(folder / "rows.parquet"), "--to-redis", url, *flags])


def _hashes(client: Any, keys: list[str]) -> list[dict[bytes, bytes]]:
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.hgetall(key)
    return pipe.execute()


def test_precompute_100000_rows_as_hashes(work, redis_server, capsys) -> None:  # noqa: F811
    client = redis_server.client(db=DB)
    client.flushdb()
    assert _score(work, redis_server.url_of(DB), "--key", "rec:{user_id}:{item_id}", "--json") == 0
    summary = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert summary["rows"] == ROWS and summary["keys_written"] == ROWS and summary["rows_overwritten"] == 0
    scored = work[2]
    keys = [f"rec:{u}:{i}" for u, i in zip(scored["user_id"], scored["item_id"])]
    assert client.dbsize() == ROWS
    stored = _hashes(client, keys)
    outputs = ["predicted_y", "probability_0", "probability_1"]
    for name in outputs:
        column = scored[name].tolist()
        read = [h[name.encode()].decode() for h in stored]
        values = [float(v) for v in read] if name != "predicted_y" else read
        expected = column if name != "predicted_y" else [str(v) for v in column]
        assert values == expected  # exact: numbers are written in their shortest exact text
    assert {k.decode() for k in stored[0]} == set(outputs)
    # A re-run overwrites the same keys (no duplicates, no stale fields).
    client.hset(keys[0], "stale", "1")
    assert _score(work, redis_server.url_of(DB), "--key", "rec:{user_id}:{item_id}") == 0
    assert "wrote 100000 keys" in capsys.readouterr().err
    assert client.dbsize() == ROWS and b"stale" not in client.hgetall(keys[0])


def test_precompute_json_with_ttl(work, redis_server) -> None:  # noqa: F811
    client = redis_server.client(db=DB)
    client.flushdb()
    assert _score(work, redis_server.url_of(DB), "--key", "json:{item_id}", "--value-format", "json", "--ttl", "600") == 0
    scored = work[2]
    for i in (0, 4242, ROWS - 1):
        value = json.loads(client.get(f"json:{i}"))
        assert value == {"predicted_y": scored["predicted_y"][i], "probability_0": scored["probability_0"][i],
                         "probability_1": scored["probability_1"][i]}
        assert 0 < client.ttl(f"json:{i}") <= 600


def test_precompute_top_k_per_group(work, redis_server, capsys) -> None:  # noqa: F811
    client = redis_server.client(db=DB)
    client.flushdb()
    flags = ["--key", "top:{user_id}", "--group-by", "user_id", "--rank-by", "probability_1", "--member", "item_id",
             "--top-k", "5", "--json"]
    assert _score(work, redis_server.url_of(DB), *flags) == 0
    summary = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    scored = work[2]
    groups = scored.sort_values(["probability_1", "item_id"], ascending=[False, True], kind="stable").groupby(
        "user_id", sort=True)
    assert summary["keys_written"] == scored["user_id"].nunique() == client.dbsize()
    for user, group in list(groups)[:300]:
        best = group.head(5)
        stored = client.zrevrange(f"top:{user}", 0, -1, withscores=True)
        assert [(int(m), s) for m, s in stored] == list(zip(best["item_id"].tolist(), best["probability_1"].tolist()))
    # The same keys as lists replace the sorted sets whole.
    assert _score(work, redis_server.url_of(DB), *flags[:-1], "--group-as", "list", "--top-k", "3") == 0
    user, group = next(iter(groups))
    assert [int(m) for m in client.lrange(f"top:{user}", 0, -1)] == group.head(3)["item_id"].tolist()


def test_precompute_refuses_flags_that_cannot_work(work, redis_server, capsys) -> None:  # noqa: F811
    url = redis_server.url_of(DB)
    assert _score(work, url, "--key", "top:{user_id}", "--group-by", "user_id") == 2
    assert "--rank-by" in capsys.readouterr().err
    assert _score(work, url, "--key", "top:{item_id}", "--group-by", "user_id", "--rank-by", "probability_1",
                  "--member", "item_id") == 2
    assert "not --group-by columns" in capsys.readouterr().err
    assert _score(work, url, "--key", "rec:{nobody}") == 2
    assert "['nobody']" in capsys.readouterr().err
    assert _score(work, url, "--key", "constant") == 2
    assert main(["score", str(work[1]), str(work[0] / "rows.parquet"), "--key", "k:{user_id}"]) == 2
    assert "--to-redis" in capsys.readouterr().err
    assert _score(work, url, "--key", "rec:{user_id}", "--spark") == 2
    assert "write_redis" in capsys.readouterr().err
    assert _score(work, "redis://127.0.0.1:1/0", "--key", "rec:{user_id}") == 1
    assert "cannot reach Redis" in capsys.readouterr().err
    # --explain's columns were computed, then silently not written: refused before anything is read.
    assert _score(work, url, "--key", "rec:{user_id}:{item_id}", "--explain") == 2
    assert "--explain" in capsys.readouterr().err


def test_precompute_rows_without_a_score_and_nullable_keys(work, redis_server, tmp_path, capsys) -> None:  # noqa: F811
    # A row without a score has a missing integer label (pandas' nullable Int64), and a key column may be
    # nullable too: both were written by a fast path for numpy integers (TypeError on pd.NA, or a key "k:<NA>").
    folder, model, _ = work
    table = rows(4)
    table.loc[1, "x1"] = np.nan  # no score for this row
    table["user_id"] = table["user_id"].astype("Int64")
    table.loc[2, "user_id"] = pd.NA  # no key for this row
    table.to_parquet(tmp_path / "gaps.parquet")
    client = redis_server.client(db=DB)
    client.flushdb()
    assert main(["score", str(model), str(tmp_path / "gaps.parquet"), "--to-redis", redis_server.url_of(DB),
                 "--key", "gap:{user_id}:{item_id}", "--json"]) == 0
    summary = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert summary["rows"] == 4 and summary["rows_without_key"] == 1
    # Every row is accounted for: the row without a score has no key in Redis and is not counted as one.
    assert summary["keys_written"] == 2 and summary["rows_without_values"] == 1
    # Missing values are left out of a hash: the row without a score leaves no fields (Redis keeps no empty hash).
    keys = sorted(k.decode() for k in client.keys("gap:*"))
    assert keys == sorted(f"gap:{table['user_id'][i]}:{i}" for i in (0, 3))
    assert client.hgetall(f"gap:{table['user_id'][0]}:0")[b"predicted_y"] in (b"0", b"1")
