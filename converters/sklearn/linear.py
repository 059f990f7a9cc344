"""Linear models: LinearRegression, Ridge, LogisticRegression (binary, multinomial, one-vs-rest)."""

from __future__ import annotations

from typing import Any

from lxml import etree

from pmmlkit.builders.regression import linear_classifier, linear_regressor
from pmmlkit.context import Context
from pmmlkit.fields import Field

from .fitted import array, attribute


def convert_linear_regressor(regressor: Any, features: list[Field], context: Context) -> etree._Element:
    coefficients = array(regressor, context, "coef_")
    if coefficients.ndim > 1:
        if coefficients.shape[0] != 1:
            raise context.error(f"{type(regressor).__name__} with {coefficients.shape[0]} targets: "
                                "PMML models here predict one target; fit one model per target")
        coefficients = coefficients[0]
    context.expect_features(features, coefficients.shape[0], regressor)
    intercept = float(array(regressor, context, "intercept_").reshape(-1)[0]) if regressor.fit_intercept else 0.0
    return linear_regressor(features, coefficients, intercept, context.regression_target())


def convert_logistic_regression(classifier: Any, features: list[Field], context: Context) -> etree._Element:
    classes = attribute(classifier, context, "classes_")
    coefficients = array(classifier, context, "coef_")
    intercepts = array(classifier, context, "intercept_")
    context.expect_features(features, coefficients.shape[1], classifier)
    target = context.classification_target(classes)
    if len(classes) > 2 and _is_one_vs_rest(classifier):
        return _one_vs_rest(features, coefficients, intercepts, context)
    normalization = "logit" if len(classes) == 2 else "softmax"
    return linear_classifier(features, coefficients, intercepts, target, normalization)


def convert_one_vs_rest(classifier: Any, features: list[Field], context: Context) -> etree._Element:
    raise context.error("OneVsRestClassifier is not converted yet")


def _is_one_vs_rest(classifier: Any) -> bool:
    multi_class = getattr(classifier, "multi_class", "deprecated")
    if multi_class == "ovr":
        return True
    return multi_class in ("auto", "deprecated") and classifier.solver == "liblinear"


def _one_vs_rest(features: list[Field], coefficients: Any, intercepts: Any, context: Context) -> etree._Element:
    raise context.error("one-vs-rest LogisticRegression is not converted yet")
