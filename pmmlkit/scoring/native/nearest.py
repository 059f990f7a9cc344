"""NearestNeighborModel (PMML 4.4): distances to every training instance, the k nearest, their vote.

- Training instances come from an ``InlineTable`` (``TrainingInstances``/``InstanceFields`` map each
  field to its column); every KNNInput, the target and the ``instanceIdVariable`` must be columns of
  it (a KNNInput computed from a transformation of raw training values, ``isTransformed="false"``
  over a derived field, is refused).
- The distance is the ComparisonMeasure over the KNNInputs, as for clustering: per field the compare
  function (absDiff, gaussSim, delta, equal) raised to the inner power and times its
  ``fieldWeight``, summed in field order; a missing input is left out and the sum scaled by
  (number of inputs) / (number present); the outer power last (euclidean's square root, minkowski's
  1/p). A record with every input missing has no prediction.
- The k nearest are the first k by distance, training order breaking ties (a stable sort, as
  JPMML-Evaluator takes them).
- Continuous target: the average, the median, or the average weighted by 1/(distance + threshold).
  Categorical target: the majority vote or the vote weighted the same way; on a tie the category
  with the most training instances wins, then the smallest value (the standard's rule).
- Outputs: the predicted value; ``entityId`` with ``rank="n"``: the ``instanceIdVariable`` of the n-th
  nearest instance; ``affinity`` with ``rank="n"``: its distance.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from ...pmml import tag_of
from . import mathlib
from .fields import cast, elements, first, parse_value
from .ir import Column, Env, Prediction, unsupported

_MEASURES = ("euclidean", "squaredEuclidean", "cityBlock", "chebychev", "minkowski")
_COMPARE = ("absDiff", "gaussSim", "delta", "equal")
# Rows scored at once: bounds the (rows x instances) distance matrix.
_CELLS = 4_000_000


def _table(node: Any) -> tuple[dict[str, str], list[dict[str, str | None]]]:
    instances = first(node, "TrainingInstances")
    if instances is None:
        raise unsupported(node, "a NearestNeighborModel without TrainingInstances")
    fields = first(instances, "InstanceFields")
    inline = first(instances, "InlineTable")
    if fields is None or inline is None:
        raise unsupported(instances, "<TrainingInstances> without InstanceFields and an InlineTable (a TableLocator "
                          "names data outside the document)")
    columns = {f.get("field"): (f.get("column") or f.get("field")).rpartition(":")[2]
               for f in elements(fields, "InstanceField")}
    rows = []
    for row in elements(inline, "row"):
        cells = {tag_of(c).rpartition(":")[2]: c.text for c in elements(row)}
        rows.append({field: cells.get(column) for field, column in columns.items()})
    if not rows:
        raise unsupported(inline, "an <InlineTable> without rows")
    return columns, rows


def nearest_neighbor_model(node: Any, numeric: Callable[[str], bool], target: str | None, target_type: str | None,
                           raw_fields: set[str]) -> Callable[[Env], Prediction]:
    """``raw_fields``: the DataDictionary's fields (what raw training instances hold)."""
    function = node.get("functionName")
    if function not in ("regression", "classification"):
        raise unsupported(node, f"a NearestNeighborModel with functionName={function!r}")
    if target is None:
        raise unsupported(node, "a NearestNeighborModel without a target field")
    k = int(node.get("numberOfNeighbors", "0"))
    columns, table = _table(node)
    if not 1 <= k <= len(table):
        raise unsupported(node, f"numberOfNeighbors={k} with {len(table)} training instances")
    transformed = first(node, "TrainingInstances").get("isTransformed", "false") == "true"
    comparison = first(node, "ComparisonMeasure")
    measures = elements(comparison) if comparison is not None else []
    if len(measures) != 1 or tag_of(measures[0]) not in _MEASURES or comparison.get("kind") != "distance":
        raise unsupported(comparison if comparison is not None else node,
                          "a <ComparisonMeasure> other than a distance (euclidean, squaredEuclidean, cityBlock, "
                          "chebychev, minkowski)")
    measure = tag_of(measures[0])
    p = float(measures[0].get("p-parameter", "2")) if measure == "minkowski" else \
        2.0 if measure in ("euclidean", "squaredEuclidean") else 1.0
    default_compare = comparison.get("compareFunction", "absDiff")
    inputs = []
    knn = first(node, "KNNInputs")
    for item in elements(knn, "KNNInput") if knn is not None else []:
        name = item.get("field")
        compare = item.get("compareFunction", default_compare)
        if compare not in _COMPARE:
            raise unsupported(item, f"compareFunction={compare!r}")
        if name not in columns:
            raise unsupported(item, f"a <KNNInput> whose field {name!r} is not a column of the TrainingInstances")
        if not transformed and name not in raw_fields:
            raise unsupported(item, f"a <KNNInput> over the derived field {name!r} with raw TrainingInstances "
                              "(isTransformed=\"false\")")
        is_number = numeric(name)
        values = [parse_value(row[name], is_number) for row in table]
        reference = np.array(values, dtype=np.float64 if is_number else object)
        inputs.append((name, float(item.get("fieldWeight", "1")), compare, float(item.get("similarityScale", "1")),
                       is_number, reference))
    if not inputs:
        raise unsupported(node, "a NearestNeighborModel without KNNInputs")
    if target not in columns:
        raise unsupported(node, f"a NearestNeighborModel whose target {target!r} is not a column of the "
                          "TrainingInstances")
    id_variable = node.get("instanceIdVariable")
    if id_variable is not None and id_variable not in columns:
        raise unsupported(node, f"instanceIdVariable={id_variable!r}, not a column of the TrainingInstances")
    ids = np.array([row[id_variable] for row in table] if id_variable is not None
                   else [str(i) for i in range(1, len(table) + 1)], dtype=object)
    threshold = float(node.get("threshold", "0.001"))
    if function == "regression":
        method = node.get("continuousScoringMethod", "average")
        if method not in ("average", "median", "weightedAverage"):
            raise unsupported(node, f"continuousScoringMethod={method!r}")
        targets = np.array([parse_value(row[target], True) for row in table], dtype=np.float64)
        combine = _continuous(method, targets, threshold)
    else:
        method = node.get("categoricalScoringMethod", "majorityVote")
        if method not in ("majorityVote", "weightedMajorityVote"):
            raise unsupported(node, f"categoricalScoringMethod={method!r}")
        combine = _categorical(method, [row[target] for row in table], target_type, threshold)

    def distances(env: Env, lo: int, hi: int) -> np.ndarray:
        total = None
        present = np.zeros(hi - lo)
        chebychev = measure == "chebychev"
        with np.errstate(all="ignore"):
            for name, weight, compare, scale, is_number, reference in inputs:
                column = env.get(name)[lo:hi]
                if is_number:
                    x = (cast(column, "double") if column.dtype == object else column.astype(np.float64))[:, None]
                    missing = np.isnan(x[:, 0])
                    if compare == "absDiff":
                        d = np.abs(x - reference[None, :])
                    elif compare == "gaussSim":
                        z = x - reference[None, :]
                        d = mathlib.exp(-np.log(2.0) * z * z / (scale * scale))
                    elif compare == "delta":
                        d = (x != reference[None, :]).astype(np.float64)
                    else:
                        d = (x == reference[None, :]).astype(np.float64)
                else:
                    if compare not in ("delta", "equal"):
                        raise unsupported(node, f"compareFunction={compare!r} on the text field {name!r}")
                    missing = np.array([v is None for v in column], dtype=bool)
                    same = np.array([[v == r for r in reference] for v in column], dtype=bool).reshape(
                        len(column), len(reference))
                    d = (~same if compare == "delta" else same).astype(np.float64)
                if p != 1.0:
                    d = d * d if p == 2.0 else mathlib.power(np.ascontiguousarray(d), p)
                term = d * weight if weight != 1.0 else d
                term[missing, :] = -np.inf if chebychev else 0.0
                present = present + ~missing
                if total is None:
                    total = term
                else:
                    total = np.maximum(total, term) if chebychev else total + term
            assert total is not None
            adjustment = np.where(present > 0, len(inputs) / present, np.nan)
            total = total * adjustment[:, None]
            if measure == "euclidean":
                return np.sqrt(total)
            if measure == "minkowski":
                return mathlib.power(np.ascontiguousarray(total), 1.0 / p)
            return total

    def run(env: Env) -> Prediction:
        rows = env.rows
        value: Column | None = None
        nearest = np.zeros((rows, k), dtype=np.int64)
        near_distance = np.full((rows, k), np.nan)
        chunk = max(1, _CELLS // len(table))
        parts = []
        for lo in range(0, rows, chunk):
            hi = min(rows, lo + chunk)
            d = distances(env, lo, hi)
            order = np.argsort(d, axis=1, kind="stable")[:, :k]
            nearest[lo:hi] = order
            near_distance[lo:hi] = np.take_along_axis(d, order, axis=1)
            parts.append(combine(order, near_distance[lo:hi]))
        value = np.concatenate(parts) if parts else np.zeros(0)
        unknown = np.isnan(near_distance[:, 0]) if rows else np.zeros(0, dtype=bool)
        value[unknown] = np.nan if value.dtype != object else None
        ranked_ids = []
        ranked_distances = []
        for rank in range(k):
            column = ids[nearest[:, rank]]
            column[unknown] = None
            ranked_ids.append(column)
            ranked_distances.append(near_distance[:, rank])
        return Prediction(value, entity=ranked_ids[0], extra={"affinity": ranked_distances[0],
                                                              "ranked_entities": ranked_ids,
                                                              "ranked_affinities": ranked_distances})
    run.gives_probabilities = False  # type: ignore[attr-defined]  # read by Program's default outputs
    return run


def _weights(distances: np.ndarray, threshold: float) -> np.ndarray:
    with np.errstate(all="ignore"):
        return 1.0 / (distances + threshold)


def _continuous(method: str, targets: np.ndarray, threshold: float
                ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    def combine(order: np.ndarray, distances: np.ndarray) -> np.ndarray:
        values = targets[order]
        if method == "median":
            return np.median(values, axis=1)
        if method == "average":
            total = np.zeros(len(order))
            for j in range(order.shape[1]):
                total = total + values[:, j]
            return total / order.shape[1]
        weights = _weights(distances, threshold)
        total = np.zeros(len(order))
        weight_sum = np.zeros(len(order))
        for j in range(order.shape[1]):
            total = total + weights[:, j] * values[:, j]
            weight_sum = weight_sum + weights[:, j]
        with np.errstate(all="ignore"):
            return total / weight_sum
    return combine


def _categorical(method: str, labels: list[str | None], target_type: str | None, threshold: float
                 ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    numeric = target_type not in (None, "string")
    counts = Counter(labels)
    categories = list(dict.fromkeys(labels))  # first appearance in training order
    code = np.array([categories.index(label) for label in labels], dtype=np.int64)
    # The standard's tie rule: most training instances, then the smallest value.
    def sort_key(label: str | None) -> Any:
        return float(label) if numeric and label is not None else (label or "")
    tie_rank = {c: i for i, c in enumerate(sorted(categories, key=lambda c: (-counts[c], sort_key(c))))}
    preference = np.array([tie_rank[c] for c in categories], dtype=np.float64)
    names = np.array(categories, dtype=object)

    def combine(order: np.ndarray, distances: np.ndarray) -> np.ndarray:
        votes = np.zeros((len(order), len(categories)))
        weights = np.ones_like(distances) if method == "majorityVote" else _weights(distances, threshold)
        codes = code[order]
        for j in range(order.shape[1]):
            np.add.at(votes, (np.arange(len(order)), codes[:, j]), weights[:, j])
        best = votes.max(axis=1, keepdims=True)
        tied = votes == best
        winner = np.argmin(np.where(tied, preference[None, :], np.inf), axis=1)
        return names[winner].copy()
    return combine


__all__ = ["nearest_neighbor_model"]
