"""Rows per second of pmmlkit.scoring.spark.score on local[1] and local[2], for both engines (PMML4S and
native), the CPU-seconds each spends per million rows, and the plain local evaluator.

Run: .venv/bin/python benchmarks/spark_score.py [--rows 1000000] [--engines pmml4s,native]
Prints figures only; timings depend on the machine. CPU time is the sum over this process and every
process under it (Spark's JVM, its Python workers and their JVMs), measured with psutil around the
timed job: what a cluster pays for, whatever the wall clock on a busy machine says.
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
import psutil

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


def cpu_seconds() -> float:
    """User + system CPU time of this process and all its descendants still running."""
    total = 0.0
    me = psutil.Process()
    for process in [me, *me.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:  # gone meanwhile
            continue
        total += times.user + times.system
    return total


def time_spark(master: str, pmml: Path, rows: int, partitions: int, engine: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of scoring ``rows`` rows."""
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(master).appName("pmmlkit-bench")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        # Warm up: starts the Python workers and their JVMs, and loads the model once in each.
        pmmlkit.scoring.spark.score(spark_frame(spark, 20_000, partitions), pmml,
                                    engine=engine).write.format("noop").mode("overwrite").save()
        df = spark_frame(spark, rows, partitions).cache()
        df.count()  # generate the input before timing
        cpu = cpu_seconds()
        start = time.perf_counter()
        pmmlkit.scoring.spark.score(df, pmml, engine=engine).write.format("noop").mode("overwrite").save()
        elapsed = time.perf_counter() - start
        cpu = cpu_seconds() - cpu
        df.unpersist()
        return elapsed, cpu
    finally:
        spark.stop()


def time_local(pmml: Path, rows: int, threads: int, engine: str) -> float:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({name: rng.uniform(1, 7, rows) for name in FEATURES})
    model = pmmlkit.load(pmml, threads=threads, engine=engine)
    model.predict(frame.head(20_000))
    start = time.perf_counter()
    model.predict(frame)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=4, help="input partitions (same on both masters)")
    parser.add_argument("--model", choices=("logistic", "forest", "both"), default="both")
    parser.add_argument("--engines", default="pmml4s,native", help="comma-separated: pmml4s, native")
    args = parser.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    os.environ["PYSPARK_PYTHON"] = sys.executable  # workers must run this interpreter
    kinds = ("logistic", "forest") if args.model == "both" else (args.model,)
    with tempfile.TemporaryDirectory() as folder:
        for kind in kinds:
            pmml, description = make_pmml(Path(folder), kind)
            print(f"model: {description}, {args.rows:,} rows, {args.partitions} partitions, {os.cpu_count()} cores")
            for engine in engines:
                results = {}
                for master in ("local[1]", "local[2]"):
                    seconds, cpu = time_spark(master, pmml, args.rows, args.partitions, engine)
                    results[master] = args.rows / seconds
                    print(f"  {engine:<7} spark.score {master}: {seconds:7.2f} s  {results[master]:12,.0f} rows/s  "
                          f"{cpu / args.rows * 1e6:7.1f} CPU-s per million rows", flush=True)
                print(f"  {engine:<7} ratio local[2]/local[1]: {results['local[2]'] / results['local[1]']:.2f}")
                for threads in (1, 2):
                    seconds = time_local(pmml, args.rows, threads, engine)
                    print(f"  {engine:<7} local evaluator, threads={threads}: {seconds:7.2f} s  "
                          f"{args.rows / seconds:12,.0f} rows/s", flush=True)
    if hasattr(os, "getloadavg"):
        print(f"load average after the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
