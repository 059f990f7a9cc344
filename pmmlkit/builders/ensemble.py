"""Model chains for meta-estimators: members publish output fields, a last model combines them.

A meta-estimator (voting, stacking, bagging, calibration, ...) converts each of its fitted
members to a model element, then turns it into a chain *member* (:func:`member`): its target
field gets a name of its own and its Output lists the fields later segments read (its prediction, its class
probabilities) under names unique in the document. The combining model is built in a
:func:`local_scope`, whose derived fields go into that model's own LocalTransformations
(:func:`attach_local_fields`), because the document's LocalTransformations are computed before
any segment runs and cannot read a member's outputs. :func:`model_chain` then writes the
``modelChain`` MiningModel.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..errors import ConversionError
from ..pmml import METHOD_EXTENSION, element, format_value, tag_of
from .fields import Field, Scope, Target
from .model import mining_schema, model, output, output_for, replace_header


@dataclass(frozen=True)
class MemberOutput:
    """An output field a chain member publishes: its prediction or one class probability."""

    name: str
    feature: str = "predictedValue"  # or "probability"
    value: Any = None  # the class label of a probability
    data_type: str = "double"

    def field(self) -> Field:
        optype = "categorical" if self.feature == "predictedValue" and self.data_type == "string" else "continuous"
        return Field(self.name, optype, self.data_type)

    def output_field(self) -> etree._Element:
        return element("OutputField", name=self.name, optype=self.field().optype, dataType=self.data_type,
                       feature=self.feature, value=None if self.value is None else format_value(self.value))


def drop_target(model_element: etree._Element, name: str) -> None:
    """Remove the MiningFields that declare ``name`` as a target, in ``model_element`` and its segments."""
    for node in list(model_element.iter()):
        if isinstance(node.tag, str) and tag_of(node) == "MiningField" and node.get("usageType") == "target" \
                and node.get("name") == name:
            node.getparent().remove(node)


def member(model_element: etree._Element, target: Target, outputs: Sequence[MemberOutput],
           scope: Scope) -> etree._Element:
    """Make a converted model a chain member publishing ``outputs``; its target is declared in
    ``scope`` as a nested target (a name of its own, so its classes may differ from the chain's)."""
    if not outputs:
        raise ConversionError("a chain member must publish at least one output field")
    scope.nested_targets[target.name] = target.field()
    replace_header(model_element, "Output", output(*[o.output_field() for o in outputs]))
    return model_element


def local_scope(outer: Scope, inputs: Sequence[Field]) -> Scope:
    """A scope for a chain's last model: its inputs are ``inputs`` (members' outputs or fields of
    ``outer``), and the names it derives differ from every name of ``outer``."""
    reserved = {**outer.inputs, **{name: f for name, (f, _) in outer.derived.items()}}
    return Scope({**reserved, **{f.name: f for f in inputs}}, nested_targets=outer.nested_targets)


def attach_local_fields(model_element: etree._Element, scope: Scope, outer: Scope) -> etree._Element:
    """Write the fields ``scope`` derived (and ``model_element`` uses) into the model's own
    LocalTransformations, and list in its MiningSchema only the fields it reads from outside."""
    body = [c for c in model_element if isinstance(c.tag, str)
            and tag_of(c) not in ("MiningSchema", "LocalTransformations", "Output")]
    reached = scope.reachable(*body)
    local = [n for n in scope.derived if n in reached and n not in outer.derived]
    transformations = element("LocalTransformations")
    for name in local:
        field, expression = scope.derived[name]
        transformations.append(element("DerivedField", copy.deepcopy(expression), name=field.name,
                                       optype=field.optype, dataType=field.data_type))
    old = [n for n in model_element if isinstance(n.tag, str) and tag_of(n) == "MiningSchema"]
    target_fields = [n.get("name") for n in (old[0] if old else []) if n.get("usageType") == "target"]
    outside = [n for n in sorted(reached) if n not in local and n not in target_fields]
    schema = mining_schema(outside, None)
    for name in reversed(target_fields):
        schema.insert(0, element("MiningField", name=name, usageType="target"))
    replace_header(model_element, "MiningSchema", schema)
    replace_header(model_element, "LocalTransformations", transformations if local else None)
    return model_element


def model_chain(members: Sequence[etree._Element], last: etree._Element, target: Target,
                output: etree._Element | None = None) -> etree._Element:
    """A ``modelChain`` MiningModel: ``members`` run first, ``last`` predicts ``target``.

    ``last``'s own target field is dropped: JPMML-Evaluator then hands its result to the chain's
    Output for numeric class labels too. ``output`` defaults to the standard outputs of ``target``.
    """
    drop_target(last, target.name)
    replace_header(last, "Output", None)
    segments = [element("Segment", element("True"), m, id=str(i + 1)) for i, m in enumerate([*members, last])]
    chain = element("Segmentation", *segments, multipleModelMethod="modelChain")
    function = "classification" if target.is_classification else "regression"
    return model("MiningModel", chain, function=function, target=target,
                 output=output_for(target) if output is None else output)


def method_output_field(name: str, method: str, expression: etree._Element | None,
                        data_type: str = "double", feature: str = "transformedValue",
                        value: Any = None) -> etree._Element:
    """An OutputField reproducing the source model's ``method`` (named in an Extension, so that
    verification knows what to compare it with): computed by ``expression``, or without one the
    model's own ``feature`` (e.g. its ``predictedValue``); ``value`` is the class of a probability."""
    return element("OutputField", element("Extension", name=METHOD_EXTENSION, value=method), expression,
                   name=name, optype="continuous", dataType=data_type, feature=feature,
                   value=None if value is None else format_value(value))


def source_method(output_field: etree._Element) -> str | None:
    """The source model's method an OutputField reproduces, when its Extension names it."""
    for child in output_field:
        if isinstance(child.tag, str) and tag_of(child) == "Extension" and child.get("name") == METHOD_EXTENSION:
            return child.get("value")
    return None
