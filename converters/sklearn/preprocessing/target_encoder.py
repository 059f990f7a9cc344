"""TargetEncoder: each category becomes its learned encoding.

``transform`` (not ``fit_transform``, which cross-fits) maps category ``j`` of feature ``i`` to
``encodings_[i][j]`` and any other value to ``target_mean_``; a missing value has its own
encoding when NaN was seen in fit, else it is another unknown value. A multiclass target gives
one column per feature and class, feature-major.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from lxml import etree
from sklearn.preprocessing import TargetEncoder

from pmmlkit.builders.expressions import apply, constant, if_chain, is_missing, ref
from pmmlkit.builders.fields import Field
from pmmlkit.context import Context, Converter
from pmmlkit.pmml import format_value

from ..fitted import attribute
from ..impute import is_nan_marker


def convert_target_encoder(encoder: Any, features: list[Field], context: Context) -> list[Field]:
    categories = attribute(encoder, context, "categories_")
    encodings = attribute(encoder, context, "encodings_")
    means = np.atleast_1d(np.asarray(attribute(encoder, context, "target_mean_"), dtype=np.float64))
    context.expect_features(features, len(categories), encoder)
    multiclass = encoder.target_type_ == "multiclass"
    n_classes = len(encoder.classes_) if multiclass else 1
    outputs = []
    for i, (field, values) in enumerate(zip(features, categories)):
        for k in range(n_classes):
            encoding = np.asarray(encodings[i * n_classes + k], dtype=np.float64)
            suffix = f"[{format_value(encoder.classes_[k])}]" if multiclass else ""
            expression = _encode(field, list(values), encoding, float(means[k if multiclass else 0]), context)
            outputs.append(context.scope.derive(f"targetEncoder({field.name}){suffix}", expression))
    return outputs


def _encode(field: Field, values: list[Any], encoding: np.ndarray, mean: float, context: Context) -> etree._Element:
    data_type = "double" if field.is_numeric else "string"
    missing_value = mean
    branches = []
    for value, code in zip(values, encoding):
        if is_nan_marker(value):
            missing_value = float(code)
            continue
        if isinstance(value, str) == field.is_numeric:
            raise context.error(f"TargetEncoder: category {value!r} does not match the {field.data_type} column "
                                f"{field.name!r}; encode a column of one type")
        branches.append((apply("equal", ref(field), constant(value, data_type)), constant(float(code))))
    known = if_chain(branches, constant(mean))
    return apply("if", is_missing(field), constant(missing_value), known)


def converters() -> dict[type, Converter]:
    return {TargetEncoder: convert_target_encoder}
