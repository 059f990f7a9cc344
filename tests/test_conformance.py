"""Every registered converter is exercised by the fidelity tables (like scikit-learn's
parametrize_with_checks: a converter without a fidelity row is a failure, not a silent gap)."""

from __future__ import annotations

import pytest
from cases import all_cases

from pmmlkit.registry import REGISTRY


def _classes(estimator) -> set[type]:
    found = {type(estimator)}
    if hasattr(estimator, "get_params"):
        for value in estimator.get_params(deep=True).values():
            if hasattr(value, "get_params") and not isinstance(value, type):
                found.add(type(value))
    return found


def _covered() -> set[type]:
    covered: set[type] = set()
    for case in all_cases("sklearn"):
        covered |= _classes(case.estimator())
    return covered


@pytest.mark.parametrize("entry", REGISTRY.entries("sklearn"), ids=lambda e: e.estimator.__name__)
def test_sklearn_converter_has_fidelity_rows(entry):
    assert entry.estimator in _covered(), (
        f"{entry.estimator.__name__} is registered but no row in tests/cases exercises it"
    )
