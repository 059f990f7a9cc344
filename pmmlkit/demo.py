"""The demo behind ``make demo``: train -> convert -> save -> validate -> score -> verify, then
online features with Redis when redis-server is available (demo_online.py).

Run ``python -m pmmlkit.demo --out out``. It trains pipelines on data sets that ship with
scikit-learn, writes ``out/<name>.pmml``, checks each file and prints a short summary. The exit
status is 0 only when every step of every model succeeded.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import demo_online

VERIFICATION_ROWS = 20


@dataclass(frozen=True)
class Demo:
    name: str
    target: str
    # -> (X to fit, y, X to score): the scored rows may hold what training lacked (missing values).
    data: Callable[[], tuple[pd.DataFrame, pd.Series, pd.DataFrame]]
    estimator: Callable[[], Any]


@dataclass
class Outcome:
    name: str
    path: Path | None = None
    rows: int = 0
    differences: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def breast_cancer() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    # Plain identifiers make friendlier PMML field names than "mean radius".
    X.columns = [c.replace(" ", "_") for c in X.columns]
    # Also score copies of some rows with a "mean" measurement missing: the imputer fills it in.
    holes = X.iloc[::10].copy()
    holes["mean_radius"] = np.nan
    holes["mean_texture"] = np.nan
    return X, y.map({0: "malignant", 1: "benign"}), pd.concat([X, holes], ignore_index=True)


def wine() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True, as_frame=True)
    X.columns = [c.replace("/", "_") for c in X.columns]
    return X, y, X


def imputed_logistic() -> Any:
    """Imputer + scaler on the "mean_*" columns, a min-max scaler on the others, then a logistic regression."""
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    columns = ColumnTransformer([
        ("mean", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), make_column_selector("^mean_")),
        ("other", MinMaxScaler(), make_column_selector("^(?!mean_)")),
    ])
    return make_pipeline(columns, LogisticRegression(max_iter=5000))


def random_forest() -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=100, max_depth=8, random_state=0)


DEMOS = (
    Demo("breast_cancer_logistic", "diagnosis", breast_cancer, imputed_logistic),
    Demo("wine_random_forest", "cultivar", wine, random_forest),
)


def run_demo(demo: Demo, out: Path) -> Outcome:
    """Every step for one model; a failing step is recorded and ends this model's run."""
    import pmmlkit
    from pmmlkit.verify import verify

    outcome = Outcome(demo.name)
    clock = _Clock(outcome.seconds)
    try:
        with clock("train"):
            X, y, X_score = demo.data()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                estimator = demo.estimator().fit(X, y)
        with clock("convert"):
            document = pmmlkit.convert(estimator, X, target=demo.target, verification=X.head(VERIFICATION_ROWS))
        with clock("save"):
            outcome.path = document.save(out / f"{demo.name}.pmml")
        with clock("validate"):
            _validate(outcome)
        with clock("load"):
            model = pmmlkit.load(outcome.path)
        with clock("predict"):
            scores = model.predict(X_score)
        outcome.rows = len(scores)
        with clock("verify"):
            report = verify(estimator, outcome.path, X_score)
        outcome.differences = dict(report.differences)
        outcome.problems.extend(str(issue) for issue in report.errors)
        if report.rows != len(X_score):
            outcome.problems.append(f"verify checked {report.rows} rows, expected {len(X_score)}")
    except pmmlkit.PMMLError as exc:
        outcome.problems.append(f"{type(exc).__name__}: {exc}")
    return outcome


def _validate(outcome: Outcome) -> None:
    from pmmlkit.validate import validate

    report = validate(outcome.path)
    outcome.problems.extend(f"validate: {issue}" for issue in report.errors)
    outcome.notes.extend(f"validate: {issue}" for issue in report.warnings)


class _Clock:
    """``with clock(step):`` records the step's wall time in seconds."""

    def __init__(self, seconds: dict[str, float]) -> None:
        self.seconds = seconds

    def __call__(self, step: str) -> _Step:
        return _Step(self.seconds, step)


class _Step:
    def __init__(self, seconds: dict[str, float], step: str) -> None:
        self.seconds, self.step = seconds, step

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.seconds[self.step] = time.perf_counter() - self.start


def summary(outcome: Outcome) -> str:
    lines = [f"{outcome.name}: {'OK' if outcome.ok else 'FAILED'}"]
    if outcome.path is not None and outcome.path.exists():
        lines.append(f"  file: {outcome.path} ({outcome.path.stat().st_size:,} bytes)")
    if outcome.rows:
        lines.append(f"  rows scored: {outcome.rows}")
    for name, diff in outcome.differences.items():
        lines.append(f"  max |difference| {name}: {diff:.3g}")
    if outcome.seconds:
        lines.append("  seconds: " + ", ".join(f"{k} {v:.3f}" for k, v in outcome.seconds.items()))
    lines.extend(f"  note: {note}" for note in outcome.notes)
    lines.extend(f"  problem: {problem}" for problem in outcome.problems)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pmmlkit.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out", help="folder for the PMML files (created if missing)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    outcomes = []
    for demo in DEMOS:
        outcome = run_demo(demo, out)
        print(summary(outcome), flush=True)
        outcomes.append(outcome)
    failed = [o.name for o in outcomes if not o.ok]
    online, message = demo_online.run(out)  # embeddings in Redis -> :rank, and precompute (or how to get Redis)
    print(f"online features: {'OK: ' if online else 'FAILED: ' if online is False else 'skipped: '}{message}",
          flush=True)
    if online is False:
        failed.append("online features")
    total = time.perf_counter() - started
    if failed:
        print(f"demo FAILED for {', '.join(failed)} ({total:.1f} s)")
        return 1
    print(f"demo OK: {len(outcomes)} models converted, validated, scored and verified at 1e-9 ({total:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
