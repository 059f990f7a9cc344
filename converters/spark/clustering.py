"""Spark ML clustering: KMeans, BisectingKMeans and GaussianMixture.

KMeans and BisectingKMeans predict a cluster index, written as ``predicted_<target>`` (the target name defaults to
``y``; no target field is declared, a clustering model has none).

* KMeans is a ClusteringModel with the cluster centers, in Spark's order, with ``id`` = Spark's
  index. Spark's euclidean measure picks the nearest center, the first one on ties, as PMML's
  squaredEuclidean does. Its cosine measure picks the center of largest ``x . c / |c|``; PMML
  has no cosine measure, so the features are divided by their norm first and the centers
  normalized: for unit vectors the squared euclidean distance is ``2 - 2 cos``, the same order.
* BisectingKMeans walks its tree of centers: at each node it goes to the child whose center is
  nearer (the first child on ties), down to a leaf. Each step is a derived field
  ``|x - c_left|^2 - |x - c_right|^2`` (<= 0: the first child); the walk is a nested ``if``
  giving Spark's leaf index, and a ClusteringModel on that one field with cluster ``i`` centered
  at ``i`` returns it as the cluster id. (PMML's nearest leaf center would not be the same: a
  point can be nearer another leaf's center than the leaf its path leads to.)
* GaussianMixture gives each component the score ``EPSILON + w_k * exp(u_k - |R_k x - R_k mu_k|^2 / 2)``
  (Spark's ``computeProbabilities`` with ``MultivariateGaussian.logpdf``, where ``R_k`` is the root
  of the pseudo-inverse covariance and ``u_k`` the log normalizing constant) and the probabilities
  are the scores over their sum: a classification RegressionModel with ``simplemax`` over one
  derived field per component. Its "classes" are the component indices 0, 1, ...
"""


from __future__ import annotations

from collections.abc import Callable, Sequence
from copy import deepcopy
from typing import Any

import numpy as np
from lxml import etree

from pmmlkit.builders.clustering import CenterNode, clustering_model, leaf_model, tree_walk
from pmmlkit.builders.expressions import apply, constant, fold, ref
from pmmlkit.builders.fields import Field
from pmmlkit.builders.scores import proportional_classifier
from pmmlkit.context import Context

from .columns import StageContext
from .stages import features_of


def converters() -> dict[type, Callable[..., Any]]:
    from pyspark.ml import clustering

    return {
        clustering.KMeansModel: convert_kmeans,
        clustering.BisectingKMeansModel: convert_bisecting_kmeans,
        clustering.GaussianMixtureModel: convert_gaussian_mixture,
    }


def _unit_features(fields: Sequence[Field], context: Context) -> list[Field]:
    """x / |x| for each feature (Spark's cosine measure requires a non-zero vector)."""
    squares = fold("+", [apply("*", ref(f), ref(f)) for f in fields])
    norm = context.scope.derive("norm(features)", apply("sqrt", squares))
    return [context.scope.derive(f"unit({f.name})", apply("/", ref(f), ref(norm))) for f in fields]


