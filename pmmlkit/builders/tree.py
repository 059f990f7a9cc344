"""TreeModel and tree-ensemble builders shared by every front end's converters (scikit-learn, Spark, LightGBM,
XGBoost).

A converter describes its trees either in bulk, as node arrays (:class:`TreeArrays`: the fast
path, for fitted models that keep their trees as arrays), or node by node with :class:`Leaf`
and :class:`Split` objects; :func:`tree_model` writes one tree as a ``TreeModel``,
:func:`ensemble_model` a forest as a ``MiningModel`` whose segments are ``TreeModel``
elements, and :func:`margin_model` / :func:`margin_regressor` / :func:`margin_classifier` the
model chains of boosted trees. Every function takes either kind of tree, mixed as needed.

Bulk example (a stump on ``x`` with two regression leaves)::

    TreeArrays(fields=[x], left=np.array([1, -1, -1]), right=np.array([2, -1, -1]),
               feature=np.array([0, -1, -1]), threshold=np.array([0.5, 0, 0]),
               value=np.array([0.0, -1.0, 1.0]))

Every split becomes two child nodes, left first. Where a missing value goes is written with the
predicates alone, so that every evaluator routes it the same way without relying on
``missingValueStrategy`` support: the child that takes missing values comes second and has the
predicate ``True``; the first child's comparison is UNKNOWN for a missing value, which counts as
false, so evaluation moves on to the second. When ``missing_left`` is None both children get a
comparison, no child matches a missing value, and the tree returns no prediction.

The trees are written by :mod:`pmmlkit.builders.tree_text` from arrays, a whole forest at a
time: the returned model element holds a light placeholder per tree, which
:class:`pmmlkit.PMMLDocument` writes as text (or expands into elements when its DOM is asked for).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from lxml import etree

from ..errors import ConversionError
from ..pmml import element, format_value, tag_of
from . import tree_text
from .fields import Field, Target
from .model import mining_schema, model, output_for, replace_header


@dataclass
class Leaf:
    value: float | None = None  # regression prediction
    probabilities: tuple[float, ...] | None = None  # classification, aligned with target.classes
    count: float | None = None  # recordCount (optional)


@dataclass
class Split:
    field: Field
    left: Leaf | Split
    right: Leaf | Split
    threshold: float | None = None  # numeric split: left when value <= threshold
    categories: tuple | None = None  # categorical split: left when value is in categories
    missing_left: bool | None = None  # where a missing value goes; None -> no prediction
    count: float | None = None  # recordCount (optional; XGBoost's cover, which TreeSHAP weighs paths by)


Node = Leaf | Split


@dataclass
class TreeArrays:
    """One tree as parallel node arrays, node 0 its root: the bulk input of the builders.

    At node ``i``: ``left[i]`` / ``right[i]`` are the children's indices (-1 at a leaf). A split
    tests ``fields[feature[i]]``: left when the value is ``<= threshold[i]`` or, when
    ``categories`` has an entry for ``i``, when it is one of ``categories[i]``.
    ``missing_left[i]`` says where a missing value goes: True (1) left, False (0) right, -1
    nowhere (no prediction); ``missing_left=None`` means nowhere at every split. At a leaf,
    ``value[i]`` is the prediction: shape ``(n,)`` for regression, ``(n, n_classes)`` class
    probabilities (aligned with the target's classes) for classification; ``count[i]`` (optional,
    NaN for none) its recordCount. Entries of splits in ``value`` and of leaves in
    ``feature``/``threshold`` are ignored; so are those of splits in ``count`` unless
    ``split_counts`` (then a split's non-NaN count is written as its recordCount too).
    """

    fields: Sequence[Field]
    left: Any
    right: Any
    feature: Any
    threshold: Any
    value: Any
    count: Any = None
    missing_left: Any = None
    categories: dict[int, Sequence[Any]] | None = None
    split_counts: bool = False


Tree = Node | TreeArrays


def tree_model(root: Tree, target: Target) -> etree._Element:
    """A ``TreeModel`` for one tree, with the standard outputs of ``target``."""
    return _tree(_placeholders([root], target, [1.0])[0], target, output_for(target))


def ensemble_model(trees: Sequence[Tree], target: Target, method: str = "average",
                   weights: Sequence[float] | None = None) -> etree._Element:
    """A ``MiningModel`` combining ``trees``.

    ``average``: the mean of the trees' values (regression) or probabilities (classification);
    with ``weights``, their weighted mean. ``sum`` (regression only): the sum of
    ``weight * value`` over the trees; the products are written into the leaves, which gives the
    same doubles as multiplying at scoring time.
    """
    if not len(trees):
        raise ConversionError("an ensemble needs at least one tree")
    if weights is not None and len(weights) != len(trees):
        raise ConversionError(f"{len(weights)} weights given for {len(trees)} trees")
    if method == "average":
        pmml_method = "average" if weights is None else "weightedAverage"
        bodies = _placeholders(trees, target, [1.0] * len(trees))
        segments = [_segment(i, _tree(body, target, None), None if weights is None else weights[i])
                    for i, body in enumerate(bodies)]
    elif method == "sum":
        if target.is_classification:
            raise ConversionError("a 'sum' ensemble of trees predicts a number: use a regression target")
        pmml_method = "sum"
        scales = [1.0] * len(trees) if weights is None else [float(w) for w in weights]
        bodies = _placeholders(trees, target, scales)
        segments = [_segment(i, _tree(body, target, None), None) for i, body in enumerate(bodies)]
    else:
        raise ConversionError(f"unknown ensemble method {method!r}: use 'average' or 'sum'")
    segmentation = element("Segmentation", *segments, multipleModelMethod=pmml_method)
    return model("MiningModel", segmentation, function=_function(target), target=target,
                 output=output_for(target))


def _function(target: Target) -> str:
    return "classification" if target.is_classification else "regression"


def _segment(index: int, tree: etree._Element, weight: float | None) -> etree._Element:
    return element("Segment", element("True"), tree, id=str(index + 1),
                   weight=None if weight is None else float(weight))


def _tree(body: etree._Element, target: Target, output: etree._Element | None) -> etree._Element:
    # What model() writes, with the MiningSchema from the fields the body lists (no walk of it).
    names = [name for name in tree_text.field_names(body) if name != target.name]
    return element("TreeModel", mining_schema(names, target), output, body, functionName=_function(target),
                   splitCharacteristic="binarySplit", missingValueStrategy="none",
                   noTrueChildStrategy="returnNullPrediction")


# -- from trees to bodies ----------------------------------------------------------------------------------

def _placeholders(trees: Sequence[Tree], target: Target, scales: Sequence[float]) -> list[etree._Element]:
    """The root ``Node`` placeholder of each tree (see :mod:`pmmlkit.builders.tree_text`),
    laid out for all trees at once. Regression leaf values are multiplied by the tree's scale."""
    arrays = [tree if isinstance(tree, TreeArrays) else _from_nodes(tree, target) for tree in trees]
    classes = None if not target.is_classification else [format_value(c) for c in target.classes or ()]
    names: dict[str, int] = {}  # every field name across the trees -> a global id
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("first", "second", "code", "field", "operand", "leaf",
                                                           "score", "count", "probabilities")}
    sets: list[tuple[str, str, int]] = []
    offset = 0
    roots = []
    for tree, scale in zip(arrays, scales):
        n = _append(tree, classes, float(scale), offset, names, parts, sets)
        roots.append(offset)
        offset += n
    glue = {k: np.concatenate(v) if v else np.zeros(0) for k, v in parts.items()}
    order, depth, closes, sizes = tree_text.document_order(glue["first"], glue["second"], np.asarray(roots))
    leaf_rank = np.cumsum(glue["leaf"]) - 1  # a leaf's row in the leaf arrays
    field = glue["field"][order]
    bodies = []
    start = 0
    all_names = list(names)
    for size in sizes.tolist():
        nodes = order[start:start + size]
        used = field[start:start + size]
        known = used >= 0
        ids, first_use = np.unique(used[known], return_index=True)
        ids = ids[np.argsort(first_use)]  # the tree's fields in order of first use
        local = np.full(len(all_names) + 1, -1, dtype=np.int32)
        local[ids] = np.arange(len(ids), dtype=np.int32)
        leaves = leaf_rank[nodes[glue["leaf"][nodes]]]
        probabilities = glue["probabilities"][leaves] if classes is not None else None
        code, operand = glue["code"][nodes], glue["operand"][nodes]
        tree_sets: list[tuple[str, str, int]] = []
        in_set = code >= tree_text.IS_IN
        if in_set.any():  # the tree's own category sets, numbered from 0
            used_sets, operand[in_set] = np.unique(operand[in_set], return_inverse=True)
            tree_sets = [sets[int(i)] for i in used_sets]
        body = tree_text.TreeBody(
            # -1 (no field) picks local's last entry, which is -1.
            depth=depth[nodes], predicate=code, field=local[used], operand=operand, closes=closes[nodes],
            score=glue["score"][leaves], count=glue["count"][nodes], probabilities=probabilities,
            names=[all_names[i] for i in ids.tolist()], classes=classes, sets=tree_sets)
        bodies.append(body.placeholder())
        start += size
    return bodies


