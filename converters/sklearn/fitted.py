"""Typed readers of fitted scikit-learn state, with errors that name the fix."""

from __future__ import annotations

from typing import Any

import numpy as np

from pmmlkit.context import Context


def attribute(estimator: Any, context: Context, *names: str) -> Any:
    """The first of ``names`` that the fitted estimator has (newer releases first)."""
    for name in names:
        if hasattr(estimator, name):
            return getattr(estimator, name)
    fitted = any(n.endswith("_") and not n.startswith("_") for n in vars(estimator))
    if not fitted:
        raise context.error(f"{type(estimator).__name__} is not fitted: call fit() before converting")
    raise context.error(
        f"{type(estimator).__name__} has none of the fitted attributes {list(names)}; this scikit-learn "
        f"release may store them differently: please report it with your scikit-learn version"
    )


def array(estimator: Any, context: Context, *names: str) -> np.ndarray:
    return np.asarray(attribute(estimator, context, *names), dtype=np.float64)


def n_features(estimator: Any, context: Context) -> int:
    return int(attribute(estimator, context, "n_features_in_"))
