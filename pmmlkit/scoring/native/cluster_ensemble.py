"""A MiningModel whose segments are ClusteringModels (functionName="clustering").

PMML 4.4 allows, for clustering, the methods that pick or count one segment result per record:

- ``selectFirst``: the first segment whose predicate holds gives everything (cluster, affinities);
- ``modelChain``: segments run in order, each seeing the outputs of those before it; the last
  whose predicate holds gives the result;
- ``majorityVote`` / ``weightedMajorityVote``: each segment whose predicate holds votes (with its
  ``weight``) for the cluster it assigns; the most votes win, on a tie the cluster voted for first
  (segment order, JPMML-Evaluator's rule); a segment without a cluster for the record (a missing
  input) does not vote, and a record no segment votes for has no cluster.

The winner is the cluster's id (its ``id``, else its 1-based position), which ``predictedValue``,
``entityId`` and ``clusterId`` give; for votes, ``probability`` gives the winner's share of the votes.
Averaging methods are for numbers, not clusters: refused, as JPMML-Evaluator refuses them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...pmml import tag_of
from .fields import elements, first
from .ir import Env, Prediction, unsupported
from .mining import picked, segment_predicate, segment_results

_PREDICATES = ("SimplePredicate", "CompoundPredicate", "SimpleSetPredicate", "True", "False")
_METHODS = ("selectFirst", "modelChain", "majorityVote", "weightedMajorityVote")


def clustering_ensemble(node: Any, compile_segment: Callable[[Any], Any], numeric: Callable[[str], bool]
                        ) -> Callable[[Env], Prediction]:
    segmentation = first(node, "Segmentation")
    if segmentation is None:
        raise unsupported(node, "a MiningModel without Segmentation")
    method = segmentation.get("multipleModelMethod")
    if method not in _METHODS:
        raise unsupported(segmentation, f"multipleModelMethod={method!r} for functionName='clustering'")
    if segmentation.get("missingPredictionTreatment", "continue") != "continue":
        raise unsupported(segmentation, f"missingPredictionTreatment={segmentation.get('missingPredictionTreatment')!r}")
    segments = elements(segmentation, "Segment")
    if not segments:
        raise unsupported(segmentation, "a Segmentation without Segment")
    predicates, models = [], []
    for segment in segments:
        predicate = [c for c in elements(segment) if tag_of(c) in _PREDICATES]
        model = [c for c in elements(segment) if tag_of(c) not in _PREDICATES]
        if len(predicate) != 1 or len(model) != 1:
            raise unsupported(segment, "a <Segment> without one predicate and one model")
        if method != "modelChain" and model[0].get("functionName") != "clustering":
            raise unsupported(model[0], f"a {model[0].get('functionName')} model in a clustering MiningModel")
        predicates.append(segment_predicate(predicate[0], numeric))
        models.append(compile_segment(model[0]))
    weights = [float(s.get("weight", "1")) if method == "weightedMajorityVote" else 1.0 for s in segments]

    def run(env: Env) -> Prediction:
        rows = env.rows
        if method in ("selectFirst", "modelChain"):
            return _pick(env, rows)
        votes: dict[str, np.ndarray] = {}
        first_vote: dict[str, np.ndarray] = {}
        for k, ((chosen, prediction), weight) in enumerate(zip(segment_results(env, predicates, models, method),
                                                                weights)):
            clusters = prediction.entity if prediction is not None else None
            if clusters is None:
                continue
            for label in dict.fromkeys(c for c in clusters[chosen] if c is not None):
                hit = chosen & np.array([c == label for c in clusters], dtype=bool)
                if label not in votes:
                    votes[label] = np.zeros(rows)
                    first_vote[label] = np.full(rows, len(segments))
                votes[label] = votes[label] + np.where(hit, weight, 0.0)
                first_vote[label] = np.where(hit, np.minimum(first_vote[label], k), first_vote[label])
        labels = list(votes)
        if not labels:
            return Prediction(np.full(rows, None, dtype=object), entity=np.full(rows, None, dtype=object))
        table = np.vstack([votes[label] for label in labels])
        earliest = np.vstack([first_vote[label] for label in labels])
        best = table.max(axis=0)
        # Most votes; of tied clusters the one voted for in the earliest segment.
        winner_index = np.argmin(np.where(table == best, earliest, np.inf), axis=0)
        winner = np.array(labels, dtype=object)[winner_index]
        total = table.sum(axis=0)
        winner[total == 0] = None
        with np.errstate(all="ignore"):
            shares = {label: np.where(total > 0, votes[label] / total, np.nan) for label in labels}
        return Prediction(winner, shares, entity=winner)

    def _pick(env: Env, rows: int) -> Prediction:
        out = np.full(rows, None, dtype=object)
        affinity = np.full(rows, np.nan)
        for fresh, prediction in picked(segment_results(env, predicates, models, method), method):
            if prediction.entity is not None:
                out[fresh] = prediction.entity[fresh]
            if prediction.extra.get("affinity") is not None:
                affinity[fresh] = prediction.extra["affinity"][fresh]
        return Prediction(out, entity=out, extra={"affinity": affinity})
    return run


__all__ = ["clustering_ensemble"]
