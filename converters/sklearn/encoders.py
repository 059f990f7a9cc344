"""OrdinalEncoder and KBinsDiscretizer: values to integer codes (as doubles)."""

from __future__ import annotations

from typing import Any

import numpy as np
from lxml import etree

from pmmlkit.builders.expressions import apply, constant, equal, flag, if_else, is_missing, ref
from pmmlkit.builders.fields import Field
from pmmlkit.context import Context
from pmmlkit.pmml import element, format_number

from .fitted import attribute, n_features
from .impute import non_missing


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


def convert_kbins_discretizer(discretizer: Any, features: list[Field], context: Context) -> list[Field]:
    """Bin ``k`` holds ``edges[k] <= x < edges[k + 1]``, the outer bins open-ended: scikit-learn's
    ``searchsorted(edges[1:-1], x, side="right")``. ``onehot`` encodings add one 0/1 field per bin."""
    edges = attribute(discretizer, context, "bin_edges_")
    context.expect_features(features, n_features(discretizer, context), discretizer)
    if discretizer.dtype not in (None, np.float64):
        raise context.error(f"KBinsDiscretizer(dtype={discretizer.dtype!r}) rounds inputs to float32 first; "
                            "fit with dtype=None or np.float64")
    outputs = []
    for field, field_edges in zip(features, edges):
        inner = [float(e) for e in np.asarray(field_edges, dtype=np.float64)[1:-1]]
        bins = context.scope.derive(f"kBinsDiscretizer({field.name})", _discretize(field, inner))
        if discretizer.encode == "ordinal":
            outputs.append(bins)
            continue
        for k in range(len(inner) + 1):
            outputs.append(context.scope.derive(f"{bins.name}={k}", flag(equal(bins, float(k)))))
    return outputs


def _discretize(field: Field, inner_edges: list[float]) -> etree._Element:
    node = element("Discretize", field=field.name, dataType="double")
    bounds = [None, *inner_edges, None]
    for k in range(len(bounds) - 1):
        interval = element("Interval", closure="closedOpen",
                           leftMargin=None if bounds[k] is None else format_number(bounds[k]),
                           rightMargin=None if bounds[k + 1] is None else format_number(bounds[k + 1]))
        node.append(element("DiscretizeBin", interval, binValue=str(k)))
    return node
