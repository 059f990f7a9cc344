"""PCA, IncrementalPCA, TruncatedSVD and FastICA: projections on the fitted components.

PCA: ``x @ components_.T - mean_ @ components_.T`` (the centering after the projection, as
scikit-learn computes it), divided by ``sqrt(explained_variance_)`` (at least machine epsilon)
when ``whiten``. TruncatedSVD: ``x @ components_.T``. FastICA: ``(x - mean_) @ components_.T``
(``x @ components_.T`` without whitening).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn import decomposition

from pmmlkit.builders.expressions import apply, constant, ref
from pmmlkit.builders.fields import Field
from pmmlkit.builders.scores import linear_score
from pmmlkit.context import Context

from .fitted import array, n_features


def converters() -> dict[type, Callable[..., Any]]:
    return {
        decomposition.PCA: convert_pca,
        decomposition.IncrementalPCA: convert_pca,
        decomposition.TruncatedSVD: convert_truncated_svd,
        decomposition.FastICA: convert_fast_ica,
    }


def convert_pca(pca: Any, features: list[Field], context: Context) -> list[Field]:
    context.expect_features(features, n_features(pca, context), pca)
    components = array(pca, context, "components_")
    offsets = array(pca, context, "mean_") @ components.T
    scales = None
    if pca.whiten:
        scales = np.sqrt(array(pca, context, "explained_variance_"))
        scales[scales < np.finfo(scales.dtype).eps] = np.finfo(scales.dtype).eps
    outputs = []
    for i, row in enumerate(components):
        projection = apply("-", linear_score(features, row, 0.0), constant(float(offsets[i])))
        if scales is not None:
            projection = apply("/", projection, constant(float(scales[i])))
        outputs.append(context.scope.derive(f"pca{i + 1}", projection))
    return outputs


def convert_truncated_svd(svd: Any, features: list[Field], context: Context) -> list[Field]:
    context.expect_features(features, n_features(svd, context), svd)
    components = array(svd, context, "components_")
    return [context.scope.derive(f"svd{i + 1}", linear_score(features, row, 0.0)) for i, row in enumerate(components)]


def convert_fast_ica(ica: Any, features: list[Field], context: Context) -> list[Field]:
    context.expect_features(features, n_features(ica, context), ica)
    components = array(ica, context, "components_")
    inputs = features
    if ica.whiten:
        means = array(ica, context, "mean_")
        inputs = [context.scope.derive(f"centered({f.name})", apply("-", ref(f), constant(float(m))))
                  for f, m in zip(features, means)]
    return [context.scope.derive(f"ica{i + 1}", linear_score(inputs, row, 0.0)) for i, row in enumerate(components)]
