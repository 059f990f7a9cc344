"""Spark ML trees and tree ensembles: DecisionTree, RandomForest and GBT classifiers and regressors.

The fitted trees are read node by node from Spark's JVM objects (``rootNode()``, ``split()``,
``leftChild()``, ``impurityStats()``) and written with the shared builder
(:mod:`pmmlkit.builders.tree`), so they have the same PMML shape as scikit-learn's trees.

How Spark routes a value, which the Split nodes reproduce:

* continuous split: left when ``x <= threshold`` (doubles compared directly); NaN goes right;
* categorical split on an index feature: Spark keeps the smaller side's category set and sends
  a value that is in neither set (NaN, an index it never saw) to the other side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from lxml import etree

from pmmlkit.builders.fields import Field, Target
from pmmlkit.builders.tree import Leaf, Node, Split, ensemble_model, margin_classifier, margin_model, tree_model
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


def _trees(stage: Any, fields: Sequence[Field], leaf: LeafReader) -> list[Node]:
    """The trees of an ensemble, read with ``leaf``."""
    return [read_tree(tree._java_obj.rootNode(), fields, leaf) for tree in stage.trees]


def _classification_target(stage: Any, columns: Columns, context: Context) -> Target:
    return context.classification_target(columns.classes(stage.getLabelCol(), int(stage.numClasses)))


# -- single trees ------------------------------------------------------------------------------------------

def convert_decision_tree_classifier(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    columns = context.columns
    no_thresholds(stage, context)
    fields = features_of(stage, fields, context)
    target = _classification_target(stage, columns, context)
    return tree_model(read_tree(stage._java_obj.rootNode(), fields, classification_leaf), target)


def convert_decision_tree_regressor(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    fields = features_of(stage, fields, context)
    target = context.regression_target()
    return tree_model(read_tree(stage._java_obj.rootNode(), fields, regression_leaf), target)


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
