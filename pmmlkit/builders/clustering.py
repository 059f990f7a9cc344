"""ClusteringModel builders: nearest-center models and walks down a tree of centers.

Cluster ids are 0, 1, ... as the source framework numbers its clusters; the winning id is the
output ``predicted_<name>``. Ties go to the first center, as numpy's argmin and Spark do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from ..errors import ConversionError
from ..pmml import element, format_number
from .expressions import apply, constant, ref
from .fields import Field, Scope
from .model import clustering_output, model
from .scores import squared_distance

MEASURES = ("euclidean", "squaredEuclidean", "cityBlock", "chebychev")


def clustering_model(fields: Sequence[Field], centers: Sequence[Sequence[float]], name: str,
                     measure: str = "squaredEuclidean", distances: bool = False) -> etree._Element:
    """A center-based ClusteringModel; with ``distances``, one output per cluster,
    ``distance(<id>)``, the ``measure`` from the row to that center (``clusterAffinity``)."""
    if measure not in MEASURES:
        raise ConversionError(f"comparison measure {measure!r} is not one of {MEASURES}")
    body = [element("ComparisonMeasure", element(measure), kind="distance")]
    body += [element("ClusteringField", field=f.name) for f in fields]
    for i, center in enumerate(centers):
        if len(center) != len(fields):
            raise ConversionError(f"cluster {i} has {len(center)} coordinates for {len(fields)} fields")
        array = element("Array", n=len(center), type="real")
        array.text = " ".join(format_number(float(v)) for v in center)
        body.append(element("Cluster", array, id=str(i)))
    output = clustering_output(name)
    if distances:
        for i in range(len(centers)):
            output.append(element("OutputField", name=f"distance({i})", optype="continuous", dataType="double",
                                  feature="clusterAffinity", value=str(i)))
    return model("ClusteringModel", *body, function="clustering", target=None, output=output,
                 modelClass="centerBased", numberOfClusters=len(centers))


@dataclass
class CenterNode:
    """A node of a tree of centers: a leaf carries its cluster id; an inner node its two children."""

    center: Sequence[float]
    cluster: int | None = None
    left: CenterNode | None = None
    right: CenterNode | None = None


def tree_walk(root: CenterNode, fields: Sequence[Field], scope: Scope, prefix: str) -> Field:
    """A field holding the id of the leaf reached by going, from ``root``, to the child whose
    center is nearer (squared euclidean; the left child on ties), as bisecting k-means predicts."""
    return scope.derive(f"{prefix}:leaf", _walk(root, fields, scope, prefix))


def _walk(node: CenterNode, fields: Sequence[Field], scope: Scope, prefix: str) -> etree._Element:
    if node.left is None or node.right is None:
        if node.cluster is None:
            raise ConversionError("a leaf of the tree of centers has no cluster id")
        return constant(float(node.cluster))
    step = scope.derive(f"{prefix}:step", apply("-", squared_distance(fields, node.left.center),
                                                squared_distance(fields, node.right.center)))
    return apply("if", apply("lessOrEqual", ref(step), constant(0.0)),
                 _walk(node.left, fields, scope, prefix), _walk(node.right, fields, scope, prefix))


def leaf_model(leaf: Field, count: int, name: str) -> etree._Element:
    """A ClusteringModel returning the cluster id held in ``leaf`` (cluster ``i`` centered at ``i``)."""
    return clustering_model([leaf], [[float(i)] for i in range(count)], name)
