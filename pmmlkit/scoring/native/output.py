"""Targets (rescaling, clamping, casting a regression's value) and Output fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...pmml import tag_of
from .expressions import Compiler
from .fields import NUMERIC, cast, elements, first
from .functions import _texts
from .ir import Column, CompiledExpression, Env, Prediction, missing_mask, unsupported


def targets(model: Any, function: str) -> Callable[[Prediction], Prediction]:
    """The model's Targets as a step after scoring."""
    block = first(model, "Targets")
    items = elements(block, "Target") if block is not None else []
    if not items:
        return lambda p: p
    if len(items) > 1:
        raise unsupported(block, "<Targets> with more than one Target")
    target = items[0]
    values = elements(target, "TargetValue")
    if function != "regression":
        if any(v.get("priorProbability") is not None or v.get("defaultValue") is not None for v in values):
            raise unsupported(target, "a classification <Target> with prior probabilities")
        return lambda p: p
    if values and any(v.get("defaultValue") is None for v in values):
        raise unsupported(target, "a regression <TargetValue> without defaultValue")
    default = float(values[0].get("defaultValue")) if values else None
    low = float(target.get("min")) if target.get("min") is not None else None
    high = float(target.get("max")) if target.get("max") is not None else None
    factor = float(target.get("rescaleFactor", "1"))
    constant = float(target.get("rescaleConstant", "0"))
    rounding = target.get("castInteger")
    if rounding not in (None, "round", "ceiling", "floor"):
        raise unsupported(target, f"castInteger={rounding!r}")

    def apply(prediction: Prediction) -> Prediction:
        value = prediction.value.astype(np.float64)
        if default is not None:
            value = np.where(np.isnan(value), default, value)
        if low is not None:
            value = np.where(value < low, low, value)
        if high is not None:
            value = np.where(value > high, high, value)
        if factor != 1.0:
            value = value * factor
        if constant != 0.0:
            value = value + constant
        if rounding == "round":
            value = np.floor(value + 0.5)
        elif rounding == "ceiling":
            value = np.ceil(value)
        elif rounding == "floor":
            value = np.floor(value)
        prediction.value = value
        return prediction
    return apply


@dataclass(frozen=True)
class OutputField:
    name: str
    data_type: str
    compute: Callable[[Env, Prediction, dict[str, Column]], Column]


_SUPPORTED = ("predictedValue", "predictedDisplayValue", "probability", "transformedValue", "entityId", "clusterId",
              "affinity", "entityAffinity", "clusterAffinity")
RULE_NUMBERS = ("confidence", "support", "lift", "leverage", "affinity")
# Features only some model types compute, from the OutputField's own attributes (rank, ruleFeature,
# ...): the model puts a function of the OutputField in ``Prediction.extra["feature"]``.
MODEL_FEATURES = {"reasonCode": ("Scorecard",), "confidence": ("RuleSetModel",), "ruleValue": ("AssociationModel",)}


def output_fields(model: Any, compiler: Compiler, target_type: str | None) -> list[OutputField]:
    block = first(model, "Output")
    out: list[OutputField] = []
    for node in elements(block, "OutputField") if block is not None else []:
        feature = node.get("feature", "predictedValue")
        if feature not in _SUPPORTED and tag_of(model) not in MODEL_FEATURES.get(feature, ()):
            raise unsupported(node, f"<OutputField feature={feature!r}>")
        if node.get("segmentId") is not None:
            raise unsupported(node, "an <OutputField segmentId=...>")
        data_type = node.get("dataType") or _inferred_type(feature, target_type)
        if node.get("dataType") is None and feature == "ruleValue" and node.get("ruleFeature") in RULE_NUMBERS:
            data_type = "double"
        compiler.types[node.get("name")] = data_type
        out.append(OutputField(node.get("name"), data_type, _feature(node, feature, compiler)))
    return out


def _inferred_type(feature: str, target_type: str | None) -> str:
    if feature in ("predictedValue",):
        return target_type or "string"
    if feature in ("predictedDisplayValue", "entityId", "clusterId", "reasonCode", "ruleValue"):
        return "string"
    return "double"


