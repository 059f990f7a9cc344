"""QuantileRegressor, Perceptron and PassiveAggressiveClassifier/Regressor: linear models whose
fitted ``coef_`` and ``intercept_`` score as the other linear models (their training differs,
their prediction does not). Perceptron and PassiveAggressiveClassifier have no predict_proba:
their PMML predicts the label only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sklearn import linear_model

from .linear_model import convert_linear_classifier, convert_linear_regressor


def converters() -> dict[type, Callable[..., Any]]:
    table: dict[str, Callable[..., Any]] = {
        "QuantileRegressor": convert_linear_regressor,
        "Perceptron": convert_linear_classifier,
        # Deprecated in scikit-learn 1.8, removed in 1.10: listed only where the release has them.
        "PassiveAggressiveRegressor": convert_linear_regressor,
        "PassiveAggressiveClassifier": convert_linear_classifier,
    }
    return {getattr(linear_model, name): function for name, function in table.items()
            if hasattr(linear_model, name)}
