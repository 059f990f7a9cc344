"""RBFSampler: random Fourier features ``cos(x @ random_weights_ + random_offset_) * sqrt(2 / n_components)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sklearn import kernel_approximation

from pmmlkit.builders.expressions import apply, constant
from pmmlkit.builders.fields import Field
from pmmlkit.builders.scores import linear_score
from pmmlkit.context import Context

from .fitted import array, n_features


def converters() -> dict[type, Callable[..., Any]]:
    return {kernel_approximation.RBFSampler: convert_rbf_sampler}


def convert_rbf_sampler(sampler: Any, features: list[Field], context: Context) -> list[Field]:
    context.expect_features(features, n_features(sampler, context), sampler)
    weights = array(sampler, context, "random_weights_")
    offsets = array(sampler, context, "random_offset_")
    scale = (2.0 / sampler.n_components) ** 0.5
    outputs = []
    for i in range(weights.shape[1]):
        projection = apply("+", linear_score(features, weights[:, i], 0.0), constant(float(offsets[i])))
        outputs.append(context.scope.derive(f"rbfFeature{i + 1}",
                                            apply("*", apply("cos", projection), constant(scale))))
    return outputs
