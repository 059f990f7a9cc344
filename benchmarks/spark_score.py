"""Rows per second of pmmlkit.scoring.spark.score on local[1] and local[2], and of the plain local evaluator.

Run: .venv/bin/python benchmarks/spark_score.py [--rows 1000000]
Prints figures only; timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import pmmlkit
import pmmlkit.scoring.spark

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def make_pmml(folder: Path, kind: str) -> tuple[Path, str]:
    """A PMML file on iris' four features, and a description of it.

    "logistic" (StandardScaler + LogisticRegression) is cheap to score, so Spark's own work
    (Arrow batches, the JVM) dominates; "forest" (a random forest) makes scoring dominate, which
    is where more cores should show.
    """
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_iris(return_X_y=True, as_frame=True)
    X.columns = FEATURES
    if kind == "forest":
        model = RandomForestClassifier(n_estimators=30, max_depth=8, random_state=0).fit(X, y)
        description = "RandomForestClassifier (30 trees, depth 8, iris)"
    else:
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)
        description = "StandardScaler + LogisticRegression (iris)"
    return pmmlkit.convert(model, X).save(folder / f"{kind}.pmml"), description


def spark_frame(spark, rows: int, partitions: int):
    from pyspark.sql import functions as F

    df = spark.range(0, rows, numPartitions=partitions)
    # Values in iris' ranges, with a few missing so the evaluator's missing-value path runs too.
    scales = {"sepal_length": (4.0, 4.0), "sepal_width": (2.0, 2.5), "petal_length": (1.0, 6.0),
              "petal_width": (0.1, 2.5)}
    for i, (name, (low, width)) in enumerate(scales.items()):
        value = F.lit(low) + F.rand(seed=i) * F.lit(width)
        df = df.withColumn(name, F.when(F.rand(seed=10 + i) < 0.01, F.lit(None)).otherwise(value))
    return df.drop("id")


def time_spark(master: str, pmml: Path, rows: int, partitions: int) -> float:
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(master).appName("pmmlkit-bench")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        # Warm up: starts the Python workers and their JVMs, and loads the model once in each.
        pmmlkit.scoring.spark.score(spark_frame(spark, 20_000, partitions), pmml).write.format("noop").mode("overwrite").save()
        df = spark_frame(spark, rows, partitions).cache()
        df.count()  # generate the input before timing
        start = time.perf_counter()
        pmmlkit.scoring.spark.score(df, pmml).write.format("noop").mode("overwrite").save()
        elapsed = time.perf_counter() - start
        df.unpersist()
        return elapsed
    finally:
        spark.stop()


def time_local(pmml: Path, rows: int, threads: int) -> float:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({name: rng.uniform(1, 7, rows) for name in FEATURES})
    model = pmmlkit.load(pmml, threads=threads)
    model.predict(frame.head(20_000))
    start = time.perf_counter()
    model.predict(frame)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=4, help="input partitions (same on both masters)")
    parser.add_argument("--model", choices=("logistic", "forest", "both"), default="both")
    args = parser.parse_args()
    os.environ["PYSPARK_PYTHON"] = sys.executable  # workers must run this interpreter
    kinds = ("logistic", "forest") if args.model == "both" else (args.model,)
    with tempfile.TemporaryDirectory() as folder:
        for kind in kinds:
            pmml, description = make_pmml(Path(folder), kind)
            print(f"model: {description}, {args.rows:,} rows, {args.partitions} partitions, {os.cpu_count()} cores")
            results = {}
            for master in ("local[1]", "local[2]"):
                seconds = time_spark(master, pmml, args.rows, args.partitions)
                results[master] = args.rows / seconds
                print(f"  pmmlkit.scoring.spark.score {master}: {seconds:7.2f} s  {results[master]:12,.0f} rows/s")
            print(f"  ratio local[2]/local[1]: {results['local[2]'] / results['local[1]']:.2f}")
            for threads in (1, 2):
                seconds = time_local(pmml, args.rows, threads)
                print(f"  local evaluator, threads={threads}: {seconds:7.2f} s  {args.rows / seconds:12,.0f} rows/s")


if __name__ == "__main__":
    main()