def _append(tree: TreeArrays, classes: list[str] | None, scale: float, offset: int,
            names: dict[str, int], parts: dict[str, list[np.ndarray]], sets: list[tuple[str, str, int]]) -> int:
    """Check one tree's arrays and add them, with node indices shifted by ``offset``, to ``parts``."""
    left = np.asarray(tree.left, dtype=np.int64).reshape(-1)
    right = np.asarray(tree.right, dtype=np.int64).reshape(-1)
    n = len(left)
    if n == 0 or len(right) != n:
        raise ConversionError(f"a tree needs as many right children as left ones ({len(right)} for {n}), "
                              "and at least one node")
    split = left >= 0
    if ((split & ((left >= n) | (right < 0) | (right >= n))) | (split & ((left == 0) | (right == 0)))).any():
        raise ConversionError("a tree's child index points outside the tree; the model looks corrupt")
    if tree.missing_left is None:
        missing = np.full(n, tree_text.MISSING_NOWHERE, dtype=np.int8)
    else:
        missing = np.asarray(tree.missing_left).astype(np.int8).reshape(-1)
    categorical = np.zeros(n, dtype=bool)
    operand = np.zeros(n, dtype=np.float64)
    feature = np.asarray(tree.feature, dtype=np.int64).reshape(-1)
    if split.any() and (feature[split].min() < 0 or feature[split].max() >= len(tree.fields)):
        raise ConversionError(f"a split's feature index is outside the {len(tree.fields)} fields given")
    for i, values in (tree.categories or {}).items():
        if not split[i]:
            continue
        categorical[i] = True
        field = tree.fields[int(feature[i])]
        kind, text = tree_text.categories_text(values, field.is_numeric, field.data_type == "integer")
        operand[i] = len(sets)
        sets.append((kind, text, len(values)))
    numeric = split & ~categorical
    if numeric.any():
        if tree.threshold is None:
            raise ConversionError("a tree with numeric splits needs thresholds")
        threshold = np.asarray(tree.threshold, dtype=np.float64).reshape(-1)
        operand[numeric] = threshold[numeric]
    ids = np.array([names.setdefault(f.name, len(names)) for f in tree.fields] or [0], dtype=np.int64)

    # The predicate of each child comes from its parent; the root's is True.
    first = np.where(split & (missing == tree_text.MISSING_LEFT), right, left)
    second = np.where(split & (missing == tree_text.MISSING_LEFT), left, right)
    code = np.full(n, tree_text.TRUE, dtype=np.int8)
    field_of = np.full(n, -1, dtype=np.int64)
    operand_of = np.zeros(n, dtype=np.float64)
    s = np.flatnonzero(split)
    at_left = missing[s] != tree_text.MISSING_LEFT
    low = np.where(categorical[s], tree_text.IS_IN, tree_text.LESS_OR_EQUAL)
    high = np.where(categorical[s], tree_text.IS_NOT_IN, tree_text.GREATER_THAN)
    code[first[s]] = np.where(at_left, low, high)
    code[second[s]] = np.where(missing[s] == tree_text.MISSING_NOWHERE, high, tree_text.TRUE)
    for child in (first[s], second[s]):
        field_of[child] = np.where(code[child] != tree_text.TRUE, ids[feature[s]], -1)
        operand_of[child] = operand[s]

    leaf = ~split
    value = np.asarray(tree.value, dtype=np.float64)
    count = (np.full(n, np.nan) if tree.count is None else np.asarray(tree.count, dtype=np.float64).reshape(-1))
    if not tree.split_counts:
        count = np.where(split, np.nan, count)
    if classes is None:
        value = value.reshape(n, -1) if value.ndim > 1 else value
        if value.ndim > 1 and value.shape[1] != 1:
            raise ConversionError("a regression tree needs one value per leaf")
        score = value.reshape(-1)[leaf]
        score = score * scale if scale != 1.0 else score
        probabilities = np.zeros((int(leaf.sum()), 0))
    else:
        if value.ndim != 2 or value.shape[1] != len(classes):
            raise ConversionError(f"a classification leaf needs {len(classes)} probabilities, one per class")
        probabilities = value[leaf]
        score = np.argmax(probabilities, axis=1).astype(np.float64)  # the first most probable class
    shifted = np.where(split, 0, -1)
    parts["first"].append(np.where(split, first + offset, shifted))
    parts["second"].append(np.where(split, second + offset, shifted))
    parts["code"].append(code)
    parts["field"].append(field_of)
    parts["operand"].append(operand_of)
    parts["leaf"].append(leaf)
    parts["score"].append(score)
    parts["count"].append(count)
    parts["probabilities"].append(probabilities)
    return n


