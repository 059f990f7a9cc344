"""Spark ML trees and tree ensembles: DecisionTree, RandomForest and GBT classifiers and regressors.

The fitted trees are read in bulk: Spark writes the model's node data (the records its own
``save`` writes) in its driver-local binary form into a temporary folder, in one call, and
:func:`read_node_records` turns them into node arrays (:class:`pmmlkit.builders.tree.TreeArrays`)
for the shared builder, so they have the same PMML shape as scikit-learn's trees. Where that form
is not available (another Spark version, another layout), the trees are read node by node from
Spark's JVM objects instead (``rootNode()``, ``split()``, ...), slower and to the same result.

How Spark routes a value, which the splits reproduce:

* continuous split: left when ``x <= threshold`` (doubles compared directly); NaN goes right;
* categorical split on an index feature: Spark keeps the smaller side's category set and sends
  a value that is in neither set (NaN, an index it never saw) to the other side.
"""

from __future__ import annotations

import os
import struct
import tempfile
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from lxml import etree

from pmmlkit.builders.fields import Field, Target
from pmmlkit.builders.tree import (
    Leaf,
    Node,
    Split,
    Tree,
    TreeArrays,
    ensemble_model,
    margin_classifier,
    margin_model,
    tree_model,
)
from pmmlkit.context import Context

from .columns import Columns, StageContext
from .stages import features_of, no_thresholds


def converters() -> dict[type, Callable[..., Any]]:
    from pyspark.ml import classification, regression

    return {
        classification.DecisionTreeClassificationModel: convert_decision_tree_classifier,
        regression.DecisionTreeRegressionModel: convert_decision_tree_regressor,
        classification.RandomForestClassificationModel: convert_random_forest_classifier,
        regression.RandomForestRegressionModel: convert_random_forest_regressor,
        classification.GBTClassificationModel: convert_gbt_classifier,
        regression.GBTRegressionModel: convert_gbt_regressor,
    }


# -- reading Spark's trees ----------------------------------------------------------------------------------

LeafReader = Callable[[Any], Leaf]


def read_tree(java_node: Any, fields: Sequence[Field], leaf: LeafReader) -> Node:
    """A Spark ``org.apache.spark.ml.tree.Node`` (and its subtree) as builder nodes."""
    # Spark trees are at most 30 levels deep, so recursion is safe here.
    if _class_name(java_node) != "InternalNode":
        return leaf(java_node)
    split = java_node.split()
    field = fields[int(split.featureIndex())]
    left = read_tree(java_node.leftChild(), fields, leaf)
    right = read_tree(java_node.rightChild(), fields, leaf)
    if _class_name(split) == "ContinuousSplit":
        return Split(field, left, right, threshold=float(split.threshold()), missing_left=False)
    left_categories = tuple(_doubles(split.leftCategories()))
    right_categories = tuple(_doubles(split.rightCategories()))
    if len(left_categories) <= int(split.numCategories()) // 2:
        # Spark tests membership of the left set: anything else (NaN, unseen index) goes right.
        return Split(field, left, right, categories=_categories(left_categories, field), missing_left=False)
    # Spark tests membership of the right set: anything else goes left.
    return Split(field, right, left, categories=_categories(right_categories, field), missing_left=False)


def regression_leaf(java_node: Any) -> Leaf:
    return Leaf(value=float(java_node.prediction()))


def classification_leaf(java_node: Any) -> Leaf:
    """Class probabilities as Spark computes them: the leaf's class counts over their sum."""
    counts = _doubles(java_node.impurityStats().stats())
    total = 0.0
    for count in counts:
        total += count
    probabilities = tuple(c / total for c in counts) if total != 0 else tuple(0.0 for _ in counts)
    return Leaf(probabilities=probabilities)


def _class_name(java_object: Any) -> str:
    return str(java_object.getClass().getSimpleName())


def _doubles(java_array: Any) -> list[float]:
    """A Java double[] in one call: Double.toString round-trips every double exactly."""
    from pyspark import SparkContext

    jvm = SparkContext._jvm
    if jvm is None:
        return [float(v) for v in java_array]
    text = str(jvm.java.util.Arrays.toString(java_array)).strip("[]")
    return [float(v) for v in text.split(",")] if text.strip() else []


def _categories(values: Sequence[float], field: Field) -> tuple[Any, ...]:
    # Index values are whole numbers; write them as integers where the field holds integers.
    if field.data_type == "integer":
        return tuple(int(v) for v in values)
    return tuple(float(v) for v in values)


