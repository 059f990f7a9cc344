"""Other Spark ML models: NaiveBayes (multinomial, bernoulli, gaussian).

Each NaiveBayes kind scores every class with a polynomial of the features (Spark's log
"raw prediction") and turns the scores into probabilities with a softmax, which is a
classification RegressionModel with ``normalizationMethod="softmax"``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from lxml import etree

from pmmlkit.builders.fields import Field
from pmmlkit.builders.model import model, output_for
from pmmlkit.pmml import element, format_value

from .columns import StageContext
from .stages import features_of, no_thresholds


def converters() -> dict[type, Callable[..., Any]]:
    from pyspark.ml import classification

    return {classification.NaiveBayesModel: convert_naive_bayes}


# -- NaiveBayes ----------------------------------------------------------------------------------------------

def convert_naive_bayes(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    """Class scores as Spark's predictRaw computes them:

    * multinomial: ``pi_k + theta_k . x``;
    * bernoulli (x in {0, 1}): ``pi_k + sum(log(1 - exp(theta_k))) + (theta_k - log(1 - exp(theta_k))) . x``;
    * gaussian: ``pi_k - (sum_j (x_j - mu_kj)^2 / var_kj + sum_j log(var_kj)) / 2``, expanded into
      a constant, a linear and a squared term per feature.
    """
    columns = context.columns
    no_thresholds(stage, context, "NaiveBayes")
    fields = features_of(stage, columns, context)
    target = context.classification_target(columns.classes(stage.getLabelCol(), int(stage.numClasses)))
    kind = stage.getModelType()
    pi = stage.pi.toArray()
    theta = stage.theta.toArray()
    if kind == "multinomial":
        tables = [_table(label, pi[k], fields, theta[k]) for k, label in enumerate(target.classes or ())]
    elif kind == "bernoulli":
        negative = np.log1p(-np.exp(theta))  # log(1 - P(x_j = 1 | k))
        tables = [_table(label, pi[k] + _sum(negative[k]), fields, theta[k] - negative[k])
                  for k, label in enumerate(target.classes or ())]
    elif kind == "gaussian":
        variance = stage.sigma.toArray()
        tables = []
        for k, label in enumerate(target.classes or ()):
            mean, var = theta[k], variance[k]
            constant = pi[k] - 0.5 * (_sum(mean * mean / var) + _sum(np.log(var)))
            tables.append(_table(label, constant, fields, mean / var, -0.5 / var))
    else:
        raise context.error(f"NaiveBayes modelType {kind!r} is not supported (multinomial, bernoulli and "
                            "gaussian are)")
    return model("RegressionModel", *tables, function="classification", target=target,
                 output=output_for(target), normalizationMethod="softmax")


def _table(label: Any, intercept: float, fields: Sequence[Field], linear: Sequence[float],
           squared: Sequence[float] | None = None) -> etree._Element:
    table = element("RegressionTable", intercept=float(intercept), targetCategory=format_value(label))
    for field, coefficient in zip(fields, linear):
        if coefficient != 0:
            table.append(element("NumericPredictor", name=field.name, coefficient=float(coefficient)))
    for field, coefficient in zip(fields, squared if squared is not None else ()):
        if coefficient != 0:
            table.append(element("NumericPredictor", name=field.name, exponent=2, coefficient=float(coefficient)))
    return table


def _sum(values: Any) -> float:
    return math.fsum(float(v) for v in values)
