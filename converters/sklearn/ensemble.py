"""Meta-estimators built from other fitted models: voting, stacking, bagging, AdaBoost, IsolationForest.

Each member model is converted through the context and becomes a segment of a ``modelChain``
that publishes its prediction or class probabilities (see :mod:`pmmlkit.builders.ensemble`); a
last model combines them the way scikit-learn's ``predict`` / ``predict_proba`` does. Several of
these meta-estimators fit their members on label *codes* (``0 .. K-1``, the positions in
``classes_``), not on the labels: the last model maps codes back to labels.

Evaluators pick the first class of a RegressionModel in document order on a tie, as numpy's
``argmax`` does: the last models list their classes in ``classes_`` order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
from lxml import etree
from sklearn import ensemble as sk_ensemble
from sklearn.base import is_classifier
from sklearn.pipeline import Pipeline

from pmmlkit.builders.ensemble import (
    MemberOutput,
    attach_local_fields,
    local_scope,
    member,
    method_output_field,
    model_chain,
)
from pmmlkit.builders.expressions import apply, constant, fold, if_else, ref
from pmmlkit.builders.fields import Field, Scope, Target
from pmmlkit.builders.float32 import float32_split_threshold
from pmmlkit.builders.model import label_output, model, output, predicted_name
from pmmlkit.builders.regression import regression_table
from pmmlkit.builders.tree import Leaf, Node, Split, margin_model
from pmmlkit.context import Context, Converter
from pmmlkit.pmml import format_value, plain

from .fitted import array, attribute, n_features


# -- members ----------------------------------------------------------------------------------------
@dataclasses.dataclass
class Published:
    """The fields a member publishes: its prediction and, for classifiers, its probabilities by label."""

    prediction: Field
    probabilities: dict[Any, Field]


def publish(estimator: Any, features: Sequence[Field], context: Context, step: str,
            probabilities: bool = False) -> tuple[etree._Element, Published]:
    """Convert ``estimator`` as a chain member publishing its prediction (and probabilities)."""
    scope = context.scope
    target_name = scope.unique_name(f"{step}.y")
    n = 2
    while target_name in scope.nested_targets:
        target_name = scope.unique_name(f"{step}.y#{n}")
        n += 1
    member_context = dataclasses.replace(context, target_name=target_name, target=None)
    model_element = member_context.model(estimator, features, step)
    target = member_context.target
    if target is None:
        raise context.error(f"{type(estimator).__name__} at step {step!r} predicts nothing to combine")
    data_type = target.field().data_type
    outputs = [MemberOutput(scope.unique_name(f"{step}.predicted"), data_type=data_type)]
    if probabilities:
        if not target.is_classification or not hasattr(estimator, "predict_proba"):
            raise context.error(f"{type(estimator).__name__} at step {step!r} has no predict_proba to combine")
        outputs += [MemberOutput(scope.unique_name(f"{step}.probability({format_value(label)})"), "probability",
                                 label) for label in target.classes or ()]
    member(model_element, target, outputs, scope)
    return model_element, Published(outputs[0].field(),
                                    {o.value: o.field() for o in outputs[1:]})


def decision_fields(estimator: Any, features: Sequence[Field], context: Context, step: str,
                    hint: str = "use stack_method='predict_proba'") -> list[Field]:
    """``estimator.decision_function`` as derived fields of the document (one per column), for a
    linear model or a pipeline that ends in one: ``x @ coef_.T + intercept_``."""
    features = list(features)
    if isinstance(estimator, Pipeline):
        steps = [(name, s) for name, s in estimator.steps if s is not None and s != "passthrough"]
        for name, transformer in steps[:-1]:
            features = context.transform(transformer, features, name)
        return decision_fields(steps[-1][1], features, context, f"{step}.{steps[-1][0]}", hint)
    if not hasattr(estimator, "coef_") or not hasattr(estimator, "intercept_"):
        raise context.error(f"decision_function of {type(estimator).__name__} at step {step!r} is not converted; "
                            f"{hint} (or a linear model, whose decision is converted)")
    coefficients = np.atleast_2d(array(estimator, context, "coef_"))
    intercepts = np.atleast_1d(array(estimator, context, "intercept_"))
    context.expect_features(features, coefficients.shape[1], estimator)
    fields = []
    for k, (row, intercept) in enumerate(zip(coefficients, intercepts)):
        terms = [apply("*", ref(f), constant(float(c))) for f, c in zip(features, row) if c != 0]
        expression = apply("+", fold("+", terms), constant(float(intercept))) if terms else constant(float(intercept))
        suffix = "" if len(coefficients) == 1 else f"[{k}]"
        fields.append(context.scope.derive(f"{step}.decision{suffix}", expression))
    return fields


def _names(meta: Any) -> list[str]:
    return [name for name, estimator in meta.estimators if not (isinstance(estimator, str) and estimator == "drop")]


def _fitted_members(meta: Any, context: Context) -> list[tuple[str, Any]]:
    estimators = [e for e in attribute(meta, context, "estimators_") if not (isinstance(e, str) and e == "drop")]
    names = _names(meta)
    if len(names) != len(estimators):
        raise context.error(f"{type(meta).__name__} lists {len(names)} estimators but holds {len(estimators)} "
                            "fitted ones; refit it")
    return list(zip(names, estimators))


def _table(terms: Sequence[tuple[Field, float]], category: Any = None, intercept: float = 0.0) -> etree._Element:
    return regression_table([f for f, _ in terms], [w for _, w in terms], intercept, category)


def finish(context: Context, members: list[etree._Element], last: etree._Element, local: Scope,
            target: Target, output: etree._Element | None = None) -> etree._Element:
    attach_local_fields(last, local, context.scope)
    return model_chain(members, last, target, output)


def _argmax_label_model(scores: Sequence[Field], target: Target) -> etree._Element:
    """A RegressionModel whose label is the first class with the largest score (softmax keeps the
    order of the scores; evaluators take the first table on a tie). Its Output has the label only."""
    tables = [_table([(s, 1.0)], label) for s, label in zip(scores, target.classes or ())]
    return model("RegressionModel", *tables, function="classification", target=target,
                 normalizationMethod="softmax")


def average_model(terms_by_class: Sequence[list[tuple[Field, float]]], target: Target) -> etree._Element:
    """Class probabilities that are weighted sums of member probabilities (``simplemax`` only
    re-divides by their sum, which is 1)."""
    tables = [_table(terms, label) for terms, label in zip(terms_by_class, target.classes or ())]
    return model("RegressionModel", *tables, function="classification", target=target,
                 normalizationMethod="simplemax")


# -- voting -----------------------------------------------------------------------------------------
def convert_voting_classifier(voting: Any, features: list[Field], context: Context) -> etree._Element:
    """Members are fitted on label codes. Soft voting averages their probabilities (weighted);
    hard voting takes the first code with the largest (weighted) count of votes."""
    classes = attribute(voting, context, "classes_")
    context.expect_features(features, n_features(voting, context), voting)
    fitted = _fitted_members(voting, context)
    weights = voting._weights_not_none or [1.0] * len(fitted)
    soft = voting.voting == "soft"
    members, published = [], []
    for name, estimator in fitted:
        segment, fields = publish(estimator, features, context, name, probabilities=soft)
        members.append(segment)
        published.append(fields)
    target = context.classification_target(classes)
    codes = range(len(classes))
    if soft:
        total = float(sum(weights))
        local = local_scope(context.scope, [])
        terms = [[(p.probabilities[k], float(w) / total) for p, w in zip(published, weights) if k in p.probabilities]
                 for k in codes]
        return finish(context, members, average_model(terms, target), local, target)
    local = local_scope(context.scope, [p.prediction for p in published])
    votes = [local.derive(f"votes({format_value(label)})",
                          fold("+", [if_else(apply("equal", ref(p.prediction), constant(k, p.prediction.data_type)),
                                             constant(float(w)), constant(0.0))
                                     for p, w in zip(published, weights)]))
             for k, label in zip(codes, classes)]
    return finish(context, members, _argmax_label_model(votes, target), local, target, label_output(target))


def convert_voting_regressor(voting: Any, features: list[Field], context: Context) -> etree._Element:
    """The (weighted) mean of the members' predictions."""
    context.expect_features(features, n_features(voting, context), voting)
    fitted = _fitted_members(voting, context)
    weights = voting._weights_not_none or [1.0] * len(fitted)
    members, predictions = [], []
    for name, estimator in fitted:
        segment, fields = publish(estimator, features, context, name)
        members.append(segment)
        predictions.append(fields.prediction)
    target = context.regression_target()
    total = float(sum(weights))
    last = model("RegressionModel", _table([(p, float(w) / total) for p, w in zip(predictions, weights)]),
                 function="regression", target=target)
    return finish(context, members, last, local_scope(context.scope, []), target)


