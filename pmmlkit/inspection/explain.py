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
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from lxml import etree

from ..errors import PMMLError
from ..pmml import find_child, model_element, tag_of
from . import scalar
from .scorecard import characteristics, partial_scores, reason_codes
from .trees import FlatTree, flatten, routes


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


@dataclass
class _Part:
    base: np.ndarray  # (k,)
    values: np.ndarray  # (rows, fields, k)
    labels: list[str]
    space: str = "identity"
    reasons: pd.DataFrame | None = None


@dataclass
class _PreparedTree:
    """What TreeSHAP needs of one TreeModel besides the records: read once per document."""

    flat: FlatTree
    classes: list[str] | None
    split_feature: np.ndarray
    cover: np.ndarray
    value: np.ndarray
    base: np.ndarray


class _Context:
    def __init__(self, root: etree._Element, values: dict[str, np.ndarray], rows: int, fields: list[str],
                 prepared: dict[int, _PreparedTree]) -> None:
        self.root = root
        self.values = values
        self.rows = rows
        self.fields = fields
        self.index = {name: i for i, name in enumerate(fields)}
        self.classes = _target_classes(root)
        self.prepared = prepared
        self.trees_seen = 0  # TreeModels are explained in document order: their number is their key

    def zeros(self, k: int) -> np.ndarray:
        return np.zeros((self.rows, len(self.fields), k))


ValuesOf = Callable[[list[str]], dict[str, np.ndarray]]


def explain_document(root: etree._Element, frame: pd.DataFrame, values_of: ValuesOf,
                     prepared: dict[int, _PreparedTree] | None = None) -> Explanation:
    """Explain the top-level model of ``root`` for ``frame``. ``values_of(names)`` returns the values
    of the named fields (inputs or derived fields) for the frame's records, as arrays: float with
    NaN for missing for numeric fields, objects for others. ``prepared`` (an empty dict, then the
    same one for every later frame of the same ``root``) keeps the trees read on the first call."""
    model = model_element(root)
    if model is None:
        raise PMMLError("the document has no model element")
    fields = _fields_used(model)
    values = values_of(fields)
    context = _Context(root, values, len(frame), fields, {} if prepared is None else prepared)
    part = _explain(model, context)
    inputs, fold = _fold_onto_inputs(root, model, fields)
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


def _explain(model: etree._Element, context: _Context) -> _Part:
    kind = tag_of(model)
    if kind == "TreeModel":
        part = _tree(model, context)
    elif kind == "MiningModel":
        part = _mining(model, context)
    elif kind == "RegressionModel":
        part = _regression(model, context, {})
    elif kind == "Scorecard":
        part = _scorecard(model, context)
    else:
        raise PMMLError(f"line {model.sourceline}: explanations of a {kind} are not supported (exact explanations "
                        "cover tree models, their ensembles, regression models and scorecards)")
    return _rescaled(model, part)


def _tree(model: etree._Element, context: _Context) -> _Part:
    key = context.trees_seen
    context.trees_seen += 1
    tree = context.prepared.get(key)
    if tree is None:
        tree = context.prepared[key] = _prepare_tree(model, context)
    route = routes(tree.flat, context.values, context.rows)
    # numba's import (~0.5 s) is paid by the first tree explanation, not by `import pmmlkit`.
    from .treeshap import tree_shap

    phi = tree_shap(tree.flat.child_start, tree.flat.children, tree.split_feature, tree.cover, tree.value, route,
                    len(context.fields), int(tree.flat.depth.max()))
    # A record that stops at a split (no child's predicate is true) has no leaf: the engine gives no
    # score (returnNullPrediction) or the split's own (returnLastPrediction), neither of which is
    # base + contributions, so its contributions are missing rather than a number.
    phi[~_reaches_a_leaf(tree.flat, route)] = np.nan
    return _Part(tree.base, phi, tree.classes or ["predicted"])


def _reaches_a_leaf(flat: FlatTree, route: np.ndarray) -> np.ndarray:
    """Per record: whether its path from the root ends at a leaf (``route``: as :func:`routes` gives)."""
    if flat.is_leaf[0]:
        return np.ones(route.shape[0], dtype=bool)  # a one-leaf tree
    rows = np.arange(route.shape[0])
    node = np.zeros(route.shape[0], dtype=np.int64)
    stuck = np.zeros(route.shape[0], dtype=bool)
    leaf = flat.is_leaf
    for _ in range(int(flat.depth.max(initial=0)) + 1):
        position = route[rows, node]
        stuck |= (position < 0) & ~leaf[node]
        moving = (position >= 0) & ~leaf[node]
        child = np.where(moving, flat.child_start[node] + np.maximum(position, 0), 0)
        node = np.where(moving, flat.children[child], node)
    return ~stuck


