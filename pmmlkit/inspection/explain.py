"""Per-record explanations of a PMML model's score: contributions of each input plus a base value.

What is exact, by model kind (README "Explanations"):

* TreeModel, and MiningModel ``sum``/``average``/``weightedSum``/``weightedAverage`` of them:
  path-dependent TreeSHAP (:mod:`pmmlkit.inspection.treeshap`) computed from the document's own
  trees and their ``recordCount``s: the same numbers as ``shap.TreeExplainer`` on the source model.
* RegressionModel over inputs: coefficient times the (transformed) value, in the link's space
  (log-odds for ``logit``); the base value is the intercept.
* Scorecard: each Characteristic's partial score is the contribution of the input it reads; the
  base value is ``initialScore``; declared reasonCode outputs come with the explanation
  (:mod:`pmmlkit.inspection.scorecard`).
* ``modelChain`` whose last segment is a RegressionModel over the earlier segments' outputs (how
  boosted trees are written): the chain's margin, explained by combining the segments linearly.

Anything else (neural networks, SVMs, nearest neighbours, non-True segment predicates, a chain that
is not linear) is refused with a PMMLError naming the element: no approximate numbers are given
under an exact name. Contributions of a derived field computed from one input are that input's.

This module walks the model (ensembles and chains included) and folds contributions onto inputs;
the methods are in :mod:`.tree_contributions` and :mod:`.linear_contributions`, the values they
read in :mod:`.explain_records`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lxml import etree

from ..errors import PMMLError
from ..pmml import find_child, model_element, tag_of
from .contributions import Context, Part, target_classes
from .explain_records import SCORED, Score, frame_values, with_field_outputs
from .linear_contributions import margin_field, reads_only, regression_part, scorecard_part
from .tree_contributions import PreparedTree, tree_part

__all__ = ["SCORED", "Explanation", "Score", "ValuesOf", "check_explainable", "explain_document",
           "frame_values", "target_classes", "with_field_outputs"]


@dataclass
class Explanation:
    """Contributions of ``inputs`` to each of ``outputs`` for every record, and the base value.

    ``values[row, i, k]`` is input i's contribution to output k; ``base[k] + values[row, :, k].sum()``
    is the explained score (``space`` says which: the margin before ``logit``/``softmax``, or the
    score itself for ``identity``)."""

    inputs: list[str]
    outputs: list[str]
    space: str
    base: np.ndarray
    values: np.ndarray
    #: A Scorecard's declared reasonCode outputs, one column per OutputField (else None).
    reasons: pd.DataFrame | None = None

    def totals(self) -> np.ndarray:
        """``(rows, outputs)``: base value plus the contributions (the explained score)."""
        return self.base[None, :] + self.values.sum(axis=1)

    def frame(self) -> pd.DataFrame:
        """One row per record: ``contribution(INPUT)`` columns (``contribution(INPUT, OUTPUT)`` when
        several outputs are explained), ``base_value`` and ``explained_value`` (per output)."""
        columns: dict[str, np.ndarray] = {}
        several = len(self.outputs) > 1
        for k, output in enumerate(self.outputs):
            suffix = f", {output}" if several else ""
            for i, name in enumerate(self.inputs):
                columns[f"contribution({name}{suffix})"] = self.values[:, i, k]
            key = f"({output})" if several else ""
            columns[f"base_value{key}"] = np.full(self.values.shape[0], self.base[k])
            columns[f"explained_value{key}"] = self.totals()[:, k]
        if self.reasons is not None:
            columns.update({name: self.reasons[name].to_numpy(dtype=object) for name in self.reasons.columns})
        return pd.DataFrame(columns)


ValuesOf = Callable[[list[str]], dict[str, np.ndarray]]


def explain_document(root: etree._Element, frame: pd.DataFrame, values_of: ValuesOf,
                     prepared: dict[int, PreparedTree] | None = None) -> Explanation:
    """Explain the top-level model of ``root`` for ``frame``. ``values_of(names)`` returns the values
    of the named fields (inputs or derived fields) for the frame's records, as arrays: float with
    NaN for missing for numeric fields, objects for others. ``prepared`` (an empty dict, then the
    same one for every later frame of the same ``root``) keeps the trees read on the first call."""
    model = model_element(root)
    if model is None:
        raise PMMLError("the document has no model element")
    fields = _fields_used(model)
    values = values_of(fields)
    context = Context(root, values, len(frame), fields, {} if prepared is None else prepared)
    part = _explain(model, context)
    inputs, fold = fold_onto_inputs(root, model, fields)
    folded = np.zeros((len(frame), len(inputs), part.values.shape[2]))
    for j, target in enumerate(fold):
        folded[:, target, :] += part.values[:, j, :]
    scored = values.get(SCORED)
    if scored is not None:
        folded[np.isnan(np.asarray(scored, dtype=np.float64))] = np.nan  # invalid records: no score
    return Explanation(inputs, part.labels, part.space, part.base, folded, part.reasons)


def check_explainable(root: etree._Element) -> None:
    """Raise the PMMLError :func:`explain_document` would raise for a model without an exact method,
    before any record is read (``score --explain`` and the server's ``:explain`` refuse up front)."""
    explain_document(root, pd.DataFrame(), lambda names: {name: np.empty(0, dtype=object) for name in names})


def _explain(model: etree._Element, context: Context) -> Part:
    kind = tag_of(model)
    if kind == "TreeModel":
        part = tree_part(model, context)
    elif kind == "MiningModel":
        part = _mining(model, context)
    elif kind == "RegressionModel":
        part = regression_part(model, context, {})
    elif kind == "Scorecard":
        part = scorecard_part(model, context)
    else:
        raise PMMLError(f"line {model.sourceline}: explanations of a {kind} are not supported (exact explanations "
                        "cover tree models, their ensembles, regression models and scorecards)")
    return _rescaled(model, part)


def _mining(model: etree._Element, context: Context) -> Part:
    segmentation = find_child(model, "Segmentation")
    if segmentation is None:
        raise PMMLError(f"line {model.sourceline}: a MiningModel without Segmentation")
    method = segmentation.get("multipleModelMethod")
    segments = [s for s in segmentation if isinstance(s.tag, str) and tag_of(s) == "Segment"]
    for segment in segments:
        predicate = next((c for c in segment if isinstance(c.tag, str) and tag_of(c) != "Extension"), None)
        if predicate is None or tag_of(predicate) != "True":
            raise PMMLError(f"line {segment.sourceline}: a Segment whose predicate is not True has no exact "
                            "explanation here")
    models = [model_element(s) for s in segments]
    if method == "modelChain":
        produced: dict[str, Part] = {}
        for sub in models[:-1]:
            part = _explain(sub, context)
            output = find_child(sub, "Output")
            for out in [] if output is None else output:
                if isinstance(out.tag, str) and out.get("feature", "predictedValue") == "predictedValue":
                    produced[out.get("name")] = part
        last = models[-1]
        if tag_of(last) == "RegressionModel" and reads_only(last, produced):
            return regression_part(last, context, produced)
        margin = margin_field(last, produced)
        if margin is None:
            raise PMMLError(f"line {last.sourceline}: a modelChain explains exactly only when its last model is a "
                            "RegressionModel over the earlier models' outputs, or derives their linear sum")
        constant, terms = margin
        base = np.full(1, constant)
        values = context.zeros(1)
        for name, coefficient in terms.items():
            base += coefficient * produced[name].base[0]
            values[:, :, 0] += coefficient * produced[name].values[:, :, 0]
        # The margin before the chain's own arithmetic (XGBoost's float32 sums, the link).
        return Part(base, values, ["margin"], "margin")
    parts = [_explain(sub, context) for sub in models]
    weights = np.array([float(s.get("weight", "1")) for s in segments])
    if method in ("sum", "weightedSum"):
        scale = weights if method == "weightedSum" else np.ones(len(parts))
    elif method == "average":
        scale = np.full(len(parts), 1.0 / len(parts))
    elif method == "weightedAverage":
        scale = weights / weights.sum()
    else:
        raise PMMLError(f"line {segmentation.sourceline}: multipleModelMethod={method!r} has no exact explanation")
    base = sum(s * p.base for s, p in zip(scale, parts))
    values = sum(s * p.values for s, p in zip(scale, parts))
    return Part(np.asarray(base), np.asarray(values), parts[0].labels, parts[0].space)


def _rescaled(model: etree._Element, part: Part) -> Part:
    targets = find_child(model, "Targets")
    if targets is None:
        return part
    target = find_child(targets, "Target")
    if target is None:
        return part
    factor = float(target.get("rescaleFactor", "1"))
    constant = float(target.get("rescaleConstant", "0"))
    if target.get("castInteger") or target.get("min") or target.get("max"):
        raise PMMLError(f"line {target.sourceline}: a Target that rounds or clips has no exact additive explanation")
    return Part(part.base * factor + constant, part.values * factor, part.labels, part.space, part.reasons)


def _fields_used(model: etree._Element) -> list[str]:
    """Every field a tree predicate or a regression predictor reads, in document order."""
    found: dict[str, None] = {}
    chain_outputs = {o.get("name") for o in model.iter("{*}OutputField")}
    for node in model.iter("{*}SimplePredicate", "{*}SimpleSetPredicate", "{*}NumericPredictor",
                           "{*}CategoricalPredictor"):
        if tag_of(node) in ("NumericPredictor", "CategoricalPredictor") and _ends_a_chain(node):
            continue  # a chain's last model combines the earlier models' outputs
        name = node.get("field") or node.get("name")
        if name and name not in chain_outputs:
            found.setdefault(name)
    return list(found)


def _ends_a_chain(predictor: etree._Element) -> bool:
    model = next(a for a in predictor.iterancestors() if tag_of(a) == "RegressionModel")
    segment = model.getparent()
    segmentation = None if segment is None else segment.getparent()
    if segmentation is None or tag_of(segmentation) != "Segmentation":
        return False
    if segmentation.get("multipleModelMethod") != "modelChain":
        return False
    segments = [s for s in segmentation if isinstance(s.tag, str) and tag_of(s) == "Segment"]
    return segments[-1] is segment


def fold_onto_inputs(root: etree._Element, model: etree._Element, fields: list[str]) -> tuple[list[str], list[int]]:
    """Names contributions are reported under: each field's one input (a derived field computed from a
    single input counts as that input), or the field itself when it reads several."""
    schema = find_child(model, "MiningSchema")
    inputs = [f.get("name") for f in ([] if schema is None else schema)
              if isinstance(f.tag, str) and f.get("usageType", "active") == "active"]
    derived = {d.get("name"): d for d in root.iter("{*}DerivedField")}
    names = list(inputs)
    fold = []
    for name in fields:
        sources = _sources(name, derived, set(inputs))
        target = next(iter(sources)) if len(sources) == 1 else name
        if target not in names:
            names.append(target)
        fold.append(names.index(target))
    return names, fold


def _sources(name: str, derived: dict[str, etree._Element], inputs: set[str], seen: frozenset = frozenset()) -> set[str]:
    if name in inputs or name not in derived or name in seen:
        return {name}
    found: set[str] = set()
    for node in derived[name].iter():
        if isinstance(node.tag, str) and node is not derived[name] and node.get("field") is not None:
            found |= _sources(node.get("field"), derived, inputs, seen | {name})
    return found or {name}
