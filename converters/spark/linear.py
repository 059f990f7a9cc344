"""Spark ML linear models: LogisticRegression, LinearRegression, GeneralizedLinearRegression, LinearSVC.

They are built with the shared builders (pmmlkit.builders.regression and .model); a GLM whose
link has no RegressionModel normalization (inverse, sqrt, power) becomes a
GeneralRegressionModel with a power link.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from pmmlkit.builders.fields import Field, Target
from pmmlkit.builders.model import label_output, replace_header, target_range, threshold_output
from pmmlkit.builders.regression import linear_classifier, linear_regressor, power_link_model

from .columns import StageContext
from .stages import features_of


def converters() -> dict[type, Callable[..., Any]]:
    from pyspark.ml import classification, regression

    return {
        classification.LogisticRegressionModel: convert_logistic_regression,
        classification.LinearSVCModel: convert_linear_svc,
        regression.LinearRegressionModel: convert_linear_regression,
        regression.GeneralizedLinearRegressionModel: convert_glm,
    }


# -- LogisticRegression ------------------------------------------------------------------------------------

def convert_logistic_regression(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    columns = context.columns
    fields = features_of(stage, fields, context)
    classes = columns.classes(stage.getLabelCol(), int(stage.numClasses))
    target = context.classification_target(classes)
    coefficients = stage.coefficientMatrix.toArray()
    intercepts = stage.interceptVector.toArray()
    if coefficients.shape[0] == 1:
        threshold = float(stage.getThreshold())
        node = linear_classifier(fields, coefficients, intercepts, target, "logit")
        if threshold != 0.5:
            # Spark predicts classes[1] when its probability exceeds the threshold.
            replace_header(node, "Output", threshold_output(target, threshold))
        return node
    if stage.isSet("thresholds"):
        raise context.error("a multinomial LogisticRegression with thresholds predicts argmax(p / t), which PMML's "
                            "RegressionModel cannot express; clear the thresholds (model.clear(model.thresholds))")
    return linear_classifier(fields, coefficients, intercepts, target, "softmax")


# -- LinearSVC ---------------------------------------------------------------------------------------------

def convert_linear_svc(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    """Spark predicts classes[1] when the margin exceeds the threshold (default 0).

    Written as a binary logit model of ``margin - threshold``, whose larger "probability" is
    classes[1]'s exactly when Spark predicts it. Spark gives no probabilities for LinearSVC, so the
    Output has the predicted class only.
    """
    columns = context.columns
    fields = features_of(stage, fields, context)
    classes = columns.classes(stage.getLabelCol(), 2)
    target = context.classification_target(classes)
    intercept = float(stage.intercept) - float(stage.getThreshold())
    node = linear_classifier(fields, stage.coefficients.toArray(), [intercept], target, "logit")
    replace_header(node, "Output", label_output(target))
    return node


# -- LinearRegression, GeneralizedLinearRegression --------------------------------------------------------------

def convert_linear_regression(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    fields = features_of(stage, fields, context)
    return linear_regressor(fields, stage.coefficients.toArray(), float(stage.intercept),
                            context.regression_target())


# Links whose inverse is a RegressionModel normalizationMethod.
_NORMALIZATIONS = {"identity": None, "log": "exp", "logit": "logit", "probit": "probit", "cloglog": "cloglog"}
_DEFAULT_LINKS = {"gaussian": "identity", "binomial": "logit", "poisson": "log", "gamma": "inverse"}


def convert_glm(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    """mean = unlink(intercept + coefficients . x [+ offset]), as Spark predicts."""
    columns = context.columns
    fields = features_of(stage, fields, context)
    coefficients = list(stage.coefficients.toArray())
    if stage.isDefined("offsetCol") and stage.getOrDefault("offsetCol"):
        # The offset enters the linear predictor with coefficient 1.
        fields = fields + [columns.scalar(stage.getOrDefault("offsetCol"))]
        coefficients.append(1.0)
    target = context.regression_target()
    family = stage.getFamily().lower()
    link = stage.getLink().lower() if stage.isDefined("link") and stage.getOrDefault("link") else None
    power: float | None = None
    if family == "tweedie":
        power = float(stage.getLinkPower()) if stage.isDefined("linkPower") and stage.getLinkPower() is not None \
            else 1.0 - float(stage.getVariancePower())
        link = "log" if power == 0 else "identity" if power == 1 else None
    elif link is None:
        link = _DEFAULT_LINKS.get(family)
        if link is None:
            raise context.error(f"GeneralizedLinearRegression family {family!r} is not known to pmmlkit")
    if link == "inverse":
        power = -1.0
    elif link == "sqrt":
        power = 0.5
    elif link is not None and link not in _NORMALIZATIONS:
        raise context.error(f"GeneralizedLinearRegression link {link!r} is not supported")
    intercept = float(stage.intercept)
    if link is not None and power is None:
        node = linear_regressor(fields, coefficients, intercept, target, _NORMALIZATIONS[link])
    else:
        node = power_link_model(fields, coefficients, intercept, target, float(power))
    replace_header(node, "Targets", _family_range(family, target))
    return node


# Spark's families clamp the mean into their domain ("project"), with this epsilon.
_EPSILON = 1e-16


def _family_range(family: str, target: Target) -> etree._Element | None:
    if family == "binomial":
        return target_range(target, _EPSILON, 1.0 - _EPSILON)
    if family in ("poisson", "gamma", "tweedie"):
        return target_range(target, _EPSILON, None)
    return None
