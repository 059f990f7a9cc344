"""Builders for PMML expressions (the content of a DerivedField)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lxml import etree

from ..errors import ConversionError
from ..pmml import element, format_value
from .fields import Field


def ref(field: Field | str, map_missing_to: Any = None) -> etree._Element:
    name = field if isinstance(field, str) else field.name
    return element("FieldRef", field=name,
                   mapMissingTo=None if map_missing_to is None else format_value(map_missing_to))


def constant(value: Any, data_type: str | None = "double") -> etree._Element:
    node = element("Constant", dataType=data_type)
    node.text = format_value(value)
    return node


def apply(function: str, *arguments: etree._Element, map_missing_to: Any = None,
          invalid_treatment: str | None = None) -> etree._Element:
    return element("Apply", *arguments, function=function,
                   mapMissingTo=None if map_missing_to is None else format_value(map_missing_to),
                   invalidValueTreatment=invalid_treatment)


def is_missing(field: Field) -> etree._Element:
    return apply("isMissing", ref(field))


def equal(field: Field | str, value: Any, data_type: str | None = "double") -> etree._Element:
    """``field == value``, a condition."""
    return apply("equal", ref(field), constant(value, data_type))


def flag(condition: etree._Element, map_missing_to: Any = None) -> etree._Element:
    """1.0 where ``condition`` holds, else 0.0."""
    return apply("if", condition, constant(1.0), constant(0.0), map_missing_to=map_missing_to)


def if_else(condition: etree._Element, then: etree._Element, otherwise: etree._Element) -> etree._Element:
    return apply("if", condition, then, otherwise)


def indicator(field: Field, value: Any, map_missing_to: Any = None) -> etree._Element:
    """1.0 when ``field`` equals ``value``, else 0.0."""
    return element("NormDiscrete", field=field.name, value=format_value(value),
                   mapMissingTo=None if map_missing_to is None else format_value(map_missing_to))


def affine(field: Field, *, subtract: float | None = None, divide: float | None = None,
           multiply: float | None = None, add: float | None = None) -> etree._Element:
    """``((x - subtract) / divide) * multiply + add``, each step only when given.

    The steps run in this fixed order so that a converter reproduces its framework's
    floating-point operations one for one (and so its results bit for bit).
    """
    node = ref(field)
    for function, operand in (("-", subtract), ("/", divide), ("*", multiply), ("+", add)):
        if operand is not None:
            node = apply(function, node, constant(operand))
    return node


def fold(function: str, terms: Sequence[etree._Element]) -> etree._Element:
    """``terms[0] function terms[1] function ...``, applied left to right as a framework's loop does
    (floating-point sums depend on the order)."""
    if not terms:
        raise ConversionError(f"nothing to combine with {function!r}: no terms")
    node = terms[0]
    for term in terms[1:]:
        node = apply(function, node, term)
    return node


def if_chain(branches: Sequence[tuple[etree._Element, etree._Element]],
             otherwise: etree._Element | None = None, map_missing_to: Any = None) -> etree._Element | None:
    """``if c1 then v1 else if c2 then v2 ... else otherwise`` as nested ``if`` Applys; without
    ``otherwise`` no branch matching leaves the value missing; ``map_missing_to`` is the value of
    the whole chain when an input is missing. None when there is nothing to write."""
    node = otherwise
    for i in reversed(range(len(branches))):
        condition, value = branches[i]
        node = apply("if", condition, value, *([] if node is None else [node]),
                     map_missing_to=map_missing_to if i == 0 else None)
    return node


def discretize(field: Field, edges: Sequence[float | str | None], *, last_closed: bool = False,
               map_missing_to: Any = None) -> etree._Element:
    """Bin ``k`` (value ``k``) holds ``edges[k] <= x < edges[k + 1]``; the last bin is closed on
    the right when ``last_closed``. A None edge leaves its side open."""
    bins = []
    for k in range(len(edges) - 1):
        closed = last_closed and k == len(edges) - 2
        interval = element("Interval", closure="closedClosed" if closed else "closedOpen",
                           leftMargin=edges[k], rightMargin=edges[k + 1])
        bins.append(element("DiscretizeBin", interval, binValue=str(k)))
    return element("Discretize", *bins, field=field.name, dataType="double", mapMissingTo=map_missing_to)


def map_values(field: Field, pairs: Sequence[tuple[Any, Any]], *, columns: tuple[str, str] = ("input", "output"),
               data_type: str = "double", default: Any = None, map_missing_to: Any = None) -> etree._Element:
    """A lookup table: ``field``'s value ``pairs[i][0]`` gives ``pairs[i][1]``; other values give
    ``default`` (missing without one). ``columns`` names the table's two columns."""
    key, value = columns
    rows = [element("row", _cell(key, k), _cell(value, v)) for k, v in pairs]
    return element("MapValues", element("FieldColumnPair", field=field.name, column=key),
                   element("InlineTable", *rows), outputColumn=value, dataType=data_type,
                   mapMissingTo=map_missing_to, defaultValue=default)


def _cell(tag: str, value: Any) -> etree._Element:
    node = element(tag)
    node.text = format_value(value)
    return node


def piecewise_linear(field: Field, points: Sequence[tuple[float, float]], *, outliers: str = "asExtremeValues",
                     map_missing_to: Any = None) -> etree._Element:
    """Linear interpolation between ``(x, y)`` points (a NormContinuous); outside them as ``outliers`` says."""
    return element("NormContinuous", *[element("LinearNorm", orig=float(x), norm=float(y)) for x, y in points],
                   field=field.name, outliers=outliers,
                   mapMissingTo=None if map_missing_to is None else format_value(map_missing_to))
