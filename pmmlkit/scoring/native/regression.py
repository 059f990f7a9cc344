"""RegressionModel and GeneralRegressionModel as column arithmetic."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import kernels as K
from . import mathlib
from .fields import elements, first, parse_value
from .ir import Column, Env, Prediction, missing_mask, unsupported

Model = Callable[[Env], Prediction]


def _std_normal_cdf(x: np.ndarray) -> np.ndarray:
    erfc = np.vectorize(math.erfc, otypes=[np.float64])
    return 0.5 * erfc(-x / math.sqrt(2.0)) if len(x) else x


# Inverse links for the binary-style normalizations: probability of a category from its score.
_INVERSE: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "logit": mathlib.logistic,
    "probit": _std_normal_cdf,
    "cloglog": lambda y: 1.0 - mathlib.exp(-mathlib.exp(y)),
    "loglog": lambda y: mathlib.exp(-mathlib.exp(-y)),
    "cauchit": lambda y: 0.5 + np.arctan(y) / math.pi,
    "exp": mathlib.exp,
    "none": lambda y: y,
}


def classify(scores: list[np.ndarray], categories: list[str], method: str, node: Any) -> Prediction:
    """Probabilities from per-category scores (PMML's normalizationMethod), and the most
    probable category (the first one on a tie)."""
    with np.errstate(all="ignore"):
        if method == "softmax":
            exps = [mathlib.exp(s) for s in scores]
            total = exps[0].copy()
            for e in exps[1:]:
                total = total + e
            probabilities = [e / total for e in exps]
        elif method == "simplemax":
            total = scores[0].copy()
            for s in scores[1:]:
                total = total + s
            probabilities = [s / total for s in scores]
        elif method in _INVERSE:
            probabilities = [_INVERSE[method](s) for s in scores[:-1]]
            rest = np.ones_like(scores[0])
            for p in probabilities:
                rest = rest - p
            probabilities.append(rest)
        else:
            raise unsupported(node, f"normalizationMethod={method!r}")
    return Prediction(_argmax(probabilities, categories), dict(zip(categories, probabilities)))


def _argmax(probabilities: list[np.ndarray], categories: list[str]) -> Column:
    stacked = np.vstack(probabilities)
    unknown = np.isnan(stacked).any(axis=0)
    best = np.argmax(np.where(np.isnan(stacked), -np.inf, stacked), axis=0)
    labels = np.array(categories, dtype=object)[best]
    labels[unknown] = None
    return labels


def _term(values: np.ndarray, exponent: float) -> np.ndarray:
    if exponent == 1.0:
        return values
    with np.errstate(all="ignore"):
        return mathlib.power(values, exponent)


def regression_model(node: Any, numeric: Callable[[str], bool]) -> Model:
    function = node.get("functionName")
    method = node.get("normalizationMethod", "none")
    tables = []
    for table in elements(node, "RegressionTable"):
        numbers = [(p.get("name"), float(p.get("exponent", "1")), float(p.get("coefficient")))
                   for p in elements(table, "NumericPredictor")]
        categories = [(p.get("name"), parse_value(p.get("value"), numeric(p.get("name"))), float(p.get("coefficient")))
                      for p in elements(table, "CategoricalPredictor")]
        terms = [([f.get("field") for f in elements(t, "FieldRef")], float(t.get("coefficient")))
                 for t in elements(table, "PredictorTerm")]
        tables.append((table.get("targetCategory"), float(table.get("intercept", "0")), numbers, categories, terms))
    if not tables:
        raise unsupported(node, "a RegressionModel without RegressionTable")

    def score(env: Env, table: tuple[Any, ...]) -> np.ndarray:
        _, intercept, numbers, categories, terms = table
        # The numeric predictors' terms in one compiled pass (kernels.weighted_sum: the same
        # additions, left to right), then the categorical ones and the products, as before.
        columns = np.empty((len(numbers), env.rows))
        with np.errstate(all="ignore"):
            for k, (name, exponent, _) in enumerate(numbers):
                values = env.get(name)
                if values.dtype == object:
                    values = np.array([np.nan if v is None else float(v) for v in values])
                columns[k] = _term(values, exponent)
        total = K.weighted_sum(float(intercept), columns, np.array([c for _, _, c in numbers], dtype=np.float64))
        with np.errstate(all="ignore"):
            for name, value, coefficient in categories:
                values = env.get(name)
                hit = np.array([v == value for v in values], dtype=bool) if values.dtype == object else values == value
                total = total + np.where(hit, coefficient, 0.0)
            for names, coefficient in terms:
                product = env.get(names[0]).astype(np.float64)
                for name in names[1:]:
                    product = product * env.get(name)
                total = total + coefficient * product
        return total

    if function == "regression":
        if method not in ("none", "exp", "softmax", "logit", "probit", "cloglog", "loglog", "cauchit"):
            raise unsupported(node, f"normalizationMethod={method!r}")
        inverse = _INVERSE.get("logit" if method == "softmax" else method, _INVERSE["none"])

        def regress(env: Env) -> Prediction:
            with np.errstate(all="ignore"):
                return Prediction(inverse(score(env, tables[0])))
        return _described(regress, tables, function, method)
    if function != "classification":
        raise unsupported(node, f"a RegressionModel with functionName={function!r}")
    labels = [t[0] for t in tables]

    def classify_rows(env: Env) -> Prediction:
        return classify([score(env, t) for t in tables], labels, method, node)
    return _described(classify_rows, tables, function, method)


def _described(run: Model, tables: list[tuple[Any, ...]], function: str, method: str) -> Model:
    """The compiled model with what the one-record compiler (rows.py) reads: the tables, parsed once."""
    run.tables, run.function, run.method = tables, function, method  # type: ignore[attr-defined]
    run.labels = [t[0] for t in tables]  # type: ignore[attr-defined]
    return run


# -- GeneralRegressionModel ------------------------------------------------------------------------
_LINKS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "identity": lambda eta, a: eta,
    "log": lambda eta, a: mathlib.exp(eta),
    "logit": lambda eta, a: mathlib.logistic(eta),
    "probit": lambda eta, a: _std_normal_cdf(eta),
    "cloglog": lambda eta, a: 1.0 - mathlib.exp(-mathlib.exp(eta)),
    "loglog": lambda eta, a: mathlib.exp(-mathlib.exp(-eta)),
    "cauchit": lambda eta, a: 0.5 + np.arctan(eta) / math.pi,
    "power": lambda eta, a: mathlib.exp(eta) if a == 0 else mathlib.power(eta, 1.0 / a),
    "oddspower": lambda eta, a: mathlib.logistic(eta) if a == 0 else
    1.0 / (1.0 + mathlib.power(1.0 + a * eta, -1.0 / a)),
}


def general_regression_model(node: Any, numeric: Callable[[str], bool]) -> Model:
    kind = node.get("modelType")
    if kind not in ("regression", "generalLinear", "generalizedLinear", "multinomialLogistic"):
        raise unsupported(node, f"a GeneralRegressionModel of modelType={kind!r}")
    # Documents the gate lets through to the native engine alone (load_parsed): no guessing either.
    if kind == "generalizedLinear" and node.get("linkFunction") is None:
        raise unsupported(node, "a generalizedLinear GeneralRegressionModel without linkFunction")
    if kind == "multinomialLogistic" and node.get("functionName") != "classification":
        raise unsupported(node, f"a multinomialLogistic GeneralRegressionModel with "
                                f"functionName={node.get('functionName')!r}")
    betas, column = design(node, numeric)
    offset_value = float(node.get("offsetValue", "0"))
    offset_variable = node.get("offsetVariable")
    if node.get("trialsVariable") or node.get("trialsValue"):
        raise unsupported(node, "a GeneralRegressionModel with trials")

    def eta(env: Env, category: str | None) -> np.ndarray:
        total = np.zeros(env.rows)
        for parameter, beta in betas.get(category, []):
            total = total + beta * column(env, parameter)
        if offset_variable is not None:
            total = total + env.get(offset_variable)
        return total + offset_value if offset_value else total

    if kind == "multinomialLogistic":
        reference = node.get("targetReferenceCategory")
        categories = [c for c in betas if c is not None]
        if reference is not None and reference not in categories:
            categories.append(reference)

        def multinomial(env: Env) -> Prediction:
            scores = [eta(env, c) if c in betas else np.zeros(env.rows) for c in categories]
            return classify(scores, categories, "softmax", node)
        return multinomial
    link_name = node.get("linkFunction", "identity") if kind == "generalizedLinear" else "identity"
    if link_name not in _LINKS:
        raise unsupported(node, f"linkFunction={link_name!r}")
    link = _LINKS[link_name]
    parameter = float(node.get("linkParameter", "1"))
    if node.get("functionName") != "regression":
        raise unsupported(node, f"a {kind} GeneralRegressionModel with functionName={node.get('functionName')!r}")

    def regress(env: Env) -> Prediction:
        with np.errstate(all="ignore"):
            return Prediction(link(eta(env, None), parameter))
    return regress


ParameterColumn = Callable[[Env, str], np.ndarray]


def design(node: Any, numeric: Callable[[str], bool]
           ) -> tuple[dict[str | None, list[tuple[str, float]]], ParameterColumn]:
    """A GeneralRegressionModel's ParamMatrix (the betas of each parameter, by targetCategory, in
    document order) and its PPMatrix as a function: the column of a parameter's predictor values
    (1 for a parameter without PPCells, the intercept)."""
    parameters = [p.get("name") for p in elements(first(node, "ParameterList"), "Parameter")] \
        if first(node, "ParameterList") is not None else []
    factors = {p.get("name") for p in elements(first(node, "FactorList"), "Predictor")} \
        if first(node, "FactorList") is not None else set()
    cells: dict[str, list[tuple[str, Any, bool]]] = {p: [] for p in parameters}
    matrix = first(node, "PPMatrix")
    for cell in elements(matrix, "PPCell") if matrix is not None else []:
        if cell.get("targetCategory") is not None:
            raise unsupported(cell, "a <PPCell targetCategory=...>")
        name = cell.get("predictorName")
        factor = name in factors
        value = parse_value(cell.get("value"), numeric(name)) if factor else float(cell.get("value"))
        cells.setdefault(cell.get("parameterName"), []).append((name, value, factor))
    betas: dict[str | None, list[tuple[str, float]]] = {}
    for cell in elements(first(node, "ParamMatrix"), "PCell"):
        betas.setdefault(cell.get("targetCategory"), []).append((cell.get("parameterName"), float(cell.get("beta"))))

    def column(env: Env, parameter: str) -> np.ndarray:
        out = np.ones(env.rows)
        with np.errstate(all="ignore"):
            for name, value, factor in cells.get(parameter, []):
                values = env.get(name)
                if factor:
                    hit = np.array([v == value for v in values], dtype=bool) if values.dtype == object \
                        else values == value
                    out = out * np.where(missing_mask(values), np.nan, hit.astype(np.float64))
                else:
                    out = out * _term(values.astype(np.float64), value)
        return out
    return betas, column