def _feature(node: Any, feature: str, compiler: Compiler) -> Callable[[Env, Prediction, dict[str, Column]], Column]:
    value = node.get("value")
    if feature in MODEL_FEATURES:
        return lambda env, p, done: p.extra["feature"](node, env.rows) if "feature" in p.extra \
            else np.full(env.rows, None, dtype=object)
    if feature in ("predictedValue",):
        return lambda env, p, done: p.value
    if feature == "predictedDisplayValue":
        return lambda env, p, done: p.value if p.value.dtype == object else _texts(p.value)
    if feature == "probability":
        if value is not None:
            return lambda env, p, done: _probability_of(p, value, env.rows)
        return lambda env, p, done: _winner_probability(p, env.rows)
    rank = int(node.get("rank", "1"))
    if rank != 1 and feature in ("entityId", "affinity", "entityAffinity"):
        # The rank-th nearest instance (a NearestNeighborModel's ranked lists).
        key = "ranked_entities" if feature == "entityId" else "ranked_affinities"
        empty = np.full if feature != "entityId" else (lambda n, v: np.full(n, None, dtype=object))
        return lambda env, p, done: p.extra[key][rank - 1] if len(p.extra.get(key, [])) >= rank \
            else empty(env.rows, np.nan)
    if feature in ("entityId", "clusterId"):
        return lambda env, p, done: p.entity if p.entity is not None else np.full(env.rows, None, dtype=object)
    if feature in ("affinity", "entityAffinity", "clusterAffinity"):
        if value is not None:
            return lambda env, p, done: p.affinities.get(value, np.full(env.rows, np.nan))
        return lambda env, p, done: p.extra.get("affinity", np.full(env.rows, np.nan))
    expressions = [c for c in elements(node) if c.tag is not None and not c.tag.endswith("Decisions")]
    if len(expressions) != 1:
        raise unsupported(node, "a transformedValue <OutputField> without one expression")
    expression: CompiledExpression = compiler.expression(expressions[0])
    return lambda env, p, done: expression(env.child(dict(done)))


def default_outputs(function: str | None, target: str | None, target_type: str | None,
                    categories: list[str], node: Any, probabilities: bool = True) -> list[OutputField]:
    """The outputs PMML4S gives a model without <Output>: predicted_<target>; for classification also
    probability (of the predicted category) and probability_<category> for each declared category (none
    when the target declares no <Value>),
    unless the model gives no probabilities (``probabilities=False``: a OneAgainstAll SVM)."""
    if target is None or function not in ("regression", "classification"):
        raise unsupported(node, "a model without <Output> (and without a target)")
    value_type = target_type or ("double" if function == "regression" else "string")
    out = [OutputField(f"predicted_{target}", value_type, lambda env, p, done: p.value)]
    if function == "classification" and probabilities:
        # A target without declared categories (<Value>s): the predicted one's probability alone.
        out.append(OutputField("probability", "real", lambda env, p, done: _winner_probability(p, env.rows)))
        for category in categories:
            out.append(OutputField(f"probability_{category}", "real",
                                   lambda env, p, done, c=category: _probability_of(p, c, env.rows)))
    return out


def _probability_of(p: Prediction, value: str, rows: int) -> Column:
    if value in p.probabilities:
        return p.probabilities[value]
    for label, column in p.probabilities.items():  # "1" and "1.0" name the same numeric class
        try:
            if float(label) == float(value):
                return column
        except ValueError:
            pass
    if p.probabilities:
        any_column = next(iter(p.probabilities.values()))
        return np.where(np.isnan(any_column), np.nan, 0.0)
    return np.full(rows, np.nan)


def _winner_probability(p: Prediction, rows: int) -> Column:
    out = np.full(rows, np.nan)
    labels = p.value if p.value.dtype == object else _texts(p.value)
    for label, column in p.probabilities.items():
        hit = np.array([v == label for v in labels], dtype=bool)
        out[hit] = column[hit]
    return out


def compute_outputs(fields: list[OutputField], env: Env, prediction: Prediction) -> dict[str, Column]:
    done: dict[str, Column] = {}
    for field in fields:
        values = field.compute(env, prediction, done)
        done[field.name] = cast_output(values, field.data_type)
    return done


def cast_output(values: Column, data_type: str | None) -> Column:
    if data_type in NUMERIC:
        out = cast(values, "double") if values.dtype == object else values.astype(np.float64)
        return out
    if values.dtype != object:
        return cast(values, "string")
    return values


def invalidate(outputs: dict[str, Column], rows: np.ndarray | None) -> dict[str, Column]:
    """Rows with an invalid input (``returnInvalid``): every output missing."""
    if rows is None or not rows.any():
        return outputs
    out = {}
    for name, values in outputs.items():
        values = values.copy()
        values[rows] = np.nan if values.dtype != object else None
        out[name] = values
    return out


__all__ = ["OutputField", "compute_outputs", "default_outputs", "invalidate", "missing_mask", "output_fields",
           "targets"]
