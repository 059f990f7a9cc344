"""TreeModel and tree-ensemble builders shared by the scikit-learn and Spark converters.

A converter describes its trees with :class:`Leaf` and :class:`Split` nodes; :func:`tree_model`
writes one tree as a ``TreeModel`` and :func:`ensemble_model` writes a forest as a
``MiningModel`` whose segments are ``TreeModel`` elements.

Every split becomes two child nodes, left first. Where a missing value goes is written with the
predicates alone, so that every evaluator routes it the same way without relying on
``missingValueStrategy`` support: the child that takes missing values comes second and has the
predicate ``True``; the first child's comparison is UNKNOWN for a missing value, which counts as
false, so evaluation moves on to the second. When ``missing_left`` is None both children get a
comparison, no child matches a missing value, and the tree returns no prediction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..errors import ConversionError
from ..pmml import element, format_number, format_value, tag_of
from .fields import Field, Target
from .model import model, output_for, replace_header


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


Node = Leaf | Split


def tree_model(root: Node, target: Target) -> etree._Element:
    """A ``TreeModel`` for one tree, with the standard outputs of ``target``."""
    return _tree(root, target, output_for(target))


def ensemble_model(trees: list[Node], target: Target, method: str = "average",
                   weights: list[float] | None = None) -> etree._Element:
    """A ``MiningModel`` combining ``trees``.

    ``average``: the mean of the trees' values (regression) or probabilities (classification);
    with ``weights``, their weighted mean. ``sum`` (regression only): the sum of
    ``weight * value`` over the trees; the products are written into the leaves, which gives the
    same doubles as multiplying at scoring time.
    """
    if not trees:
        raise ConversionError("an ensemble needs at least one tree")
    if weights is not None and len(weights) != len(trees):
        raise ConversionError(f"{len(weights)} weights given for {len(trees)} trees")
    if method == "average":
        pmml_method = "average" if weights is None else "weightedAverage"
        segments = [_segment(i, _tree(tree, target, None), None if weights is None else weights[i])
                    for i, tree in enumerate(trees)]
    elif method == "sum":
        if target.is_classification:
            raise ConversionError("a 'sum' ensemble of trees predicts a number: use a regression target")
        pmml_method = "sum"
        segments = [_segment(i, _tree(tree, target, None, 1.0 if weights is None else float(weights[i])), None)
                    for i, tree in enumerate(trees)]
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


def _tree(root: Node, target: Target, output: etree._Element | None, scale: float = 1.0) -> etree._Element:
    top = element("Node", element("True"))
    # An explicit stack: trees can be far deeper than Python's recursion limit.
    pending: list[tuple[Node, etree._Element]] = [(root, top)]
    while pending:
        node, node_element = pending.pop()
        if isinstance(node, Leaf):
            _write_leaf(node, node_element, target, scale)
        elif isinstance(node, Split):
            for child, predicate in _children(node):
                child_element = element("Node", predicate)
                node_element.append(child_element)
                pending.append((child, child_element))
        else:
            raise ConversionError(f"a tree node must be a Leaf or a Split, not {type(node).__name__}")
    return model("TreeModel", top, function=_function(target), target=target, output=output,
                 splitCharacteristic="binarySplit", missingValueStrategy="none",
                 noTrueChildStrategy="returnNullPrediction")


def _children(split: Split) -> list[tuple[Node, etree._Element]]:
    if (split.threshold is None) == (split.categories is None):
        raise ConversionError(f"a split on {split.field.name!r} needs either a threshold or categories")
    if split.threshold is not None:
        left = _compare(split.field, "lessOrEqual", split.threshold)
        right = _compare(split.field, "greaterThan", split.threshold)
    else:
        left = _set(split.field, "isIn", split.categories)
        right = _set(split.field, "isNotIn", split.categories)
    if split.missing_left is None:
        return [(split.left, left), (split.right, right)]
    if split.missing_left:
        return [(split.right, right), (split.left, element("True"))]
    return [(split.left, left), (split.right, element("True"))]


def _compare(field: Field, operator: str, threshold: float) -> etree._Element:
    return element("SimplePredicate", field=field.name, operator=operator, value=format_number(float(threshold)))


def _set(field: Field, operator: str, categories: Sequence[Any]) -> etree._Element:
    if field.is_numeric:
        kind = "int" if field.data_type == "integer" else "real"
        text = " ".join(format_value(v) for v in categories)
    else:
        kind = "string"
        text = " ".join('"' + format_value(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in categories)
    array = element("Array", n=str(len(categories)), type=kind)
    array.text = text
    return element("SimpleSetPredicate", array, field=field.name, booleanOperator=operator)


def _write_leaf(leaf: Leaf, node: etree._Element, target: Target, scale: float) -> None:
    if leaf.count is not None:
        node.set("recordCount", format_number(float(leaf.count)))
    if not target.is_classification:
        if leaf.value is None:
            raise ConversionError("a regression leaf needs a value")
        node.set("score", format_number(float(leaf.value) * scale if scale != 1.0 else float(leaf.value)))
        return
    classes = target.classes or ()
    probabilities = leaf.probabilities
    if probabilities is None or len(probabilities) != len(classes):
        raise ConversionError(f"a classification leaf needs {len(classes)} probabilities, one per class")
    probabilities = [float(p) for p in probabilities]
    # The first most probable class, as numpy's argmax picks it.
    best = max(range(len(classes)), key=lambda i: (probabilities[i], -i))
    node.set("score", format_value(classes[best]))
    for label, probability in zip(classes, probabilities):
        # recordCount is required; with no count, the probability stands in as a relative count.
        count = probability if leaf.count is None else probability * float(leaf.count)
        node.append(element("ScoreDistribution", value=format_value(label), recordCount=format_number(count),
                            probability=format_number(probability)))


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
