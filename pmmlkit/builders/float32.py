"""Float32 arithmetic written with double operations, which every evaluator performs alike, and
the double thresholds that split as a float32 comparison does.

A tree whose source compares ``float32(x) <= t`` (scikit-learn, XGBoost) gets, for each
threshold ``t``, the largest double ``T`` with ``x <= T`` exactly when ``float32(x) <= t``
(:func:`float32_split_threshold`), so that evaluators comparing doubles split alike.

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

import numpy as np
import numpy.typing as npt
from lxml import etree

from .expressions import apply, constant

Operand = Callable[[], etree._Element]

# Doubles at or above this round to float32 infinity: it is the midpoint between the largest
# float32 (odd mantissa) and 2**128, and ties round to even, i.e. up.
_FLOAT32_OVERFLOW = 2.0**128 - 2.0**103


def float32_split_threshold(thresholds: npt.ArrayLike) -> np.ndarray:
    """For each float64 threshold ``t``, the largest double ``T`` such that a double ``x``
    satisfies ``float32(x) <= t`` exactly when ``x <= T``.

    Rounding to float32 is monotonic, so those ``x`` form an interval ``(-inf, T]``. With ``f``
    the largest float32 ``<= t`` and ``g`` the next float32 above it, ``x`` rounds to ``f`` or
    below when it lies below their midpoint ``m`` (exact in double), and at ``m`` itself when the
    tie goes to ``f`` (ties to even); so ``T`` is ``m`` or the double just below it.
    """
    t = np.asarray(thresholds, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        nearest = t.astype(np.float32)
        low = np.where(nearest.astype(np.float64) > t, np.nextafter(nearest, np.float32(-np.inf)), nearest)
        high = np.nextafter(low, np.float32(np.inf))
        mid = (low.astype(np.float64) + high.astype(np.float64)) / 2
        # Beyond float32's range the neighbours are infinities: the midpoint is the overflow boundary.
        mid = np.where(np.isposinf(high), _FLOAT32_OVERFLOW, mid)
        mid = np.where(np.isneginf(low), -_FLOAT32_OVERFLOW, mid)
        tie_goes_low = mid.astype(np.float32).astype(np.float64) <= t
    result = np.where(tie_goes_low, mid, np.nextafter(mid, -np.inf))
    return np.where(np.isposinf(t) | np.isnan(t), t, result)


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
