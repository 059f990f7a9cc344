"""The SupportVectorMachineModel rules: its counts, vectors and machines fit together (PMML4S
refuses to load a model whose do not, or fails on every record; found by the validate/load
differential's shape mutations)."""

from __future__ import annotations

from lxml import etree

from .base import CheckerBase
from .elements import ARRAY_ITEM, child, children, local
from .vocabulary import number

# What a VectorFields element lists: one entry per vector component.
VECTOR_FIELDS = frozenset({"FieldRef", "CategoricalPredictor"})
VECTOR_ARRAYS = frozenset({"Array", "REAL-SparseArray"})


class SupportVectorRules(CheckerBase):
    def _support_vector_machines(self, model: etree._Element) -> None:
        """Reports the first fault only: one is enough to refuse the model. Only in the model the engine
        scores (the document's first): these are what PMML4S refuses."""
        fault = _fault(model) if self.model_scored else None
        if fault is not None:
            node, message = fault
            self.error("svm-structure", message, node)


def _count(node: etree._Element, attribute: str, listed: int, what: str) -> tuple[etree._Element, str] | None:
    declared = node.get(attribute)
    if declared is not None and declared.strip() != str(listed):
        return node, f"<{local(node)} {attribute}=\"{declared}\"> but {listed} {what} are listed"
    return None


def _fault(model: etree._Element) -> tuple[etree._Element, str] | None:
    dictionary = child(model, "VectorDictionary")
    fields = child(dictionary, "VectorFields") if dictionary is not None else None
    width = len([c for c in fields if local(c) in VECTOR_FIELDS]) if fields is not None else 0
    instances = children(dictionary, "VectorInstance") if dictionary is not None else []
    if dictionary is not None:
        found = _count(dictionary, "numberOfVectors", len(instances), "VectorInstances")
        if found is None and fields is not None:
            found = _count(fields, "numberOfFields", width, "vector fields")
        if found is not None:
            return found
    for instance in instances:
        array = next((c for c in instance if local(c) in VECTOR_ARRAYS), None)
        if array is None:
            continue
        if local(array) == "Array" and array.get("type") != "real":
            return array, (f"VectorInstance {instance.get('id')!r} is a type=\"{array.get('type')}\" Array: PMML4S reads "
                           "vectors as real numbers")
        if local(array) == "Array" and any(number(v) is None for v in ARRAY_ITEM.findall(array.text or "")):
            return array, (f"VectorInstance {instance.get('id')!r} has a component that is not a number: the engine "
                           "scores every record null")
        size = array.get("n")
        if local(array) == "Array" and size is None:
            size = str(len(ARRAY_ITEM.findall(array.text or "")))
        if size is not None and size.strip() != str(width):
            return array, (f"VectorInstance {instance.get('id')!r} has n=\"{size}\" components for {width} vector "
                           "fields")
    ids = {instance.get("id") for instance in instances}
    representation = model.get("svmRepresentation", "SupportVectors")
    for machine in children(model, "SupportVectorMachine"):
        if model.get("functionName") == "classification" and machine.get("targetCategory") is None:
            return machine, "a classification SupportVectorMachine without a targetCategory (the class it votes for)"
        vectors = child(machine, "SupportVectors")
        coefficients = child(machine, "Coefficients")
        listed = children(vectors, "SupportVector") if vectors is not None else []
        values = children(coefficients, "Coefficient") if coefficients is not None else []
        if representation == "SupportVectors" and vectors is None:
            return machine, ("svmRepresentation=\"SupportVectors\" (the default) but this SupportVectorMachine has no "
                             "SupportVectors")
        unknown = next((v for v in listed if v.get("vectorId") not in ids), None)
        if unknown is not None:
            return unknown, f"<SupportVector vectorId=\"{unknown.get('vectorId')}\"> names no VectorInstance"
        found = None
        if vectors is not None:
            found = _count(vectors, "numberOfSupportVectors", len(listed), "SupportVectors") or \
                _count(vectors, "numberOfAttributes", width, "vector fields")
        if found is None and coefficients is not None:
            found = _count(coefficients, "numberOfCoefficients", len(values), "Coefficients")
        if found is not None:
            return found
        expected = len(listed) if representation == "SupportVectors" else width
        if coefficients is not None and len(values) != expected:
            what = "SupportVectors" if representation == "SupportVectors" else "vector fields"
            return coefficients, f"{len(values)} Coefficients for {expected} {what} (one each)"
    return None
