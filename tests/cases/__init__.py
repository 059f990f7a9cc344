"""Tables of fidelity cases: adding a model adds a row here, not a test file.

Each module in this package lists ``CASES``; ``all_cases(framework)`` gathers them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

MODULES = {
    "sklearn": ("cases.sklearn_linear", "cases.sklearn_preprocessing", "cases.sklearn_tree", "cases.sklearn_more",
                "cases.sklearn_ensembles", "cases.lightgbm_cases", "cases.xgboost_cases"),
}


@dataclass(frozen=True)
class Case:
    """A model to fit, the data to fit it on, and the rows to score.

    ``data()`` returns (X_fit, y, X_eval); ``extra_rows(fitted, X_fit)``, when given, returns
    more rows to score that depend on the fitted model (e.g. rows at split thresholds).
    ``xfail`` marks a known gap, with its reason.
    """

    id: str
    estimator: Callable[[], Any]
    data: Callable[[], tuple[pd.DataFrame, Any, pd.DataFrame]]
    extra_rows: Callable[[Any, pd.DataFrame], pd.DataFrame] | None = None
    xfail: str | None = None


def all_cases(framework: str) -> list[Case]:
    cases: list[Case] = []
    for name in MODULES[framework]:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        cases.extend(module.CASES)
    return cases