# -- stacking ---------------------------------------------------------------------------------------
def convert_stacking(stacking: Any, features: list[Field], context: Context) -> etree._Element:
    """The final estimator reads the members' ``stack_method_`` outputs (binary probabilities
    without the first column), then the inputs when ``passthrough``. A classifier's members and
    final estimator are fitted on label codes."""
    context.expect_features(features, n_features(stacking, context), stacking)
    fitted = _fitted_members(stacking, context)
    methods = list(attribute(stacking, context, "stack_method_"))
    classifier = is_classifier(stacking)
    classes = attribute(stacking, context, "classes_") if classifier else None
    members: list[etree._Element] = []
    meta: list[Field] = []
    for (name, estimator), method in zip(fitted, methods):
        if method == "decision_function":
            meta += decision_fields(estimator, features, context, name)
            continue
        if method not in ("predict", "predict_proba"):
            raise context.error(f"stack_method {method!r} of {name!r} is not supported")
        segment, published = publish(estimator, features, context, name, probabilities=method == "predict_proba")
        members.append(segment)
        if method == "predict":
            meta.append(published.prediction)
        else:
            columns = [published.probabilities[c] for c in attribute(estimator, context, "classes_")]
            meta += columns[1:] if classes is not None and len(classes) == 2 else columns
    if stacking.passthrough:
        meta += features
    final = attribute(stacking, context, "final_estimator_")
    local = local_scope(context.scope, meta)
    final_context = dataclasses.replace(context, scope=local, target=None)
    if not classifier:
        last = final_context.model(final, meta, "final_estimator")
        target = context.regression_target()
        return finish(context, members, last, local, target)
    # The final classifier predicts codes: it publishes them, and a last model relabels.
    final_context = dataclasses.replace(final_context, target_name=local.unique_name("final_estimator.y"))
    probabilities = hasattr(final, "predict_proba")
    segment, published = publish(final, meta, final_context, "final_estimator", probabilities=probabilities)
    attach_local_fields(segment, local, context.scope)
    members.append(segment)
    target = context.classification_target(classes)
    after = local_scope(context.scope, [])
    codes = range(len(classes))
    if probabilities:
        last = average_model([[(published.probabilities[k], 1.0)] for k in codes], target)
        return finish(context, members, last, after, target)
    prediction = published.prediction
    indicators = [after.derive(f"final_estimator.is({k})",
                               if_else(apply("equal", ref(prediction), constant(k, prediction.data_type)),
                                       constant(1.0), constant(0.0))) for k in codes]
    return finish(context, members, _argmax_label_model(indicators, target), after, target, label_output(target))