def _prepare_tree(model: etree._Element, context: _Context) -> _PreparedTree:
    flat = flatten(model)
    classes = None
    if model.get("functionName") == "classification":
        classes = context.classes or _distribution_labels(flat)
    strategy = model.get("missingValueStrategy", "none")
    if strategy != "none":
        raise PMMLError(f"line {model.sourceline}: this TreeModel has missingValueStrategy={strategy!r}; "
                        "pmmlkit's exact TreeSHAP follows missingValueStrategy='none' only, so it has no exact "
                        "explanation: use pmmlkit.importance(model, kind='permutation', sample=...) for an "
                        "approximate view of which inputs matter")
    split_feature = np.full(flat.size, len(context.fields), dtype=np.int64)
    for j, tested in enumerate(flat.fields_tested):
        if len(tested) > 1:
            raise PMMLError(f"line {flat.nodes[j].sourceline}: a Node whose children test several fields "
                            f"({', '.join(sorted(tested))}) has no exact TreeSHAP")
        if tested:
            split_feature[j] = context.index[next(iter(tested))]
    cover = flat.covers()
    value = flat.leaf_scores(classes)
    leaves = flat.is_leaf
    base = (cover[leaves, None] * value[leaves]).sum(axis=0) / cover[0]
    return _PreparedTree(flat, classes, split_feature, cover, value, base)


def _scorecard(model: etree._Element, context: _Context) -> _Part:
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
    return _Part(base, values, ["predicted"], reasons=reason_codes(model, context.values, context.rows))


def _mining(model: etree._Element, context: _Context) -> _Part:
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
        produced: dict[str, _Part] = {}
        for sub in models[:-1]:
            part = _explain(sub, context)
            output = find_child(sub, "Output")
            for out in [] if output is None else output:
                if isinstance(out.tag, str) and out.get("feature", "predictedValue") == "predictedValue":
                    produced[out.get("name")] = part
        last = models[-1]
        if tag_of(last) == "RegressionModel" and _reads_only(last, produced):
            return _regression(last, context, produced)
        margin = _margin_field(last, produced)
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
        return _Part(base, values, ["margin"], "margin")
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
    return _Part(np.asarray(base), np.asarray(values), parts[0].labels, parts[0].space)


def _regression(model: etree._Element, context: _Context, produced: dict[str, _Part]) -> _Part:
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
    return _Part(base, values, labels, "identity" if space == "none" else space)


def _reads_only(model: etree._Element, produced: dict[str, _Part]) -> bool:
    """Whether a RegressionModel's predictors read only earlier segments' outputs (or nothing)."""
    return all(p.get("name") in produced for p in model.iter("{*}NumericPredictor", "{*}CategoricalPredictor",
                                                              "{*}PredictorTerm"))


def _margin_field(model: etree._Element, produced: dict[str, _Part]) -> tuple[float, dict[str, float]] | None:
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


def _rescaled(model: etree._Element, part: _Part) -> _Part:
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
    return _Part(part.base * factor + constant, part.values * factor, part.labels, part.space, part.reasons)


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


def _fold_onto_inputs(root: etree._Element, model: etree._Element, fields: list[str]) -> tuple[list[str], list[int]]:
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


def _target_classes(root: etree._Element) -> list[str] | None:
    model = model_element(root)
    schema = None if model is None else find_child(model, "MiningSchema")
    target = next((f.get("name") for f in ([] if schema is None else schema)
                   if isinstance(f.tag, str) and f.get("usageType") in ("target", "predicted")), None)
    dictionary = find_child(root, "DataDictionary")
    for field in [] if dictionary is None else dictionary:
        if isinstance(field.tag, str) and field.get("name") == target:
            values = [v.get("value") for v in field if isinstance(v.tag, str) and tag_of(v) == "Value"
                      and v.get("property", "valid") == "valid"]
            return values or None
    return None


def _distribution_labels(flat: FlatTree) -> list[str]:
    labels: dict[str, None] = {}
    for node in flat.nodes:
        for d in node:
            if isinstance(d.tag, str) and tag_of(d) == "ScoreDistribution":
                labels.setdefault(d.get("value"))
    return list(labels)


