"""Spark ML linear models: LogisticRegression, LinearRegression, GeneralizedLinearRegression, LinearSVC.

They share scikit-learn's RegressionModel builders (pmmlkit.builders.regression); a GLM whose
link has no RegressionModel normalization (inverse, sqrt, power) becomes a
GeneralRegressionModel with a power link.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from lxml import etree

from pmmlkit.builders.expressions import apply, constant, ref
from pmmlkit.builders.fields import Field, Target
from pmmlkit.builders.model import model, predicted_name, probability_name, regression_output, replace_header
from pmmlkit.builders.regression import linear_classifier, linear_regressor
from pmmlkit.pmml import element, format_value

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
    fields = features_of(stage, columns, context)
    classes = columns.classes(stage.getLabelCol(), int(stage.numClasses))
    target = context.classification_target(classes)
    coefficients = stage.coefficientMatrix.toArray()
    intercepts = stage.interceptVector.toArray()
    if coefficients.shape[0] == 1:
        threshold = float(stage.getThreshold())
        node = linear_classifier(fields, coefficients, intercepts, target, "logit")
        if threshold != 0.5:
            # Spark predicts classes[1] when its probability exceeds the threshold.
            replace_header(node, "Output", _thresholded_output(target, threshold))
        return node
    if stage.isSet("thresholds"):
        raise context.error("a multinomial LogisticRegression with thresholds predicts argmax(p / t), which PMML's "
                            "RegressionModel cannot express; clear the thresholds (model.clear(model.thresholds))")
    return linear_classifier(fields, coefficients, intercepts, target, "softmax")


def _thresholded_output(target: Target, threshold: float) -> etree._Element:
    """Probabilities, then the predicted class: classes[1] when its probability > threshold."""
    classes = target.classes or ()
    data_type = target.field().data_type
    node = element("Output")
    for label in classes:
        node.append(element("OutputField", name=probability_name(label), optype="continuous",
                            dataType="double", feature="probability", value=format_value(label)))
    rule = apply("if", apply("greaterThan", ref(probability_name(classes[1])), constant(threshold)),
                 constant(classes[1], data_type), constant(classes[0], data_type))
    node.append(element("OutputField", rule, name=predicted_name(target), optype="categorical",
                        dataType=data_type, feature="transformedValue"))
    return node


# -- LinearSVC ---------------------------------------------------------------------------------------------

def convert_linear_svc(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    """Spark predicts classes[1] when the margin exceeds the threshold (default 0).

    Written as a binary logit model of ``margin - threshold``, whose larger "probability" is
    classes[1]'s exactly when Spark predicts it. Spark gives no probabilities for LinearSVC, so the
    Output has the predicted class only.
    """
    columns = context.columns
    fields = features_of(stage, columns, context)
    classes = columns.classes(stage.getLabelCol(), 2)
    target = context.classification_target(classes)
    intercept = float(stage.intercept) - float(stage.getThreshold())
    node = linear_classifier(fields, stage.coefficients.toArray(), [intercept], target, "logit")
    output = element("Output", element("OutputField", name=predicted_name(target), optype="categorical",
                                       dataType=target.field().data_type, feature="predictedValue"))
    replace_header(node, "Output", output)
    return node


# -- LinearRegression, GeneralizedLinearRegression --------------------------------------------------------------

def convert_linear_regression(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    columns = context.columns
    fields = features_of(stage, columns, context)
    return linear_regressor(fields, stage.coefficients.toArray(), float(stage.intercept),
                            context.regression_target())


# Links whose inverse is a RegressionModel normalizationMethod.
_NORMALIZATIONS = {"identity": None, "log": "exp", "logit": "logit", "probit": "probit", "cloglog": "cloglog"}
_DEFAULT_LINKS = {"gaussian": "identity", "binomial": "logit", "poisson": "log", "gamma": "inverse"}


def convert_glm(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    """mean = unlink(intercept + coefficients . x [+ offset]), as Spark predicts."""
    columns = context.columns
    fields = features_of(stage, columns, context)
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
        node = power_glm(fields, coefficients, intercept, target, float(power))
    replace_header(node, "Targets", _family_range(family, target))
    return node


# Spark's families clamp the mean into their domain ("project"), with this epsilon.
_EPSILON = 1e-16


def _family_range(family: str, target: Target) -> etree._Element | None:
    if family == "binomial":
        low, high = _EPSILON, 1.0 - _EPSILON
    elif family in ("poisson", "gamma", "tweedie"):
        low, high = _EPSILON, None
    else:
        return None
    return element("Targets", element("Target", field=target.name, min=low, max=high))


def power_glm(fields: Sequence[Field], coefficients: Sequence[float], intercept: float, target: Target,
              power: float) -> etree._Element:
    """A GeneralRegressionModel with mean = eta ** (1 / power)."""
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
