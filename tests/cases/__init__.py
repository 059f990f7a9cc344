"""The one table of fidelity cases, for every framework: adding a model adds a row here, not a test file.

Each module in this package lists ``CASES``; ``MODULES`` says which front end (framework) its
rows are for, and ``all_cases(framework)`` gathers them (every framework's when None).
"""

from __future__ import annotations

import dataclasses
import importlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

# Front-end name -> the case modules of that framework.
MODULES = {
    "sklearn": ("cases.sklearn_linear", "cases.sklearn_preprocessing", "cases.sklearn_tree", "cases.sklearn_more",
                "cases.sklearn_families", "cases.sklearn_ensembles"),
    "spark": ("cases.spark_cases", "cases.spark_model_cases", "cases.spark_more_cases"),
    "lightgbm": ("cases.lightgbm_cases",),
    "xgboost": ("cases.xgboost_cases",),
}


@dataclass(frozen=True)
class Case:
    """A model to fit, the data to fit it on, and the rows to score.

    ``estimator()`` returns the unfitted model (a scikit-learn estimator, a Spark Pipeline, ...);
    ``data()`` returns (X_fit, y, X_eval) as pandas frames (y is None where the label is a column
    of X_fit); ``extra_rows(fitted, X_fit)``, when given, returns more rows to score that depend
    on the fitted model (e.g. rows at split thresholds). ``xfail`` marks a known gap, with its
    reason. ``unavailable`` says why the installed releases cannot build the row (an option newer
    than the oldest release supported, see tests/version_matrix.py): the row is then skipped, and
    its ``estimator`` must build the model lazily. ``framework`` is filled in by :func:`all_cases`.
    ``engine_tolerance``, when given, replaces the 1e-12 to which the native engine must agree with
    PMML4S on this row (harness.ENGINE_TOLERANCE), with the reason in a comment beside it.
    """

    id: str
    estimator: Callable[[], Any]
    data: Callable[[], tuple[pd.DataFrame, Any, pd.DataFrame]]
    extra_rows: Callable[[Any, pd.DataFrame], pd.DataFrame] | None = None
    xfail: str | None = None
    unavailable: str | None = None
    framework: str = ""
    engine_tolerance: float | None = None


def all_cases(framework: str | None = None) -> list[Case]:
    cases: list[Case] = []
    for name, modules in MODULES.items():
        if framework not in (None, name):
            continue
        for module_name in modules:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            cases.extend(dataclasses.replace(case, framework=name) for case in module.CASES)
    return cases


def fit_quietly(estimator: Any, X: Any, y: Any) -> Any:
    """``estimator.fit(X, y)`` without the library's warnings (convergence, deprecations): a test
    checks what pmmlkit makes of the fitted model, not how well the tiny data fits it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(X, y)

