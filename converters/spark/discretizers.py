"""Spark ML discretizers and imputers -> PMML derived fields: Bucketizer (also what a fitted
QuantileDiscretizer is), Binarizer, Imputer."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from pmmlkit.builders.expressions import apply, constant, discretize, equal, flag, ref
from pmmlkit.builders.fields import Field

from .columns import StageContext
from .stages import derive_vector, is_vector, no_skip, pairs, produced


def converters() -> dict[type, Callable[..., Any]]:
    from pyspark.ml import feature as F

    return {
        F.Bucketizer: convert_bucketizer,
        F.Binarizer: convert_binarizer,
        F.ImputerModel: convert_imputer,
    }


def convert_bucketizer(stage: Any, fields: list[Field], context: StageContext) -> list[Field]:
    columns = context.columns
    # Buckets are [s_i, s_i+1), the last one closed; "keep" puts NaN in the extra bucket len(splits) - 1.
    keep = no_skip(stage, context) == "keep"
    column_pairs = pairs(stage, context)
    if stage.isDefined("splitsArray") and stage.getOrDefault("splitsArray"):
        splits_list = [list(s) for s in stage.getSplitsArray()]
    else:
        splits_list = [list(stage.getSplits())]
    for (source, output), splits in zip(column_pairs, splits_list):
        field = columns.scalar(source)
        edges = [None if math.isinf(s) else float(s) for s in splits]
        expression = discretize(field, edges, last_closed=True, map_missing_to=float(len(splits) - 1) if keep else None)
        columns[output] = [context.scope.derive(output, expression)]
    return produced(stage, columns)


def convert_binarizer(stage: Any, fields: list[Field], context: StageContext) -> list[Field]:
    columns = context.columns
    # Spark: 1.0 where x > threshold, else 0.0 (NaN too, as NaN > t is false).
    column_pairs = pairs(stage, context)
    if stage.isDefined("thresholds") and stage.getOrDefault("thresholds"):
        thresholds = [float(t) for t in stage.getThresholds()]
    else:
        thresholds = [float(stage.getThreshold())] * len(column_pairs)
    for (source, output), threshold in zip(column_pairs, thresholds):
        expressions = [flag(apply("greaterThan", ref(f), constant(threshold)), map_missing_to=0.0)
                       for f in columns[source]]
        columns[output] = derive_vector(context, output, expressions, vector=is_vector(columns, source))
    return produced(stage, columns)


def convert_imputer(stage: Any, fields: list[Field], context: StageContext) -> list[Field]:
    columns = context.columns
    # Spark: null or missingValue -> surrogate, then a cast back to the input column's type.
    column_pairs = pairs(stage, context)
    surrogates = stage.surrogateDF.collect()[0].asDict()
    marker = float(stage.getMissingValue())
    for source, output in column_pairs:
        field = columns.scalar(source)
        value = float(surrogates[source])
        if source in columns.integral:
            value = float(math.trunc(value))
        if math.isnan(marker):
            expression = ref(field, map_missing_to=value)
        else:
            expression = apply("if", equal(field, marker), constant(value), ref(field), map_missing_to=value)
        columns[output] = [context.scope.derive(output, expression)]
    return produced(stage, columns)
