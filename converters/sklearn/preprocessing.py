"""Scalers and encoders."""

from __future__ import annotations

from typing import Any

from pmmlkit.context import Context
from pmmlkit.expressions import affine
from pmmlkit.fields import Field

from .fitted import array


def _scaled(context: Context, features: list[Field], prefix: str, steps: list[dict[str, Any]]) -> list[Field]:
    return [context.scope.derive(f"{prefix}({field.name})", affine(field, **step)) for field, step in zip(features, steps)]


def convert_standard_scaler(scaler: Any, features: list[Field], context: Context) -> list[Field]:
    # scikit-learn computes (x - mean_) / scale_, skipping either step when disabled.
    n = len(features)
    context.expect_features(features, int(scaler.n_features_in_), scaler)
    means = array(scaler, context, "mean_") if scaler.with_mean else [None] * n
    scales = array(scaler, context, "scale_") if scaler.with_std else [None] * n
    steps = [{"subtract": None if m is None or m == 0 else float(m),
              "divide": None if s is None or s == 1 else float(s)} for m, s in zip(means, scales)]
    return _scaled(context, features, "standardScaler", steps)


def convert_min_max_scaler(scaler: Any, features: list[Field], context: Context) -> list[Field]:
    # scikit-learn computes x * scale_ + min_ (then clips when clip=True).
    context.expect_features(features, int(scaler.n_features_in_), scaler)
    scales = array(scaler, context, "scale_")
    mins = array(scaler, context, "min_")
    outputs = _scaled(context, features, "minMaxScaler",
                      [{"multiply": float(s), "add": float(m)} for s, m in zip(scales, mins)])
    if getattr(scaler, "clip", False):
        from pmmlkit.expressions import apply, constant, ref

        low, high = scaler.feature_range
        outputs = [context.scope.derive(f"clip({f.name})",
                                        apply("min", apply("max", ref(f), constant(float(low))), constant(float(high))))
                   for f in outputs]
    return outputs


def convert_one_hot_encoder(encoder: Any, features: list[Field], context: Context) -> list[Field]:
    raise context.error("OneHotEncoder is not converted yet")