# -- bagging ----------------------------------------------------------------------------------------
def convert_bagging(bagging: Any, features: list[Field], context: Context) -> etree._Element:
    """Each member reads its own subset of columns (``estimators_features_``). A classifier's
    members are fitted on label codes, maybe not all of them: the mean of their probabilities
    (or of their one-hot votes when they have no predict_proba); a regressor's: their mean."""
    context.expect_features(features, n_features(bagging, context), bagging)
    estimators = attribute(bagging, context, "estimators_")
    subsets = attribute(bagging, context, "estimators_features_")
    n = len(estimators)
    members: list[etree._Element] = []
    published: list[Published] = []
    for i, (estimator, subset) in enumerate(zip(estimators, subsets)):
        probabilities = is_classifier(bagging) and hasattr(estimator, "predict_proba")
        segment, fields = publish(estimator, [features[int(j)] for j in subset], context, f"estimator{i + 1}",
                                  probabilities=probabilities)
        members.append(segment)
        published.append(fields)
    if not is_classifier(bagging):
        target = context.regression_target()
        last = model("RegressionModel", _table([(p.prediction, 1.0 / n) for p in published]),
                     function="regression", target=target)
        return finish(context, members, last, local_scope(context.scope, []), target)
    classes = attribute(bagging, context, "classes_")
    target = context.classification_target(classes)
    local = local_scope(context.scope, [p.prediction for p in published])
    terms: list[list[tuple[Field, float]]] = [[] for _ in classes]
    for p in published:
        for k in range(len(classes)):
            if p.probabilities:
                if k in p.probabilities:
                    terms[k].append((p.probabilities[k], 1.0 / n))
            else:
                vote = local.derive(f"{p.prediction.name}.is({k})",
                                    if_else(apply("equal", ref(p.prediction), constant(k, p.prediction.data_type)),
                                            constant(1.0), constant(0.0)))
                terms[k].append((vote, 1.0 / n))
    return finish(context, members, average_model(terms, target), local, target)


