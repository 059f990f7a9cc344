"""GaussianRandomProjection and SparseRandomProjection: ``x @ components_.T``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn import random_projection

from pmmlkit.builders.fields import Field
from pmmlkit.builders.scores import linear_score
from pmmlkit.context import Context

from .fitted import attribute, n_features


def converters() -> dict[type, Callable[..., Any]]:
    return {
        random_projection.GaussianRandomProjection: convert_random_projection,
        random_projection.SparseRandomProjection: convert_random_projection,
    }


def convert_random_projection(projection: Any, features: list[Field], context: Context) -> list[Field]:
    context.expect_features(features, n_features(projection, context), projection)
    components = attribute(projection, context, "components_")
    # SparseRandomProjection keeps a scipy sparse matrix.
    components = np.asarray(components.toarray() if hasattr(components, "toarray") else components, dtype=np.float64)
    return [context.scope.derive(f"projection{i + 1}", linear_score(features, row, 0.0))
            for i, row in enumerate(components)]
