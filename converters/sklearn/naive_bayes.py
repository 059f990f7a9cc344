"""Naive Bayes: GaussianNB, MultinomialNB, ComplementNB, BernoulliNB, CategoricalNB.

Each computes scikit-learn's joint log likelihood per class (``_joint_log_likelihood``) as a
derived field, and its probabilities ``exp(jll - logsumexp(jll))`` through
:func:`pmmlkit.builders.scores.softmax_classifier`. (PMML's NaiveBayesModel works from counts
and a probability threshold; it cannot state these likelihoods exactly.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from lxml import etree
from sklearn import naive_bayes

from pmmlkit.builders.expressions import apply, constant, if_chain, ref
from pmmlkit.builders.fields import Field
from pmmlkit.builders.scores import linear_score, softmax_classifier, squared_distance, total
from pmmlkit.context import Context
from pmmlkit.pmml import format_value

from .fitted import array, attribute, n_features


def converters() -> dict[type, Callable[..., Any]]:
    return {
        naive_bayes.GaussianNB: convert_gaussian_nb,
        naive_bayes.MultinomialNB: convert_multinomial_nb,
        naive_bayes.ComplementNB: convert_complement_nb,
        naive_bayes.BernoulliNB: convert_bernoulli_nb,
        naive_bayes.CategoricalNB: convert_categorical_nb,
    }


def convert_gaussian_nb(classifier: Any, features: list[Field], context: Context) -> etree._Element:
    # jll_k = log(prior_k) - sum(log(2 pi var_k)) / 2 - sum((x - theta_k)^2 / var_k) / 2
    context.expect_features(features, n_features(classifier, context), classifier)
    classes = attribute(classifier, context, "classes_")
    means = array(classifier, context, "theta_")
    variances = array(classifier, context, "var_", "sigma_")
    priors = array(classifier, context, "class_prior_")
    target = context.classification_target(classes)
    scores = []
    for k, label in enumerate(target.classes or ()):
        with np.errstate(divide="ignore"):
            intercept = float(np.log(priors[k]) - 0.5 * np.sum(np.log(2.0 * np.pi * variances[k])))
        quadratic = squared_distance(features, means[k], variances[k])
        score = apply("-", constant(intercept), apply("*", constant(0.5), quadratic))
        scores.append(context.scope.derive(f"gaussianNB:jll({format_value(label)})", score))
    return softmax_classifier(scores, target, context.scope, "gaussianNB")


def convert_multinomial_nb(classifier: Any, features: list[Field], context: Context) -> etree._Element:
    """``jll = x @ feature_log_prob_.T + class_log_prior_``."""
    return _counts(classifier, features, context, with_prior=True)


def convert_complement_nb(classifier: Any, features: list[Field], context: Context) -> etree._Element:
    """``jll = x @ feature_log_prob_.T``, plus the prior only when there is one class (as scikit-learn)."""
    return _counts(classifier, features, context, with_prior=len(attribute(classifier, context, "classes_")) == 1)


def _counts(classifier: Any, features: list[Field], context: Context, with_prior: bool) -> etree._Element:
    context.expect_features(features, n_features(classifier, context), classifier)
    classes = attribute(classifier, context, "classes_")
    weights = array(classifier, context, "feature_log_prob_")
    priors = array(classifier, context, "class_log_prior_")
    if not with_prior:
        priors = np.zeros_like(priors)
    return _linear(features, weights, priors, classes, context, type(classifier).__name__)


def convert_bernoulli_nb(classifier: Any, features: list[Field], context: Context) -> etree._Element:
    """``x`` binarized (``x > binarize`` -> 1, else 0; none when ``binarize=None``), then
    ``jll = x @ (flp - log(1 - exp(flp))).T + class_log_prior_ + sum(log(1 - exp(flp)))``."""
    context.expect_features(features, n_features(classifier, context), classifier)
    classes = attribute(classifier, context, "classes_")
    flp = array(classifier, context, "feature_log_prob_")
    priors = array(classifier, context, "class_log_prior_")
    threshold = classifier.binarize
    if threshold is not None:
        features = [context.scope.derive(f"binarize({f.name})",
                                         apply("if", apply("greaterThan", ref(f), constant(float(threshold))),
                                               constant(1.0), constant(0.0)))
                    for f in features]
    negative = np.log(1 - np.exp(flp))
    return _linear(features, flp - negative, priors + negative.sum(axis=1), classes, context, "bernoulliNB")


def _linear(features: list[Field], weights: np.ndarray, intercepts: np.ndarray, classes: Any, context: Context,
            prefix: str) -> etree._Element:
    target = context.classification_target(classes)
    scores = [context.scope.derive(f"{prefix}:jll({format_value(label)})", linear_score(features, w, b))
              for w, b, label in zip(weights, intercepts, target.classes or ())]
    return softmax_classifier(scores, target, context.scope, prefix)


def convert_categorical_nb(classifier: Any, features: list[Field], context: Context) -> etree._Element:
    """``jll_k = class_log_prior_k + sum_j feature_log_prob_[j][k, x_j]``, ``x_j`` a category
    index 0, 1, ...; a category index the model has not seen gives no prediction (scikit-learn
    raises an IndexError)."""
    context.expect_features(features, n_features(classifier, context), classifier)
    classes = attribute(classifier, context, "classes_")
    tables = [np.asarray(t, dtype=np.float64) for t in attribute(classifier, context, "feature_log_prob_")]
    priors = array(classifier, context, "class_log_prior_")
    target = context.classification_target(classes)
    scores = []
    for k, label in enumerate(target.classes or ()):
        terms = [constant(float(priors[k]))]
        for field, table in zip(features, tables):
            branches = [(apply("equal", ref(field), constant(float(c))), constant(float(table[k, c])))
                        for c in range(table.shape[1])]
            terms.append(if_chain(branches))
        scores.append(context.scope.derive(f"categoricalNB:jll({format_value(label)})", total(terms)))
    return softmax_classifier(scores, target, context.scope, "categoricalNB")
