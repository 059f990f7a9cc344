"""Exact contributions of the additive models: a RegressionModel (coefficient times value, in
the link's space), a Scorecard (each Characteristic's partial score) and the linear forms
of derived fields a ``modelChain`` ends with (how boosted trees are written)."""

from __future__ import annotations

from typing import Any

import numpy as np
from lxml import etree

from ..errors import PMMLError
from ..pmml import tag_of
from . import scalar
from .contributions import Context, Part
from .scorecard import characteristics, partial_scores, reason_codes


def scorecard_part(model: etree._Element, context: Context) -> Part:
    """Each Characteristic's partial score on the input it reads; ``initialScore`` is the base."""
    scores = partial_scores(model, context.values, context.rows)
    values = context.zeros(1)
    base = np.array([float(model.get("initialScore", "0"))])
    for j, characteristic in enumerate(characteristics(model)):
        # Every field the Characteristic reads: its predicates' and its ComplexPartialScores'.
        read = {p.get("field") for p in characteristic.iter("{*}SimplePredicate", "{*}SimpleSetPredicate",
                                                             "{*}FieldRef")}
        if not read:  # it reads nothing (<True/> attributes, constants): the same score for every row
            if len(scores):
                base = base + scores[0, j]
            continue
        if len(read) != 1:
            raise PMMLError(f"line {characteristic.sourceline}: a Characteristic whose attributes read "
                            f"{len(read)} fields has no contribution of a single input")
        values[:, context.index[read.pop()], 0] += scores[:, j]
    return Part(base, values, ["predicted"], reasons=reason_codes(model, context.values, context.rows))


def regression_part(model: etree._Element, context: Context, produced: dict[str, Part]) -> Part:
    """Coefficient times value per predictor (``produced``: a chain's earlier outputs, combined
    linearly); the intercept is the base, in the space before the normalizationMethod."""
    tables = [t for t in model if isinstance(t.tag, str) and tag_of(t) == "RegressionTable"]
    labels = [t.get("targetCategory") or "predicted" for t in tables]
    base = np.zeros(len(tables))
    values = context.zeros(len(tables))
    for k, table in enumerate(tables):
        base[k] = float(table.get("intercept", "0"))
        for predictor in table:
            if not isinstance(predictor.tag, str):
                continue
            kind = tag_of(predictor)
            name = predictor.get("name")
            coefficient = float(predictor.get("coefficient", "0"))
            if kind == "NumericPredictor":
                if predictor.get("exponent", "1") not in ("1", "1.0"):
                    raise PMMLError(f"line {predictor.sourceline}: a NumericPredictor with an exponent has no "
                                    "exact additive explanation here")
                if name in produced:
                    part = produced[name]
                    base[k] += coefficient * part.base[0]
                    values[:, :, k] += coefficient * part.values[:, :, 0]
                else:
                    column = np.asarray(context.values[name], dtype=np.float64)
                    values[:, context.index[name], k] += coefficient * column
            elif kind == "CategoricalPredictor":
                column = context.values[name]
                hit = np.array([v is not None and str(_label(v)) == predictor.get("value") for v in column])
                values[:, context.index[name], k] += coefficient * hit
            elif kind == "PredictorTerm":
                raise PMMLError(f"line {predictor.sourceline}: a PredictorTerm (interaction) has no exact "
                                "additive explanation here")
    space = model.get("normalizationMethod", "none")
    return Part(base, values, labels, "identity" if space == "none" else space)


def reads_only(model: etree._Element, produced: dict[str, Part]) -> bool:
    """Whether a RegressionModel's predictors read only earlier segments' outputs (or nothing)."""
    return all(p.get("name") in produced for p in model.iter("{*}NumericPredictor", "{*}CategoricalPredictor",
                                                              "{*}PredictorTerm"))


def margin_field(model: etree._Element, produced: dict[str, Part]) -> tuple[float, dict[str, float]] | None:
    """The last derived field of ``model`` that is a linear sum of all of the chain's outputs:
    (constant, {output: coefficient}), or None."""
    derived = {d.get("name"): d for d in model.iter("{*}DerivedField")}
    memo: dict[str, tuple[float, dict[str, float]] | None] = {}
    for name in reversed(list(derived)):
        form = _linear(derived[name], derived, memo)
        if form is not None and set(form[1]) == set(produced) and all(c != 0 for c in form[1].values()):
            return form
    return None


_LINEAR_FUNCTIONS = frozenset({"+", "-", "*"})


def _only_source(node: etree._Element, derived: dict[str, etree._Element],
                 memo: dict[str, tuple[float, dict[str, float]] | None]) -> str | None:
    """The one linear field (or input) a non-linear derived field reads, through other non-linear
    derived fields; None when it reads several."""
    found: set[str] = set()
    pending = [node]
    seen: set[str] = set()
    while pending:
        current = pending.pop()
        for ref in current.iter("{*}FieldRef"):
            name = ref.get("field")
            if name in seen:
                continue
            seen.add(name)
            if name in derived and memo.get(name, "unknown") is None and name != node.get("name"):
                pending.append(derived[name])  # non-linear itself: look through it
            elif name in derived and name not in memo:
                if _linear(derived[name], derived, memo) is None:
                    pending.append(derived[name])
                else:
                    found.add(name)
            else:
                found.add(name)
        if len(found) > 1:
            return None
    return next(iter(found)) if len(found) == 1 else None


def _linear(node: etree._Element, derived: dict[str, etree._Element],
            memo: dict[str, tuple[float, dict[str, float]] | None]) -> tuple[float, dict[str, float]] | None:
    """``node``'s value as constant + sum(coefficient x field), or None when it is not linear.
    Derived fields are read once each (``memo``): chains refer to earlier sums many times."""
    kind = tag_of(node)
    if kind == "DerivedField":
        name = node.get("name")
        if name not in memo:
            memo[name] = None  # a field that refers to itself is not linear
            inner = next((c for c in node if isinstance(c.tag, str) and tag_of(c) != "Extension"), None)
            form = None if inner is None else _linear(inner, derived, memo)
            if form is None:
                # A field that only rounds one linear field to float32 (XGBoost's margin steps) reads as
                # that field: the explanation is of the double-precision sum (README, "Explanations").
                source = _only_source(node, derived, memo)
                if source is not None and scalar.rounds(node, source, derived):
                    form = _linear(derived[source], derived, memo) if source in derived else (0.0, {source: 1.0})
            memo[name] = form
        return memo[name]
    if kind == "Constant":
        try:
            return float(node.text or ""), {}
        except ValueError:
            return None
    if kind == "FieldRef":
        name = node.get("field")
        return _linear(derived[name], derived, memo) if name in derived else (0.0, {name: 1.0})
    if kind != "Apply" or node.get("function") not in _LINEAR_FUNCTIONS:
        return None
    children = [c for c in node if isinstance(c.tag, str) and tag_of(c) != "Extension"]
    if len(children) != 2:
        return None
    first = _linear(children[0], derived, memo)
    second = None if first is None else _linear(children[1], derived, memo)
    if first is None or second is None:
        return None
    (c1, t1), (c2, t2) = first, second
    function = node.get("function")
    if function in ("+", "-"):
        sign = 1.0 if function == "+" else -1.0
        terms = dict(t1)
        for k, v in t2.items():
            terms[k] = terms.get(k, 0.0) + sign * v
        return c1 + sign * c2, terms
    if t1 and t2:
        return None
    scale, (c, t) = (c1, (c2, t2)) if not t1 else (c2, (c1, t1))
    return scale * c, {k: scale * v for k, v in t.items()}


def _label(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
