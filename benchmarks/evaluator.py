"""Scoring speed, side by side: pmmlkit (PMML4S and native engines), pypmml, jpmml_evaluator, scikit-learn and a plain Java loop over PMML4S.

    .venv/bin/python benchmarks/evaluator.py [--rows 100000] [--single 1000] [--markdown]
    .venv/bin/python benchmarks/evaluator.py --quick     # 20,000 rows, 300 records; pmmlkit and scikit-learn only

For each of five models (StandardScaler + LogisticRegression, a 100-tree random forest, 100-tree
gradient boosting, an MLP, and a ColumnTransformer pipeline with one-hot categories + logistic
regression; 20 numeric features, plus two text columns for the last) it prints:

- batch rows/s on ``--rows`` rows: the first batch (cold) and a batch after a full warm-up batch;
- single-record latency p50 / p99 (one dict per call; scikit-learn gets a one-row DataFrame);
- the ratios pmmlkit / pypmml and pmmlkit / Java loop (warm batches);
- for the native engine (``engine="native"``): the same figures, its first batch in a fresh process
  right after ``load`` (with and without load's warm-up) over the best of that process' next three
  batches (wall clock and CPU time), and the ratios native / scikit-learn and native / PMML4S;
- pmmlkit (both engines) and scikit-learn on one thread and on all cores (``threads=`` for pmmlkit;
  ``n_jobs`` and the BLAS threads for scikit-learn, bounded with threadpoolctl for one thread).

pmmlkit's cold first batch is measured in fresh processes, with and without the warm-up that
``pmmlkit.load`` runs (``warm=False``), since a JIT is warmed for the whole process. The Java loop is
compiled here with javac against the PMML4S jars of the pypmml wheel, into a temporary folder, and
runs ``Model.predict(Object[])`` on one thread in its own JVM. pypmml runs its own JVM over py4j;
pmmlkit and jpmml_evaluator share one JPype JVM in this process. The script measures and prints;
it never asserts (the tests check correctness).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import pmmlkit
from pmmlkit.scoring import jvm
from pmmlkit.scoring.bridge_build import javac

JAVA_LOOP = """
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import org.pmml4s.model.Model;

public class PmmlLoop {
    static double sink = 0;

    public static double pass(Model model, Object[][] data) {
        long start = System.nanoTime();
        for (Object[] row : data) {
            Object[] out = model.predict(row);
            sink += out.length;
        }
        return (System.nanoTime() - start) / 1e9;
    }

    public static void main(String[] args) throws Exception {
        Model model = Model.fromFile(args[0]);
        int rows = Integer.parseInt(args[2]);
        int cols = Integer.parseInt(args[3]);
        int single = Integer.parseInt(args[4]);
        ByteBuffer buffer = ByteBuffer.wrap(Files.readAllBytes(Paths.get(args[1]))).order(ByteOrder.LITTLE_ENDIAN);
        Object[][] data = new Object[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                data[i][j] = Double.valueOf(buffer.getDouble());
            }
        }
        double cold = pass(model, data);
        double warm = Double.MAX_VALUE;
        for (int r = 0; r < 2; r++) {
            warm = Math.min(warm, pass(model, data));
        }
        long[] latency = new long[single];
        for (int k = 0; k < single; k++) {
            long start = System.nanoTime();
            Object[] out = model.predict(data[k % rows]);
            latency[k] = System.nanoTime() - start;
            sink += out.length;
        }
        Arrays.sort(latency);
        System.out.println("{\\"cold\\": " + cold + ", \\"warm\\": " + warm + ", \\"p50\\": " + latency[single / 2] / 1e3
                + ", \\"p99\\": " + latency[(int) (single * 0.99)] / 1e3 + ", \\"sink\\": " + sink + "}");
    }
}
"""

# Scores a Parquet file in a fresh process: load (with or without warm-up), the first batch, then
# three more (the process' own warm batches: a first batch is compared with batches of the same
# process, whose allocator and caches are in the same state), wall clock and CPU time.
COLD_CHILD = """
import json, sys, time
import pandas as pd
import pmmlkit
frame = pd.read_parquet(sys.argv[2])
started = time.perf_counter()
model = pmmlkit.load(sys.argv[1], warm=sys.argv[3] == "1", engine=sys.argv[4], threads=int(sys.argv[5]))
loaded = time.perf_counter()
cpu = time.process_time()
model.predict(frame)
first = time.perf_counter()
first_cpu = time.process_time() - cpu
warm, warm_cpu = [], []
for _ in range(3):
    start, cpu = time.perf_counter(), time.process_time()
    model.predict(frame)
    warm.append(time.perf_counter() - start)
    warm_cpu.append(time.process_time() - cpu)
