"""What the rules need to read a document: element helpers, what a declaration says about a field
(:class:`Field`), a model's scope (:class:`Scope`) and what a Segmentation's Segments told us."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from ..pmml import MODEL_TAGS
from .vocabulary import CONVERTED_TYPES, NUMERIC_TYPES, REFERENCES, number, reads_as


def local(node: Any) -> str | None:
    tag = node.tag
    if not isinstance(tag, str):
        return None
    return tag[tag.index("}") + 1:] if tag[:1] == "{" else tag


def children(node: etree._Element, tag: str) -> list[etree._Element]:
    return [c for c in node if local(c) == tag]


def child(node: etree._Element, tag: str) -> etree._Element | None:
    for c in node:
        if local(c) == tag:
            return c
    return None


def walk(node: etree._Element, skip: Iterable[str] = ()) -> Iterator[etree._Element]:
    """Elements under ``node`` (itself excluded), not entering Extensions, nested models or ``skip``."""
    skipped = set(skip) | {"Extension"}
    stack = [c for c in reversed(node) if isinstance(c.tag, str)]
    while stack:
        current = stack.pop()
        tag = local(current)
        if tag in skipped or tag in MODEL_TAGS:
            continue
        yield current
        stack.extend(c for c in reversed(current) if isinstance(c.tag, str))


@dataclass(frozen=True)
class Field:
    """What a declaration says about a field: enough to check its uses."""

    name: str
    kind: str  # DataField, DerivedField, OutputField, ...
    optype: str | None
    data_type: str | None
    values: frozenset[str] | None  # the valid Values, when listed
    line: int | None
    # The values a continuous DataField's one valid Interval admits, as (low, low included, high,
    # high included): a value outside it is invalid, and never reaches a model as itself unless
    # its MiningField says invalidValueTreatment="asIs" (or "asValue").
    valid: tuple[float, bool, float, bool] | None = None

    @property
    def numeric(self) -> bool:
        return self.data_type in NUMERIC_TYPES

    @property
    def string(self) -> bool:
        return self.data_type == "string"


def declared_field(node: etree._Element) -> Field:
    values = frozenset(v.get("value") for v in node if local(v) == "Value"
                       and v.get("property", "valid") == "valid" and v.get("value") is not None)
    return Field(node.get("name") or "", local(node) or "", node.get("optype"), node.get("dataType"),
                 values or None, node.sourceline, _valid_interval(node))


def _valid_interval(node: etree._Element) -> tuple[float, bool, float, bool] | None:
    intervals = [c for c in node if local(c) == "Interval"]
    if local(node) != "DataField" or node.get("optype") != "continuous" or len(intervals) != 1:
        return None
    closure = intervals[0].get("closure") or ""
    low = number(intervals[0].get("leftMargin")) if intervals[0].get("leftMargin") is not None else -math.inf
    high = number(intervals[0].get("rightMargin")) if intervals[0].get("rightMargin") is not None else math.inf
    if low is None or high is None or math.isnan(low) or math.isnan(high) or low > high:
        return None  # (reported by their own rules)
    return (low, closure.startswith("closed"), high, closure.endswith("Closed"))


@dataclass
class Scope:
    """A model's scope, computed once (the first time the model or one of its segments needs it)."""

    model: etree._Element
    mining: dict[str, etree._Element]
    visible: set[str]
    fields: dict[str, Field]  # declarations of every name the body can see
    parent: set[str]  # what the enclosing scope offers
    depth: int
    outputs: dict[str, Field] = field(default_factory=dict)


@dataclass
class Segments:
    """What the Segments of one Segmentation told us, as they streamed past."""

    count: int = 0
    ids: set[str] = field(default_factory=set)
    chain_outputs: dict[str, Field] = field(default_factory=dict)
    functions: set[str | None] = field(default_factory=set)  # the segments' models' functionName


# -- helpers -------------------------------------------------------------------------------------
# Elements with an attribute (of those that name fields, vocabulary.REFERENCES) equal to $t.
NAMING = etree.XPath("descendant-or-self::*[" + " or ".join(
    f"@{a}=$t" for a in sorted({a for names in REFERENCES.values() for a in names})) + "]")
# One value of an Array: a quoted string (with \" escapes) or a run of non-blank characters.
ARRAY_ITEM = re.compile(r'"(?:[^"\\]|\\.)*"|[^\s"]+')


def drop_previous(node: etree._Element) -> None:
    """Streaming: free the siblings before ``node`` (already checked)."""
    parent = node.getparent()
    while node.getprevious() is not None:
        del parent[0]


def empty_element(node: etree._Element) -> None:
    """Drop an element's content (children and text), keeping its attributes and its tail."""
    del node[:]
    node.text = None


def targets_of(context: Scope) -> list[str]:
    """The model's target fields, in MiningSchema order (usageType target, or 4.1's predicted)."""
    # (A MiningField without a name, a schema error, is no target: the names are sorted.)
    return [n for n, item in context.mining.items() if n is not None and item.get("usageType") in ("target", "predicted")]


def usable_fields(context: Scope) -> list[str]:
    """The fields a tree's SimplePredicates may order without a word from the rules: visible,
    declared numeric, not a target (a tree that orders one is walked, and the walk reports it)."""
    targets = targets_of(context)
    return [n for n in context.visible if getattr(context.fields.get(n), "numeric", False) and n not in targets
            and getattr(context.fields.get(n), "valid", None) is None]  # (its Interval may leave Nodes unreachable)


def valid_bounds(context: Scope) -> dict[str, tuple[float, bool, float, bool]]:
    """The values of the visible fields whose valid Interval keeps invalid values from the model body:
    its MiningField treats them as invalid (returnInvalid, the default) or missing."""
    bounds = {}
    for name in context.visible:
        declared = context.fields.get(name)
        mining = context.mining.get(name)
        treatment = mining.get("invalidValueTreatment", "returnInvalid") if mining is not None else "returnInvalid"
        if declared is not None and declared.valid is not None and treatment in ("returnInvalid", "asMissing"):
            bounds[name] = declared.valid
    return bounds


def number_or_nan(text: str) -> float:
    value = number(text)
    return math.nan if value is None else value


def first_child(node: etree._Element, tags: set[str]) -> etree._Element | None:
    for item in node:
        if item.tag in tags:
            return item
    return None




def is_class(value: str, target: Field) -> bool:
    if value in (target.values or ()):
        return True
    if target.numeric:
        read = number(value)
        return read is not None and any(number(v) == read for v in target.values or ())
    return False


def unfit_types(row: etree._Element, unfit: dict[str, set[str]]) -> None:
    """Add to ``unfit`` (column -> dataTypes) the dataTypes each cell of a table ``row`` does not read as."""
    for cell in row:
        column = local(cell)
        if column is not None and not any(isinstance(c.tag, str) for c in cell):
            text = cell.text or ""
            unfit.setdefault(column, set()).update(t for t in CONVERTED_TYPES if not reads_as(text, t))
