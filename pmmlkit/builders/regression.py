"""Builders for regression models: linear regression and linear classifiers (RegressionModel),
GLMs with a power link (GeneralRegressionModel), and classifiers whose class scores are
normalised with a softmax computed step by step (as the frameworks compute it)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from lxml import etree

from ..pmml import element, format_value
from .fields import Field, Target
from .model import model, output_for, regression_output


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


def power_link_model(fields: Sequence[Field], coefficients: Sequence[float], intercept: float, target: Target,
                     power: float) -> etree._Element:
    """A GeneralRegressionModel with mean = eta ** (1 / power), eta = intercept + coefficients . x
    (zero coefficients left out)."""
    parameters = element("ParameterList", element("Parameter", name="p0", label="(intercept)"))
    covariates = element("CovariateList")
    cells = element("PPMatrix")
    betas = element("ParamMatrix", element("PCell", parameterName="p0", beta=float(intercept), df=1))
    for i, (field, coefficient) in enumerate(zip(fields, coefficients), start=1):
        if coefficient == 0:
            continue
        parameters.append(element("Parameter", name=f"p{i}", label=field.name))
        covariates.append(element("Predictor", name=field.name))
        cells.append(element("PPCell", value=1, predictorName=field.name, parameterName=f"p{i}"))
        betas.append(element("PCell", parameterName=f"p{i}", beta=float(coefficient), df=1))
    body = [parameters, covariates if len(covariates) else None, cells, betas]
    return model("GeneralRegressionModel", *[b for b in body if b is not None], function="regression",
                 target=target, output=regression_output(target), modelType="generalizedLinear",
                 linkFunction="power", linkParameter=float(power))
