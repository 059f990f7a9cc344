"""Spark ML scalers -> PMML derived fields: StandardScaler, MinMaxScaler, MaxAbsScaler, Normalizer,
ElementwiseProduct.

Each value is written with the shared :func:`pmmlkit.builders.expressions.affine` in the order of Spark's
own floating-point steps, so the PMML computes the same doubles.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from pmmlkit.builders.expressions import affine, apply, constant, equal, fold, if_else, ref
from pmmlkit.builders.fields import Field

from .columns import StageContext
from .stages import derive_vector, produced, single, sized


def converters() -> dict[type, Callable[..., Any]]:
    from pyspark.ml import feature as F

    return {
        F.StandardScalerModel: convert_standard_scaler,
        F.MinMaxScalerModel: convert_min_max_scaler,
        F.MaxAbsScalerModel: convert_max_abs_scaler,
        F.Normalizer: convert_normalizer,
        F.ElementwiseProduct: convert_elementwise_product,
    }


def convert_standard_scaler(stage: Any, fields: list[Field], context: StageContext) -> list[Field]:
    columns = context.columns
    # Spark: (x - mean) * (1 / std) with 1/std taken as 0 where std == 0; either step only when enabled.
    source, output = single(stage, context)
    means = stage.mean.toArray()
    stds = stage.std.toArray()
    fields = sized(columns, source, len(stds), stage, context)
    expressions = []
    for f, mean, std in zip(fields, means, stds):
        scale = (0.0 if std == 0 else 1.0 / float(std)) if stage.getWithStd() else None
        shift = float(mean) if stage.getWithMean() else None
        expressions.append(affine(f, subtract=shift, multiply=scale))
    columns[output] = derive_vector(context, output, expressions)
    return produced(stage, columns)


def convert_min_max_scaler(stage: Any, fields: list[Field], context: StageContext) -> list[Field]:
    columns = context.columns
    # Spark: (x - originalMin) * ((max - min) / range) + min; a constant feature gives 0.5 * (max - min) + min.
    source, output = single(stage, context)
    lows = stage.originalMin.toArray()
    highs = stage.originalMax.toArray()
    low, high = float(stage.getMin()), float(stage.getMax())
    scale = high - low
    fields = sized(columns, source, len(lows), stage, context)
    expressions = []
    for f, a, b in zip(fields, lows, highs):
        width = float(b) - float(a)
        factor = scale / width if width != 0 else 0.0
        if factor != 0:
            expressions.append(affine(f, subtract=float(a), multiply=factor, add=low))
        else:
            # x * 0 keeps a missing value missing, as Spark keeps NaN.
            expressions.append(affine(f, multiply=0.0, add=0.5 * scale + low))
    columns[output] = derive_vector(context, output, expressions)
    return produced(stage, columns)


def convert_max_abs_scaler(stage: Any, fields: list[Field], context: StageContext) -> list[Field]:
    columns = context.columns
    # Spark: x * (1 / maxAbs), with the factor 1 where maxAbs == 0.
    source, output = single(stage, context)
    peaks = stage.maxAbs.toArray()
    fields = sized(columns, source, len(peaks), stage, context)
    expressions = [affine(f, multiply=1.0 if p == 0 else 1.0 / float(p)) for f, p in zip(fields, peaks)]
    return derive_vector(context, output, expressions)


def convert_normalizer(stage: Any, fields: list[Field], context: StageContext) -> list[Field]:
    # Spark divides each value by the vector's p-norm, and leaves a zero vector as it is.
    _, output = single(stage, context)
    p = float(stage.getP())
    if p == 1:
        norm = fold("+", [apply("abs", ref(f)) for f in fields])
    elif p == 2:
        norm = apply("sqrt", fold("+", [apply("*", ref(f), ref(f)) for f in fields]))
    elif math.isinf(p):
        norm = apply("max", *[apply("abs", ref(f)) for f in fields])
    else:
        norm = apply("pow", fold("+", [apply("pow", apply("abs", ref(f)), constant(p)) for f in fields]),
                     constant(1.0 / p))
    norm_field = context.scope.derive(f"norm({output})", norm)
    expressions = [if_else(equal(norm_field, 0.0), ref(f),
                           apply("/", ref(f), ref(norm_field))) for f in fields]
    return derive_vector(context, output, expressions)


def convert_elementwise_product(stage: Any, fields: list[Field], context: StageContext) -> list[Field]:
    # Spark: x[i] * scalingVec[i].
    _, output = single(stage, context)
    weights = stage.getScalingVec().toArray()
    if len(weights) != len(fields):
        raise context.error(f"ElementwiseProduct scales {len(weights)} values, but its input holds {len(fields)}")
    return derive_vector(context, output, [apply("*", ref(f), constant(float(w))) for f, w in zip(fields, weights)])