record = frame.head(1).to_dict("records")[0]
start = time.perf_counter()
model.predict(record)
first_record = time.perf_counter() - start
print(json.dumps({"load": loaded - started, "first": first - loaded, "warm": min(warm), "first_cpu": first_cpu,
                  "warm_cpu": min(warm_cpu), "first_record": first_record}))
"""


@dataclass
class Result:
    engine: str
    cold: float | None  # rows/s of the first batch
    warm: float | None  # rows/s after a warm batch
    p50: float | None  # µs per single-record call
    p99: float | None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def progress(message: str) -> None:
    print(f"  ... {message}", file=sys.stderr, flush=True)


def synthetic(rows: int, features: int = 20, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=rows, n_features=features, n_informative=10, random_state=seed)
    return pd.DataFrame(X, columns=[f"x{i + 1}" for i in range(features)]), y


def with_categories(X: pd.DataFrame) -> pd.DataFrame:
    """X plus two text columns cut from x1 and x2 (for the one-hot pipeline)."""
    return X.assign(c1=np.array(["a", "b", "c", "d"], dtype=object)[np.digitize(X["x1"], [-1.0, 0.0, 1.0])],
                    c2=np.array(["lo", "mid", "hi"], dtype=object)[np.digitize(X["x2"], [-0.5, 0.5])])


def models() -> list[tuple[str, Any]]:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [f"x{i + 1}" for i in range(20)]
    return [
        ("scaler + logistic regression", make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))),
        ("random forest, 100 trees (depth 10)",
         RandomForestClassifier(n_estimators=100, max_depth=10, random_state=0, n_jobs=1)),
        ("gradient boosting, 100 trees (depth 3)", GradientBoostingClassifier(n_estimators=100, random_state=0)),
        ("MLP, 2 hidden layers (32, 16)",
         make_pipeline(StandardScaler(), MLPClassifier((32, 16), max_iter=300, random_state=0))),
        ("one-hot ColumnTransformer + logistic regression",
         make_pipeline(ColumnTransformer([("num", StandardScaler(), numeric),
                                          ("cat", OneHotEncoder(handle_unknown="ignore"), ["c1", "c2"])]),
                       LogisticRegression(max_iter=1000))),
    ]


def batch_rates(score: Callable[[], Any], rows: int, repeat: int = 2) -> tuple[float, float]:
    """(rows/s of the first call, best rows/s of ``repeat`` later calls)."""
    start = time.perf_counter()
    score()
    cold = rows / (time.perf_counter() - start)
    best = 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        score()
        best = max(best, rows / (time.perf_counter() - start))
    return cold, best


def latencies(call: Callable[[Any], Any], records: list[Any], warmup: int = 200) -> tuple[float, float]:
    """(p50, p99) in µs of one call per record, after ``warmup`` untimed calls."""
    for record in records[:warmup]:
        call(record)
    times = []
    for record in records:
        start = time.perf_counter()
        call(record)
        times.append(time.perf_counter() - start)
    times.sort()
    return statistics.median(times) * 1e6, times[int(len(times) * 0.99)] * 1e6


def bench_pmmlkit(path: Path, frame: pd.DataFrame, records: list[dict], data_file: Path,
                  engine: str = "pmml4s", threads: int = 1) -> Result:
    model = pmmlkit.load(path, cache=False, engine=engine, threads=threads)
    _, warm = batch_rates(lambda: model.predict(frame), len(frame))
    name = f"{'PMML4S' if engine == 'pmml4s' else engine}, {threads} thread{'s' if threads > 1 else ''}"
    if threads > 1:  # one record never uses more than one thread; the cold figures come from one thread
        return Result(name, None, warm, None, None)
    p50, p99 = latencies(model.predict, records)
    cold = {}
    for flag in ("0", "1"):
        done = subprocess.run([sys.executable, "-c", COLD_CHILD, str(path), str(data_file), flag, engine, str(threads)],
                              capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        cold[flag] = json.loads(done.stdout.strip().splitlines()[-1])
    rows = len(frame)
    extra = {"first batch without warm-up (rows/s)": rows / cold["0"]["first"],
             "first batch after load's warm-up (rows/s)": rows / cold["1"]["first"],
             "load without / with warm-up (s)": (cold["0"]["load"], cold["1"]["load"]),
             "first single record without / with warm-up (µs)": (cold["0"]["first_record"] * 1e6,
                                                                 cold["1"]["first_record"] * 1e6),
             "first batch after load's warm-up / warm batch (time)": cold["1"]["first"] / cold["1"]["warm"],
             "first batch after load's warm-up / warm batch (CPU time)": cold["1"]["first_cpu"] / cold["1"]["warm_cpu"],
             "first batch without warm-up / warm batch (time)": cold["0"]["first"] / cold["0"]["warm"]}
    return Result(name, rows / cold["1"]["first"], warm, p50, p99,
                  note="cold = fresh process, first batch after load's warm-up", extra=extra)


def bench_pypmml(path: Path, frame: pd.DataFrame, records: list[dict]) -> Result:
    from pypmml import Model

    model = Model.fromFile(str(path))
    cold, warm = batch_rates(lambda: model.predict(frame), len(frame), repeat=1)
    p50, p99 = latencies(model.predict, records)
    return Result("pypmml", cold, warm, p50, p99)


def bench_jpmml(path: Path, frame: pd.DataFrame, records: list[dict]) -> Result:
    import jpmml_evaluator

    evaluator = jpmml_evaluator.make_evaluator(str(path)).verify()
    cold, warm = batch_rates(lambda: evaluator.evaluateAll(frame), len(frame), repeat=1)
    p50, p99 = latencies(evaluator.evaluate, records)
    return Result("jpmml_evaluator", cold, warm, p50, p99)


def bench_sklearn(estimator: Any, frame: pd.DataFrame, threads: int = 1) -> Result:
    from threadpoolctl import threadpool_limits

    jobs = {key: (1 if threads == 1 else -1) for key in estimator.get_params() if key.endswith("n_jobs")}
    estimator.set_params(**jobs)
    with threadpool_limits(limits=threads):
        cold, warm = batch_rates(lambda: estimator.predict_proba(frame), len(frame))
        if threads > 1:
            return Result(f"scikit-learn, {threads} threads", cold, warm, None, None)
        rows = [frame.iloc[[i]] for i in range(min(len(frame), 1000))]
        p50, p99 = latencies(estimator.predict_proba, rows, warmup=50)
    return Result("scikit-learn, 1 thread", cold, warm, p50, p99, note="one-row DataFrame per call")


def compile_loop(folder: Path) -> list[str]:
    """javac the Java loop into ``folder``; returns the classpath to run it."""
    source = folder / "PmmlLoop.java"
    source.write_text(JAVA_LOOP)
    jars = jvm.pmml4s_jars()
    subprocess.run([javac(), "-cp", os.pathsep.join(jars), "-d", str(folder), str(source)], check=True,
                   capture_output=True, text=True)
    return [str(folder), *jars]


def bench_java(classpath: list[str], path: Path, data_file: Path, rows: int, columns: int, single: int) -> Result:
    java = str(jvm.java_home() / "bin" / "java")
    done = subprocess.run([java, "-cp", os.pathsep.join(classpath), "PmmlLoop", str(path), str(data_file), str(rows),
                           str(columns), str(single)], capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return Result("Java loop over PMML4S", rows / result["cold"], rows / result["warm"], result["p50"], result["p99"],
                  note="one thread, predict(Object[])")


def fmt(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def report(title: str, results: list[Result], cores: int) -> list[str]:
    by_name = {r.engine: r for r in results}
    print(f"\n{title}")
    print(f"  {'engine':<26} {'cold rows/s':>12} {'warm rows/s':>12} {'p50 µs':>9} {'p99 µs':>9}  note")
    for r in results:
        print(f"  {r.engine:<26} {fmt(r.cold):>12} {fmt(r.warm):>12} {fmt(r.p50, 1):>9} {fmt(r.p99, 1):>9}  {r.note}")
    for r in results:
        for key, value in r.extra.items():
            shown = ", ".join(fmt(v, 3 if "(s)" in key else 0) for v in value) if isinstance(value, tuple) else \
                fmt(value, 2 if "time)" in key else 0)
            print(f"  {r.engine} {key}: {shown}")

    def warm(name: str) -> float | None:
        return by_name[name].warm if name in by_name else None

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a and b else None

    many = f"{cores} threads"
    native1, nativeN = warm("native, 1 thread"), warm(f"native, {many}")
    pmml1, pmmlN = warm("PMML4S, 1 thread"), warm(f"PMML4S, {many}")
    sk1, skN = warm("scikit-learn, 1 thread"), warm(f"scikit-learn, {many}")
    ratios = {"native / scikit-learn, one thread": ratio(native1, sk1),
              "native / scikit-learn, all cores": ratio(nativeN, skN),
              "native / PMML4S, one thread": ratio(native1, pmml1),
              "native / PMML4S, all cores": ratio(nativeN, pmmlN)}
    for key, value in ratios.items():
        print(f"  {key}: {fmt(value, 2)}")
    native = by_name.get("native, 1 thread")
    pmml = by_name.get("PMML4S, 1 thread")

    def first(result: Result | None) -> str:
        return fmt(result.extra["first batch after load's warm-up / warm batch (time)"], 2) + "x" if result else "n/a"

    return [f"| {title} | {fmt(pmml1)} / {fmt(pmmlN)} | {fmt(native1)} / {fmt(nativeN)} | {fmt(sk1)} / {fmt(skN)} | "
            f"{fmt(ratios['native / scikit-learn, one thread'], 2)} / {fmt(ratios['native / scikit-learn, all cores'], 2)} | "
            f"{fmt(ratios['native / PMML4S, one thread'], 1)} / {fmt(ratios['native / PMML4S, all cores'], 1)} | "
            f"{fmt(native.p50, 1) if native else 'n/a'} / {fmt(native.p99, 1) if native else 'n/a'} | "
            f"{fmt(pmml.p50, 1) if pmml else 'n/a'} / {fmt(pmml.p99, 1) if pmml else 'n/a'} | {first(native)} |"]


MARKDOWN_HEADER = (
    "| model | PMML4S rows/s, 1 / all cores | native rows/s, 1 / all cores | scikit-learn rows/s, 1 / all cores "
    "| native / scikit-learn, 1 / all | native / PMML4S, 1 / all | native one record p50 / p99 µs "
    "| PMML4S one record p50 / p99 µs | native first batch after load / warm (time) |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows per batch")
    parser.add_argument("--single", type=int, default=1000, help="single-record calls per engine")
    parser.add_argument("--only", help="run only the models whose title contains this text")
    parser.add_argument("--skip", default="", help="comma-separated engines to skip (pmml4s,native,pypmml,jpmml,java,"
                        "sklearn)")
    parser.add_argument("--markdown", action="store_true", help="also print the warm figures as a Markdown table")
    parser.add_argument("--quick", action="store_true", help="20,000 rows, 300 single records, no pypmml, "
                        "jpmml_evaluator or Java loop (minutes, not tens of minutes)")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    if args.quick:
        args.rows, args.single = min(args.rows, 20_000), min(args.single, 300)
        skip |= {"pypmml", "jpmml", "java"}
    cores = os.cpu_count() or 1

    if "jpmml" in skip:
        jvm.start()
    else:
        import jpmml_evaluator

        jvm.start(classpath=jpmml_evaluator._package_classpath())  # one JPype JVM for pmmlkit and jpmml_evaluator
    X_numeric, y = synthetic(args.rows)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, Python {sys.version.split()[0]}; "
          f"{args.rows:,} rows per batch, {args.single} single-record calls")
    table = []
    with tempfile.TemporaryDirectory(prefix="pmmlkit-bench-") as tmp:
        folder = Path(tmp)
        classpath = compile_loop(folder) if "java" not in skip else []
        for title, estimator in models():
            if args.only and args.only not in title:
                continue
            X = with_categories(X_numeric) if "one-hot" in title else X_numeric
            records = X.head(args.single).to_dict("records")
            X.to_parquet(folder / "rows.parquet")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                estimator.fit(X.head(20_000), y[:20_000])
            path = pmmlkit.convert(estimator, X.head(100), target="y").save(folder / "model.pmml")
            # The Java loop gets the inputs PMML4S uses (trees may use fewer than 20), in its order,
            # as row-major little-endian doubles.
            names = pmmlkit.load(path, warm=False, cache=False).input_names
            numeric_inputs = all(pd.api.types.is_numeric_dtype(X[n].dtype) for n in names)
            if numeric_inputs:
                X[names].to_numpy(dtype=np.float64).tofile(folder / "rows.bin")
            progress(f"{title}: {path.stat().st_size:,} bytes of PMML")
            results = []
            # Native first: PMML4S leaves the JVM's collector busy after a big forest, which would
            # slow whatever runs next in this process.
            for engine in ("native", "pmml4s"):
                if engine in skip:
                    continue
                for threads in (1, cores) if cores > 1 else (1,):
                    results.append(bench_pmmlkit(path, X, records, folder / "rows.parquet", engine, threads))
                    progress(f"{results[-1].engine}: {results[-1].warm:,.0f} rows/s")
            if "pypmml" not in skip:
                results.append(bench_pypmml(path, X, records))
                progress(f"pypmml: {results[-1].warm:,.0f} rows/s")
            if "jpmml" not in skip:
                results.append(bench_jpmml(path, X, records))
                progress(f"jpmml_evaluator: {results[-1].warm:,.0f} rows/s")
            if "java" not in skip and numeric_inputs:  # (the loop reads doubles only)
                results.append(bench_java(classpath, path, folder / "rows.bin", len(X), len(names), args.single))
                progress(f"Java loop: {results[-1].warm:,.0f} rows/s")
            if "sklearn" not in skip:
                for threads in (1, cores) if cores > 1 else (1,):
                    results.append(bench_sklearn(estimator, X, threads))
            table += report(title, results, cores)
    if "pypmml" not in skip:
        _stop_pypmml()
    if args.markdown:
        print()
        print(MARKDOWN_HEADER)
        print("\n".join(table))
    return 0


def _stop_pypmml() -> None:
    try:
        from pypmml import PMMLContext

        PMMLContext.shutdown()
    except Exception:  # the measurements are done; a failing shutdown of pypmml's JVM changes nothing
        pass


if __name__ == "__main__":
    sys.exit(main())
