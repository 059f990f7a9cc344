"""TreeSHAP speed: pmmlkit.explain on a converted 100-tree random forest beside shap.TreeExplainer
on the scikit-learn forest itself, in one run.

    .venv/bin/python benchmarks/treeshap.py [--rows 2000] [--trees 100] [--depth 10]

The forest is a RandomForestRegressor on 8 features. Both sides are warmed alike (each explains a
first small batch, untimed: numba compiles pmmlkit's kernel, shap builds its tree arrays), then
each explains the same rows, best of three runs. pmmlkit's figure includes everything
``pmmlkit.explain`` does from the PMML text: the gate, flattening the trees, routing the records,
the kernel. shap's includes building its explainer from the fitted model. The script also checks
the two agree (max absolute difference) and prints rows per second; it never asserts.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import shap
from sklearn.ensemble import RandomForestRegressor

import pmmlkit


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
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(5000, 8)), columns=[f"x{i}" for i in range(8)])
    y = X.x0 * 2 + X.x1 ** 2 - X.x2 * X.x3 + rng.normal(size=len(X)) * 0.1
    forest = RandomForestRegressor(args.trees, max_depth=args.depth, random_state=0, n_jobs=1).fit(X, y)
    text = pmmlkit.convert(forest, X).to_string()
    rows = X.head(args.rows)
    nodes = sum(t.tree_.node_count for t in forest.estimators_)
    print(f"forest: {args.trees} trees, max depth {args.depth}, {nodes} nodes, 8 features; {len(rows)} rows")

    pmmlkit.explain(text, rows.head(10))  # warm: numba compiles the kernel
    shap.TreeExplainer(forest).shap_values(rows.head(10))  # warm alike
    ours_s, ours = best_of(3, lambda: pmmlkit.explain(text, rows))
    theirs_s, theirs = best_of(3, lambda: shap.TreeExplainer(forest).shap_values(rows))
    columns = [list(X.columns).index(name) for name in ours.inputs]
    difference = float(np.abs(ours.values[:, :, 0] - np.asarray(theirs)[:, columns]).max())
    print(f"{'':24}{'seconds':>10}{'rows/s':>12}")
    print(f"{'pmmlkit.explain (PMML)':24}{ours_s:>10.3f}{len(rows) / ours_s:>12.0f}")
    print(f"{'shap.TreeExplainer':24}{theirs_s:>10.3f}{len(rows) / theirs_s:>12.0f}")
    print(f"max |difference|: {difference:.2e}")


if __name__ == "__main__":
    main()
