"""TreeSHAP speed: pmmlkit.explain on a converted 100-tree random forest beside shap.TreeExplainer
on the scikit-learn forest itself, in one run.

    .venv/bin/python benchmarks/treeshap.py [--rows 2000] [--trees 100] [--depth 10] [--quick]

The forest is a RandomForestRegressor on 8 features. Both sides are warmed alike (each explains a
first small batch, untimed: numba compiles pmmlkit's kernel, shap builds its tree arrays), then
each explains the same rows, best of three runs. Two pmmlkit figures: ``pmmlkit.explain`` from
the PMML text does everything each time (the gate, parsing, reading the trees, routing the records,
the kernel); a loaded model's explainer (what ``pmmlkit score --explain`` and the server's
``:explain`` use) has read the trees on its first frame and routes and explains each next frame.
shap's figure includes building its explainer from the fitted model. The script also checks the
results agree (max absolute difference) and prints rows per second; it never asserts. ``--quick``:
300 rows (about a minute on a shared machine).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import shap
from sklearn.ensemble import RandomForestRegressor

import pmmlkit
from pmmlkit.scoring.explaining import Explainer


def best_of(runs: int, work) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--trees", type=int, default=100)
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="300 rows")
    args = parser.parse_args()
    if args.quick:
        args.rows = 300
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(5000, 8)), columns=[f"x{i}" for i in range(8)])
    y = X.x0 * 2 + X.x1 ** 2 - X.x2 * X.x3 + rng.normal(size=len(X)) * 0.1
    forest = RandomForestRegressor(args.trees, max_depth=args.depth, random_state=0, n_jobs=1).fit(X, y)
    text = pmmlkit.convert(forest, X).to_string()
    rows = X.head(args.rows)
    nodes = sum(t.tree_.node_count for t in forest.estimators_)
    print(f"forest: {args.trees} trees, max depth {args.depth}, {nodes} nodes, 8 features; {len(rows)} rows")

    pmmlkit.explain(text, rows.head(10))  # warm: numba compiles the kernel (or loads it from its cache)
    explainer = Explainer(pmmlkit.load(text))
    explainer.explain(rows.head(10))  # the loaded model's explainer reads its trees once
    shap.TreeExplainer(forest).shap_values(rows.head(10))  # warm alike
    ours_s, ours = best_of(3, lambda: pmmlkit.explain(text, rows))
    loaded_s, loaded = best_of(3, lambda: explainer.explain(rows))
    theirs_s, theirs = best_of(3, lambda: shap.TreeExplainer(forest).shap_values(rows))
    columns = [list(X.columns).index(name) for name in ours.inputs]
    difference = max(float(np.abs(e.values[:, :, 0] - np.asarray(theirs)[:, columns]).max()) for e in (ours, loaded))
    print(f"{'':32}{'seconds':>10}{'rows/s':>12}")
    print(f"{'pmmlkit.explain (PMML text)':32}{ours_s:>10.3f}{len(rows) / ours_s:>12.0f}")
    print(f"{'pmmlkit, loaded model':32}{loaded_s:>10.3f}{len(rows) / loaded_s:>12.0f}")
    print(f"{'shap.TreeExplainer':32}{theirs_s:>10.3f}{len(rows) / theirs_s:>12.0f}")
    print(f"max |difference|: {difference:.2e}")


if __name__ == "__main__":
    main()
