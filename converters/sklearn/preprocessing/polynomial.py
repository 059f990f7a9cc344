"""PolynomialFeatures (sklearn.preprocessing's ``_polynomial``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from lxml import etree
from sklearn.preprocessing import PolynomialFeatures

from pmmlkit.builders.expressions import apply, constant, ref
from pmmlkit.builders.fields import Field
from pmmlkit.context import Context, Converter

from ..fitted import attribute, n_features


def converters() -> dict[type, Converter]:
    return {
        PolynomialFeatures: convert_polynomial_features,
    }


def convert_polynomial_features(transformer: Any, features: list[Field], context: Context) -> list[Field]:
    """One field per row of ``powers_``, in scikit-learn's order.

    scikit-learn builds the term of features ``i1 <= i2 <= ... <= id`` as the term of
    ``i2 ... id`` times ``x_i1``; the products here are nested the same way, so a term of
    degree 3 or more rounds as it does there.
    """
    powers = np.asarray(attribute(transformer, context, "powers_"))
    context.expect_features(features, n_features(transformer, context), transformer)
    outputs = []
    for row in powers:
        indices = [i for i, power in enumerate(row) for _ in range(int(power))]
        if not indices:
            outputs.append(context.scope.derive("polynomial(1)", constant(1.0)))
        elif len(indices) == 1:
            outputs.append(features[indices[0]])
        else:
            term: etree._Element = ref(features[indices[-1]])
            for i in reversed(indices[:-1]):
                term = apply("*", term, ref(features[i]))
            name = " ".join(f"{features[i].name}^{int(p)}" if p > 1 else features[i].name
                            for i, p in enumerate(row) if p)
            outputs.append(context.scope.derive(f"polynomial({name})", term))
    return outputs
