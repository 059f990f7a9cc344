"""Conversion speed and peak memory: pmmlkit vs sklearn2pmml on large random forests, and pmmlkit
on a Spark forest of about 100,000 nodes.

    .venv/bin/python benchmarks/convert.py [--quick] [--no-sklearn2pmml] [--no-spark]

Each measurement runs in a fresh process of its own, one after the other in one run. A process
first loads a fitted forest (pickled by another process, so fitting costs it no memory), then
converts it to a PMML file; "time" is that conversion, file written, and "peak memory" the
process's peak resident size (for sklearn2pmml, its Python process plus the Java process it
starts, which are alive together); CPU time counts both processes too (the JVM uses several
threads), and varies less than time when the machine is shared. Imports and loading the pickle
are not timed.

sklearn2pmml (AGPL, test/benchmark use only) refuses the scikit-learn release pmmlkit is tested
with, so the script keeps its own virtualenv (benchmarks/.venv-sklearn2pmml, git-ignored), with
an older scikit-learn that sklearn2pmml accepts, made on first use. There the same forest (same
data, same seed) is fitted again and converted by sklearn2pmml; the node counts printed show that
both tools convert forests of the same size. It needs Java. If sklearn2pmml cannot run, the
script says why and prints pmmlkit's figures alone. The script prints a table and never asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SIDE_VENV = HERE / ".venv-sklearn2pmml"
SIDE_REQUIREMENTS = ["scikit-learn<1.9", "sklearn2pmml==0.133.1", "pandas"]

# (label, trees, depth); the data: make_classification, 20,000 rows, 20 features, seed 0.
FORESTS = [("random forest, 200 trees, depth 12", 200, 12), ("random forest, 500 trees, depth 15", 500, 15)]
ROWS, FEATURES, SEED = 20_000, 20, 0
# Spark: trees, depth and rows that give about 100,000 nodes.
SPARK_FOREST = (95, 14, 5_000)


# -- workers (run in their own process; the heavy imports happen there) -------------------------------------

def peak_mb(children: bool = False) -> float:
    """Peak resident size of this process (and of its largest finished child), in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if children:
        peak += resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return peak / 1024  # ru_maxrss is in KiB on Linux


