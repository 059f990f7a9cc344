"""Float32 arithmetic written with double operations, which every evaluator performs alike.

PMML4S computes ``dataType="float"`` fields as doubles (only JPMML-Evaluator rounds them), so a
model whose source sums in float32 (XGBoost) cannot rely on that type. Instead each float32
result is rounded explicitly: for a double ``v`` with binary exponent ``e`` (``2**e <= |v| <
2**(e+1)``), ``(v + M) - M`` with ``M = 1.5 * 2**(e + 29)`` rounds ``v`` to the nearest multiple
of ``2**(e - 23)``, ties to even, which is float32's rounding (24 significant bits) for normal
float32 values. ``e`` is ``floor(ln|v| / ln 2)``, corrected by comparing ``|v|`` with exact
powers of two.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from lxml import etree

from .expressions import apply, constant

Operand = Callable[[], etree._Element]


def _flag(condition: etree._Element) -> etree._Element:
    return apply("if", condition, constant(1.0), constant(0.0))


def binary_exponent(operand: Operand) -> etree._Element:
    """``e`` with ``2**e <= |v| < 2**(e + 1)`` for a non-zero ``v`` (``operand()`` builds ``v``)."""
    def estimate() -> etree._Element:
        return apply("floor", apply("/", apply("ln", apply("abs", operand())), constant(math.log(2.0))))

    too_high = _flag(apply("lessThan", apply("abs", operand()), apply("pow", constant(2.0), estimate())))
    too_low = _flag(apply("greaterOrEqual", apply("abs", operand()),
                          apply("pow", constant(2.0), apply("+", estimate(), constant(1.0)))))
    return apply("+", apply("-", estimate(), too_high), too_low)


def round_to_float32(operand: Operand, exponent: Operand | None = None) -> etree._Element:
    """``float32(v)`` as a double, for ``v`` built by ``operand()`` (called once per use: an
    element has one parent). ``exponent``, when given, builds ``binary_exponent`` of ``v``
    (e.g. a reference to a derived field holding it)."""
    def magic() -> etree._Element:
        e = exponent() if exponent is not None else binary_exponent(operand)
        return apply("*", constant(1.5), apply("pow", constant(2.0), apply("+", e, constant(29.0))))

    rounded = apply("-", apply("+", operand(), magic()), magic())
    return apply("if", apply("equal", operand(), constant(0.0)), constant(0.0), rounded)
