"""Classifiers written as one score per class (derived fields) and a last RegressionModel.

Many model families (naive Bayes, discriminant analysis, neural networks, nearest neighbours)
compute one number per class and turn those numbers into probabilities. Writing the numbers as
derived fields and the normalisation as a ``simplemax`` RegressionModel (``p_k = y_k / sum y``)
scores the same on every evaluator, where the families' native PMML elements are implemented
differently (or not at all) by different engines.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy

from lxml import etree

from ..errors import ConversionError
from ..pmml import element, find_child, format_value
from .expressions import apply, constant, if_else, ref
from .fields import Field, Scope, Target
from .model import label_output, model, output, output_for, replace_header
from .regression import regression_table


def total(terms: Sequence[etree._Element]) -> etree._Element:
    """The sum of ``terms``, left to right, as one flat ``sum`` Apply: a chain of binary ``+`` would
    nest as deep as there are terms, beyond XML parsers' depth limits for wide inputs."""
    if not terms:
        return constant(0.0)
    return terms[0] if len(terms) == 1 else apply("sum", *terms)


def linear_score(features: Sequence[Field], coefficients: Sequence[float], intercept: float) -> etree._Element:
    """``intercept + sum(coef * x)`` as an expression; zero coefficients are left out."""
    terms: list[etree._Element] = [constant(float(intercept))]
    for field, coefficient in zip(features, coefficients):
        if coefficient != 0:
            terms.append(apply("*", constant(float(coefficient)), ref(field)))
    return total(terms)


def squared_distance(features: Sequence[Field], center: Sequence[float],
                     scales: Sequence[float] | None = None) -> etree._Element:
    """``sum((x_j - c_j)^2 [/ scale_j])``, left to right."""
    terms = []
    for j, (field, c) in enumerate(zip(features, center)):
        difference = apply("-", ref(field), constant(float(c)))
        term = apply("*", difference, deepcopy(difference))
        if scales is not None:
            term = apply("/", term, constant(float(scales[j])))
        terms.append(term)
    return total(terms)


def field_regressor(prediction: Field, target: Target) -> etree._Element:
    """A regression model predicting the value of the (derived) field ``prediction``."""
    return model("RegressionModel", regression_table([prediction], [1.0], 0.0), function="regression",
                 target=target, output=output_for(target))


def proportional_classifier(weights: Sequence[Field], target: Target) -> etree._Element:
    """``P(class k) = w_k / sum(w)`` for non-negative per-class fields ``weights`` (aligned with
    ``target.classes``); the predicted class is the first of largest weight."""
    classes = target.classes or ()
    if len(weights) != len(classes):
        raise ConversionError(f"{len(weights)} class scores for {len(classes)} classes")
    tables = [regression_table([w], [1.0], 0.0, label) for w, label in zip(weights, classes)]
    return model("RegressionModel", *tables, function="classification", target=target,
                 output=output_for(target), normalizationMethod="simplemax")


def softmax_classifier(scores: Sequence[Field], target: Target, scope: Scope, prefix: str) -> etree._Element:
    """``P(class k) = exp(s_k) / sum(exp(s_j))`` for per-class log scores ``scores``.

    Computed as ``exp(s_k - max(s))`` first (as ``logsumexp`` does), so that scores far below
    zero (log likelihoods) do not underflow to 0 / 0 on an evaluator.
    """
    top = scope.derive(f"{prefix}:max", apply("max", *[ref(s) for s in scores]))
    exps = [scope.derive(f"{prefix}:exp({format_value(label)})", apply("exp", apply("-", ref(s), ref(top))))
            for s, label in zip(scores, target.classes or ())]
    return proportional_classifier(exps, target)


def logistic_classifier(score: Field, target: Target, scope: Scope, prefix: str) -> etree._Element:
    """Two classes: ``P(classes[1]) = 1 / (1 + exp(-s))``, ``P(classes[0]) = 1 - P(classes[1])``."""
    positive = scope.derive(f"{prefix}:expit", expit(ref(score)))
    negative = scope.derive(f"{prefix}:1-expit", apply("-", constant(1.0), ref(positive)))
    return proportional_classifier([negative, positive], target)


def expit(node: etree._Element) -> etree._Element:
    """``1 / (1 + exp(-x))``."""
    return apply("/", constant(1.0), apply("+", constant(1.0), apply("exp", apply("*", constant(-1.0), node))))


def argmax_index(scores: Sequence[Field], scope: Scope, prefix: str) -> Field:
    """A field holding the index (0, 1, ...) of the first largest of ``scores``, as numpy's argmax.

    Written with comparisons only: strictly greater moves the lead, so on a tie the earlier
    score keeps it.
    """
    best: Field = scores[0]
    index: etree._Element = constant(0.0)
    result: Field | None = None
    for k, score in enumerate(scores[1:], start=1):
        result = scope.derive(f"{prefix}:argmax({k})", if_else(apply("greaterThan", ref(score), ref(best)),
                                                               constant(float(k)), index))
        index = ref(result)
        if k < len(scores) - 1:
            best = scope.derive(f"{prefix}:max({k})", if_else(apply("greaterThan", ref(score), ref(best)),
                                                              ref(score), ref(best)))
    if result is None:
        result = scope.derive(f"{prefix}:argmax", constant(0.0))
    return result


def value_outputs(model_element: etree._Element, outputs: Sequence[tuple[str, Field]]) -> etree._Element:
    """Add an output per ``(name, field)``: the value of a derived field, e.g. a model's
    ``decision_function`` (named ``decision_function`` or ``decision_function(<column>)``)."""
    node = find_child(model_element, "Output")
    if node is None:
        node = output()
        replace_header(model_element, "Output", node)
    for name, field in outputs:
        node.append(element("OutputField", ref(field), name=name, optype="continuous", dataType="double",
                              feature="transformedValue"))
    return model_element


def with_label_output(model_element: etree._Element, target: Target) -> etree._Element:
    replace_header(model_element, "Output", label_output(target))
    return model_element


def class_indicators(index: Field, count: int, scope: Scope, prefix: str) -> list[Field]:
    """0/1 fields ``index == k`` for k = 0 .. count - 1."""
    return [scope.derive(f"{prefix}:is({k})", if_else(apply("equal", ref(index), constant(float(k))),
                                                      constant(1.0), constant(0.0)))
            for k in range(count)]


def indexed_label_classifier(index: Field, target: Target, scope: Scope, prefix: str) -> etree._Element:
    """A classifier predicting ``classes[index]`` (``index`` a field holding 0, 1, ...), with a
    label-only Output, for models without probabilities."""
    indicators = class_indicators(index, len(target.classes or ()), scope, prefix)
    return with_label_output(proportional_classifier(indicators, target), target)


__all__ = [
    "total", "linear_score", "squared_distance", "field_regressor", "proportional_classifier", "softmax_classifier", "logistic_classifier",
    "expit", "argmax_index", "value_outputs", "indexed_label_classifier", "class_indicators", "with_label_output",
]