def _from_nodes(root: Node, target: Target) -> TreeArrays:
    """The arrays of a tree given as Leaf and Split objects."""
    fields: list[Field] = []
    field_index: dict[str, int] = {}
    left, right, feature, threshold, missing, values, counts = [], [], [], [], [], [], []
    categories: dict[int, Sequence[Any]] = {}
    n_classes = len(target.classes or ()) if target.is_classification else 0
    # An explicit stack: trees can be far deeper than Python's recursion limit.
    pending: list[tuple[Node, int, int]] = [(root, -1, 0)]  # node, parent index, 0 left / 1 right
    while pending:
        node, parent, side = pending.pop()
        i = len(left)
        if parent >= 0:
            (left if side == 0 else right)[parent] = i
        left.append(-1)
        right.append(-1)
        if isinstance(node, Leaf):
            feature.append(-1)
            threshold.append(0.0)
            missing.append(-1)
            counts.append(np.nan if node.count is None else float(node.count))
            if n_classes:
                if node.probabilities is None or len(node.probabilities) != n_classes:
                    raise ConversionError(f"a classification leaf needs {n_classes} probabilities, one per class")
                values.append([float(p) for p in node.probabilities])
            else:
                if node.value is None:
                    raise ConversionError("a regression leaf needs a value")
                values.append(float(node.value))
        elif isinstance(node, Split):
            if (node.threshold is None) == (node.categories is None):
                raise ConversionError(f"a split on {node.field.name!r} needs either a threshold or categories")
            if node.field.name not in field_index:
                field_index[node.field.name] = len(fields)
                fields.append(node.field)
            feature.append(field_index[node.field.name])
            threshold.append(0.0 if node.threshold is None else float(node.threshold))
            if node.categories is not None:
                categories[i] = node.categories
            missing.append(-1 if node.missing_left is None else int(bool(node.missing_left)))
            counts.append(np.nan if node.count is None else float(node.count))
            values.append([0.0] * n_classes if n_classes else 0.0)
            pending.append((node.right, i, 1))
            pending.append((node.left, i, 0))
        else:
            raise ConversionError(f"a tree node must be a Leaf or a Split, not {type(node).__name__}")
    return TreeArrays(fields=fields, left=np.array(left), right=np.array(right), feature=np.array(feature),
                      threshold=np.array(threshold), value=np.array(values, dtype=np.float64).reshape(len(left), -1)
                      if n_classes else np.array(values, dtype=np.float64), count=np.array(counts),
                      missing_left=np.array(missing, dtype=np.int8), categories=categories, split_counts=True)


