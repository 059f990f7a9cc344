"""Scalers of sklearn.preprocessing (its ``_data`` module): StandardScaler, MinMaxScaler,
MaxAbsScaler, RobustScaler, Normalizer and Binarizer.

Each writes scikit-learn's own floating-point operations in the same order, so the PMML
computes the same doubles.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from lxml import etree
from sklearn.preprocessing import Binarizer, MaxAbsScaler, MinMaxScaler, Normalizer, RobustScaler, StandardScaler

from pmmlkit.builders.expressions import affine, apply, constant, flag, fold, if_else, ref
from pmmlkit.builders.fields import Field
from pmmlkit.context import Context, Converter

from ..fitted import array, n_features


def converters() -> dict[type, Converter]:
    return {
        StandardScaler: convert_standard_scaler,
        MinMaxScaler: convert_min_max_scaler,
        MaxAbsScaler: convert_max_abs_scaler,
        RobustScaler: convert_robust_scaler,
        Normalizer: convert_normalizer,
        Binarizer: convert_binarizer,
    }


# scikit-learn's _handle_zeros_in_scale treats a norm below this as zero (and divides by 1).
_TINY_NORM = 10 * np.finfo(np.float64).eps


def convert_standard_scaler(scaler: Any, features: list[Field], context: Context) -> list[Field]:
    # scikit-learn computes (x - mean_) / scale_, skipping either step when disabled.
    return center_and_scale(scaler, features, context, "standardScaler", "mean_" if scaler.with_mean else None,
                            "scale_" if scaler.with_std else None)


def convert_min_max_scaler(scaler: Any, features: list[Field], context: Context) -> list[Field]:
    # scikit-learn computes x * scale_ + min_ (then clips when clip=True).
    context.expect_features(features, n_features(scaler, context), scaler)
    scales = array(scaler, context, "scale_")
    mins = array(scaler, context, "min_")
    outputs = [context.scope.derive(f"minMaxScaler({f.name})", affine(f, multiply=float(s), add=float(m)))
               for f, s, m in zip(features, scales, mins)]
    if getattr(scaler, "clip", False):
        low, high = scaler.feature_range
        outputs = [context.scope.derive(f"clip({f.name})", clip(f, float(low), float(high))) for f in outputs]
    return outputs


def convert_max_abs_scaler(scaler: Any, features: list[Field], context: Context) -> list[Field]:
    # X /= scale_ (zeros in scale_ are already 1), then clip to [-1, 1] when clip=True.
    context.expect_features(features, n_features(scaler, context), scaler)
    scales = array(scaler, context, "scale_")
    outputs = [context.scope.derive(f"maxAbsScaler({f.name})", affine(f, divide=None if s == 1 else float(s)))
               for f, s in zip(features, scales)]
    if getattr(scaler, "clip", False):
        outputs = [context.scope.derive(f"clip({f.name})", clip(f, -1.0, 1.0)) for f in outputs]
    return outputs


def convert_robust_scaler(scaler: Any, features: list[Field], context: Context) -> list[Field]:
    # X -= center_ (with_centering), then X /= scale_ (with_scaling).
    return center_and_scale(scaler, features, context, "robustScaler", "center_" if scaler.with_centering else None,
                            "scale_" if scaler.with_scaling else None)


def center_and_scale(scaler: Any, features: list[Field], context: Context, prefix: str, center: str | None,
                     scale: str | None) -> list[Field]:
    """``(x - center) / scale`` per feature, from the fitted arrays named ``center`` and ``scale``
    (None: that step is off); a subtraction of 0 or a division by 1 is left out."""
    n = len(features)
    context.expect_features(features, n_features(scaler, context), scaler)
    centers = array(scaler, context, center) if center else [None] * n
    scales = array(scaler, context, scale) if scale else [None] * n
    return [context.scope.derive(f"{prefix}({f.name})",
                                 affine(f, subtract=None if c is None or c == 0 else float(c),
                                        divide=None if s is None or s == 1 else float(s)))
            for f, c, s in zip(features, centers, scales)]


def convert_normalizer(normalizer: Any, features: list[Field], context: Context) -> list[Field]:
    """Each row divided by its l1, l2 or max norm (a norm below 10 * eps counts as 0 and divides by 1)."""
    context.expect_features(features, n_features(normalizer, context), normalizer)
    norm = normalizer.norm
    if norm not in ("l1", "l2", "max"):
        raise context.error(f"Normalizer(norm={norm!r}) is not supported; use 'l1', 'l2' or 'max'")
    if norm == "l2":
        terms = [apply("*", ref(f), ref(f)) for f in features]
    else:
        terms = [apply("abs", ref(f)) for f in features]
    total = fold("max" if norm == "max" else "+", terms)
    if norm == "l2":
        total = apply("sqrt", total)
    size = context.scope.derive(f"{norm}Norm", total)
    divisor = context.scope.derive(f"{norm}Divisor", if_else(apply("lessThan", ref(size), constant(_TINY_NORM)),
                                                               constant(1.0), ref(size)))
    return [context.scope.derive(f"normalizer({f.name})", apply("/", ref(f), ref(divisor))) for f in features]


def convert_binarizer(binarizer: Any, features: list[Field], context: Context) -> list[Field]:
    # 1 where x > threshold, else 0.
    context.expect_features(features, n_features(binarizer, context), binarizer)
    threshold = float(binarizer.threshold)
    return [context.scope.derive(f"binarizer({f.name})", flag(apply("greaterThan", ref(f), constant(threshold))))
            for f in features]


def clip(field: Field, low: float, high: float) -> etree._Element:
    """``x`` clipped to ``[low, high]``, missing when ``x`` is (as ``np.clip`` keeps NaN)."""
    # Comparisons rather than PMML's min/max, which skip a missing argument (NaN must stay NaN);
    # tested only when present, as an "if" on a missing condition fails on JPMML-Evaluator.
    clipped = if_else(apply("lessThan", ref(field), constant(low)), constant(low),
                      if_else(apply("greaterThan", ref(field), constant(high)), constant(high), ref(field)))
    return apply("if", apply("isNotMissing", ref(field)), clipped)
