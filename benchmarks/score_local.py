"""Local scoring speed: pmmlkit vs pypmml vs jpmml_evaluator, on the same PMML files.

    .venv/bin/python benchmarks/score_local.py [--rows 100000] [--trees 100] [--single 1000]

Batch: rows/s of scoring one DataFrame. Single record: the latency of scoring one dict.
pypmml starts its own JVM (py4j); pmmlkit and jpmml_evaluator share one JPype JVM here. The
script prints a table and never asserts: it measures, the tests check correctness.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import pmmlkit


def synthetic(rows: int, features: int = 20, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=rows, n_features=features, n_informative=10, random_state=seed)
    return pd.DataFrame(X, columns=[f"x{i + 1}" for i in range(features)]), y


def logistic_pipeline() -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def forest(trees: int) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=trees, max_depth=10, random_state=0, n_jobs=1)


def progress(message: str) -> None:
    print(f"  ... {message}", file=sys.stderr, flush=True)


def timed(function: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs (after one untimed warm-up run) and the last result."""
    result = function()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def max_difference(a: pd.DataFrame, b: pd.DataFrame) -> float:
    columns = [c for c in a.columns if c.startswith("probability_") and c in b.columns]
    if not columns:
        return float("nan")
    return float(max(np.nanmax(np.abs(a[c].to_numpy(float) - b[c].to_numpy(float))) for c in columns))


def batch(path: Path, frame: pd.DataFrame, repeat: int) -> list[tuple[str, float, float]]:
    """(engine, rows/s, max |probability difference| from pmmlkit) per engine."""
    import jpmml_evaluator
    from pypmml import Model as PypmmlModel

    engines: list[tuple[str, Callable[[], Callable[[], pd.DataFrame]]]] = [
        ("pmmlkit", lambda: (lambda model: lambda: model.predict(frame))(pmmlkit.load(path))),
        ("pypmml", lambda: (lambda model: lambda: model.predict(frame))(PypmmlModel.fromFile(str(path)))),
        ("jpmml_evaluator", lambda: (lambda evaluator: lambda: evaluator.evaluateAll(frame))(
            jpmml_evaluator.make_evaluator(str(path)).verify())),
    ]
    results = []
    reference = None
    for name, prepare in engines:
        score = prepare()
        seconds, scores = timed(score, repeat if name != "pypmml" else 1)
        progress(f"{name}: {len(frame) / seconds:,.0f} rows/s")
        if reference is None:
            reference = scores
        results.append((name, len(frame) / seconds, max_difference(reference, scores)))
    return results


def single(path: Path, frame: pd.DataFrame, calls: int) -> list[tuple[str, float]]:
    """(engine, median microseconds per one-record call)."""
    from pypmml import Model as PypmmlModel

    records = frame.head(calls).to_dict("records")
    out = []
    for name, model in (("pmmlkit", pmmlkit.load(path)), ("pypmml", PypmmlModel.fromFile(str(path)))):
        for record in records[:50]:  # warm up the JIT and caches
            model.predict(record)
        times = []
        for record in records:
            start = time.perf_counter()
            model.predict(record)
            times.append(time.perf_counter() - start)
        out.append((name, statistics.median(times) * 1e6))
        progress(f"{name}: {out[-1][1]:,.0f} µs per record")
    return out


def markdown(tables: list[tuple[str, list[tuple[str, float, float]], list[tuple[str, float]]]]) -> str:
    lines = ["| Model | Engine | Batch rows/s | vs pmmlkit | One record, median µs | time vs pmmlkit |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for title, rows, latency in tables:
        single_by_name = dict(latency)
        for name, rate, _ in rows:
            micros = single_by_name.get(name)
            single_text = f"{micros:,.0f} | {micros / latency[0][1]:.1f}x" if micros is not None else "n/a | n/a"
            lines.append(f"| {title} | {name} | {rate:,.0f} | {rate / rows[0][1]:.2f}x | {single_text} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows scored in the batch test")
    parser.add_argument("--trees", type=int, default=100, help="trees in the forest (0 to skip it)")
    parser.add_argument("--single", type=int, default=1000, help="one-record calls in the latency test")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per engine (best is kept; pypmml runs once)")
    parser.add_argument("--markdown", action="store_true", help="print the results as a Markdown table (for the README)")
    args = parser.parse_args()

    import jpmml_evaluator

    # One JPype JVM for both in-process engines, as in the tests.
    pmmlkit.scoring.jvm.start(extra_classpath=jpmml_evaluator._package_classpath())
    X, y = synthetic(args.rows)
    fit_rows = min(len(X), 20_000)
    models = [("logistic regression pipeline (20 features)", logistic_pipeline())]
    if args.trees:
        models.append((f"random forest ({args.trees} trees, depth 10)", forest(args.trees)))

    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; batch of {len(X):,} rows, "
          f"{args.single} single-record calls")
    tables = []
    with tempfile.TemporaryDirectory() as tmp:
        for title, estimator in models:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                estimator.fit(X.head(fit_rows), y[:fit_rows])
            path = Path(tmp) / "model.pmml"
            try:
                pmmlkit.convert(estimator, X.head(100), target="y").save(path)
            except pmmlkit.ConversionError as exc:
                print(f"\n{title}: not converted ({exc}); skipped")
                continue
            progress(f"{title}: {path.stat().st_size:,} bytes of PMML")
            tables.append((title, batch(path, X, args.repeat), single(path, X, args.single)))

    _stop_pypmml()
    for title, rows, latency in tables:
        base = rows[0][1]
        print(f"\n{title}")
        print(f"  {'engine':<16} {'rows/s':>12} {'vs pmmlkit':>11} {'max |dp|':>10}")
        for name, rate, diff in rows:
            print(f"  {name:<16} {rate:>12,.0f} {rate / base:>10.2f}x {diff:>10.1e}")
        single_base = latency[0][1]
        print(f"  {'one record':<16} {'median µs':>12} {'time vs pmmlkit':>16}")
        for name, micros in latency:
            print(f"  {name:<16} {micros:>12,.0f} {micros / single_base:>15.1f}x")
    if args.markdown:
        print()
        print(markdown(tables))
    return 0


def _stop_pypmml() -> None:
    try:
        from pypmml import PMMLContext

        PMMLContext.shutdown()
    except Exception:  # the measurements are done; a failing shutdown of pypmml's JVM changes nothing
        pass


if __name__ == "__main__":
    sys.exit(main())
