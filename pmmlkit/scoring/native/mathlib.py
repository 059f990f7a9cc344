"""Elementary functions as the JVM computes them, as far as a C library can.

numpy's own ``exp``/``log``/``power``/``tanh`` (SIMD implementations) differ from Java's
``Math.exp``... in the last bit for a few percent of arguments; the C library's functions, which
numba calls from compiled code, differ for well under 0.1% (measured here against
``java.lang.Math`` on 20,000 random arguments: exp 53 vs 916, pow 16 vs 991). In a sum with
cancellation (a Gaussian process' kernel sum) those last bits are what separates two engines at
1e-12, so the native engine uses these ufuncs wherever PMML4S calls ``Math``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

_UNARY = ["float64(float64)"]
_BINARY = ["float64(float64, float64)"]


@numba.vectorize(_UNARY, cache=True)
def exp(x):  # pragma: no cover - compiled
    return math.exp(x)


@numba.vectorize(_UNARY, cache=True)
def log(x):  # pragma: no cover - compiled
    if x < 0.0:
        return np.nan
    if x == 0.0:
        return -np.inf
    return math.log(x)


@numba.vectorize(_UNARY, cache=True)
def log10(x):  # pragma: no cover - compiled
    if x < 0.0:
        return np.nan
    if x == 0.0:
        return -np.inf
    return math.log10(x)


@numba.vectorize(_UNARY, cache=True)
def log1p(x):  # pragma: no cover - compiled
    if x < -1.0:
        return np.nan
    if x == -1.0:
        return -np.inf
    return math.log1p(x)


@numba.vectorize(_UNARY, cache=True)
def expm1(x):  # pragma: no cover - compiled
    return math.expm1(x)


@numba.vectorize(_UNARY, cache=True)
def tanh(x):  # pragma: no cover - compiled
    return math.tanh(x)


@numba.vectorize(_BINARY, cache=True)
def power(x, y):  # pragma: no cover - compiled
    if np.isnan(x) or np.isnan(y):
        return np.nan
    if x < 0.0 and y != math.floor(y):
        return np.nan
    if x == 0.0 and y < 0.0:
        return np.inf
    return math.pow(x, y)


def logistic(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)), as PMML4S writes the logit's inverse."""
    return 1.0 / (1.0 + exp(-x))
