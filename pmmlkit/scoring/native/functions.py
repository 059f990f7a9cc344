"""PMML's built-in functions (``<Apply function=...>``) over whole columns.

Numbers are float64 columns with NaN for missing, booleans 1.0/0.0, text object columns with
None. A missing argument gives a missing result, except where the standard says otherwise
(isMissing, isNotMissing, if's unused branch, and/or short cuts).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ...pmml import format_number
from . import mathlib
from .ir import Column, missing_mask

Function = Callable[[list[Column]], Column]


def _numbers(args: list[Column]) -> list[np.ndarray]:
    return [a if a.dtype != object else np.array([np.nan if v is None else _to_float(v) for v in a])
            for a in args]


def _to_float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return np.nan


def _unary(f: Callable[[np.ndarray], np.ndarray]) -> Function:
    def run(args: list[Column]) -> Column:
        (x,) = _numbers(args)
        with np.errstate(all="ignore"):
            return f(x).astype(np.float64)
    return run


def _binary(f: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Function:
    def run(args: list[Column]) -> Column:
        x, y = _numbers(args)
        with np.errstate(all="ignore"):
            return np.asarray(f(x, y), dtype=np.float64)
    return run


def _fold(f: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Function:
    """min, max, sum, product: over the arguments present, left to right as PMML4S folds them; a
    missing argument is left out (PMML4S and JPMML-Evaluator), and all of them missing give missing."""
    return lambda args: _fold_present(f, _numbers(args))


def _fold_present(f: Callable[[np.ndarray, np.ndarray], np.ndarray], numbers: list[np.ndarray]) -> np.ndarray:
    out = np.asarray(numbers[0], dtype=np.float64)
    with np.errstate(all="ignore"):
        for x in numbers[1:]:
            out = np.where(np.isnan(out), x, np.where(np.isnan(x), out, f(out, x)))
    return np.asarray(out, dtype=np.float64)


def _avg(args: list[Column]) -> Column:
    numbers = _numbers(args)
    present = sum((~np.isnan(x)).astype(np.float64) for x in numbers)
    with np.errstate(all="ignore"):
        return np.where(present > 0, _fold_present(np.add, numbers) / present, np.nan)


def _median(args: list[Column]) -> Column:
    stacked = np.vstack(_numbers(args))
    out = np.full(stacked.shape[1], np.nan)
    present = ~np.isnan(stacked).all(axis=0)
    out[present] = np.nanmedian(stacked[:, present], axis=0)  # missing arguments left out, as in _fold
    return out


def _java_round(x: np.ndarray) -> np.ndarray:
    return np.floor(x + 0.5)  # Math.round: half up


def _modulo(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return x - np.floor(x / y) * y


def _flag(condition: np.ndarray, missing: np.ndarray) -> Column:
    out = condition.astype(np.float64)
    out[missing] = np.nan
    return out


def _either_missing(args: list[Column]) -> np.ndarray:
    mask = missing_mask(args[0])
    for a in args[1:]:
        mask = mask | missing_mask(a)
    return mask


def _compare(op: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Function:
    def run(args: list[Column]) -> Column:
        x, y = args
        missing = _either_missing(args)
        if x.dtype == object or y.dtype == object:
            if x.dtype != object:
                x = _texts(x)
            if y.dtype != object:
                y = _texts(y)
            result = np.array([False if m else bool(op(a, b)) for a, b, m in zip(x, y, missing)], dtype=bool)
        else:
            with np.errstate(invalid="ignore"):
                result = op(x, y)
        return _flag(result, missing)
    return run


def _texts(values: np.ndarray) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values.tolist()):
        out[i] = None if v != v else format_number(int(v) if float(v).is_integer() and abs(v) < 2 ** 53 else v)
    return out


def _and(args: list[Column]) -> Column:
    # Three-valued: false wins over missing, missing over true.
    numbers = _numbers(args)
    false = np.zeros(len(numbers[0]), dtype=bool)
    unknown = np.zeros(len(numbers[0]), dtype=bool)
    for x in numbers:
        false |= x == 0.0
        unknown |= np.isnan(x)
    out = np.where(false, 0.0, np.where(unknown, np.nan, 1.0))
    return out


def _or(args: list[Column]) -> Column:
    numbers = _numbers(args)
    true = np.zeros(len(numbers[0]), dtype=bool)
    unknown = np.zeros(len(numbers[0]), dtype=bool)
    for x in numbers:
        true |= x == 1.0
        unknown |= np.isnan(x)
    return np.where(true, 1.0, np.where(unknown, np.nan, 0.0))


def _not(args: list[Column]) -> Column:
    (x,) = _numbers(args)
    return np.where(np.isnan(x), np.nan, 1.0 - x)


def _is_missing(args: list[Column]) -> Column:
    return missing_mask(args[0]).astype(np.float64)


def _is_not_missing(args: list[Column]) -> Column:
    return (~missing_mask(args[0])).astype(np.float64)


def _text_unary(f: Callable[[str], str]) -> Function:
    def run(args: list[Column]) -> Column:
        values = args[0] if args[0].dtype == object else _texts(args[0])
        out = np.empty(len(values), dtype=object)
        for i, v in enumerate(values):
            out[i] = None if v is None else f(v)
        return out
    return run


def _concat(args: list[Column]) -> Column:
    texts = [a if a.dtype == object else _texts(a) for a in args]
    out = np.empty(len(texts[0]), dtype=object)
    for i, row in enumerate(zip(*texts)):
        out[i] = None if any(v is None for v in row) else "".join(row)
    return out


def _substring(args: list[Column]) -> Column:
    values = args[0] if args[0].dtype == object else _texts(args[0])
    start, length = _numbers(args[1:])
    out = np.empty(len(values), dtype=object)
    for i, (v, s, n) in enumerate(zip(values, start.tolist(), length.tolist())):
        out[i] = None if v is None or s != s or n != n else v[int(s) - 1:int(s) - 1 + int(n)]
    return out


def _threshold(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(x) | np.isnan(y), np.nan, (x > y).astype(np.float64))


def _erf(x: np.ndarray) -> np.ndarray:
    return np.array([math.erf(v) if v == v else np.nan for v in x.tolist()])


def _std_normal_cdf(x: np.ndarray) -> np.ndarray:
    return np.array([0.5 * math.erfc(-v / math.sqrt(2.0)) if v == v else np.nan for v in x.tolist()])


def _std_normal_pdf(x: np.ndarray) -> np.ndarray:
    return mathlib.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


FUNCTIONS: dict[str, Function] = {
    "+": _binary(np.add), "-": _binary(np.subtract), "*": _binary(np.multiply), "/": _binary(np.divide),
    "min": _fold(np.minimum), "max": _fold(np.maximum), "sum": _fold(np.add), "product": _fold(np.multiply),
    "avg": _avg, "median": _median,
    "log10": _unary(np.log10), "ln": _unary(mathlib.log), "sqrt": _unary(np.sqrt), "abs": _unary(np.abs),
    "exp": _unary(mathlib.exp), "pow": _binary(mathlib.power), "threshold": _binary(_threshold),
    "floor": _unary(np.floor), "ceil": _unary(np.ceil), "round": _unary(_java_round), "rint": _unary(np.rint),
    "ln1p": _unary(mathlib.log1p), "expm1": _unary(mathlib.expm1), "modulo": _binary(_modulo),
    "sin": _unary(np.sin), "cos": _unary(np.cos), "tan": _unary(np.tan), "asin": _unary(np.arcsin),
    "acos": _unary(np.arccos), "atan": _unary(np.arctan), "sinh": _unary(np.sinh), "cosh": _unary(np.cosh),
    "tanh": _unary(mathlib.tanh), "atan2": _binary(np.arctan2), "hypot": _binary(np.hypot),
    "erf": _unary(_erf), "stdNormalCDF": _unary(_std_normal_cdf), "stdNormalPDF": _unary(_std_normal_pdf),
    "isMissing": _is_missing, "isNotMissing": _is_not_missing,
    "equal": _compare(np.equal), "notEqual": _compare(np.not_equal), "lessThan": _compare(np.less),
    "lessOrEqual": _compare(np.less_equal), "greaterThan": _compare(np.greater),
    "greaterOrEqual": _compare(np.greater_equal),
    "and": _and, "or": _or, "not": _not,
    "uppercase": _text_unary(str.upper), "lowercase": _text_unary(str.lower), "trimBlanks": _text_unary(str.strip),
    "concat": _concat, "substring": _substring,
}
# Arity the standard fixes (None: one or more).
ARITY: dict[str, int | None] = {name: None for name in ("min", "max", "sum", "product", "avg", "median", "and", "or",
                                                          "concat")}
ARITY.update({name: 2 for name in ("+", "-", "*", "/", "pow", "threshold", "modulo", "atan2", "hypot", "equal",
                                    "notEqual", "lessThan", "lessOrEqual", "greaterThan", "greaterOrEqual")})
ARITY["substring"] = 3
