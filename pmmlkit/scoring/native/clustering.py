"""ClusteringModel (center-based): distances or similarities to each cluster, as columns."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ...pmml import tag_of
from . import mathlib
from .fields import elements, first
from .ir import Env, Prediction, unsupported
from .output import OutputField
from .trees import array_values

_MEASURES = ("euclidean", "squaredEuclidean", "cityBlock", "chebychev", "minkowski")


def cluster_id(cluster: Any, position: int) -> str:
    """A Cluster's id: its ``id``, else its 1-based position (PMML4S and JPMML-Evaluator)."""
    return cluster.get("id") or str(position)


def clustering_defaults(node: Any) -> list[OutputField]:
    """The outputs PMML4S gives a ClusteringModel without <Output>: ``cluster`` (the winner's id,
    else its 1-based position), ``cluster_name`` (its name; only when the first Cluster has one) and
    ``distance`` (the winner's distance)."""
    clusters = elements(node, "Cluster")
    names = {cluster_id(cluster, i): cluster.get("name") for i, cluster in enumerate(clusters, start=1)}
    out = [OutputField("cluster", "string", lambda env, p, done: p.entity)]
    if clusters and clusters[0].get("name") is not None:  # PMML4S looks at the first Cluster alone
        out.append(OutputField("cluster_name", "string", lambda env, p, done: np.array(
            [names.get(c) if c is not None else None for c in p.entity], dtype=object)))
    out.append(OutputField("distance", "double", lambda env, p, done: p.extra["affinity"]))
    return out


def clustering_model(node: Any, numeric: Callable[[str], bool]) -> Callable[[Env], Prediction]:
    if node.get("modelClass") != "centerBased":
        raise unsupported(node, f"a ClusteringModel with modelClass={node.get('modelClass')!r}")
    comparison = first(node, "ComparisonMeasure")
    measures = [c for c in elements(comparison)] if comparison is not None else []
    if len(measures) != 1 or tag_of(measures[0]) not in _MEASURES or comparison.get("kind") != "distance":
        raise unsupported(comparison if comparison is not None else node,
                          "a <ComparisonMeasure> other than a distance (euclidean, squaredEuclidean, cityBlock, "
                          "chebychev, minkowski)")
    measure = tag_of(measures[0])
    p = float(measures[0].get("p-parameter", "2"))
    default_compare = comparison.get("compareFunction", "absDiff")
    fields = []
    for item in elements(node, "ClusteringField"):
        if item.get("isCenterField", "true") == "false":
            continue
        compare = item.get("compareFunction", default_compare)
        if compare not in ("absDiff", "gaussSim", "delta", "equal"):
            raise unsupported(item, f"compareFunction={compare!r}")
        fields.append((item.get("field"), float(item.get("fieldWeight", "1")), compare,
                       float(item.get("similarityScale", "1"))))
    if first(node, "MissingValueWeights") is not None:
        raise unsupported(first(node, "MissingValueWeights"))
    clusters = []
    for i, cluster in enumerate(elements(node, "Cluster"), start=1):
        array = first(cluster, "Array")
        if array is None:
            raise unsupported(cluster, "a <Cluster> without an Array of center values")
        center = [float(v) for v in array_values(array)]
        if len(center) != len(fields):
            raise unsupported(cluster, f"a <Cluster> with {len(center)} values for {len(fields)} fields")
        clusters.append((cluster_id(cluster, i), center))

    def distance(columns: list[np.ndarray], center: list[float]) -> np.ndarray:
        """The measure over the fields present: a missing field is left out and the sum scaled by
        (number of fields) / (number present), as PMML 4.4 (without MissingValueWeights), PMML4S
        and JPMML-Evaluator compute it; a record with every field missing has no distance."""
        total = np.zeros(len(columns[0]) if columns else 0)
        present = np.zeros(len(total))
        with np.errstate(all="ignore"):
            for (_, weight, compare, scale), x, c in zip(fields, columns, center):
                missing = np.isnan(x)
                if compare == "absDiff":
                    d = np.abs(x - c)
                elif compare == "gaussSim":
                    d = mathlib.exp(-math.log(2.0) * (x - c) * (x - c) / (scale * scale))
                elif compare == "delta":
                    d = (x != c).astype(np.float64)
                else:
                    d = (x == c).astype(np.float64)
                if measure in ("euclidean", "squaredEuclidean"):
                    term = weight * (d * d)
                elif measure in ("cityBlock", "chebychev"):
                    term = weight * d
                else:
                    term = weight * mathlib.power(d, p)
                term = np.where(missing, 0.0, term)
                present = present + ~missing
                total = np.maximum(total, term) if measure == "chebychev" else total + term
            total = total * np.where(present > 0, len(fields) / present, np.nan)  # x 1.0 where none is missing: exact
            if measure == "euclidean":
                return np.sqrt(total)
            if measure == "minkowski":
                return mathlib.power(total, 1.0 / p)
        return total

    ids = np.array([c[0] for c in clusters], dtype=object)

    def run(env: Env) -> Prediction:
        columns = [np.asarray(env.get(f[0]), dtype=np.float64) for f in fields]
        distances = [distance(columns, center) for _, center in clusters]
        stacked = np.vstack(distances)
        # No cluster when a distance is unknown, or when every distance overflows to infinity (values
        # near 1e154 and beyond): no cluster is nearer than another (PMML4S gives none either).
        unknown = np.isnan(stacked).any(axis=0) | np.isposinf(stacked).all(axis=0)
        best = np.argmin(np.where(np.isnan(stacked), np.inf, stacked), axis=0)
        winner = ids[best]
        winner[unknown] = None
        affinity = stacked[best, np.arange(env.rows)]
        affinity[unknown] = np.nan
        return Prediction(winner, entity=winner, affinities={c[0]: d for c, d in zip(clusters, distances)},
                          extra={"affinity": affinity})
    return run


__all__ = ["cluster_id", "clustering_defaults", "clustering_model"]
