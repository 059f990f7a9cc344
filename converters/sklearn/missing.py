"""MissingIndicator: 1.0 where a column is missing (NaN, or the fitted ``missing_values``
marker), else 0.0, for the columns it reports (``features_``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn import impute

from pmmlkit.builders.expressions import apply, constant, flag, is_missing, ref
from pmmlkit.builders.fields import Field
from pmmlkit.context import Context
from pmmlkit.pmml import is_missing_value

from .fitted import attribute, n_features


def converters() -> dict[type, Callable[..., Any]]:
    return {impute.MissingIndicator: convert_missing_indicator}


def convert_missing_indicator(indicator: Any, features: list[Field], context: Context) -> list[Field]:
    context.expect_features(features, n_features(indicator, context), indicator)
    columns = np.asarray(attribute(indicator, context, "features_"), dtype=int)
    marker = indicator.missing_values
    outputs = []
    for i in columns:
        field = features[int(i)]
        if is_missing_value(marker):
            condition = is_missing(field)
        else:
            data_type = "double" if field.is_numeric else "string"
            condition = apply("equal", ref(field), constant(marker, data_type))
        outputs.append(context.scope.derive(f"missingIndicator({field.name})", flag(condition, map_missing_to=None if is_missing_value(marker) else 0.0)))
    return outputs
