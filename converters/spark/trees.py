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

from pmmlkit.builders.tree import Leaf, Node, Split, ensemble_model, tree_model
from pmmlkit.context import Context
from pmmlkit.fields import Field, Target
from pmmlkit.models import model, output_for, predicted_name, replace_header
from pmmlkit.pmml import element, format_value

from .columns import Columns
from .linear import features_of


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


def _trees(stage: Any) -> list[Any]:
    return [tree._java_obj.rootNode() for tree in stage.trees]


def _check_no_thresholds(stage: Any, context: Context) -> None:
    if stage.hasParam("thresholds") and stage.isSet("thresholds"):
        raise context.error(f"{type(stage).__name__} with thresholds predicts argmax(p / t), which PMML cannot "
                            "express; clear them (model.clear(model.thresholds)) before converting")


def _classification_target(stage: Any, columns: Columns, context: Context) -> Target:
    return context.classification_target(columns.classes(stage.getLabelCol(), int(stage.numClasses)))


# -- single trees ------------------------------------------------------------------------------------------

def convert_decision_tree_classifier(stage: Any, columns: Columns, context: Context) -> etree._Element:
    _check_no_thresholds(stage, context)
    fields = features_of(stage, columns, context)
    target = _classification_target(stage, columns, context)
    return tree_model(read_tree(stage._java_obj.rootNode(), fields, classification_leaf), target)


def convert_decision_tree_regressor(stage: Any, columns: Columns, context: Context) -> etree._Element:
    fields = features_of(stage, columns, context)
    target = context.regression_target()
    return tree_model(read_tree(stage._java_obj.rootNode(), fields, regression_leaf), target)


# -- random forests ----------------------------------------------------------------------------------------

def convert_random_forest_classifier(stage: Any, columns: Columns, context: Context) -> etree._Element:
    """Spark sums each tree's normalized class counts and normalizes the sum: the mean of the
    trees' probabilities (to the last bits of the division)."""
    _check_no_thresholds(stage, context)
    fields = features_of(stage, columns, context)
    target = _classification_target(stage, columns, context)
    trees = [read_tree(root, fields, classification_leaf) for root in _trees(stage)]
    return ensemble_model(trees, target, "average")


def convert_random_forest_regressor(stage: Any, columns: Columns, context: Context) -> etree._Element:
    fields = features_of(stage, columns, context)
    target = context.regression_target()
    trees = [read_tree(root, fields, regression_leaf) for root in _trees(stage)]
    return ensemble_model(trees, target, "average")


# -- gradient-boosted trees ----------------------------------------------------------------------------------

def convert_gbt_regressor(stage: Any, columns: Columns, context: Context) -> etree._Element:
    """prediction = sum(weight_i * tree_i(x))."""
    fields = features_of(stage, columns, context)
    target = context.regression_target()
    trees = [read_tree(root, fields, regression_leaf) for root in _trees(stage)]
    return ensemble_model(trees, target, "sum", [float(w) for w in stage.treeWeights])


def convert_gbt_classifier(stage: Any, columns: Columns, context: Context) -> etree._Element:
    """Binary: margin = sum(weight_i * tree_i(x)); P(classes[1]) = 1 / (1 + exp(-2 * margin)).

    A model chain: the first segment sums the trees into the margin, the second is a logit
    RegressionModel of 2 * margin; the chain's result is the last segment's, so the outputs are
    declared once, on the MiningModel.
    """
    _check_no_thresholds(stage, context)
    fields = features_of(stage, columns, context)
    target = _classification_target(stage, columns, context)
    classes = target.classes or ()
    if len(classes) != 2:
        raise context.error(f"GBTClassificationModel predicts 2 classes, not {len(classes)}")
    margin_target = Target(context.scope.unique_name(f"gbt_margin({target.name})"))
    trees = [read_tree(root, fields, regression_leaf) for root in _trees(stage)]
    margin_model = ensemble_model(trees, margin_target, "sum", [float(w) for w in stage.treeWeights])
    # The margin is an output of the first segment, not a field of the data: no target in its schema.
    margin_field = Field(predicted_name(margin_target))
    _drop_target(margin_model, margin_target.name)
    replace_header(margin_model, "Output", element(
        "Output", element("OutputField", name=margin_field.name, optype="continuous", dataType="double",
                          feature="predictedValue")))
    logit = model("RegressionModel",
                  element("RegressionTable", element("NumericPredictor", name=margin_field.name, coefficient=2.0),
                          intercept=0.0, targetCategory=_label(classes[1])),
                  element("RegressionTable", intercept=0.0, targetCategory=_label(classes[0])),
                  function="classification", target=target, normalizationMethod="logit")
    # Without its own target field the segment's probabilities reach the chain's Output on
    # JPMML-Evaluator for numeric labels too (with one, it reports probability 0.0 for labels 0.0/1.0).
    _drop_target(logit, target.name)
    chain = element("Segmentation",
                    element("Segment", element("True"), margin_model, id="1"),
                    element("Segment", element("True"), logit, id="2"),
                    multipleModelMethod="modelChain")
    return model("MiningModel", chain, function="classification", target=target, output=output_for(target))


def _drop_target(model_element: etree._Element, name: str) -> None:
    """Remove the MiningField of target ``name`` from the model's and its segments' schemas."""
    for node in list(model_element.iter()):
        if isinstance(node.tag, str) and node.tag.endswith("MiningField") and node.get("name") == name:
            node.getparent().remove(node)


def _label(value: Any) -> str:
    return format_value(value)
