"""Spark trees read in bulk (the model's node records) give the same document as the node-by-node
walk of Spark's JVM objects, for every tree model, with continuous and categorical splits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyspark")

from pmmlkit.converters.spark import trees  # noqa: E402
from spark_support import SPARK_GROUP, spark  # noqa: E402, F401  (the session fixture)

import pmmlkit  # noqa: E402

pytestmark = pytest.mark.xdist_group(SPARK_GROUP)

MODELS = {
    "decision-tree-classifier": ("classification", "DecisionTreeClassifier", {"maxDepth": 5}),
    "decision-tree-regressor": ("regression", "DecisionTreeRegressor", {"maxDepth": 5, "labelCol": "y"}),
    "random-forest-classifier": ("classification", "RandomForestClassifier", {"numTrees": 4, "maxDepth": 4}),
    "random-forest-regressor": ("regression", "RandomForestRegressor", {"numTrees": 4, "maxDepth": 4,
                                                                        "labelCol": "y"}),
    "gbt-classifier": ("classification", "GBTClassifier", {"maxIter": 3, "maxDepth": 3}),
    "gbt-regressor": ("regression", "GBTRegressor", {"maxIter": 3, "maxDepth": 3, "labelCol": "y"}),
}


@pytest.fixture(scope="module")
def frame(spark):  # noqa: F811  (the session fixture)
    rng = np.random.default_rng(3)
    n = 300
    data = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                         "c": rng.choice(["x", "y", "z", "w", "v"], n)})
    data["label"] = ((data.a + (data.c == "x") * 1.0 + rng.normal(0, 0.5, n)) > 0.5).astype(float)
    data["y"] = data.a * 2 + (data.c == "y") * 1.5 + rng.normal(0, 0.1, n)
    return spark.createDataFrame(data)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_bulk_records_match_the_node_walk(name, frame, monkeypatch):
    from pyspark.ml import Pipeline, classification, regression
    from pyspark.ml.feature import StringIndexer, VectorAssembler

    kind, cls, params = MODELS[name]
    estimator = getattr(classification if kind == "classification" else regression, cls)(seed=0, **params)
    fitted = Pipeline(stages=[StringIndexer(inputCol="c", outputCol="c_index"),
                              VectorAssembler(inputCols=["a", "b", "c_index"], outputCol="features"),
                              estimator]).fit(frame)
    X = frame.drop("label", "y")
    read = trees.read_node_records
    results = []
    monkeypatch.setattr(trees, "read_node_records", lambda *a, **k: results.append(read(*a, **k)) or results[-1])
    bulk = pmmlkit.convert(fitted, X).to_bytes()
    assert results and results[0] is not None, "the node records were not read in bulk"
    monkeypatch.setattr(trees, "read_node_records", lambda *a, **k: None)
    assert pmmlkit.convert(fitted, X).to_bytes() == bulk