def _trees(stage: Any, fields: Sequence[Field], leaf: LeafReader) -> list[Tree]:
    """The trees of an ensemble (or the one tree of a decision tree model), read with ``leaf``."""
    bulk = read_node_records(stage, fields, classification=leaf is classification_leaf)
    if bulk is not None:
        return list(bulk)
    roots = [tree._java_obj.rootNode() for tree in stage.trees] if hasattr(stage, "trees") else \
        [stage._java_obj.rootNode()]
    return [read_tree(root, fields, leaf) for root in roots]


# -- reading the node records in bulk ------------------------------------------------------------------------

def read_node_records(stage: Any, fields: Sequence[Field], classification: bool) -> list[TreeArrays] | None:
    """The trees of ``stage`` as node arrays, from the node records Spark writes for the model,
    or None when this Spark does not write them in the driver-local form read here."""
    from pyspark import SparkContext

    jvm = SparkContext._jvm
    try:
        state = jvm.org.apache.spark.ml.util.ReadWriteUtils.localSavingModeState()
        previous = state.get()
    except Exception:  # py4j's errors: an older Spark, without the driver-local form
        return None
    with tempfile.TemporaryDirectory(prefix="pmmlkit-spark-trees-") as folder:
        path = os.path.join(folder, "model")
        state.set(True)
        try:
            stage._java_obj.write().save(path)
        except Exception:  # py4j's errors: this model cannot be written so; read it node by node
            return None
        finally:
            state.set(previous)
        data_path = os.path.join(path, "data")
        if not os.path.isfile(data_path):
            return None  # written as Parquet (the setting did not reach the writer)
        with open(data_path, "rb") as handle:
            data = handle.read()
        ensemble = os.path.exists(os.path.join(path, "treesMetadata"))  # records start with the tree's id
    try:
        return _parse_records(data, ensemble, fields, classification)
    except (ValueError, IndexError, struct.error):
        return None


# One record (big-endian, Java's DataOutputStream): [treeID int, for ensembles] id int,
# prediction double, impurity double, impurityStats (int n, n doubles), rawCount long, gain double,
# leftChild int, rightChild int, then the split: featureIndex int, leftCategoriesOrThreshold
# (int m, m doubles), numCategories int (-1 for a continuous split).
_INT = struct.Struct(">i")


def _parse_records(data: bytes, ensemble: bool, fields: Sequence[Field], classification: bool) -> list[TreeArrays]:
    count = _INT.unpack_from(data, 0)[0]
    head = 4 if ensemble else 0  # the treeID
    starts = np.empty(count, dtype=np.int64)
    n_stats = np.empty(count, dtype=np.int64)
    n_values = np.empty(count, dtype=np.int64)
    position = 4
    unpack = _INT.unpack_from
    # Records differ in length only by their two arrays: find where each starts (two ints each).
    for i in range(count):
        starts[i] = position
        k = unpack(data, position + head + 20)[0]
        m = unpack(data, position + head + 52 + 8 * k)[0]
        if k < 0 or m < 0:
            raise ValueError("negative array length")
        n_stats[i], n_values[i] = k, m
        position += head + 60 + 8 * k + 8 * m
    if position != len(data) or count == 0:
        raise ValueError("the records do not fill the file")
    raw = np.frombuffer(data, dtype=np.uint8)

    def read(offset: Any, dtype: str, rows: Any = slice(None)) -> np.ndarray:
        size = np.dtype(dtype).itemsize
        at = (starts[rows] + head + offset)[:, None] + np.arange(size)
        return raw[at].copy().view(dtype).reshape(-1)

    k = int(n_stats[0])
    if (n_stats != k).any():
        raise ValueError("impurity statistics of different sizes")
    tree_id = read(-head, ">i4").astype(np.int64) if ensemble else np.zeros(count, dtype=np.int64)
    node_id = read(0, ">i4").astype(np.int64)
    prediction = read(4, ">f8").astype(np.float64)
    stats = np.stack([read(24 + 8 * j, ">f8").astype(np.float64) for j in range(k)], axis=1) if k else \
        np.zeros((count, 0))
    after = 24 + 8 * k
    left = read(after + 16, ">i4").astype(np.int64)
    right = read(after + 20, ">i4").astype(np.int64)
    feature = read(after + 24, ">i4").astype(np.int64)
    first_value = np.full(count, np.nan)
    valued = n_values > 0
    first_value[valued] = read(after + 32, ">f8", valued)
    n_categories = read(after + 32 + 8 * n_values, ">i4").astype(np.int64)

    order = np.lexsort((node_id, tree_id))
    trees: list[TreeArrays] = []
    bounds = np.flatnonzero(np.diff(tree_id[order])) + 1
    if (tree_id[order][np.concatenate([[0], bounds])] != np.arange(len(bounds) + 1)).any():
        raise ValueError("tree ids are not 0..n-1")
    for rows in np.split(order, bounds):
        n = len(rows)
        if (node_id[rows] != np.arange(n)).any():
            raise ValueError("node ids are not 0..n-1")
        t_left, t_right = left[rows].copy(), right[rows].copy()
        split = t_left >= 0
        if (split & ((t_left >= n) | (t_right < 0) | (t_right >= n))).any():
            raise ValueError("a child id outside its tree")
        t_left[~split] = -1
        t_right[~split] = -1
        categories: dict[int, tuple[Any, ...]] = {}
        for i in np.flatnonzero(split & (n_categories[rows] >= 0)).tolist():
            record = int(rows[i])
            values = _doubles_at(raw, int(starts[record]) + head + after + 32, int(n_values[record]))
            field = fields[int(feature[record])]
            if len(values) <= int(n_categories[record]) // 2:
                # Spark tests membership of the left set: anything else (NaN, unseen index) goes right.
                categories[i] = _categories(values, field)
            else:
                # Spark tests membership of the right set: anything else goes left.
                chosen = set(values)
                others = [float(c) for c in range(int(n_categories[record])) if float(c) not in chosen]
                categories[i] = _categories(others, field)
                t_left[i], t_right[i] = t_right[i], t_left[i]
        if classification:
            total = np.zeros(n)
            for j in range(k):  # in Spark's order: count after count
                total = total + stats[rows, j]
            with np.errstate(invalid="ignore", divide="ignore"):
                value = np.where(total[:, None] != 0, stats[rows] / total[:, None], 0.0)
        else:
            value = prediction[rows]
        if (feature[rows][split] >= len(fields)).any() or (feature[rows][split] < 0).any():
            raise ValueError("a split on a feature the model does not have")
        trees.append(TreeArrays(fields=fields, left=t_left, right=t_right, feature=np.where(split, feature[rows], -1),
                                threshold=first_value[rows], value=value, missing_left=np.zeros(n, dtype=bool),
                                categories=categories))
    return trees