# -- AdaBoost ---------------------------------------------------------------------------------------
def convert_adaboost_classifier(booster: Any, features: list[Field], context: Context) -> etree._Element:
    """SAMME: ``d_k = sum_i (w_i if member i predicts class k else -w_i / (K - 1)) / sum(w)``;
    binary: ``d = d_1 - d_0``, probabilities ``softmax(-d/2, d/2)``; else ``softmax(d / (K - 1))``;
    the label is the first class with the largest decision (binary: ``classes_[1]`` when d > 0)."""
    context.expect_features(features, n_features(booster, context), booster)
    algorithm = getattr(booster, "algorithm", "SAMME")
    if algorithm not in ("SAMME", "deprecated"):
        raise context.error(f"AdaBoostClassifier(algorithm={algorithm!r}) is not supported; use algorithm='SAMME'")
    classes = attribute(booster, context, "classes_")
    estimators = attribute(booster, context, "estimators_")
    weights = array(booster, context, "estimator_weights_")
    total = float(weights.sum())
    k_classes = len(classes)
    if k_classes < 2:
        raise context.error("AdaBoostClassifier fitted on one class predicts it always; nothing to convert")
    members, predictions = [], []
    for i, estimator in enumerate(estimators):
        segment, fields = publish(estimator, features, context, f"estimator{i + 1}")
        members.append(segment)
        predictions.append(fields.prediction)
    target = context.classification_target(classes)
    local = local_scope(context.scope, predictions)
    decisions = []
    for label in classes:
        terms = [if_else(apply("equal", ref(p), constant(plain(label), p.data_type)), constant(float(w)),
                         constant(float(-1 / (k_classes - 1) * w)))
                 for p, w in zip(predictions, weights)]
        decisions.append(local.derive(f"decision({format_value(label)})",
                                      apply("/", fold("+", terms), constant(total))))
    if k_classes == 2:
        d = local.derive("decision", apply("+", apply("*", ref(decisions[0]), constant(-1.0)), ref(decisions[1])))
        tables = [_table([(d, -0.5)], classes[0]), _table([(d, 0.5)], classes[1])]
    else:
        scaled = [local.derive(f"scaled({f.name})", apply("/", ref(f), constant(float(k_classes - 1))))
                  for f in decisions]
        tables = [_table([(s, 1.0)], label) for s, label in zip(scaled, classes)]
    last = model("RegressionModel", *tables, function="classification", target=target,
                 normalizationMethod="softmax")
    return finish(context, members, last, local, target)


def convert_adaboost_regressor(booster: Any, features: list[Field], context: Context) -> etree._Element:
    """The weighted median of the members' predictions, as scikit-learn takes it: the smallest
    prediction ``p_i`` whose cumulative weight ``sum(w_j for p_j <= p_i)`` reaches half the total.

    scikit-learn sums the weights in the order of the sorted predictions, this in member order:
    the sums can differ by a rounding, which changes the median only for a row whose cumulative
    weight equals half the total to the last bit (weights are logs of error ratios, so such ties
    need constructed weights)."""
    context.expect_features(features, n_features(booster, context), booster)
    estimators = attribute(booster, context, "estimators_")
    weights = array(booster, context, "estimator_weights_")[:len(estimators)]
    half = 0.5 * float(np.cumsum(weights)[-1])
    members, predictions = [], []
    for i, estimator in enumerate(estimators):
        segment, fields = publish(estimator, features, context, f"estimator{i + 1}")
        members.append(segment)
        predictions.append(fields.prediction)
    target = context.regression_target()
    local = local_scope(context.scope, predictions)
    # m_i: the smallest of p_0 .. p_i that reaches half (the largest double while none does).
    median: Field | None = None
    for i, p in enumerate(predictions):
        below = fold("+", [if_else(apply("lessOrEqual", ref(q), ref(p)), constant(float(w)), constant(0.0))
                           for q, w in zip(predictions, weights)])
        reaches = apply("greaterOrEqual", below, constant(half))
        previous = constant(float(np.finfo(np.float64).max)) if median is None else ref(median)
        condition = reaches if median is None else apply("and", reaches, apply("lessThan", ref(p), ref(median)))
        median = local.derive(f"weightedMedian({i + 1})", if_else(condition, ref(p), previous))
    last = model("RegressionModel", _table([(median, 1.0)]), function="regression", target=target)
    return finish(context, members, last, local, target)


