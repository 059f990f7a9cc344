"""pmmlkit.scoring.spark.write_redis: a scored Spark DataFrame written to a real Redis from the
executors (rows as hashes or JSON, top-K per group), read back and checked against the local
evaluator's scores of the same rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from redis_support import DATABASES, RedisServer, redis_server  # noqa: F401 (a fixture)
from sklearn.linear_model import LogisticRegression

import pmmlkit

pytest.importorskip("pyspark")
pytestmark = pytest.mark.xdist_group("spark")  # one Spark session per test worker (see spark_support)
spark_score = pytest.importorskip("pmmlkit.scoring.spark")
from spark_support import spark  # noqa: E402, F401 (the session fixture shared by the Spark tests)

ROWS = 3000
DB = DATABASES["spark"]  # flushed here: a database of its own


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory, spark) -> tuple:  # noqa: F811
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"user_id": rng.integers(0, 40, ROWS), "item_id": np.arange(ROWS),
                          "x1": rng.normal(size=ROWS), "x2": rng.normal(size=ROWS)})
    path = tmp_path_factory.mktemp("spark_redis") / "model.pmml"
    label = (frame["x1"] + frame["x2"] > 0).astype(int)
    pmmlkit.convert(LogisticRegression().fit(frame[["x1", "x2"]], label), frame[["x1", "x2"]]).save(path)
    local = pd.concat([frame, pmmlkit.load(path).predict(frame[["x1", "x2"]])], axis=1)
    df = spark_score.score(spark.createDataFrame(frame).repartition(3), str(path))
    return df, local


def test_write_rows_from_the_executors(scored, redis_server) -> None:  # noqa: F811
    df, local = scored
    client = redis_server.client(db=DB)
    client.flushdb()
    count = spark_score.write_redis(df, redis_server.url_of(DB), key="s:{item_id}",
                                    values=["probability_0", "probability_1"], ttl=900)
    assert (count.keys, count.rows, count.keyless) == (ROWS, ROWS, 0)
    assert client.dbsize() == ROWS
    pipe = client.pipeline(transaction=False)
    for item in local["item_id"]:
        pipe.hgetall(f"s:{item}")
    stored = pipe.execute()
    assert [float(h[b"probability_1"]) for h in stored] == local["probability_1"].tolist()
    assert 0 < client.ttl("s:0") <= 900
    spark_score.write_redis(df, redis_server.url_of(DB), key="j:{user_id}:{item_id}", value_format="json",
                            values=["probability_1"])
    row = local.iloc[17]
    assert json.loads(client.get(f"j:{int(row.user_id)}:{int(row.item_id)}")) == {"probability_1": row.probability_1}


def test_write_top_k_per_group_from_the_executors(scored, redis_server) -> None:  # noqa: F811
    df, local = scored
    client = redis_server.client(db=DB)
    client.flushdb()
    count = spark_score.write_redis(df, redis_server.url_of(DB), key="top:{user_id}", group_by=["user_id"],
                                    rank_by="probability_1", member="item_id", top_k=7)
    assert count.keys == local["user_id"].nunique() == client.dbsize()
    ordered = local.sort_values(["probability_1", "item_id"], ascending=[False, True], kind="stable")
    for user, group in ordered.groupby("user_id"):
        stored = client.zrevrange(f"top:{user}", 0, -1, withscores=True)
        assert [(int(m), s) for m, s in stored] == list(zip(group["item_id"].head(7), group["probability_1"].head(7)))
