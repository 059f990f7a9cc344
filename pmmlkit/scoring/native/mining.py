"""MiningModel: segmentation, with every multipleModelMethod that gives one result per row.

Segments made only of TreeModels under <True/> (forests, boosting) are flattened into one set of
node arrays and combined inside the compiled loop (:func:`.kernels.forest_values`,
:func:`.kernels.forest_classes`), each row adding its trees in document order as PMML4S does; any other
segmentation scores each segment on the whole batch and combines the columns in numpy, segment
by segment in document order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...pmml import tag_of
from . import kernels as K
from .fields import elements, first
from .ir import Column, Env, Prediction, UnsupportedElement, unsupported
from .regression import _argmax
from .trees import TreeBuilder, array_values

_PREDICATES = ("SimplePredicate", "CompoundPredicate", "SimpleSetPredicate", "True", "False")
_REGRESSION = ("sum", "average", "weightedAverage", "median", "weightedMedian", "max", "modelChain", "selectFirst",
               "weightedSum")
# (max over classifiers, the class of the highest probability, is not compiled: PMML4S scores it.)
_CLASSIFICATION = ("majorityVote", "weightedMajorityVote", "average", "weightedAverage", "modelChain", "selectFirst")
_TREE_ATTRIBUTES = {"name", "usageType"}


def _plain_tree(segment: Any) -> bool:
    """A segment the forest kernels can take: a TreeModel under <True/> with nothing around it."""
    predicate = [c for c in elements(segment) if tag_of(c) in _PREDICATES]
    models = [c for c in elements(segment) if tag_of(c) not in _PREDICATES]
    if len(predicate) != 1 or tag_of(predicate[0]) != "True" or len(models) != 1 or tag_of(models[0]) != "TreeModel":
        return False
    tree = models[0]
    if any(tag_of(c) in ("LocalTransformations", "Targets", "Output", "ModelStats", "ModelExplanation")
           for c in elements(tree)):
        return False
    schema = first(tree, "MiningSchema")
    return schema is None or all(set(m.attrib) <= _TREE_ATTRIBUTES for m in elements(schema, "MiningField"))


def mining_model(node: Any, compile_segment: Callable[[Any], Any], numeric: Callable[[str], bool],
                 categories: list[str]) -> Callable[[Env], Prediction]:
    function = node.get("functionName")
    segmentation = first(node, "Segmentation")
    if segmentation is None:
        raise unsupported(node, "a MiningModel without Segmentation")
    method = segmentation.get("multipleModelMethod")
    allowed = _REGRESSION if function == "regression" else _CLASSIFICATION if function == "classification" else ()
    if method not in allowed:
        raise unsupported(segmentation, f"multipleModelMethod={method!r} for functionName={function!r}")
    segments = elements(segmentation, "Segment")
    if not segments:
        raise unsupported(segmentation, "a Segmentation without Segment")
    weights = np.array([float(s.get("weight", "1")) for s in segments])
    fast = method in ("sum", "average", "weightedAverage", "majorityVote", "weightedMajorityVote") \
        and all(_plain_tree(s) for s in segments)
    if fast:
        return _forest(segments, method, function, weights, numeric, categories)
    predicates = [segment_predicate([c for c in elements(s) if tag_of(c) in _PREDICATES][0], numeric)
                  for s in segments]
    models = [compile_segment([c for c in elements(s) if tag_of(c) not in _PREDICATES][0]) for s in segments]

    def run(env: Env) -> Prediction:
        return _combine(segment_results(env, predicates, models, method), method, function, weights, env.rows,
                        categories)
    return run


def segment_results(env: Env, predicates: list[Callable[[Env], np.ndarray]], models: list[Any],
                    method: str) -> list[tuple[np.ndarray, Prediction | None]]:
    """Each segment's rows and its prediction over the batch, in document order. A segment's rows
    are those its predicate holds for (selectFirst: and no earlier segment took); a segment without
    rows is not scored (None), except in a modelChain, where later segments read its outputs."""
    results: list[tuple[np.ndarray, Prediction | None]] = []
    taken = np.zeros(env.rows, dtype=bool)
    for predicate, model in zip(predicates, models):
        chosen = predicate(env) == 1.0
        if method == "selectFirst":
            chosen &= ~taken
        if not chosen.any() and method != "modelChain":
            results.append((chosen, None))
            continue
        prediction = model.run(env)
        if method == "modelChain":
            env.values.update(prediction.outputs)  # later segments read the chain's outputs
        results.append((chosen, prediction))
        taken |= chosen
    return results


def picked(results: list[tuple[np.ndarray, Prediction | None]], method: str) -> list[tuple[np.ndarray, Prediction]]:
    """selectFirst and modelChain: the rows each segment's prediction gives, that of the first
    segment chosen for a row (selectFirst) or of the last (modelChain)."""
    settled: np.ndarray | None = None
    out = []
    for chosen, prediction in (results if method == "selectFirst" else reversed(results)):
        if prediction is None:
            continue
        fresh = chosen if settled is None else chosen & ~settled
        settled = fresh if settled is None else settled | fresh
        out.append((fresh, prediction))
    return out


def _forest(segments: list[Any], method: str, function: str, weights: np.ndarray, numeric: Callable[[str], bool],
            categories: list[str]) -> Callable[[Env], Prediction]:
    classification = function == "classification"
    builder = TreeBuilder(numeric, categories, classification)
    for segment in segments:
        tree = [c for c in elements(segment) if tag_of(c) == "TreeModel"][0]
        if tree.get("functionName") != function:
            raise unsupported(tree, f"a {tree.get('functionName')} TreeModel in a {function} MiningModel")
        builder.add(tree)
    flat = builder.finish()
    if method not in ("weightedAverage", "weightedMajorityVote"):
        weights = np.ones(len(segments))
    average = method in ("average", "weightedAverage")
    vote = method in ("majorityVote", "weightedMajorityVote")

    def run(env: Env) -> Prediction:
        X = flat.matrix(env)
        if not classification:
            return Prediction(flat.values(X, weights, average, env.parallel))
        table = flat.classes(X, weights, vote, env.parallel)
        probabilities = [table[:, k] for k in range(table.shape[1])][:len(flat.categories)]
        return Prediction(_argmax(probabilities, flat.categories), dict(zip(flat.categories, probabilities)))
    # What the one-record compiler (rows.py) reads: the same node arrays and weights.
    run.flat, run.kind, run.classification = flat, "forest", classification  # type: ignore[attr-defined]
    run.weights, run.average = weights, average  # type: ignore[attr-defined]
    run.vote = vote  # type: ignore[attr-defined]
    return run


def _combine(results: list[tuple[np.ndarray, Prediction | None]], method: str, function: str, weights: np.ndarray,
             rows: int, categories: list[str]) -> Prediction:
    if method == "modelChain" or method == "selectFirst":
        chosen = picked(results, method)
        if not chosen:  # no segment for any row: no result
            return Prediction(np.full(rows, None, dtype=object) if function == "classification" else
                              np.full(rows, np.nan))
        out = Prediction(_empty_like(chosen[0][1].value, rows), {})
        for fresh, prediction in chosen:
            out.value[fresh] = prediction.value[fresh]
            for k, column in prediction.probabilities.items():
                out.probabilities.setdefault(k, np.full(rows, np.nan))[fresh] = column[fresh]
        return out
    if any(not mask.all() for mask, _ in results):
        raise unsupported_predicates()
    # Every segment holds for every row here; one without a prediction is an empty batch's.
    results = [(mask, p if p is not None else Prediction(np.full(rows, np.nan))) for mask, p in results]
    if function == "regression":
        values = [p.value.astype(np.float64) for _, p in results]
        if method in ("sum", "weightedSum"):
            total = np.zeros(rows)
            for w, v in zip(weights, values):
                total = total + (w * v if method == "weightedSum" else v)
            return Prediction(total)
        if method in ("average", "weightedAverage"):
            total = np.zeros(rows)
            for w, v in zip(weights, values):
                total = total + (w * v if method == "weightedAverage" else v)
            return Prediction(total / (weights.sum() if method == "weightedAverage" else len(values)))
        if method == "max":
            return Prediction(np.max(np.vstack(values), axis=0))
        if method == "median":
            return Prediction(np.median(np.vstack(values), axis=0))
        raise AssertionError(method)
    labels = list(categories)
    for _, p in results:
        for k in p.probabilities:
            if k not in labels:
                labels.append(k)
    if method in ("majorityVote", "weightedMajorityVote"):
        votes = {k: np.zeros(rows) for k in labels}
        for w, (_, p) in zip(weights, results):
            for k in labels:
                votes[k] = votes[k] + np.where(p.value == k, w if method == "weightedMajorityVote" else 1.0, 0.0)
        total = sum(weights) if method == "weightedMajorityVote" else len(results)
        probabilities = [votes[k] / total for k in labels]
        return Prediction(_argmax(probabilities, labels), dict(zip(labels, probabilities)))
    if method in ("average", "weightedAverage"):
        sums = {k: np.zeros(rows) for k in labels}
        for w, (_, p) in zip(weights, results):
            for k in labels:
                column = p.probabilities.get(k, np.zeros(rows))
                sums[k] = sums[k] + (w * column if method == "weightedAverage" else column)
        total = weights.sum() if method == "weightedAverage" else len(results)
        probabilities = [sums[k] / total for k in labels]
        return Prediction(_argmax(probabilities, labels), dict(zip(labels, probabilities)))
    raise unsupported_predicates()


def unsupported_predicates() -> Exception:
    return UnsupportedElement("the native engine does not combine segments whose predicates select only some rows "
                              "with this multipleModelMethod; score this document with engine='pmml4s'")


def _empty_like(values: Column, rows: int) -> Column:
    return np.full(rows, None, dtype=object) if values.dtype == object else np.full(rows, np.nan)


def segment_predicate(node: Any, numeric: Callable[[str], bool]) -> Callable[[Env], np.ndarray]:
    """A segment's predicate over the batch: 1.0 true, 0.0 false, NaN unknown (treated as false)."""
    tag = tag_of(node)
    if tag == "True":
        return lambda env: np.ones(env.rows)
    if tag == "False":
        return lambda env: np.zeros(env.rows)
    builder = TreeBuilder(numeric, [], False)
    builder.roots.append(0)
    builder.missing.append(K.NONE)
    builder.no_true.append(K.RETURN_NULL)
    builder.predicate_node(node)  # one node with this predicate: a row ends in it when it holds
    flat = builder.finish()

    def run(env: Env) -> np.ndarray:
        return (flat.leaves(flat.matrix(env), env.parallel)[:, 0] == 0).astype(np.float64)
    return run


__all__ = ["array_values", "mining_model", "picked", "segment_predicate", "segment_results"]