def _doubles_at(raw: np.ndarray, offset: int, count: int) -> list[float]:
    return raw[offset:offset + 8 * count].copy().view(">f8").astype(np.float64).tolist()


def _classification_target(stage: Any, columns: Columns, context: Context) -> Target:
    return context.classification_target(columns.classes(stage.getLabelCol(), int(stage.numClasses)))


# -- single trees ------------------------------------------------------------------------------------------

def convert_decision_tree_classifier(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    columns = context.columns
    no_thresholds(stage, context)
    fields = features_of(stage, fields, context)
    target = _classification_target(stage, columns, context)
    return tree_model(_trees(stage, fields, classification_leaf)[0], target)


def convert_decision_tree_regressor(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    fields = features_of(stage, fields, context)
    target = context.regression_target()
    return tree_model(_trees(stage, fields, regression_leaf)[0], target)


# -- random forests ----------------------------------------------------------------------------------------

def convert_random_forest_classifier(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    """Spark sums each tree's normalized class counts and normalizes the sum: the mean of the
    trees' probabilities (to the last bits of the division)."""
    columns = context.columns
    no_thresholds(stage, context)
    fields = features_of(stage, fields, context)
    target = _classification_target(stage, columns, context)
    trees = _trees(stage, fields, classification_leaf)
    return ensemble_model(trees, target, "average")


def convert_random_forest_regressor(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    fields = features_of(stage, fields, context)
    target = context.regression_target()
    trees = _trees(stage, fields, regression_leaf)
    return ensemble_model(trees, target, "average")


# -- gradient-boosted trees ----------------------------------------------------------------------------------

def convert_gbt_regressor(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    """prediction = sum(weight_i * tree_i(x))."""
    fields = features_of(stage, fields, context)
    target = context.regression_target()
    trees = _trees(stage, fields, regression_leaf)
    return ensemble_model(trees, target, "sum", [float(w) for w in stage.treeWeights])


def convert_gbt_classifier(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    """Binary: margin = sum(weight_i * tree_i(x)); P(classes[1]) = 1 / (1 + exp(-2 * margin)).

    The shared model chain of boosted trees (:func:`pmmlkit.builders.tree.margin_classifier`):
    the first segment sums the trees into the margin, the second is a logit RegressionModel of
    2 * margin.
    """
    columns = context.columns
    no_thresholds(stage, context)
    fields = features_of(stage, fields, context)
    target = _classification_target(stage, columns, context)
    classes = target.classes or ()
    if len(classes) != 2:
        raise context.error(f"GBTClassificationModel predicts 2 classes, not {len(classes)}")
    name = context.scope.unique_name(f"gbt_margin({target.name})")
    trees = _trees(stage, fields, regression_leaf)
    margin = margin_model(trees, name, [float(w) for w in stage.treeWeights])
    return margin_classifier([margin], [name], target, "logit", coefficient=2.0)
