"""LinearDiscriminantAnalysis and QuadraticDiscriminantAnalysis as classifiers.

LDA: the decisions ``x @ coef_.T + intercept_``; probabilities ``expit`` of the one decision for
two classes (``[1 - p, p]``), else the softmax of the decisions, as scikit-learn's predict_proba.
QDA: per class ``-(|(x - mean_k) @ (R_k * S_k^-1/2)|^2 + sum(log S_k)) / 2 + log(prior_k)``,
normalized as ``exp(score - max) / sum``.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from typing import Any

import numpy as np
from lxml import etree
from sklearn import discriminant_analysis

from pmmlkit.builders.expressions import apply, constant, ref
from pmmlkit.builders.fields import Field
from pmmlkit.builders.scores import linear_score, logistic_classifier, softmax_classifier, total
from pmmlkit.context import Context
from pmmlkit.pmml import format_value

from .fitted import array, attribute, n_features


def converters() -> dict[type, Callable[..., Any]]:
    return {
        discriminant_analysis.LinearDiscriminantAnalysis: convert_lda,
        discriminant_analysis.QuadraticDiscriminantAnalysis: convert_qda,
    }


def convert_lda(classifier: Any, features: list[Field], context: Context) -> etree._Element:
    classes = attribute(classifier, context, "classes_")
    coefficients = np.atleast_2d(array(classifier, context, "coef_"))
    intercepts = np.atleast_1d(array(classifier, context, "intercept_"))
    context.expect_features(features, coefficients.shape[1], classifier)
    target = context.classification_target(classes)
    scope = context.scope
    if len(classes) == 2:
        score = scope.derive("lda:decision", linear_score(features, coefficients[0], intercepts[0]))
        return logistic_classifier(score, target, scope, "lda")
    scores = [scope.derive(f"lda:decision({format_value(label)})", linear_score(features, row, b))
              for row, b, label in zip(coefficients, intercepts, target.classes or ())]
    return softmax_classifier(scores, target, scope, "lda")


def convert_qda(classifier: Any, features: list[Field], context: Context) -> etree._Element:
    context.expect_features(features, n_features(classifier, context), classifier)
    classes = attribute(classifier, context, "classes_")
    means = array(classifier, context, "means_")
    rotations = attribute(classifier, context, "rotations_")
    scalings = attribute(classifier, context, "scalings_")
    priors = array(classifier, context, "priors_")
    target = context.classification_target(classes)
    scope = context.scope
    scores = []
    for k, label in enumerate(target.classes or ()):
        scaling = np.asarray(scalings[k], dtype=np.float64)
        projection = np.asarray(rotations[k], dtype=np.float64) * scaling ** -0.5
        centered = [apply("-", ref(f), constant(float(m))) for f, m in zip(features, means[k])]
        squares = []
        for m in range(projection.shape[1]):
            terms = [apply("*", deepcopy(c), constant(float(w))) for c, w in zip(centered, projection[:, m])]
            z = scope.derive(f"qda:z({format_value(label)},{m})", total(terms))
            squares.append(apply("*", ref(z), ref(z)))
        offset = float(np.sum(np.log(scaling)))
        score = apply("+", apply("*", constant(-0.5), apply("+", total(squares), constant(offset))),
                      constant(float(np.log(priors[k]))))
        scores.append(scope.derive(f"qda:score({format_value(label)})", score))
    return softmax_classifier(scores, target, scope, "qda")

