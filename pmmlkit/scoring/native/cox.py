"""Cox regression (GeneralRegressionModel modelType="CoxRegression", PMML 4.4).

The predicted value is the cumulative hazard at the record's ``endTimeVariable`` time ``t``:
``H(t) = H0(t) * exp(r - s)``, with ``r`` the linear predictor (ParamMatrix x PPMatrix, as for the
other GeneralRegression types, no link) and ``s = sum beta_j * referencePoint_j`` (the Parameters'
``referencePoint``, 0 by default). The survival probability is ``exp(-H(t))`` (an Output
transformedValue gives it). ``H0(t)`` is read from ``BaseCumHazardTables``, from the
``BaselineStratum`` whose value the ``baselineStrataVariable`` holds when the model has one:

- ``t`` greater than the table's ``maxTime``: no prediction;
- ``t`` less than the smallest BaselineCell time: ``H = 0`` (survival 1), whatever the predictors;
- otherwise ``H0`` is the ``cumHazard`` of the BaselineCell with the largest time not above ``t``.

A missing ``t``, a strata value without a BaselineStratum, or a missing predictor: no prediction.
(These are the standard's rules, as JPMML-Evaluator implements them; PMML4S scores Cox regression as
null, so the gate refuses it for ``engine="pmml4s"``.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import mathlib
from .fields import cast, elements, first, parse_value
from .ir import Env, Prediction, unsupported
from .regression import design


def _cells(node: Any) -> tuple[np.ndarray, np.ndarray]:
    """(times, cumulative hazards) of the BaselineCells, sorted by time (stable: the first of equal times)."""
    cells = elements(node, "BaselineCell")
    if not cells:
        raise unsupported(node, f"a <{node.tag.rpartition('}')[2]}> without BaselineCell")
    if any(c.get("time") is None or c.get("cumHazard") is None for c in cells):
        raise unsupported(node, "a <BaselineCell> without time or cumHazard")
    times = np.array([float(c.get("time")) for c in cells])
    hazards = np.array([float(c.get("cumHazard")) for c in cells])
    order = np.argsort(times, kind="stable")
    return times[order], hazards[order]


def _baseline(times: np.ndarray, hazards: np.ndarray, max_time: float, t: np.ndarray) -> np.ndarray:
    """H0(t) over a column of times: NaN above maxTime (or missing), 0 below the first cell."""
    # The cell with the largest time <= t; of cells with equal times the first written (JPMML's
    # Collections.max keeps the first of equal maxima; the sort is stable).
    position = np.searchsorted(times, t, side="right") - 1
    valid = position >= 0
    cell = np.searchsorted(times, times[np.clip(position, 0, None)], side="left")
    out = np.where(valid, hazards[cell], 0.0)
    out = np.where(np.isnan(t) | (t > max_time), np.nan, out)
    return out


def cox_model(node: Any, numeric: Callable[[str], bool]) -> Callable[[Env], Prediction]:
    if node.get("functionName") != "regression":
        raise unsupported(node, f"a CoxRegression GeneralRegressionModel with functionName="
                          f"{node.get('functionName')!r}")
    end = node.get("endTimeVariable")
    if end is None:
        raise unsupported(node, "a CoxRegression GeneralRegressionModel without endTimeVariable")
    tables = first(node, "BaseCumHazardTables")
    if tables is None:
        raise unsupported(node, "a CoxRegression GeneralRegressionModel without BaseCumHazardTables")
    betas, column = design(node, numeric)
    if set(betas) - {None}:
        raise unsupported(first(node, "ParamMatrix"), "a CoxRegression <ParamMatrix> with targetCategory")
    terms = betas.get(None, [])
    reference_points = {p.get("name"): float(p.get("referencePoint", "0"))
                        for p in elements(first(node, "ParameterList"), "Parameter")} \
        if first(node, "ParameterList") is not None else {}
    s = 0.0
    for parameter, beta in terms:
        if parameter not in reference_points:
            raise unsupported(first(node, "ParamMatrix"), f"a <PCell> for the undeclared parameter {parameter!r}")
        s = s + beta * reference_points[parameter]
    strata_variable = node.get("baselineStrataVariable")
    strata: list[tuple[Any, float, np.ndarray, np.ndarray]] = []
    if strata_variable is not None:
        for stratum in elements(tables, "BaselineStratum"):
            if stratum.get("maxTime") is None:
                raise unsupported(stratum, "a <BaselineStratum> without maxTime")
            strata.append((parse_value(stratum.get("value"), numeric(strata_variable)), float(stratum.get("maxTime")),
                           *_cells(stratum)))
        if not strata:
            raise unsupported(tables, "<BaseCumHazardTables> without BaselineStratum for the baselineStrataVariable")
    else:
        if tables.get("maxTime") is None:
            raise unsupported(tables, "<BaseCumHazardTables> without maxTime")
        strata.append((None, float(tables.get("maxTime")), *_cells(tables)))

    def run(env: Env) -> Prediction:
        t = env.get(end)
        t = cast(t, "double") if t.dtype == object else t.astype(np.float64)
        if strata_variable is None:
            _, max_time, times, hazards = strata[0]
            baseline = _baseline(times, hazards, max_time, t)
            below = t < times[0]
        else:
            values = env.get(strata_variable)
            baseline = np.full(env.rows, np.nan)
            below = np.zeros(env.rows, dtype=bool)
            for value, max_time, times, hazards in strata:
                chosen = np.array([v == value for v in values], dtype=bool) if values.dtype == object \
                    else values == value
                baseline = np.where(chosen, _baseline(times, hazards, max_time, t), baseline)
                below = np.where(chosen, t < times[0], below)
        r = np.zeros(env.rows)
        with np.errstate(all="ignore"):
            for parameter, beta in terms:
                r = r + beta * column(env, parameter)
            hazard = mathlib.exp(np.ascontiguousarray(r - s)) * baseline
        # Before the first baseline time the cumulative hazard is 0 whatever the predictors.
        hazard = np.where(below & ~np.isnan(baseline), 0.0, hazard)
        return Prediction(hazard)
    return run


__all__ = ["cox_model"]
