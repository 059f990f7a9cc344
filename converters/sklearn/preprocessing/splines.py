"""SplineTransformer: one B-spline basis function per output column, as piecewise polynomials.

Each basis function of a feature is a polynomial on every knot interval of the base range
``[t[k], t[n]]``; it is written in the interval's own coordinate ``x - t[j]`` by Horner's rule
(coefficients from ``scipy.interpolate.PPoly.from_spline``), which matches scipy's evaluation to
rounding. Outside the base range scikit-learn extrapolates: ``constant`` (boundary values for the
first/last ``degree`` columns, else 0), ``linear`` (the boundary value plus the slope times the
distance), ``continue`` (the first/last interval's polynomial), ``error`` (scikit-learn raises;
the PMML gives a missing value), ``periodic`` (the value wrapped into the base range). With ``handle_missing="zeros"`` a
missing value gives zeros.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from lxml import etree
from scipy.interpolate import BSpline, PPoly
from sklearn.preprocessing import SplineTransformer

from pmmlkit.builders.expressions import apply, constant, if_chain, is_missing, ref
from pmmlkit.builders.fields import Field
from pmmlkit.context import Context, Converter

from ..fitted import attribute


def convert_spline_transformer(transformer: Any, features: list[Field], context: Context) -> list[Field]:
    splines = attribute(transformer, context, "bsplines_")
    context.expect_features(features, len(splines), transformer)
    extrapolation = transformer.extrapolation
    if extrapolation not in ("constant", "linear", "continue", "error", "periodic"):
        raise context.error(f"SplineTransformer(extrapolation={extrapolation!r}) is not converted; use "
                            "'constant', 'linear', 'continue', 'error' or 'periodic'")
    if getattr(transformer, "sparse_output", False):
        raise context.error("SplineTransformer(sparse_output=True) is not converted; fit it with sparse_output=False")
    zeros_for_missing = getattr(transformer, "handle_missing", "error") == "zeros"
    outputs = []
    degree = int(transformer.degree)
    for field, spline in zip(features, splines):
        if not field.is_numeric:
            raise context.error(f"SplineTransformer on the {field.data_type} column {field.name!r}")
        if extrapolation == "periodic":
            field = _wrapped(spline, field, context)
        columns = _basis(spline, degree, extrapolation, field)
        if extrapolation == "linear" and degree <= 1:
            # scikit-learn raises its loop's ``degree`` by one here, for every later feature too:
            # those then take their range as [t[degree], t[-degree - 1]] with the raised degree.
            degree += 1
        if not transformer.include_bias:
            columns = columns[:-1]
        for i, expression in enumerate(columns):
            if zeros_for_missing:
                expression = apply("if", is_missing(field), constant(0.0), expression)
            outputs.append(context.scope.derive(f"spline({field.name})[{i}]", expression))
    return outputs


def _basis(spline: Any, degree: int, extrapolation: str, field: Field) -> list[etree._Element]:
    t, k = np.asarray(spline.t, dtype=np.float64), int(spline.k)
    coefficients = np.asarray(spline.c, dtype=np.float64)
    n = len(t) - degree - 1
    xmin, xmax = float(t[degree]), float(t[n])
    intervals = [j for j in range(degree, n) if t[j + 1] > t[j]]
    n_splines = coefficients.shape[1]
    f_min, f_max = spline(xmin), spline(xmax)
    fp_min, fp_max = spline(xmin, nu=1), spline(xmax, nu=1)
    # scikit-learn continues degree + 1 columns linearly for degree 0 and 1, else degree columns.
    linear_columns = degree + 1 if degree <= 1 else degree
    expressions = []
    for i in range(n_splines):
        pieces = PPoly.from_spline(BSpline(t, coefficients[:, i], k))
        polynomial = {j: pieces.c[:, j] for j in intervals}
        inside = if_chain([(apply("lessThan", ref(field), constant(float(t[j + 1]))),
                            _horner(polynomial[j], float(t[j]), field)) for j in intervals[:-1]],
                          _horner(polynomial[intervals[-1]], float(t[intervals[-1]]), field))
        if extrapolation == "periodic":
            below = above = constant(0.0)  # unused: the field is already wrapped into the base range
        elif extrapolation == "continue":
            below = _horner(polynomial[intervals[0]], float(t[intervals[0]]), field)
            above = _horner(polynomial[intervals[-1]], float(t[intervals[-1]]), field)
        elif extrapolation == "error":
            below = above = None
        elif extrapolation == "constant":
            below = constant(float(f_min[i]) if i < degree else 0.0)
            above = constant(float(f_max[i]) if i >= n_splines - degree else 0.0)
        else:  # linear: value + (x - boundary) * slope, on the first/last columns
            below = _line(float(f_min[i]), xmin, float(fp_min[i]), field) if i < linear_columns else constant(0.0)
            above = _line(float(f_max[i]), xmax, float(fp_max[i]), field) \
                if i >= n_splines - linear_columns else constant(0.0)
        branches = []
        if extrapolation == "periodic":
            expressions.append(inside)
            continue
        if below is not None:
            branches.append((apply("lessThan", ref(field), constant(xmin)), below))
        if above is not None:
            branches.append((apply("greaterThan", ref(field), constant(xmax)), above))
        if below is None:
            # extrapolation="error": nothing outside [xmin, xmax].
            inside = apply("if", apply("and", apply("greaterOrEqual", ref(field), constant(xmin)),
                                       apply("lessOrEqual", ref(field), constant(xmax))), inside)
        expressions.append(if_chain(branches, inside) if branches else inside)
    return expressions


def _wrapped(spline: Any, field: Field, context: Context) -> Field:
    """``t[k] + (x - t[k]) % period``, the value scikit-learn evaluates a periodic spline at.

    numpy's ``%`` is exact and this ``a - period * floor(a / period)`` may differ from it by a
    rounding; a periodic spline is continuous across the wrap, so its values differ by as little."""
    t, k = np.asarray(spline.t, dtype=np.float64), int(spline.k)
    start, period = float(t[k]), float(t[len(t) - k - 1] - t[k])
    if period <= 0:
        raise context.error(f"SplineTransformer on {field.name!r}: the periodic spline has an empty base interval")
    shifted = apply("-", ref(field), constant(start))
    remainder = apply("-", shifted, apply("*", constant(period), apply("floor", apply(
        "/", apply("-", ref(field), constant(start)), constant(period)))))
    return context.scope.derive(f"periodic({field.name})", apply("+", constant(start), remainder))


def _horner(coefficients: np.ndarray, origin: float, field: Field) -> etree._Element:
    """``sum(c[m] * (x - origin) ** (k - m))`` by Horner's rule; 0 where every coefficient is 0."""
    if not np.any(coefficients):
        return constant(0.0)
    dx = apply("-", ref(field), constant(origin))
    node: etree._Element = constant(float(coefficients[0]))
    for c in coefficients[1:]:
        node = apply("+", apply("*", node, copy.deepcopy(dx)), constant(float(c)))
    return node


def _line(value: float, boundary: float, slope: float, field: Field) -> etree._Element:
    return apply("+", constant(value), apply("*", apply("-", ref(field), constant(boundary)), constant(slope)))


def converters() -> dict[type, Converter]:
    return {SplineTransformer: convert_spline_transformer}