def cpu_seconds(children: bool = False) -> float:
    """CPU time used so far by this process (and by its finished children)."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    seconds = used.ru_utime + used.ru_stime
    if children:
        child = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds += child.ru_utime + child.ru_stime
    return seconds


def fit_worker(trees: str, depth: str, path: str) -> dict[str, Any]:
    import pandas as pd
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier

    X, y = make_classification(n_samples=ROWS, n_features=FEATURES, n_informative=10, random_state=SEED)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(FEATURES)])
    forest = RandomForestClassifier(n_estimators=int(trees), max_depth=int(depth), random_state=SEED, n_jobs=-1)
    forest.fit(frame, y)
    forest.n_jobs = 1
    with open(path, "wb") as handle:
        pickle.dump((forest, frame.head(5)), handle, protocol=pickle.HIGHEST_PROTOCOL)
    import sklearn

    return {"nodes": int(sum(t.tree_.node_count for t in forest.estimators_)), "sklearn": sklearn.__version__}


def pmmlkit_worker(model_path: str, output: str) -> dict[str, Any]:
    import pmmlkit

    with open(model_path, "rb") as handle:
        forest, sample = pickle.load(handle)
    start, cpu = time.perf_counter(), cpu_seconds()
    pmmlkit.convert(forest, sample).save(output)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb(), "bytes": os.path.getsize(output)}


def sklearn2pmml_worker(model_path: str, output: str) -> dict[str, Any]:
    import contextlib
    import io

    from sklearn2pmml import sklearn2pmml

    with open(model_path, "rb") as handle:
        forest, _ = pickle.load(handle)
    os.environ["SKLEARN2PMML_BANNER"] = date.today().isoformat()  # no banner on stdout
    start, cpu = time.perf_counter(), cpu_seconds(children=True)
    with contextlib.redirect_stdout(io.StringIO()):
        sklearn2pmml(forest, output)
    seconds, cpu = time.perf_counter() - start, cpu_seconds(children=True) - cpu
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb(children=True), "bytes": os.path.getsize(output)}


def spark_worker(output: str) -> dict[str, Any]:
    import numpy as np
    import pandas as pd
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import RandomForestClassifier
    from pyspark.ml.feature import VectorAssembler
    from pyspark.sql import SparkSession

    import pmmlkit

    trees, depth, rows = SPARK_FOREST
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (SparkSession.builder.master("local[2]").appName("pmmlkit-benchmark")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.shuffle.partitions", "2").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        rng = np.random.default_rng(SEED)
        X = rng.normal(size=(rows, 10))
        frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(10)])
        frame["label"] = ((X[:, :6] @ rng.normal(size=6) + rng.normal(0, 1, rows)) > 0).astype(float)
        data = spark.createDataFrame(frame)
        columns = [f"x{i}" for i in range(10)]
        fitted = Pipeline(stages=[VectorAssembler(inputCols=columns, outputCol="features"),
                                  RandomForestClassifier(numTrees=trees, maxDepth=depth, seed=SEED,
                                                         maxMemoryInMB=1024)]).fit(data)
        sample = data.drop("label")
        start = time.perf_counter()
        pmmlkit.convert(fitted, sample).save(output)
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "nodes": int(fitted.stages[-1].totalNumNodes), "bytes": os.path.getsize(output)}
    finally:
        spark.stop()


WORKERS = {"fit": fit_worker, "pmmlkit": pmmlkit_worker, "sklearn2pmml": sklearn2pmml_worker, "spark": spark_worker}


# -- the driver ----------------------------------------------------------------------------------------------

def run(python: str, worker: str, *args: Any, timeout: float = 3600) -> dict[str, Any]:
    """Run a worker in a new process of ``python``; its last output line is its JSON result."""
    result = subprocess.run([python, str(Path(__file__).resolve()), "--worker", worker, *map(str, args)],
                            capture_output=True, text=True, timeout=timeout)
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"{worker} failed: {(result.stderr or result.stdout).strip()[-800:]}")
    return json.loads(lines[-1])


def side_python() -> tuple[str | None, str]:
    """The side virtualenv's python (made on first use), or None and why not."""
    python = SIDE_VENV / "bin" / "python"
    if not python.exists():
        print(f"making {SIDE_VENV} for sklearn2pmml ({', '.join(SIDE_REQUIREMENTS)}) ...", flush=True)
        made = subprocess.run([sys.executable, "-m", "venv", str(SIDE_VENV)], capture_output=True, text=True)
        if made.returncode == 0:
            made = subprocess.run([str(python), "-m", "pip", "install", "-q", *SIDE_REQUIREMENTS],
                                  capture_output=True, text=True)
        if made.returncode != 0:
            return None, f"could not make its virtualenv: {made.stderr.strip()[-400:]}"
    try:
        java = subprocess.run(["java", "-version"], capture_output=True, text=True)
    except OSError:
        return None, "Java is not installed"
    if java.returncode != 0:
        return None, "java -version failed"
    return str(python), ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 200-tree forest only")
    parser.add_argument("--no-sklearn2pmml", action="store_true")
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        print(json.dumps(WORKERS[options.worker](*options.args)))
        return 0

    other, why_not = (None, "skipped (--no-sklearn2pmml)") if options.no_sklearn2pmml else side_python()
    rows = []
    with tempfile.TemporaryDirectory(prefix="pmmlkit-bench-") as folder:
        for label, trees, depth in FORESTS[:1] if options.quick else FORESTS:
            print(f"{label}: fitting ...", flush=True)
            ours = run(sys.executable, "fit", trees, depth, f"{folder}/ours.pkl")
            measured = run(sys.executable, "pmmlkit", f"{folder}/ours.pkl", f"{folder}/ours.pmml")
            rows.append((label, ours["nodes"], f"pmmlkit (scikit-learn {ours['sklearn']})", measured))
            if other is not None:
                try:
                    theirs = run(other, "fit", trees, depth, f"{folder}/theirs.pkl")
                    converted = run(other, "sklearn2pmml", f"{folder}/theirs.pkl", f"{folder}/theirs.pmml")
                    rows.append((label, theirs["nodes"], f"sklearn2pmml (scikit-learn {theirs['sklearn']})",
                                 converted))
                except (RuntimeError, subprocess.TimeoutExpired) as error:
                    other, why_not = None, str(error)
        spark = None
        if not options.no_spark:
            print("Spark forest: fitting (minutes) ...", flush=True)
            try:
                spark = run(sys.executable, "spark", f"{folder}/spark.pmml")
            except (RuntimeError, subprocess.TimeoutExpired) as error:
                print(f"Spark: not measured: {error}")

    print()
    print(f"{'model':36} {'nodes':>9}  {'converter':34} {'time':>8} {'CPU time':>9} {'peak memory':>12}")
    for label, nodes, tool, measured in rows:
        print(f"{label:36} {nodes:>9,}  {tool:34} {measured['seconds']:>7.2f}s {measured['cpu']:>8.2f}s "
              f"{measured['peak_mb']:>9.0f} MB")
    by_label: dict[str, list[dict[str, Any]]] = {}
    for label, _, _, measured in rows:
        by_label.setdefault(label, []).append(measured)
    for label, pair in by_label.items():
        if len(pair) == 2:
            ours, theirs = pair
            print(f"{label}: pmmlkit is {theirs['seconds'] / ours['seconds']:.1f}x faster than sklearn2pmml "
                  f"({theirs['cpu'] / ours['cpu']:.1f}x in CPU time), with {ours['peak_mb'] / theirs['peak_mb']:.2f}x "
                  "its peak memory")
    if other is None:
        print(f"sklearn2pmml: not measured: {why_not}")
    if spark is not None:
        print(f"Spark random forest ({spark['nodes']:,} nodes): pmmlkit converts it in {spark['seconds']:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
