"""Exact contributions of a TreeModel: path-dependent TreeSHAP (:mod:`pmmlkit.inspection.treeshap`)
over the document's own trees and their ``recordCount``s, the same numbers as
``shap.TreeExplainer`` on the source model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from lxml import etree

from ..errors import PMMLError
from ..pmml import tag_of
from .contributions import Context, Part
from .trees import FlatTree, flatten, routes


@dataclass
class PreparedTree:
    """What TreeSHAP needs of one TreeModel besides the records: read once per document."""

    flat: FlatTree
    classes: list[str] | None
    split_feature: np.ndarray
    cover: np.ndarray
    value: np.ndarray
    base: np.ndarray


def tree_part(model: etree._Element, context: Context) -> Part:
    """TreeSHAP of one TreeModel, read once per document (``context.prepared``)."""
    key = context.trees_seen
    context.trees_seen += 1
    tree = context.prepared.get(key)
    if tree is None:
        tree = context.prepared[key] = _prepare_tree(model, context)
    route = routes(tree.flat, context.values, context.rows)
    # numba's import (~0.5 s) is paid by the first tree explanation, not by `import pmmlkit`.
    from .treeshap import tree_shap

    phi = tree_shap(tree.flat.child_start, tree.flat.children, tree.split_feature, tree.cover, tree.value, route,
                    len(context.fields), int(tree.flat.depth.max()))
    # A record that stops at a split (no child's predicate is true) has no leaf: the engine gives no
    # score (returnNullPrediction) or the split's own (returnLastPrediction), neither of which is
    # base + contributions, so its contributions are missing rather than a number.
    phi[~_reaches_a_leaf(tree.flat, route)] = np.nan
    return Part(tree.base, phi, tree.classes or ["predicted"])


def _reaches_a_leaf(flat: FlatTree, route: np.ndarray) -> np.ndarray:
    """Per record: whether its path from the root ends at a leaf (``route``: as :func:`routes` gives)."""
    if flat.is_leaf[0]:
        return np.ones(route.shape[0], dtype=bool)  # a one-leaf tree
    rows = np.arange(route.shape[0])
    node = np.zeros(route.shape[0], dtype=np.int64)
    stuck = np.zeros(route.shape[0], dtype=bool)
    leaf = flat.is_leaf
    for _ in range(int(flat.depth.max(initial=0)) + 1):
        position = route[rows, node]
        stuck |= (position < 0) & ~leaf[node]
        moving = (position >= 0) & ~leaf[node]
        child = np.where(moving, flat.child_start[node] + np.maximum(position, 0), 0)
        node = np.where(moving, flat.children[child], node)
    return ~stuck


def _prepare_tree(model: etree._Element, context: Context) -> PreparedTree:
    flat = flatten(model)
    classes = None
    if model.get("functionName") == "classification":
        classes = context.classes or _distribution_labels(flat)
    strategy = model.get("missingValueStrategy", "none")
    if strategy != "none":
        raise PMMLError(f"line {model.sourceline}: this TreeModel has missingValueStrategy={strategy!r}; "
                        "pmmlkit's exact TreeSHAP follows missingValueStrategy='none' only, so it has no exact "
                        "explanation: use pmmlkit.importance(model, kind='permutation', sample=...) for an "
                        "approximate view of which inputs matter")
    split_feature = np.full(flat.size, len(context.fields), dtype=np.int64)
    for j, tested in enumerate(flat.fields_tested):
        if len(tested) > 1:
            raise PMMLError(f"line {flat.nodes[j].sourceline}: a Node whose children test several fields "
                            f"({', '.join(sorted(tested))}) has no exact TreeSHAP")
        if tested:
            split_feature[j] = context.index[next(iter(tested))]
    cover = flat.covers()
    value = flat.leaf_scores(classes)
    leaves = flat.is_leaf
    base = (cover[leaves, None] * value[leaves]).sum(axis=0) / cover[0]
    return PreparedTree(flat, classes, split_feature, cover, value, base)


def _distribution_labels(flat: FlatTree) -> list[str]:
    labels: dict[str, None] = {}
    for node in flat.nodes:
        for d in node:
            if isinstance(d.tag, str) and tag_of(d) == "ScoreDistribution":
                labels.setdefault(d.get("value"))
    return list(labels)
