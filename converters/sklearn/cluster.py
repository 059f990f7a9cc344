"""KMeans, MiniBatchKMeans, BisectingKMeans, MeanShift and AffinityPropagation: the cluster id (``predict``) and, for KMeans and
MiniBatchKMeans, the distance to every center (``transform``) as outputs ``distance(<id>)``.

BisectingKMeans predicts by walking its tree of centers (to the nearer child at each split),
which can end in another cluster than the nearest center; the walk is written as derived fields.
Its ``transform`` distances are derived fields, output as ``distance(<id>)`` too.
MeanShift and AffinityPropagation predict the nearest of their ``cluster_centers_`` (they have no
``transform``).

Rows exactly equidistant from two centers: PMML takes the first center; scikit-learn computes the
distances as ``|x|^2 - 2 x.c + |c|^2`` with BLAS, whose rounding can make either center nearer.
Such exact ties (e.g. on data on a coarse grid) can therefore differ; all other rows agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree
from sklearn import cluster

from pmmlkit.builders.clustering import CenterNode, clustering_model, leaf_model, tree_walk
from pmmlkit.builders.expressions import apply
from pmmlkit.builders.fields import Field
from pmmlkit.builders.scores import squared_distance, value_outputs
from pmmlkit.context import Context

from .fitted import array, attribute, n_features


def converters() -> dict[type, Callable[..., Any]]:
    return {
        cluster.KMeans: convert_kmeans,
        cluster.MiniBatchKMeans: convert_kmeans,
        cluster.BisectingKMeans: convert_bisecting_kmeans,
        cluster.MeanShift: convert_nearest_center,
        cluster.AffinityPropagation: convert_nearest_center,
    }


def convert_kmeans(estimator: Any, features: list[Field], context: Context) -> etree._Element:
    context.expect_features(features, n_features(estimator, context), estimator)
    centers = array(estimator, context, "cluster_centers_")
    return clustering_model(features, centers, context.target_name, measure="euclidean", distances=True)


def convert_nearest_center(estimator: Any, features: list[Field], context: Context) -> etree._Element:
    context.expect_features(features, n_features(estimator, context), estimator)
    centers = array(estimator, context, "cluster_centers_")
    if centers.ndim != 2 or len(centers) == 0:
        raise context.error(f"{type(estimator).__name__} found no cluster centers (it did not converge) and "
                            "predicts -1 for every row; refit it (e.g. more iterations) before converting")
    return clustering_model(features, centers, context.target_name)


def convert_bisecting_kmeans(estimator: Any, features: list[Field], context: Context) -> etree._Element:
    context.expect_features(features, n_features(estimator, context), estimator)
    centers = array(estimator, context, "cluster_centers_")
    tree = attribute(estimator, context, "_bisecting_tree")
    offset = getattr(estimator, "_X_mean", None)
    scope = context.scope
    leaf = tree_walk(_node(tree, offset, context), features, scope, "bisectingKMeans")
    distances = [(f"distance({i})", scope.derive(f"bisectingKMeans:distance({i})",
                                                 apply("sqrt", squared_distance(features, center))))
                 for i, center in enumerate(centers)]
    return value_outputs(leaf_model(leaf, len(centers), context.target_name), distances)


def _node(node: Any, offset: Any, context: Context) -> CenterNode:
    """scikit-learn's ``_BisectingTree`` (centers stored relative to the training mean)."""
    center = node.center if offset is None else node.center + offset
    if node.left is None:
        return CenterNode(center, cluster=int(node.label))
    if node.right is None:
        raise context.error("a BisectingKMeans tree node has one child; two are expected")
    return CenterNode(center, left=_node(node.left, offset, context), right=_node(node.right, offset, context))