def margin_model(trees: list[Node], name: str, weights: list[float] | None = None) -> etree._Element:
    """A ``sum`` ensemble for one segment of a model chain: its result is the output field
    ``name`` (a number that later segments read), and it has no target field of its own."""
    ensemble = ensemble_model(trees, Target(name), "sum", weights)
    _drop_targets(ensemble)
    replace_header(ensemble, "Output", element(
        "Output", element("OutputField", name=name, optype="continuous", dataType="double",
                          feature="predictedValue")))
    return ensemble


def margin_regressor(margin: etree._Element, name: str, target: Target, normalization: str,
                     intercept: float = 0.0) -> etree._Element:
    """A ``modelChain``: the ``margin`` segment (see :func:`margin_model`) computes the output
    field ``name``; a last RegressionModel predicts ``normalization(intercept + margin)``, e.g.
    ``exp`` for a log link."""
    last = model("RegressionModel", element("RegressionTable", element("NumericPredictor", name=name, coefficient=1.0),
                                            intercept=float(intercept)),
                 function="regression", target=target, normalizationMethod=normalization)
    _drop_targets(last)
    segments = [element("Segment", element("True"), m, id=str(i + 1)) for i, m in enumerate([margin, last])]
    chain = element("Segmentation", *segments, multipleModelMethod="modelChain")
    return model("MiningModel", chain, function="regression", target=target, output=output_for(target))


