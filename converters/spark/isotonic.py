"""Spark ML IsotonicRegression as a piecewise-linear NormContinuous.

Spark (``IsotonicRegressionModel.predict``) binary-searches the feature in ``boundaries``:
below the first boundary it predicts the first prediction, above the last the last, at a
boundary that boundary's prediction, and between two boundaries it interpolates linearly. A
NormContinuous with one LinearNorm per boundary and ``outliers="asExtremeValues"`` does the
same. A NaN feature sorts after every boundary in Java's binary search, so Spark predicts the
last prediction: ``mapMissingTo`` gives that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from lxml import etree

from pmmlkit.builders.expressions import piecewise_linear
from pmmlkit.builders.fields import Field
from pmmlkit.builders.regression import linear_regressor

from .columns import StageContext


def converters() -> dict[type, Callable[..., Any]]:
    from pyspark.ml import regression

    return {regression.IsotonicRegressionModel: convert_isotonic}


def convert_isotonic(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    columns = context.columns
    fields = columns[stage.getFeaturesCol()]
    index = int(stage.getFeatureIndex())
    if len(fields) == 1 and index == 0:
        field = fields[0]
    elif 0 <= index < len(fields):
        field = fields[index]
    else:
        raise context.error(f"featureIndex {index} is outside column {stage.getFeaturesCol()!r} "
                            f"({len(fields)} values)")
    boundaries = np.asarray(stage.boundaries.toArray(), dtype=np.float64)
    predictions = np.asarray(stage.predictions.toArray(), dtype=np.float64)
    if len(boundaries) == 0 or len(boundaries) != len(predictions):
        raise context.error("the isotonic model has no boundaries (or not one prediction per boundary)")
    if np.any(np.diff(boundaries) <= 0) or not np.all(np.isfinite(boundaries)):
        # Equal boundaries would divide by zero in PMML; Spark 3.4+ pools equal feature values first.
        raise context.error("the isotonic model's boundaries are not strictly increasing finite numbers; "
                            "PMML's piecewise-linear NormContinuous cannot reproduce that")
    last = float(predictions[-1])
    if len(boundaries) == 1:  # a constant model
        return linear_regressor([], [], last, context.regression_target())
    expression = piecewise_linear(field, list(zip(boundaries, predictions)), map_missing_to=last)
    curve = context.scope.derive(f"isotonic({field.name})", expression)
    return linear_regressor([curve], [1.0], 0.0, context.regression_target())