# -- IsolationForest --------------------------------------------------------------------------------
def convert_isolation_forest(forest: Any, features: list[Field], context: Context) -> etree._Element:
    """Each tree's leaf holds its path length (depth + c(leaf samples) - 1); a sum of the trees gives
    ``s``; ``score_samples = -2 ** (-(s / (n_trees * c(max_samples))))``. The model predicts
    score_samples; the Output adds ``decision_function`` (minus ``offset_``) and ``predict``
    (-1 where the decision is negative, else 1)."""
    context.expect_features(features, n_features(forest, context), forest)
    estimators = attribute(forest, context, "estimators_")
    subsets = attribute(forest, context, "estimators_features_")
    denominator = len(estimators) * float(_average_path_length([forest._max_samples])[0])
    if denominator == 0:
        raise context.error("IsolationForest fitted on one sample scores every row 1; nothing to convert")
    trees = [_isolation_tree(tree, [features[int(j)] for j in subset], context)
             for tree, subset in zip(estimators, subsets)]
    # A tree grown on identical samples is one leaf: a constant path length. It has no fields, so
    # it can't be a TreeModel of its own (a MiningSchema needs one); its length is added as a number.
    grown = [tree for tree in trees if not isinstance(tree, Leaf)]
    constant_length = sum(float(tree.value) for tree in trees if isinstance(tree, Leaf))
    if not grown:
        raise context.error("every tree of this IsolationForest is a single leaf (its samples were identical), "
                            "so it scores every row alike; fit it on varied data")
    scope = context.scope
    depth = scope.unique_name("pathLength")
    target = context.regression_target()
    local = local_scope(scope, [Field(depth)])
    length = ref(depth) if not constant_length else apply("+", ref(depth), constant(constant_length))
    score = local.derive("scoreSamples", apply("*", constant(-1.0), apply(
        "pow", constant(2.0), apply("*", constant(-1.0), apply("/", length, constant(denominator))))))
    last = model("RegressionModel", _table([(score, 1.0)]), function="regression", target=target)
    predicted = predicted_name(target)
    decision_name = f"decisionFunction_{target.name}"
    published = output(
        method_output_field(predicted, "score_samples", None, feature="predictedValue"),
        method_output_field(decision_name, "decision_function",
                            apply("-", ref(predicted), constant(float(forest.offset_)))),
        method_output_field(f"outlier_{target.name}", "predict",
                            if_else(apply("lessThan", ref(decision_name), constant(0.0)),
                                    constant(-1, "integer"), constant(1, "integer")), data_type="integer"))
    return finish(context, [margin_model(grown, depth)], last, local, target, published)


def _average_path_length(samples: Any) -> np.ndarray:
    """c(n), the average path length of an unsuccessful search in a binary search tree of n
    nodes, with the operations of scikit-learn's own helper (so its doubles are the same)."""
    n = np.asarray(samples, dtype=np.float64).reshape(-1)
    result = np.zeros(n.shape)
    result[n == 2] = 1.0
    big = n > 2
    result[big] = 2.0 * (np.log(n[big] - 1.0) + np.euler_gamma) - 2.0 * (n[big] - 1.0) / n[big]
    return result


def _isolation_tree(tree: Any, features: list[Field], context: Context) -> Node:
    structure = attribute(tree, context, "tree_")
    left, right = structure.children_left, structure.children_right
    thresholds = float32_split_threshold(structure.threshold)
    thresholds = np.where(np.isposinf(thresholds), np.finfo(np.float64).max, thresholds)
    missing_left = getattr(structure, "missing_go_to_left", None)
    depths = np.zeros(structure.node_count)
    for i in range(structure.node_count):  # children always come after their parent
        if left[i] != -1:
            depths[left[i]] = depths[right[i]] = depths[i] + 1
    path = depths + 1.0  # the number of nodes on the path, as decision_path counts them
    average = _average_path_length(structure.n_node_samples)
    nodes: list[Node] = []
    for i in range(structure.node_count):
        if left[i] == -1:
            nodes.append(Leaf(value=float(path[i] + average[i] - 1.0)))
        else:
            go_left = None if missing_left is None else bool(missing_left[i])
            nodes.append(Split(features[structure.feature[i]], None, None,  # type: ignore[arg-type]
                               threshold=float(thresholds[i]), missing_left=go_left))
    for i, node in enumerate(nodes):
        if isinstance(node, Split):
            node.left, node.right = nodes[left[i]], nodes[right[i]]
    return nodes[0]


def converters() -> dict[type, Converter]:
    return {sk_ensemble.VotingClassifier: convert_voting_classifier, sk_ensemble.VotingRegressor: convert_voting_regressor,
            sk_ensemble.StackingClassifier: convert_stacking, sk_ensemble.StackingRegressor: convert_stacking,
            sk_ensemble.BaggingClassifier: convert_bagging, sk_ensemble.BaggingRegressor: convert_bagging,
            sk_ensemble.AdaBoostClassifier: convert_adaboost_classifier,
            sk_ensemble.AdaBoostRegressor: convert_adaboost_regressor,
            sk_ensemble.IsolationForest: convert_isolation_forest}
