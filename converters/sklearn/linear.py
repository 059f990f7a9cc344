"""Linear models: LinearRegression, Ridge, LogisticRegression (binary, multinomial, one-vs-rest)."""

from __future__ import annotations

from typing import Any

import numpy as np
from lxml import etree

from pmmlkit.builders.regression import linear_classifier, linear_regressor, regression_table
from pmmlkit.context import Context
from pmmlkit.expressions import apply, constant, ref
from pmmlkit.fields import Field
from pmmlkit.models import model, output_for
from pmmlkit.pmml import format_value

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
    from sklearn.linear_model import LogisticRegression

    estimators = attribute(classifier, context, "estimators_")
    classes = attribute(classifier, context, "classes_")
    if getattr(classifier, "multilabel_", False):
        raise context.error("OneVsRestClassifier fitted on multilabel targets predicts several labels per row; "
                            "PMML models here predict one: fit it on a single label column")
    for estimator in estimators:
        if not isinstance(estimator, LogisticRegression):
            raise context.error(f"OneVsRestClassifier over {type(estimator).__name__} is not supported; "
                                "only OneVsRestClassifier(LogisticRegression()) is converted")
    coefficients = np.vstack([array(e, context, "coef_") for e in estimators])
    intercepts = np.concatenate([array(e, context, "intercept_").reshape(-1) for e in estimators])
    context.expect_features(features, coefficients.shape[1], classifier)
    target = context.classification_target(classes)
    if len(estimators) == 1:
        # Two classes: one estimator scores classes_[1]; scikit-learn returns [1 - p, p].
        return linear_classifier(features, coefficients, intercepts, target, "logit")
    return _one_vs_rest(features, coefficients, intercepts, context)


def _is_one_vs_rest(classifier: Any) -> bool:
    multi_class = getattr(classifier, "multi_class", "deprecated")
    if multi_class == "ovr":
        return True
    return multi_class in ("auto", "deprecated") and classifier.solver == "liblinear"


def _one_vs_rest(features: list[Field], coefficients: Any, intercepts: Any, context: Context) -> etree._Element:
    """One-vs-rest probabilities: ``p_k = expit(z_k) / sum_j expit(z_j)``.

    Each ``expit(z_k)`` is a derived field; a RegressionModel with ``simplemax`` (``y_k / sum y``)
    over tables ``y_k = 1 * expit(z_k)`` then divides by their sum, as scikit-learn does.
    The argmax of the ``expit`` values is the argmax of the decision values that ``predict`` uses.
    """
    target = context.target
    classes = target.classes or ()
    scope = context.scope
    tables = []
    for label, row, intercept in zip(classes, coefficients, intercepts):
        decision: etree._Element = constant(float(intercept))
        for field, coefficient in zip(features, row):
            if coefficient != 0:
                decision = apply("+", decision, apply("*", constant(float(coefficient)), ref(field)))
        z = scope.derive(f"decision({format_value(label)})", decision)
        expit = apply("/", constant(1.0), apply("+", constant(1.0), apply("exp", apply("*", constant(-1.0), ref(z)))))
        probability = scope.derive(f"expit({format_value(label)})", expit)
        tables.append(regression_table([probability], [1.0], 0.0, label))
    return model("RegressionModel", *tables, function="classification", target=target,
                 output=output_for(target), normalizationMethod="simplemax")
