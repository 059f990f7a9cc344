"""RegressionModel builders for linear regression and linear classifiers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from lxml import etree

from ..pmml import element, format_value
from .fields import Field, Target
from .model import model, output_for


def regression_table(features: Sequence[Field], coefficients: Sequence[float], intercept: float,
                     category: object = None) -> etree._Element:
    """A RegressionTable; zero coefficients are left out (they change nothing)."""
    table = element("RegressionTable", intercept=float(intercept),
                    targetCategory=None if category is None else format_value(category))
    for field, coefficient in zip(features, coefficients):
        if coefficient != 0:
            table.append(element("NumericPredictor", name=field.name, coefficient=float(coefficient)))
    return table


def linear_regressor(features: Sequence[Field], coefficients: Sequence[float], intercept: float,
                     target: Target, normalization: str | None = None) -> etree._Element:
    """y = intercept + sum(coef * x), optionally through a normalization (``exp`` for a log link, ...)."""
    return model("RegressionModel", regression_table(features, coefficients, intercept),
                 function="regression", target=target, output=output_for(target),
                 normalizationMethod=normalization)


def linear_classifier(features: Sequence[Field], coefficients: np.ndarray, intercepts: Sequence[float],
                      target: Target, normalization: str) -> etree._Element:
    """A linear classifier.

    Binary (one row of coefficients): the first table scores ``classes[1]``; with ``logit`` its
    probability is ``1 / (1 + exp(-score))`` and ``classes[0]`` gets the rest.
    Multiclass (one row per class): ``softmax`` over the class scores.
    """
    classes = target.classes or ()
    coefficients = np.atleast_2d(np.asarray(coefficients, dtype=np.float64))
    intercepts = np.atleast_1d(np.asarray(intercepts, dtype=np.float64))
    if coefficients.shape[0] == 1 and len(classes) == 2:
        tables = [regression_table(features, coefficients[0], intercepts[0], classes[1]),
                  regression_table(features, [], 0.0, classes[0])]
    else:
        tables = [regression_table(features, row, b, label)
                  for row, b, label in zip(coefficients, intercepts, classes)]
    return model("RegressionModel", *tables, function="classification", target=target,
                 output=output_for(target), normalizationMethod=normalization)
