"""Encoders of sklearn.preprocessing (its ``_encoders`` module): OneHotEncoder and OrdinalEncoder."""

from __future__ import annotations

from typing import Any

import numpy as np
from lxml import etree
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

from pmmlkit.builders.expressions import apply, constant, equal, flag, if_else, indicator, is_missing, ref
from pmmlkit.builders.fields import Field
from pmmlkit.context import Context, Converter
from pmmlkit.pmml import format_value, plain

from ..fitted import attribute
from ..impute import is_nan_marker, non_missing
from .infrequent import convert_infrequent_one_hot


def converters() -> dict[type, Converter]:
    return {
        OneHotEncoder: convert_one_hot_encoder,
        OrdinalEncoder: convert_ordinal_encoder,
    }


def convert_one_hot_encoder(encoder: Any, features: list[Field], context: Context) -> list[Field]:
    categories = attribute(encoder, context, "categories_")
    context.expect_features(features, len(categories), encoder)
    infrequent = getattr(encoder, "infrequent_categories_", None) if getattr(encoder, "_infrequent_enabled", False) \
        else None
    if infrequent is not None and any(group is not None for group in infrequent):
        return convert_infrequent_one_hot(encoder, features, context)
    if encoder.handle_unknown not in ("error", "ignore", "infrequent_if_exist", "warn"):
        raise context.error(f"OneHotEncoder(handle_unknown={encoder.handle_unknown!r}) is not supported")
    strict = encoder.handle_unknown == "error"
    drop = attribute(encoder, context, "drop_idx_")
    outputs = []
    for i, (field, values) in enumerate(zip(features, categories)):
        dropped = None if drop is None or drop[i] is None else int(drop[i])
        field = _declare_categories(field, values, strict, context)
        # A missing value encodes to 0 in every non-NaN column when NaN has its own column or
        # unseen values are ignored; with handle_unknown="error" scikit-learn fails on an unseen
        # NaN, and a missing indicator makes the PMML score missing too instead of guessing.
        nan_seen = any(is_nan_marker(v) for v in values)
        if sum(is_nan_marker(v) for v in values) > 1:
            raise context.error(f"OneHotEncoder saw both None and NaN in {field.name!r} and encodes them apart; "
                                "PMML has one missing value: replace None with NaN before fitting")
        missing_to = 0.0 if nan_seen or not strict else None
        guard = _guard(field, values, nan_seen, context) if strict and field.name not in context.scope.inputs \
            else None
        for j, value in enumerate(values):
            if j != dropped:
                outputs.append(_indicator(field, value, missing_to, guard, context))
    return outputs


def _guard(field: Field, values: Any, nan_seen: bool, context: Context) -> Field:
    """For handle_unknown="error" on a derived field (which has no valid values to declare):
    a field that is 1 for a category seen in fit and missing otherwise. Multiplying every
    indicator by it makes an unseen value score as missing (no prediction), where scikit-learn
    raises, rather than as a silent row of zeros."""
    known = non_missing(values)
    data_type = "double" if field.is_numeric else "string"
    seen = apply("isIn", ref(field), *[constant(v, data_type) for v in known])
    expression = apply("if", seen, constant(1.0))  # no "else": missing when unseen
    if nan_seen:
        expression = if_else(is_missing(field), constant(1.0), expression)
    return context.scope.derive(f"seen({field.name})", expression)


def _declare_categories(field: Field, values: Any, strict: bool, context: Context) -> Field:
    """With handle_unknown="error", declare a raw input's categories as its valid values.

    An unseen value is then invalid, and PMML's default treatment (returnInvalid) makes the
    evaluator fail on that row, as scikit-learn's transform fails. A derived field cannot carry
    that check; its unseen values are caught by :func:`_indicator` instead.
    """
    scope = context.scope
    if not strict or field.name not in scope.inputs:
        return field
    current = scope.inputs[field.name]
    known = tuple(non_missing(values))
    if not current.is_numeric and any(not isinstance(v, str) for v in known):
        raise context.error(f"OneHotEncoder: the string column {field.name!r} has non-string categories "
                            f"{[v for v in known if not isinstance(v, str)]}; encode a column of one type")
    if current.values and set(current.values) != set(known):
        raise context.error(f"column {field.name!r} is encoded twice with different categories; "
                            "encode each column once")
    return scope.update_input(current.replace(values=known, optype="categorical" if not current.is_numeric
                                              else current.optype))


def _indicator(field: Field, value: Any, missing_to: float | None, guard: Field | None,
               context: Context) -> Field:
    value = plain(value)
    name = f"{field.name}={format_value(value)}"
    if is_nan_marker(value):
        # NaN (or None) was a category in fit: its column is 1 exactly when the value is missing.
        expression = flag(is_missing(field))
    elif isinstance(value, str) and field.is_numeric:
        raise context.error(f"OneHotEncoder: category {value!r} of the numeric column {field.name!r}; "
                            "encode a column of one type")
    else:
        expression = indicator(field, value, map_missing_to=missing_to)
    if guard is not None:
        expression = apply("*", expression, ref(guard))
    return context.scope.derive(name, expression)


def convert_ordinal_encoder(encoder: Any, features: list[Field], context: Context) -> list[Field]:
    """Category ``j`` of a column becomes ``j``.

    A missing value becomes ``encoded_missing_value`` when NaN was seen in fit, else it is
    unknown; an unknown value becomes ``unknown_value`` (handle_unknown="use_encoded_value").
    With handle_unknown="error" scikit-learn raises on an unknown value and the PMML scores it
    as missing; a NaN code is a missing value in PMML.
    """
    categories = attribute(encoder, context, "categories_")
    context.expect_features(features, len(categories), encoder)
    if getattr(encoder, "_infrequent_enabled", False):
        raise context.error("OrdinalEncoder grouped infrequent categories (min_frequency/max_categories); "
                            "that grouping is not converted: fit without min_frequency and max_categories")
    if encoder.handle_unknown not in ("error", "use_encoded_value"):
        raise context.error(f"OrdinalEncoder(handle_unknown={encoder.handle_unknown!r}) is not supported")
    unknown = float(encoder.unknown_value) if encoder.handle_unknown == "use_encoded_value" else np.nan
    outputs = []
    for field, values in zip(features, categories):
        known = non_missing(values)
        nan_seen = len(known) < len(values)
        data_type = "double" if field.is_numeric else "string"
        if any(isinstance(v, str) == field.is_numeric for v in known):
            raise context.error(f"OrdinalEncoder: column {field.name!r} ({field.data_type}) has categories of "
                                "another type; encode a column of one type")
        # Innermost: the unknown code (none when NaN: an "if" without "else" is missing).
        code: etree._Element | None = None if np.isnan(unknown) else constant(unknown)
        for j in range(len(known) - 1, -1, -1):
            matches = equal(field, known[j], data_type)
            code = apply("if", matches, constant(float(j))) if code is None else \
                if_else(matches, constant(float(j)), code)
        if code is None:
            code = constant(unknown)
        # Missing values are tested first: an "if" on a missing condition fails on JPMML-Evaluator.
        missing_code = float(encoder.encoded_missing_value) if nan_seen else unknown
        if np.isnan(missing_code):
            code = apply("if", apply("isNotMissing", ref(field)), code)
        else:
            code = if_else(is_missing(field), constant(missing_code), code)
        outputs.append(context.scope.derive(f"ordinalEncoder({field.name})", code))
    return outputs
