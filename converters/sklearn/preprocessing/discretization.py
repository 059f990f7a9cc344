"""KBinsDiscretizer (sklearn.preprocessing's ``_discretization``): values to bin codes (as doubles)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.preprocessing import KBinsDiscretizer

from pmmlkit.builders.expressions import discretize, equal, flag
from pmmlkit.builders.fields import Field
from pmmlkit.context import Context, Converter
from pmmlkit.pmml import format_number

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
        bins = context.scope.derive(f"kBinsDiscretizer({field.name})", discretize(field, [None, *[format_number(e) for e in inner], None]))
        if discretizer.encode == "ordinal":
            outputs.append(bins)
            continue
        for k in range(len(inner) + 1):
            outputs.append(context.scope.derive(f"{bins.name}={k}", flag(equal(bins, float(k)))))
    return outputs
