"""A small recommender for the online-features tests: a scikit-learn logistic regression over
features a server looks up in Redis (a user's age from a hash, an item's price from a string key,
the dot product and cosine of a user and an item embedding, an item embedding spread over inputs)
and the same features computed here, for the expected scores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

import pmmlkit

DIM = 4
INPUTS = ["age", "price", "affinity", "similarity", "bias", *[f"item_e_{i}" for i in range(DIM)], "channel"]


def train(path: Path, seed: int = 0) -> Path:
    """Fit on random features and write the PMML (with verification rows, as a served model has)."""
    rng = np.random.default_rng(seed)
    rows = 400
    frame = pd.DataFrame({name: rng.normal(size=rows) for name in INPUTS[:-1]})
    frame["age"] = rng.integers(18, 80, rows).astype(float)
    frame["channel"] = rng.integers(0, 3, rows).astype(float)
    label = (frame["affinity"] + 0.02 * frame["age"] - frame["price"] + rng.normal(size=rows) > 0.5).astype(int)
    estimator = LogisticRegression(max_iter=500).fit(frame, label)
    pmmlkit.convert(estimator, frame, verification=frame.head(5)).save(path)
    return path


def features(url: str, **redis: Any) -> dict[str, Any]:
    # Generous timeouts: tests never fail on a timing (a test of the timeout sets its own).
    return {
        "redis": {"url": url, "timeout": 10.0, "connect_timeout": 10.0, **redis},
        "ids": ["user_id", "item_id"],
        "vectors": {
            "user": {"key": "emb:user:{user_id}", "encoding": "float32", "length": DIM},
            "item": {"key": "emb:item:{item_id}", "encoding": "json", "length": DIM, "inputs": "item_e_"},
        },
        "inputs": {
            "age": {"hash": "user:{user_id}", "field": "age"},
            "price": {"key": "price:{item_id}", "default": 9.5},
            "affinity": {"dot": ["user", "item"]},
            "similarity": {"cosine": ["user", "item"], "default": 0.0},
            "bias": {"constant": 1.0},
        },
    }


def fill(client: Any, users: int = 3, items: int = 600, seed: int = 1) -> tuple[dict, dict, dict, dict]:
    """Users (age in a hash, a float32 embedding) and items (price, a JSON embedding) in Redis."""
    rng = np.random.default_rng(seed)
    user_vectors = {u: rng.normal(size=DIM).astype(np.float32) for u in range(users)}
    item_vectors = {i: rng.normal(size=DIM) for i in range(items)}
    ages = {u: int(rng.integers(18, 80)) for u in range(users)}
    prices = {i: float(np.round(rng.uniform(1, 50), 2)) for i in range(items)}
    pipe = client.pipeline(transaction=False)
    for u in range(users):
        pipe.hset(f"user:{u}", mapping={"age": ages[u], "name": f"user {u}"})
        pipe.set(f"emb:user:{u}", user_vectors[u].astype("<f4").tobytes())
    for i in range(items):
        pipe.set(f"price:{i}", repr(prices[i]))
        pipe.set(f"emb:item:{i}", json.dumps(item_vectors[i].tolist()))
    pipe.execute()
    return ages, prices, user_vectors, item_vectors


def expected_record(user: np.ndarray | None, item: np.ndarray | None, age: Any, price: Any,
                    channel: Any) -> dict[str, Any]:
    """The record the server should score, computed here (float32 user vectors widen to doubles)."""
    record: dict[str, Any] = {"age": age, "price": price, "bias": 1.0, "channel": channel}
    if user is not None and item is not None:
        a, b = user.astype(np.float64), item.astype(np.float64)
        record["affinity"] = float(np.dot(a, b))
        record["similarity"] = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
    else:
        record["affinity"], record["similarity"] = None, 0.0
    for i in range(DIM):
        record[f"item_e_{i}"] = None if item is None else float(item[i])
    return record
