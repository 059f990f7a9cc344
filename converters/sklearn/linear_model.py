"""sklearn.linear_model: LinearRegression, Ridge, Lasso, ElasticNet, SGD, Huber, BayesianRidge,
LogisticRegression, RidgeClassifier, and the linear SVMs of sklearn.svm (LinearSVC, LinearSVR),
which are the same models fitted with another loss."""

from __future__ import annotations

from typing import Any

import numpy as np
from lxml import etree
from sklearn import linear_model, svm

from pmmlkit.builders.expressions import apply, constant, if_else, ref
from pmmlkit.builders.fields import Field, Target
from pmmlkit.builders.model import label_output, model, output_for, replace_header
from pmmlkit.builders.regression import linear_classifier, linear_regressor, regression_table
from pmmlkit.builders.tree import Leaf, Node, Split, tree_model
from pmmlkit.context import Context, Converter
from pmmlkit.pmml import format_value

from .fitted import array, attribute


def converters() -> dict[type, Converter]:
    regressors = (linear_model.LinearRegression, linear_model.Ridge, linear_model.Lasso, linear_model.ElasticNet,
                  linear_model.SGDRegressor, linear_model.HuberRegressor, linear_model.BayesianRidge, svm.LinearSVR)
    classifiers = (linear_model.SGDClassifier, linear_model.RidgeClassifier, svm.LinearSVC)
    return {
        **{cls: convert_linear_regressor for cls in regressors},
        linear_model.LogisticRegression: convert_logistic_regression,
        **{cls: convert_linear_classifier for cls in classifiers},
    }


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
        return one_vs_rest(features, coefficients, intercepts, context)
    normalization = "logit" if len(classes) == 2 else "softmax"
    return linear_classifier(features, coefficients, intercepts, target, normalization)


def _is_one_vs_rest(classifier: Any) -> bool:
    multi_class = getattr(classifier, "multi_class", "deprecated")
    if multi_class == "ovr":
        return True
    return multi_class in ("auto", "deprecated") and classifier.solver == "liblinear"


def one_vs_rest(features: list[Field], coefficients: Any, intercepts: Any, context: Context) -> etree._Element:
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
        z = scope.derive(f"decision({format_value(label)})", _decision(features, row, intercept))
        expit = apply("/", constant(1.0), apply("+", constant(1.0), apply("exp", apply("*", constant(-1.0), ref(z)))))
        probability = scope.derive(f"expit({format_value(label)})", expit)
        tables.append(regression_table([probability], [1.0], 0.0, label))
    return model("RegressionModel", *tables, function="classification", target=target,
                 output=output_for(target), normalizationMethod="simplemax")


def convert_linear_classifier(classifier: Any, features: list[Field], context: Context) -> etree._Element:
    """SGDClassifier, RidgeClassifier, LinearSVC: ``predict`` is the argmax of ``x @ coef_.T + intercept_``
    (binary: ``classes_[1]`` when that one decision value is > 0).

    Only SGDClassifier(loss="log_loss") has probabilities (expit of the decision, one-vs-rest
    normalised for several classes); the others get an Output with the predicted label only.
    """
    classes = attribute(classifier, context, "classes_")
    coefficients = np.atleast_2d(array(classifier, context, "coef_"))
    intercepts = np.atleast_1d(array(classifier, context, "intercept_")) if classifier.fit_intercept \
        else np.zeros(coefficients.shape[0])
    context.expect_features(features, coefficients.shape[1], classifier)
    target = context.classification_target(classes)
    if getattr(classifier, "loss", None) == "log_loss":
        if len(classes) > 2:
            return one_vs_rest(features, coefficients, intercepts, context)
        return linear_classifier(features, coefficients, intercepts, target, "logit")
    decisions = [context.scope.derive(f"decision({format_value(label)})", _decision(features, row, b))
                 for row, b, label in zip(coefficients, intercepts, classes[1:] if len(classes) == 2 else classes)]
    tree = tree_model(_argmax(decisions, target, context), target)
    replace_header(tree, "Output", label_output(target))
    return tree


def _decision(features: list[Field], coefficients: Any, intercept: float) -> etree._Element:
    """``intercept + sum(coef * x)`` as an expression (zero coefficients left out)."""
    decision: etree._Element = constant(float(intercept))
    for field, coefficient in zip(features, coefficients):
        if coefficient != 0:
            decision = apply("+", decision, apply("*", constant(float(coefficient)), ref(field)))
    return decision


def _argmax(decisions: list[Field], target: Target, context: Context) -> Node:
    """A tree choosing the label as ``predict`` does, written with comparisons only.

    A RegressionModel cannot do it: with ``normalizationMethod="none"`` evaluators score the
    last class as 1 minus the others, and ``softmax`` rounds close decisions into ties. Binary:
    ``classes_[1]`` when the decision is > 0. Several classes: the first index of the largest
    decision (numpy's argmax), found with one derived field per class.
    """
    classes = target.classes or ()
    n = len(classes)

    def leaf(k: int) -> Leaf:
        return Leaf(probabilities=tuple(1.0 if i == k else 0.0 for i in range(n)))

    if len(decisions) == 1:
        return Split(decisions[0], leaf(0), leaf(1), threshold=0.0)
    scope = context.scope
    best, index = decisions[0], constant(0.0)
    for k, decision in enumerate(decisions[1:], start=1):
        # Strictly greater: on a tie the earlier class keeps the lead.
        # (An lxml element has one parent: each use builds its own comparison.)
        index = ref(scope.derive(f"argmax({k})", if_else(apply("greaterThan", ref(decision), ref(best)),
                                                          constant(float(k)), index)))
        if k < n - 1:
            best = scope.derive(f"max({k})", if_else(apply("greaterThan", ref(decision), ref(best)),
                                                     ref(decision), ref(best)))
    argmax = scope.lookup(index.get("field"))
    node: Node = leaf(n - 1)
    for k in range(n - 2, -1, -1):
        node = Split(argmax, leaf(k), node, threshold=k + 0.5)
    return node