def convert_kmeans(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    fields = features_of(stage, fields, context)
    centers = [np.asarray(c, dtype=np.float64) for c in stage.clusterCenters()]
    measure = stage.getDistanceMeasure()
    if measure == "cosine":
        fields = _unit_features(fields, context)
        centers = [c / np.linalg.norm(c) for c in centers]
    elif measure != "euclidean":
        raise context.error(f"KMeans distanceMeasure {measure!r} is not supported (euclidean and cosine are)")
    return clustering_model(fields, centers, context.target_name)


def convert_bisecting_kmeans(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    fields = features_of(stage, fields, context)
    measure = stage.getDistanceMeasure()
    if measure == "cosine":
        fields = _unit_features(fields, context)
    elif measure != "euclidean":
        raise context.error(f"BisectingKMeans distanceMeasure {measure!r} is not supported (euclidean and "
                            "cosine are)")
    root = _center_tree(_tree_root(stage, context), measure == "cosine", context)
    leaf = tree_walk(root, fields, context.scope, "bisectingKMeans")
    return leaf_model(leaf, len(stage.clusterCenters()), context.target_name)


def _tree_root(stage: Any, context: Context) -> Any:
    """The root ``ClusteringTreeNode`` of Spark's tree (not exposed in Python; read through the JVM object)."""
    java = stage._java_obj
    try:
        parent = getattr(java, "org$apache$spark$ml$clustering$BisectingKMeansModel$$parentModel")()
        return parent.root()
    except Exception:  # py4j errors: this Spark lays the model out differently
        raise context.error("cannot read the BisectingKMeans tree of centers from this Spark version") from None


def _center_tree(node: Any, unit: bool, context: Context) -> CenterNode:
    """Spark's ``ClusteringTreeNode`` (its ``predictPath`` goes to the nearer child, the first on ties)."""
    children = list(node.children())
    center = np.asarray(node.center().toArray(), dtype=np.float64)
    norm = np.linalg.norm(center)
    if unit and norm > 0:  # (a zero center is only ever the root's, which the walk never measures)
        center = center / norm
    if not children:
        return CenterNode(center, cluster=int(node.index()))
    if len(children) != 2:
        raise context.error(f"a BisectingKMeans tree node has {len(children)} children; two are expected")
    return CenterNode(center, left=_center_tree(children[0], unit, context),
                      right=_center_tree(children[1], unit, context))


# -- GaussianMixture -------------------------------------------------------------------------------------------

# Spark's MLUtils.EPSILON (the double machine epsilon), added to every component's weighted density.
_EPSILON = float(np.finfo(np.float64).eps)


def convert_gaussian_mixture(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    fields = features_of(stage, fields, context)
    weights = [float(w) for w in stage.weights]
    scores = []
    for k, gaussian in enumerate(stage._java_obj.gaussians()):
        root, root_mean, u = _gaussian_constants(gaussian)
        terms = []
        for j in range(root.shape[0]):
            products = [apply("*", constant(float(root[j, i])), ref(f)) for i, f in enumerate(fields)]
            z = apply("-", fold("+", products), constant(float(root_mean[j])))
            terms.append(apply("*", z, deepcopy(z)))
        log_density = apply("-", constant(u), apply("*", constant(0.5), fold("+", terms)))
        score = apply("+", constant(_EPSILON), apply("*", constant(weights[k]), apply("exp", log_density)))
        scores.append(context.scope.derive(f"mixture_component_{k}", score))
    return proportional_classifier(scores, context.classification_target(list(range(len(scores)))))


def _gaussian_constants(gaussian: Any) -> tuple[np.ndarray, np.ndarray, float]:
    """(R, R mu, u) of a Spark ``MultivariateGaussian``: logpdf(x) = u - |R x - R mu|^2 / 2.

    Read from Spark's own (private, lazily computed) fields when this Spark has them, so the
    constants are bit for bit Spark's; else computed as Spark does, from an eigendecomposition of
    the covariance that drops eigenvalues below ``EPSILON * max * n``.
    """
    mean = np.asarray(gaussian.mean().toArray(), dtype=np.float64)
    n = len(mean)
    try:
        gaussian.logpdf(gaussian.mean())  # computes the lazy constants
        root = _private(gaussian, "rootSigmaInvMat")
        matrix = np.asarray(root.toArray(), dtype=np.float64).reshape(n, n, order="F")
        return (matrix, np.asarray(_private(gaussian, "rootSigmaInvMulMu").toArray(), dtype=np.float64),
                float(_private(gaussian, "u")))
    except Exception:  # py4j reflection errors: another Spark layout
        pass
    cov = gaussian.cov()
    covariance = np.asarray(cov.toArray(), dtype=np.float64).reshape(n, n, order="F")
    values, vectors = np.linalg.eigh(covariance)
    tolerance = _EPSILON * float(values.max()) * n
    kept = values > tolerance
    scale = np.where(kept, np.sqrt(1.0 / np.where(kept, values, 1.0)), 0.0)
    matrix = scale[:, None] * vectors.T
    u = -0.5 * (n * np.log(2.0 * np.pi) + float(np.sum(np.log(values[kept]))))
    return matrix, matrix @ mean, float(u)


def _private(java_object: Any, name: str) -> Any:
    field = java_object.getClass().getDeclaredField(name)
    field.setAccessible(True)
    return field.get(java_object)
