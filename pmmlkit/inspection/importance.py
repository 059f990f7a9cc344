"""Input importance read from the document itself, or measured by permutation on a sample.

* ``splits``: how many tree splits test each input (trees and tree ensembles).
* ``gain``: the training-set impurity decrease of each split, from the Nodes' recordCounts and
  leaves: squared error for regression trees (``n_L n_R / n (mean_L - mean_R)^2``), Gini for
  classification trees; per tree normalized to 1, averaged over an ensemble's trees, normalized
  again. For trees fitted with those criteria (scikit-learn's defaults) this is scikit-learn's
  ``feature_importances_``.
* ``coefficients``: ``|coefficient| x standard deviation`` of the value a RegressionModel
  multiplies, measured on a sample (the spread is what makes coefficients comparable).
* :func:`permutation`: the drop in a score when one input's column is shuffled, on any model.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from lxml import etree

from ..errors import PMMLError
from ..pmml import model_element
from .contributions import target_classes
from .explain import ValuesOf, fold_onto_inputs
from .trees import FlatTree, flatten, tree_models


def tree_importance(root: etree._Element, kind: str = "gain") -> pd.Series:
    """Importance of each input from the trees' splits (``kind``: "gain" or "splits"), by input name."""
    model = model_element(root)
    trees = [flatten(t) for t in tree_models(model)]
    if not trees:
        raise PMMLError("the model has no trees: use kind='coefficients' or permutation importance")
    classes = target_classes(root)
    per_tree: list[dict[str, float]] = []
    for tree in trees:
        scores: dict[str, float] = {}
        decrease = _gain(tree, classes) if kind == "gain" else None
        for j, tested in enumerate(tree.fields_tested):
            if not tested:
                continue
            name = next(iter(tested)) if len(tested) == 1 else " & ".join(sorted(tested))
            scores[name] = scores.get(name, 0.0) + (1.0 if decrease is None else decrease[j])
        if kind == "gain":
            total = sum(scores.values())
            scores = {k: v / total for k, v in scores.items()} if total > 0 else {}
        per_tree.append(scores)
    names = list(dict.fromkeys(n for s in per_tree for n in s))
    inputs, fold = fold_onto_inputs(root, model, names)
    values = np.zeros(len(inputs))
    for scores in per_tree:
        for name, value in scores.items():
            values[fold[names.index(name)]] += value
    if kind == "gain":
        values = values / len(per_tree)
        values = values / values.sum() if values.sum() > 0 else values
    return pd.Series(values, index=inputs, name=kind)


def _gain(tree: FlatTree, classes: list[str] | None) -> np.ndarray:
    """Each split's weighted impurity decrease (node j's children are the split)."""
    cover = tree.covers()
    regression = tree.model.get("functionName") != "classification"
    leaf = tree.leaf_scores(None if regression else (classes or _labels(tree)))
    # A node's mean (regression) or class distribution: its leaves' values weighted by recordCount.
    mean = np.zeros_like(leaf)
    for j in range(tree.size - 1, -1, -1):
        kids = tree.children[tree.child_start[j]:tree.child_start[j + 1]]
        mean[j] = leaf[j] if not len(kids) else (cover[kids, None] * mean[kids]).sum(axis=0) / cover[j]
    decrease = np.zeros(tree.size)
    for j in range(tree.size):
        kids = tree.children[tree.child_start[j]:tree.child_start[j + 1]]
        if not len(kids):
            continue
        if regression:
            # n * var(node) - sum n_c var(c) = sum n_c (mean_c - mean)^2
            decrease[j] = float((cover[kids] * (mean[kids, 0] - mean[j, 0]) ** 2).sum())
        else:
            gini = 1.0 - (mean ** 2).sum(axis=1)
            decrease[j] = cover[j] * gini[j] - float((cover[kids] * gini[kids]).sum())
    return decrease


def _labels(tree: FlatTree) -> list[str]:
    return list(dict.fromkeys(d.get("value") for d in tree.model.iter("{*}ScoreDistribution")))


def coefficient_importance(root: etree._Element, sample: pd.DataFrame, values_of: ValuesOf) -> pd.Series:
    """``|coefficient| x std`` of each value a RegressionModel multiplies (summed over tables), by input."""
    model = model_element(root)
    predictors = list(model.iter("{*}NumericPredictor"))
    if not predictors:
        raise PMMLError("the model has no regression coefficients: use kind='gain' or permutation importance")
    names = list(dict.fromkeys(p.get("name") for p in predictors))
    values = values_of(names)
    scores = {n: 0.0 for n in names}
    for p in predictors:
        column = np.asarray(values[p.get("name")], dtype=np.float64)
        scores[p.get("name")] += abs(float(p.get("coefficient", "0"))) * float(np.nanstd(column))
    inputs, fold = fold_onto_inputs(root, model, names)
    out = np.zeros(len(inputs))
    for i, name in enumerate(names):
        out[fold[i]] += scores[name]
    return pd.Series(out, index=inputs, name="coefficients")


def permutation(score: Callable[[pd.DataFrame], np.ndarray], sample: pd.DataFrame, inputs: list[str],
                metric: Callable[[np.ndarray, np.ndarray], float] | None = None, repeats: int = 5,
                seed: int = 0) -> pd.Series:
    """Mean change of ``metric(reference, permuted)`` (default: mean absolute change of the score)
    when each input's column is shuffled, ``repeats`` times, with a seeded generator."""
    reference = np.asarray(score(sample), dtype=np.float64)
    metric = metric or (lambda a, b: float(np.nanmean(np.abs(a - b))))
    rng = np.random.default_rng(seed)
    out = {}
    for name in inputs:
        changes = []
        for _ in range(repeats):
            shuffled = sample.copy()
            shuffled[name] = sample[name].to_numpy()[rng.permutation(len(sample))]
            changes.append(metric(reference, np.asarray(score(shuffled), dtype=np.float64)))
        out[name] = float(np.mean(changes))
    return pd.Series(out, name="permutation")
