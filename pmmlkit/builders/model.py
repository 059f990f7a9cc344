"""Shared builders for model elements, their MiningSchema, Output and Targets.

Every converter, whatever its front end, builds its model element through :func:`model`, and
its outputs through :func:`classification_output` / :func:`regression_output`, so output
field names are the same everywhere:

* ``predicted_<target>``: the predicted value (class label or number);
* ``probability_<label>``: the probability of each class, for classifiers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lxml import etree

from ..pmml import element, find_child, format_value, tag_of
from .expressions import apply, constant, ref
from .fields import Field, Target, referenced_fields

# The order of a model element's leading children in the PMML schema.
_HEADER_ORDER = ("Extension", "MiningSchema", "Output", "ModelStats", "ModelExplanation", "Targets",
                 "LocalTransformations")


def predicted_name(target: Target) -> str:
    return f"predicted_{target.name}"


def probability_name(label: Any) -> str:
    return f"probability_{format_value(label)}"


def predicted_field(target: Target) -> etree._Element:
    """The OutputField ``predicted_<target>`` of a classifier: its predicted label."""
    return element("OutputField", name=predicted_name(target), optype="categorical",
                   dataType=target.field().data_type, feature="predictedValue")


def probability_field(label: Any) -> etree._Element:
    """The OutputField ``probability_<label>``: the model's probability of class ``label``."""
    return element("OutputField", name=probability_name(label), optype="continuous",
                   dataType="double", feature="probability", value=format_value(label))


def output(*fields: etree._Element | None) -> etree._Element:
    """An Output listing ``fields`` in order (a field may read only those before it)."""
    return element("Output", *fields)


def classification_output(target: Target, computed: dict[Any, etree._Element] | None = None) -> etree._Element:
    """``predicted_<target>`` and the probability of each class. The probability of a label in
    ``computed`` is that OutputField instead of the model's own, written last: it reads the others."""
    computed = computed or {}
    return output(predicted_field(target),
                  *[probability_field(label) for label in target.classes or () if label not in computed],
                  *computed.values())


def label_output(target: Target) -> etree._Element:
    """An Output with ``predicted_<target>`` only, for classifiers without probabilities."""
    return output(predicted_field(target))


def threshold_output(target: Target, threshold: float) -> etree._Element:
    """A binary classifier's Output whose predicted class is ``classes[1]`` when its probability
    exceeds ``threshold`` (else ``classes[0]``), after the probabilities of both classes."""
    classes = target.classes or ()
    data_type = target.field().data_type
    rule = apply("if", apply("greaterThan", ref(probability_name(classes[1])), constant(threshold)),
                 constant(classes[1], data_type), constant(classes[0], data_type))
    return output(*[probability_field(label) for label in classes],
                  element("OutputField", rule, name=predicted_name(target), optype="categorical",
                          dataType=data_type, feature="transformedValue"))


def target_range(target: Target, low: float | None, high: float | None) -> etree._Element:
    """A Targets element clamping the predicted value into ``[low, high]`` (None: unbounded)."""
    return element("Targets", element("Target", field=target.name, min=low, max=high))


def regression_output(target: Target) -> etree._Element:
    return element("Output", element("OutputField", name=predicted_name(target), optype="continuous",
                                     dataType="double", feature="predictedValue"))


def clustering_output(name: str) -> etree._Element:
    """The Output of a clustering model, which has no target field: ``predicted_<name>`` is the
    id of the winning cluster (pmmlkit writes cluster ids 0, 1, ... as the source framework numbers them)."""
    return element("Output", element("OutputField", name=f"predicted_{name}", optype="categorical",
                                     dataType="integer", feature="predictedValue"))


def output_for(target: Target | None) -> etree._Element | None:
    if target is None:
        return None
    return classification_output(target) if target.is_classification else regression_output(target)


def mining_schema(fields: Sequence[Field] | Sequence[str], target: Target | None) -> etree._Element:
    node = element("MiningSchema")
    if target is not None:
        node.append(element("MiningField", name=target.name, usageType="target"))
    for field in fields:
        node.append(field.mining_field() if isinstance(field, Field) else element("MiningField", name=field))
    return node


def model(tag: str, *body: etree._Element, function: str, target: Target | None,
          output: etree._Element | None = None, targets: etree._Element | None = None,
          **attributes: Any) -> etree._Element:
    """A model element (``RegressionModel``, ``TreeModel``, ``MiningModel``, ...).

    Its MiningSchema lists the fields ``body`` references directly, which is what a nested
    segment needs; :meth:`PMMLDocument.assemble` rewrites it for the top-level model.
    """
    names = []
    for child in body:
        for name in referenced_fields(child):
            if name not in names and (target is None or name != target.name):
                names.append(name)
    node = element(tag, mining_schema(names, target), output, targets, *body,
                   functionName=function, **attributes)
    return node


def replace_header(model_element: etree._Element, tag: str, new: etree._Element | None) -> None:
    """Replace (or insert, or remove) one of a model element's leading children, in schema order."""
    old = find_child(model_element, tag)
    if old is not None:
        model_element.remove(old)
    if new is None:
        return
    position = 0
    rank = _HEADER_ORDER.index(tag)
    for i, child in enumerate(model_element):
        if isinstance(child.tag, str) and tag_of(child) in _HEADER_ORDER[:rank + 1]:
            position = i + 1
    model_element.insert(position, new)


def merge_output(model_element: etree._Element, standard: etree._Element) -> None:
    """Give ``model_element``'s Output the fields of ``standard`` it lacks (by name), ahead of its
    own; a model without an Output gets ``standard``."""
    existing = find_child(model_element, "Output")
    if existing is None:
        replace_header(model_element, "Output", standard)
        return
    names = {field.get("name") for field in existing}
    for position, field in enumerate(f for f in list(standard) if f.get("name") not in names):
        existing.insert(position, field)
