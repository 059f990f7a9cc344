"""KBinsDiscretizer (sklearn.preprocessing's ``_discretization``): values to bin codes (as doubles)."""

from __future__ import annotations

from typing import Any

import numpy as np
from lxml import etree
from sklearn.preprocessing import KBinsDiscretizer

from pmmlkit.builders.expressions import equal, flag
from pmmlkit.builders.fields import Field
from pmmlkit.context import Context, Converter
from pmmlkit.pmml import element, format_number

from ..fitted import attribute, n_features


def converters() -> dict[type, Converter]:
    return {
        KBinsDiscretizer: convert_kbins_discretizer,
    }


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
