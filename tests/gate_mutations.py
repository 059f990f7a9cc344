"""Semantic mutations of a PMML document, for the validate/load differential (tests/test_gate_differential.py).

schema_mutations.py changes a document's shape (what an XML Schema judges); these change its
meaning while keeping most of it well-formed and schema-valid: a MiningField's usageType, an
OutputField's feature or segmentId, a value a predictor or predicate names, a field a reference
names, the Values a field lists, a column a table lookup reads, the expression an element holds.
Each mutation changes one thing, is applied in place, and is undone once the consumer moves on:
use each yielded tree before asking for the next one.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree
from schema_mutations import Mutation, mutations

USAGE_TYPES = ("active", "supplementary", "target", "predicted", "frequencyWeight", "analysisWeight", "group",
               "order")
FEATURES = ("predictedValue", "predictedDisplayValue", "transformedValue", "decision", "probability", "affinity",
            "residual", "standardError", "clusterId", "clusterAffinity", "entityId", "entityAffinity", "warning",
            "ruleValue", "reasonCode")
OPTYPES = ("categorical", "ordinal", "continuous")
DATA_TYPES = ("string", "integer", "double", "boolean")
UNKNOWN_VALUE = "zz-unknown"
UNKNOWN_FIELD = "zz_undefined"
# Attributes that name a field, on the elements that carry them.
FIELD_ATTRIBUTES = {"FieldRef": ("field",), "SimplePredicate": ("field",), "SimpleSetPredicate": ("field",),
                    "NumericPredictor": ("name",), "CategoricalPredictor": ("name",), "FieldColumnPair": ("field",),
                    "NormContinuous": ("field",), "NormDiscrete": ("field",), "Discretize": ("field",),
                    "OutputField": ("targetField",), "Target": ("field",), "PredictorTerm": (),
                    "VerificationField": ("field",)}
VALUE_ELEMENTS = ("CategoricalPredictor", "SimplePredicate", "OutputField", "ScoreDistribution", "TargetValue",
                  "NormDiscrete")


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _named(element: etree._Element) -> str:
    name = element.get("name") or element.get("field") or element.get("id")
    line = element.sourceline
    return f"<{_local(element)}{' ' + repr(name) if name else ''}>" + (f"@{line}" if line else "")


def semantic_mutations(tree: etree._ElementTree) -> Iterator[Mutation]:
    """Every semantic mutation of ``tree``, one at a time, each undone before the next."""
    root = tree.getroot()
    for element in list(root.iter(etree.Element)):
        if any(_local(a) == "Extension" for a in element.iterancestors()):
            continue
        tag = _local(element)
        where = _named(element)
        if tag == "MiningField":
            yield from _set_each(tree, element, "usageType", USAGE_TYPES, where)
        if tag == "OutputField":
            yield from _set_each(tree, element, "feature", FEATURES, where)
            yield from _set_each(tree, element, "segmentId", ("1", "99"), where)
            yield from _drop_children(tree, element, where)
        if tag in ("DataField", "DerivedField", "MiningField") and tag != "MiningField":
            yield from _set_each(tree, element, "optype", OPTYPES, where)
            yield from _set_each(tree, element, "dataType", DATA_TYPES, where)
        if tag == "DataField":
            yield from _drop_children(tree, element, where, only="Value")
        for attribute in FIELD_ATTRIBUTES.get(tag, ()):
            if element.get(attribute) is not None:
                yield from _set_each(tree, element, attribute, (UNKNOWN_FIELD,), where)
        if tag in VALUE_ELEMENTS and element.get("value") is not None:
            yield from _set_each(tree, element, "value", (UNKNOWN_VALUE,), where)
        if tag in ("MapValues",):
            yield from _set_each(tree, element, "outputColumn", ("zz_column",), where)
        if tag == "FieldColumnPair":
            yield from _set_each(tree, element, "column", ("zz_column",), where)
        if tag in ("DerivedField", "OutputField") and len(element):
            yield from _drop_children(tree, element, where)


def _set_each(tree: etree._ElementTree, element: etree._Element, attribute: str, values: tuple[str, ...],
              where: str) -> Iterator[Mutation]:
    original = element.get(attribute)
    for value in values:
        if value == original:
            continue
        element.set(attribute, value)
        was = f" (was {original!r})" if original is not None else ""
        yield Mutation(f"set {where}@{attribute}={value!r}{was}", tree)
    if original is None:
        del element.attrib[attribute]
    else:
        element.set(attribute, original)


def _drop_children(tree: etree._ElementTree, element: etree._Element, where: str, only: str | None = None
                   ) -> Iterator[Mutation]:
    kept = list(element)
    text = element.text
    dropped = [c for c in kept if isinstance(c.tag, str) and (only is None or _local(c) == only)]
    if not dropped:
        return
    for item in dropped:
        element.remove(item)
    yield Mutation(f"drop the {only or 'child'} elements of {where}", tree)
    element[:] = kept
    element.text = text


def all_mutations(tree: etree._ElementTree, enumerated: dict[str, tuple[str, ...]] | None = None
                  ) -> Iterator[Mutation]:
    """The document itself, its semantic mutations, then its shape mutations (schema_mutations)."""
    yield Mutation("original", tree)
    yield from semantic_mutations(tree)
    yield from mutations(tree, enumerated)
