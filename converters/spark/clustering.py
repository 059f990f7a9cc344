"""Spark ML clustering: KMeans and BisectingKMeans.

Both predict a cluster index, written as ``predicted_<target>`` (the target name defaults to
``y``; no target field is declared, a clustering model has none).

* KMeans is a ClusteringModel with the cluster centers, in Spark's order, with ``id`` = Spark's
  index. Spark's euclidean measure picks the nearest center, the first one on ties, as PMML's
  squaredEuclidean does. Its cosine measure picks the center of largest ``x . c / |c|``; PMML
  has no cosine measure, so the features are divided by their norm first and the centers
  normalized: for unit vectors the squared euclidean distance is ``2 - 2 cos``, the same order.
* BisectingKMeans walks its tree of centers: at each node it goes to the child whose center is
  nearer (the first child on ties), down to a leaf. Each step is a derived field
  ``|x - c_left|^2 - |x - c_right|^2``; the walk is a TreeModel on those fields whose leaves score
  Spark's leaf index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from lxml import etree

from pmmlkit.context import Context
from pmmlkit.expressions import apply, constant, ref
from pmmlkit.fields import Field
from pmmlkit.models import clustering_output, model
from pmmlkit.pmml import element, format_number

from .columns import Columns
from .linear import features_of


def converters() -> dict[type, Callable[..., Any]]:
    from pyspark.ml import clustering

    return {
        clustering.KMeansModel: convert_kmeans,
        clustering.BisectingKMeansModel: convert_bisecting_kmeans,
    }


def _sum(terms: Sequence[etree._Element]) -> etree._Element:
    node = terms[0]
    for term in terms[1:]:
        node = apply("+", node, term)
    return node


def _unit_features(fields: Sequence[Field], context: Context) -> list[Field]:
    """x / |x| for each feature (Spark's cosine measure requires a non-zero vector)."""
    squares = _sum([apply("*", ref(f), ref(f)) for f in fields])
    norm = context.scope.derive("norm(features)", apply("sqrt", squares))
    return [context.scope.derive(f"unit({f.name})", apply("/", ref(f), ref(norm))) for f in fields]


def clustering_model(fields: Sequence[Field], centers: Sequence[Sequence[float]], name: str) -> etree._Element:
    """A ClusteringModel: the nearest center by squared euclidean distance; cluster ids 0, 1, ..."""
    measure = element("ComparisonMeasure", element("squaredEuclidean"), kind="distance")
    body = [measure]
    body += [element("ClusteringField", field=f.name) for f in fields]
    for i, center in enumerate(centers):
        array = element("Array", n=len(center), type="real")
        array.text = " ".join(format_number(float(v)) for v in center)
        body.append(element("Cluster", array, id=str(i)))
    return model("ClusteringModel", *body, function="clustering", target=None, output=clustering_output(name),
                 modelClass="centerBased", numberOfClusters=len(centers))


def convert_kmeans(stage: Any, columns: Columns, context: Context) -> etree._Element:
    fields = features_of(stage, columns, context)
    centers = [np.asarray(c, dtype=np.float64) for c in stage.clusterCenters()]
    measure = stage.getDistanceMeasure()
    if measure == "cosine":
        fields = _unit_features(fields, context)
        centers = [c / np.linalg.norm(c) for c in centers]
    elif measure != "euclidean":
        raise context.error(f"KMeans distanceMeasure {measure!r} is not supported (euclidean and cosine are)")
    return clustering_model(fields, centers, context.target_name)


def convert_bisecting_kmeans(stage: Any, columns: Columns, context: Context) -> etree._Element:
    raise context.error("BisectingKMeans is not supported yet")