def _drop_targets(model_element: etree._Element) -> None:
    for node in list(model_element.iter()):
        if isinstance(node.tag, str) and tag_of(node) == "MiningField" and node.get("usageType") == "target":
            node.getparent().remove(node)


def margin_classifier(margins: list[etree._Element], names: list[str], target: Target, normalization: str,
                      coefficient: float = 1.0, intercepts: Sequence[float] | None = None) -> etree._Element:
    """A ``modelChain``: the ``margins`` segments (see :func:`margin_model`) compute the output
    fields ``names``; a last RegressionModel turns them into class probabilities.

    One margin (binary): ``P(classes[1]) = normalization(intercept + coefficient * margin)``, e.g.
    ``logit``. One margin per class: ``normalization`` (e.g. ``softmax``) over
    ``intercept_k + coefficient * margin_k``. Intercepts default to 0.
    """
    classes = target.classes or ()
    intercepts = [0.0] * len(names) if intercepts is None else [float(b) for b in intercepts]
    if len(intercepts) != len(names):
        raise ConversionError(f"{len(intercepts)} intercepts for {len(names)} margins")
    if len(names) == 1 and len(classes) == 2:
        tables = [element("RegressionTable", element("NumericPredictor", name=names[0], coefficient=coefficient),
                          intercept=intercepts[0], targetCategory=format_value(classes[1])),
                  element("RegressionTable", intercept=0.0, targetCategory=format_value(classes[0]))]
    elif len(names) == len(classes):
        tables = [element("RegressionTable", element("NumericPredictor", name=name, coefficient=coefficient),
                          intercept=b, targetCategory=format_value(label))
                  for name, b, label in zip(names, intercepts, classes)]
    else:
        raise ConversionError(f"{len(names)} margins for {len(classes)} classes: give one, or one per class")
    last = model("RegressionModel", *tables, function="classification", target=target,
                 normalizationMethod=normalization)
    # No target field in the last segment either: JPMML-Evaluator then passes its probabilities
    # to the chain's Output for numeric labels too.
    _drop_targets(last)
    segments = [element("Segment", element("True"), m, id=str(i + 1)) for i, m in enumerate([*margins, last])]
    chain = element("Segmentation", *segments, multipleModelMethod="modelChain")
    return model("MiningModel", chain, function="classification", target=target, output=output_for(target))