def _label(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def with_field_outputs(root: etree._Element, names: list[str]) -> tuple[etree._Element, list[str]]:
    """A document whose model outputs the named (derived) fields and nothing else: the top-level
    model's inputs and LocalTransformations under a RegressionModel without predictors, so an engine
    computes the fields exactly as for scoring. (An OutputField reading a derived field of a
    classification model gave the class probabilities on PMML4S, hence a regression model.)"""
    document = copy.deepcopy(root)
    model = model_element(document)
    schema = find_child(model, "MiningSchema")
    local = find_child(model, "LocalTransformations")
    declared = {d.get("name"): d for d in document.iter("{*}DerivedField", "{*}DataField")}
    ns = "{%s}" % etree.QName(document).namespace  # the document's own PMML namespace
    wrapper = etree.Element(ns + "RegressionModel", functionName="regression")
    inputs = etree.SubElement(wrapper, ns + "MiningSchema")
    for field in [] if schema is None else schema:
        if isinstance(field.tag, str) and field.get("usageType", "active") == "active":
            inputs.append(copy.deepcopy(field))
    output = etree.SubElement(wrapper, ns + "Output")
    outputs = []
    for i, name in enumerate(names):
        out_name = f"pmmlkit-explain({i})"
        source = declared.get(name)
        field = etree.SubElement(output, ns + "OutputField", name=out_name,
                                 optype="continuous" if source is None else source.get("optype", "continuous"),
                                 dataType="double" if source is None else source.get("dataType", "double"),
                                 feature="transformedValue")
        etree.SubElement(field, ns + "FieldRef", field=name)
        outputs.append(out_name)
    if local is not None:
        wrapper.append(copy.deepcopy(local))
    etree.SubElement(wrapper, ns + "RegressionTable", intercept="0")
    model.getparent().replace(model, wrapper)
    return document, outputs


Score = Callable[[etree._Element, pd.DataFrame], pd.DataFrame]


_TREATMENTS = ("missingValueReplacement", "invalidValueTreatment", "invalidValueReplacement", "outliers",
               "lowValue", "highValue")


def frame_values(root: etree._Element, frame: pd.DataFrame, names: list[str], score: Score) -> dict[str, np.ndarray]:
    """The values of ``names`` for the frame's records: inputs straight from the frame, derived fields
    computed by the engine (``score(document, frame)``) on a copy of the document that outputs them."""
    model = model_element(root)
    schema = find_child(model, "MiningSchema")
    fields = [f for f in ([] if schema is None else schema) if isinstance(f.tag, str)]
    # An input whose MiningField replaces missing or invalid values (or outliers) is read by the model
    # after that treatment: the engine computes it too, as it computes a derived field.
    inputs = {f.get("name") for f in fields if not any(f.get(a) is not None for a in _TREATMENTS)}
    declared = {d.get("name"): d for d in root.iter("{*}DataField")}
    values: dict[str, np.ndarray] = {}
    derived = []
    for name in names:
        if name in inputs and name in frame.columns:
            values[name] = _as_array(frame[name], declared.get(name))
        else:
            derived.append(name)
    document = root
    if any(_may_be_invalid(declared.get(f.get("name")), f) for f in fields):
        # A value outside its field's valid values or intervals leaves the record without a score
        # (returnInvalid): the engine says which records, through a field that is missing exactly
        # there, so that explain_document gives them no contributions either.
        document = _with_row_marker(root)
        derived.append(SCORED)
    if derived:
        document, outputs = with_field_outputs(document, derived)
        scored = score(document, frame)
        for name, out in zip(derived, outputs):
            values[name] = _as_array(scored[out], None)
    return values


SCORED = "pmmlkit-scored"  # frame_values' field: 1.0 where the engine scores the record, NaN where not


def _may_be_invalid(field: etree._Element | None, mining: etree._Element) -> bool:
    """Whether an input can make a record invalid: its DataField declares valid values or intervals
    and its MiningField keeps the default invalidValueTreatment (returnInvalid)."""
    if field is None or mining.get("usageType", "active") != "active":
        return False
    if mining.get("invalidValueTreatment", "returnInvalid") != "returnInvalid":
        return False
    return any(isinstance(c.tag, str) and tag_of(c) in ("Value", "Interval") for c in field)


def _with_row_marker(root: etree._Element) -> etree._Element:
    """A copy of ``root`` whose top-level model derives SCORED, a constant 1.0."""
    document = copy.deepcopy(root)
    model = model_element(document)
    ns = "{%s}" % etree.QName(document).namespace
    local = find_child(model, "LocalTransformations")
    if local is None:
        local = etree.SubElement(model, ns + "LocalTransformations")  # with_field_outputs moves it
    field = etree.SubElement(local, ns + "DerivedField", name=SCORED, optype="continuous", dataType="double")
    etree.SubElement(field, ns + "Constant", dataType="double").text = "1"
    return document


def _as_array(column: pd.Series, field: etree._Element | None) -> np.ndarray:
    numeric = field is None or field.get("dataType") in ("double", "float", "integer", "real", None)
    if numeric:
        converted = pd.to_numeric(column, errors="coerce")
        if field is None and converted.isna().sum() > column.isna().sum():
            return column.to_numpy(dtype=object)  # text values
        return converted.to_numpy(dtype=np.float64, na_value=np.nan)
    return column.to_numpy(dtype=object)
