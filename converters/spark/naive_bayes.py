"""Spark ML NaiveBayes (multinomial, bernoulli, gaussian): the log-linear model it is.

Spark scores every class with its log "raw prediction" and turns the scores into probabilities
with a softmax. Each score is written as a derived field that repeats Spark's floating-point
steps in Spark's order, and the softmax is :func:`pmmlkit.builders.scores.softmax_classifier`
(``exp(score - max)``, divided by their sum), so that every evaluator computes Spark's doubles
rather than its own rearrangement of them:

* multinomial: ``theta_k . x + pi_k`` (the dot product summed from the first feature);
* bernoulli (x in {0, 1}): ``(theta_k - log1p(-exp(theta_k))) . x + (sum_j log1p(-exp(theta_kj)) + pi_k)``;
* gaussian: ``pi_k - (sum_j (x_j - mu_kj)^2 / var_kj + sum_j log(var_kj)) / 2``.

The constants Spark computes with ``exp``, ``log1p`` and ``log`` are computed by Spark's own JVM
(java.lang.Math), whose last bits can differ from Python's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from lxml import etree

from pmmlkit.builders.expressions import apply, constant, fold, ref
from pmmlkit.builders.fields import Field
from pmmlkit.builders.scores import softmax_classifier
from pmmlkit.errors import ConversionError
from pmmlkit.pmml import format_value

from .columns import StageContext
from .stages import features_of, no_thresholds


def converters() -> dict[type, Callable[..., Any]]:
    from pyspark.ml import classification

    return {classification.NaiveBayesModel: convert_naive_bayes}


def convert_naive_bayes(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    no_thresholds(stage, context, "NaiveBayes")
    fields = features_of(stage, fields, context)
    target = context.classification_target(context.columns.classes(stage.getLabelCol(), int(stage.numClasses)))
    kind = stage.getModelType()
    pi = stage.pi.toArray()
    theta = stage.theta.toArray()
    if kind == "multinomial":
        scores = [_linear_score(fields, theta[k], pi[k]) for k in range(len(pi))]
    elif kind == "bernoulli":
        math = _java_math(context)
        negative = np.array([[math.log1p(-math.exp(float(v))) for v in row] for row in theta])
        scores = [_linear_score(fields, theta[k] - negative[k], _sum(negative[k]) + pi[k]) for k in range(len(pi))]
    elif kind == "gaussian":
        math = _java_math(context)
        variance = stage.sigma.toArray()
        scores = [_gaussian_score(fields, theta[k], variance[k], pi[k], _sum([math.log(float(v)) for v in variance[k]]))
                  for k in range(len(pi))]
    else:
        raise context.error(f"NaiveBayes modelType {kind!r} is not supported (multinomial, bernoulli and "
                            "gaussian are)")
    score_fields = [context.scope.derive(f"naiveBayes({format_value(label)})", score)
                    for label, score in zip(target.classes or (), scores)]
    return softmax_classifier(score_fields, target, context.scope, "naiveBayes")


def _linear_score(fields: Sequence[Field], weights: Sequence[float], constant_term: float) -> etree._Element:
    """``weights . x + constant_term``: Spark's gemv sums the products first, then adds the constant."""
    products = [apply("*", constant(float(w)), ref(f)) for f, w in zip(fields, weights)]
    return apply("+", fold("+", products), constant(float(constant_term)))


def _gaussian_score(fields: Sequence[Field], mean: Sequence[float], variance: Sequence[float], pi: float,
                    log_variance_sum: float) -> etree._Element:
    terms = []
    for f, mu, var in zip(fields, mean, variance):
        # d * d / var, with d = x - mu (written twice: an element has one parent).
        d = [apply("-", ref(f), constant(float(mu))) for _ in range(2)]
        terms.append(apply("/", apply("*", *d), constant(float(var))))
    half = apply("/", apply("+", fold("+", terms), constant(float(log_variance_sum))), constant(2.0))
    return apply("-", constant(float(pi)), half)


def _sum(values: Sequence[float]) -> float:
    """Left to right from 0.0, as Spark's loops (and gemv with a vector of ones) sum."""
    total = 0.0
    for value in values:
        total += float(value)
    return total


def _java_math(context: StageContext) -> Any:
    """java.lang.Math of the Spark driver's JVM (where Spark computed its constants)."""
    from pyspark import SparkContext

    spark = SparkContext._active_spark_context
    if spark is None:
        raise ConversionError(f"{context.where}: converting a NaiveBayes model needs its Spark session active "
                              "(Spark's JVM computes the model's constants)")
    return spark._jvm.java.lang.Math
