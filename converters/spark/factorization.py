"""Spark ML factorization machines: FMRegressor and FMClassifier.

Spark's raw prediction (``FactorizationMachinesModel.getRawPrediction``) is

    intercept + linear . x + sum_f 0.5 * ((sum_i V[i, f] x_i)^2 - sum_i (V[i, f] x_i)^2)

FMRegressor predicts it; FMClassifier's probability of class 1 is its sigmoid. Each factor's
pairwise term becomes one DerivedField, and the model a RegressionModel over the features and
those fields (coefficient 0.5), with a ``logit`` normalization for the classifier.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from typing import Any

from lxml import etree

from pmmlkit.builders.expressions import apply, constant, fold, ref
from pmmlkit.builders.fields import Field
from pmmlkit.builders.regression import linear_classifier, linear_regressor
from pmmlkit.context import Context

from .columns import StageContext
from .stages import features_of, no_thresholds


def converters() -> dict[type, Callable[..., Any]]:
    from pyspark.ml import classification, regression

    return {
        regression.FMRegressionModel: convert_fm_regressor,
        classification.FMClassificationModel: convert_fm_classifier,
    }


def _features_and_coefficients(stage: Any, fields: list[Field], context: Context) -> tuple[list[Field], list[float]]:
    """The features plus one pairwise-term field per factor, and their coefficients."""
    fields = features_of(stage, fields, context)
    factors = stage.factors.toArray()  # numFeatures x factorSize
    if factors.shape[0] != len(fields):
        raise context.error(f"the model has factors for {factors.shape[0]} features, but column "
                            f"{stage.getFeaturesCol()!r} holds {len(fields)}")
    linear = [float(c) for c in stage.linear.toArray()]
    terms: list[Field] = []
    for f in range(factors.shape[1]):
        products = [apply("*", constant(float(factors[i, f])), ref(field))
                    for i, field in enumerate(fields) if factors[i, f] != 0]
        if not products:
            continue
        total = fold("+", products)
        # An lxml element has one parent: every second use of a subtree is a copy.
        squares = fold("+", [apply("*", p, deepcopy(p)) for p in deepcopy(products)])
        term = apply("-", apply("*", total, deepcopy(total)), squares)
        terms.append(context.scope.derive(f"fm_factor_{f}", term))
    return fields + terms, linear + [0.5] * len(terms)


def convert_fm_regressor(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    fields, coefficients = _features_and_coefficients(stage, fields, context)
    return linear_regressor(fields, coefficients, float(stage.intercept), context.regression_target())


def convert_fm_classifier(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    columns = context.columns
    no_thresholds(stage, context, "FMClassifier")
    fields, coefficients = _features_and_coefficients(stage, fields, context)
    target = context.classification_target(columns.classes(stage.getLabelCol(), 2))
    return linear_classifier(fields, [coefficients], [float(stage.intercept)], target, "logit")
