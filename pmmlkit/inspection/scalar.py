"""A small scalar reading of PMML expressions, for one question: does a derived field only round
its source? (XGBoost's chains accumulate their margin in float32 through such fields.) Only the
arithmetic, comparison and ``if`` functions are read; anything else answers None ("not known").
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from lxml import etree

from ..pmml import tag_of

_BINARY = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b if b != 0 else math.nan, "pow": lambda a, b: math.pow(a, b),
    "equal": lambda a, b: float(a == b), "notEqual": lambda a, b: float(a != b),
    "lessThan": lambda a, b: float(a < b), "lessOrEqual": lambda a, b: float(a <= b),
    "greaterThan": lambda a, b: float(a > b), "greaterOrEqual": lambda a, b: float(a >= b),
    "min": min, "max": max,
}
_UNARY = {"floor": math.floor, "ceil": math.ceil, "abs": abs, "ln": lambda a: math.log(a) if a > 0 else math.nan,
          "exp": math.exp, "sqrt": lambda a: math.sqrt(a) if a >= 0 else math.nan}


def value(node: etree._Element, fields: Mapping[str, float], derived: Mapping[str, etree._Element],
          depth: int = 0) -> float | None:
    """The expression's value for the given field values, or None when it uses something else."""
    if depth > 200:
        return None
    kind = tag_of(node)
    if kind == "DerivedField":
        inner = next((c for c in node if isinstance(c.tag, str) and tag_of(c) != "Extension"), None)
        return None if inner is None else value(inner, fields, derived, depth + 1)
    if kind == "Constant":
        try:
            return float(node.text or "")
        except ValueError:
            return None
    if kind == "FieldRef":
        name = node.get("field")
        if name in fields:
            return fields[name]
        return value(derived[name], fields, derived, depth + 1) if name in derived else None
    if kind != "Apply":
        return None
    args = [c for c in node if isinstance(c.tag, str) and tag_of(c) != "Extension"]
    function = node.get("function")
    if function == "if" and len(args) in (2, 3):
        test = value(args[0], fields, derived, depth + 1)
        if test is None:
            return None
        chosen = args[1] if test else (args[2] if len(args) == 3 else None)
        return None if chosen is None else value(chosen, fields, derived, depth + 1)
    numbers = [value(a, fields, derived, depth + 1) for a in args]
    if any(n is None for n in numbers):
        return None
    try:
        if function in _BINARY and len(numbers) == 2:
            return float(_BINARY[function](*numbers))
        if function in _UNARY and len(numbers) == 1:
            return float(_UNARY[function](numbers[0]))
    except (OverflowError, ValueError):
        return math.nan
    return None


# Points where a float32 rounding of x stays within float32's precision of x, and a real
# function of x (a link, a logarithm) does not.
_PROBES = (0.1, -0.7, 3.3, -12.5, 1234.567, 1e-3, 0.0)


def rounds(node: etree._Element, source: str, derived: Mapping[str, etree._Element]) -> bool:
    """Whether ``node`` (a derived field reading only ``source``) returns ``source`` to float32 precision."""
    for probe in _PROBES:
        result = value(node, {source: probe}, derived)
        if result is None or not math.isfinite(result) or abs(result - probe) > 1e-6 * max(abs(probe), 1e-30):
            return False
    return True
