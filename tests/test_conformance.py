"""Every registered converter of every front end is exercised by a row of the fidelity table (like
scikit-learn's parametrize_with_checks: a converter without a fidelity row is a failure, not a
silent gap). Nothing is fitted: the classes a row converts are read from its unfitted model (Spark
needs its session even for that)."""

from __future__ import annotations

import functools
import importlib
import sys
from pathlib import Path
from typing import Any

import pytest
from cases import all_cases
from spark_support import SPARK_GROUP, spark  # noqa: F401  (the session fixture, for Spark rows)

from pmmlkit.frontends import FRONT_ENDS
from pmmlkit.registry import REGISTRY

ROOT = Path(__file__).resolve().parent.parent


def fitted_classes(estimator: Any) -> set[type]:
    """The classes of the fitted objects ``estimator`` becomes: its own and its steps' (scikit-learn
    parameters, Spark pipeline stages), an estimator class standing for the model class it fits."""
    found: set[type] = set()
    pending = [estimator]
    while pending:
        part = pending.pop()
        found.add(_fitted_class(type(part)))
        if hasattr(part, "getStages"):
            pending.extend(part.getStages())
        elif hasattr(part, "get_params") and not isinstance(part, type):
            pending.extend(v for v in part.get_params(deep=True).values() if hasattr(v, "get_params"))
    return found


def _fitted_class(cls: type) -> type:
    # A Spark estimator declares the model class it fits as the return type of _create_model.
    annotation = getattr(getattr(cls, "_create_model", None), "__annotations__", {}).get("return")
    if isinstance(annotation, str):
        annotation = getattr(sys.modules[cls.__module__], annotation, None) or \
            getattr(importlib.import_module(cls.__module__), annotation)
    return annotation if isinstance(annotation, type) else cls


@functools.cache
def covered(framework: str) -> frozenset[type]:
    classes: set[type] = set()
    for case in all_cases(framework):
        if not case.unavailable:
            classes |= fitted_classes(case.estimator())
    return frozenset(classes)


def _entries():
    for front_end in FRONT_ENDS.all():
        if not front_end.available():
            continue
        marks = [pytest.mark.xdist_group(SPARK_GROUP)] if front_end.name == "spark" else []
        for entry in REGISTRY.entries(front_end.name):
            yield pytest.param(entry, id=f"{entry.framework}-{entry.estimator.__name__}", marks=marks)


# Classes a table row cannot fit (a native Booster comes from a train() call, a ranker's fit needs
# query groups): each is scored on both engines, against its own predict, in the module named here.
FIDELITY_ELSEWHERE = {
    "lightgbm.basic.Booster": "tests/test_lightgbm.py",
    "lightgbm.sklearn.LGBMRanker": "tests/test_lightgbm.py",
    "xgboost.core.Booster": "tests/test_xgboost.py",
    "xgboost.sklearn.XGBRanker": "tests/test_xgboost.py",
}


@pytest.mark.parametrize("entry", list(_entries()))
def test_converter_has_fidelity_rows(entry, request):
    if entry.framework == "spark":
        request.getfixturevalue("spark")  # pyspark builds even an unfitted stage in the JVM
    elsewhere = FIDELITY_ELSEWHERE.get(f"{entry.estimator.__module__}.{entry.estimator.__qualname__}")
    if elsewhere is not None:
        name = entry.estimator.__name__
        assert name in (ROOT / elsewhere).read_text(), f"{elsewhere} no longer converts {name}"
        return
    assert entry.estimator in covered(entry.framework), (
        f"{entry.estimator.__module__}.{entry.estimator.__name__} is registered by the {entry.framework} front "
        "end but no row in tests/cases exercises it"
    )


def test_every_front_end_has_cases():
    for front_end in FRONT_ENDS.all():
        assert all_cases(front_end.name), f"front end {front_end.name!r} has no rows in tests/cases"
