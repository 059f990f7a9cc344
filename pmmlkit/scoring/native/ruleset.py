"""RuleSetModel (PMML 4.4 "RuleSet"): rules as a matrix of which rule fires on which row.

A SimpleRule fires where its predicate is TRUE and so is every enclosing CompoundRule's (an
UNKNOWN predicate does not fire). Rules are numbered depth first, in document order. The first
RuleSelectionMethod decides:

- ``firstHit``: the first rule that fires; its score and its confidence.
- ``weightedMax``: the firing rule with the largest weight (the first of them on a tie); its score
  and confidence.
- ``weightedSum``: per score, the weights of its firing rules summed (in rule order); the score
  with the largest total wins (on a tie, the one the target's DataDictionary lists first, then the
  one a rule names first), its confidence being that total divided by the number of firing rules.

Where no rule fires: the RuleSet's ``defaultScore`` and ``defaultConfidence``. This is what PMML4S
and JPMML-Evaluator compute (JPMML-Evaluator's weightedMax picks among the scores by their best
rule's confidence rather than weight: the two agree when the heavier rule is also the surer one).
Outputs: predictedValue and ``confidence`` (of the predicted score; PMML4S gives no other).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...pmml import tag_of
from .fields import elements, first
from .ir import Env, Prediction, unsupported
from .mining import segment_predicate
from .output import OutputField

_PREDICATES = ("SimplePredicate", "CompoundPredicate", "SimpleSetPredicate", "True", "False")
_CRITERIA = ("firstHit", "weightedMax", "weightedSum")

Predicate = Callable[[Env], np.ndarray]


def _predicate(node: Any, numeric: Callable[[str], bool]) -> Predicate:
    found = [c for c in elements(node) if tag_of(c) in _PREDICATES]
    if len(found) != 1:
        raise unsupported(node, f"a <{tag_of(node)}> without one predicate")
    return segment_predicate(found[0], numeric)


def _flatten(container: Any, numeric: Callable[[str], bool], path: tuple[int, ...], predicates: list[Predicate],
             rules: list[tuple[tuple[int, ...], Any]]) -> None:
    """Each SimpleRule with the predicates (by index) that must all hold for it to fire."""
    for node in elements(container):
        tag = tag_of(node)
        if tag not in ("SimpleRule", "CompoundRule"):
            continue
        predicates.append(_predicate(node, numeric))
        own = (*path, len(predicates) - 1)
        if tag == "SimpleRule":
            if node.get("score") is None:
                raise unsupported(node, "a <SimpleRule> without a score")
            rules.append((own, node))
        else:
            _flatten(node, numeric, own, predicates, rules)


def ruleset_model(node: Any, numeric: Callable[[str], bool], categories: list[str]) -> Callable[[Env], Prediction]:
    if node.get("functionName") != "classification":
        raise unsupported(node, f"a RuleSetModel with functionName={node.get('functionName')!r}")
    ruleset = first(node, "RuleSet")
    if ruleset is None:
        raise unsupported(node, "a RuleSetModel without RuleSet")
    methods = elements(ruleset, "RuleSelectionMethod")
    criterion = methods[0].get("criterion") if methods else None
    if criterion not in _CRITERIA:
        raise unsupported(methods[0] if methods else ruleset, f"<RuleSelectionMethod criterion={criterion!r}>")
    predicates: list[Predicate] = []
    rules: list[tuple[tuple[int, ...], Any]] = []
    _flatten(ruleset, numeric, (), predicates, rules)
    scores = [rule.get("score") for _, rule in rules]
    weights = np.array([float(rule.get("weight", "1")) for _, rule in rules])
    confidences = np.array([float(rule.get("confidence", "1")) for _, rule in rules] + [np.nan])
    labels = [c for c in categories if c in scores] + [s for s in dict.fromkeys(scores) if s not in categories]
    label_of = np.array([labels.index(s) for s in scores], dtype=np.int64)
    default_score = ruleset.get("defaultScore")
    default_confidence = float(ruleset.get("defaultConfidence", "nan"))
    names = np.array(scores + [default_score], dtype=object)
    label_names = np.array(labels + [default_score], dtype=object)
    output = first(node, "Output")
    for field in elements(output, "OutputField") if output is not None else []:
        if field.get("feature") == "confidence" and field.get("value") is not None:
            raise unsupported(field, "a RuleSetModel confidence of a given value (PMML4S gives only the predicted "
                                     "score's)")

    def fired(env: Env) -> np.ndarray:
        truth = [p(env) == 1.0 for p in predicates]
        out = np.zeros((len(rules), env.rows), dtype=bool)
        for r, (path, _) in enumerate(rules):
            mask = truth[path[0]].copy()
            for k in path[1:]:
                mask &= truth[k]
            out[r] = mask
        return out

    def run(env: Env) -> Prediction:
        fires = fired(env)
        none = ~fires.any(axis=0) if len(rules) else np.ones(env.rows, dtype=bool)
        if not len(rules):
            winner = np.full(env.rows, 0, dtype=np.int64)
            confidence = np.full(env.rows, default_confidence)
        elif criterion == "firstHit":
            winner = np.argmax(fires, axis=0)
            confidence = confidences[winner]
        elif criterion == "weightedMax":
            winner = np.argmax(np.where(fires, weights[:, None], -np.inf), axis=0)
            confidence = confidences[winner]
        else:
            totals = np.zeros((len(labels), env.rows))
            named = np.zeros((len(labels), env.rows), dtype=bool)
            for r in range(len(rules)):
                k = label_of[r]
                totals[k] = totals[k] + np.where(fires[r], weights[r], 0.0)
                named[k] |= fires[r]
            best = np.argmax(np.where(named, totals, -np.inf), axis=0)
            count = fires.sum(axis=0)
            with np.errstate(all="ignore"):
                confidence = totals[best, np.arange(env.rows)] / count
            value = label_names[np.where(none, len(labels), best)]
        if criterion != "weightedSum" or not len(rules):
            value = names[np.where(none, len(rules), winner)]
        confidence = np.where(none, default_confidence, confidence)
        prediction = Prediction(value)
        prediction.extra["feature"] = lambda field, rows: confidence
        return prediction
    return run


def ruleset_defaults(defaults: list[OutputField]) -> list[OutputField]:
    """What PMML4S outputs for a RuleSetModel without <Output>: the predicted value and its
    ``confidence`` (no probabilities)."""
    return defaults[:1] + [OutputField("confidence", "double", lambda env, p, done: p.extra["feature"](None, env.rows))]
