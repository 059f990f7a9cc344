"""XGBoost: XGBRegressor, XGBClassifier, XGBRanker and native Booster objects, reproduced in float32.

XGBoost casts each input to float32 and sends it left when ``float32(x) < split_condition`` (a
float32), a missing value to the split's default side. Its margin starts from the base score (in
margin space, computed in float32) and adds each tree's float32 leaf value in float32, in tree
order. Ranking objectives (``rank:pairwise``, ``rank:ndcg``, ``rank:map``) score that margin, as
XGBRanker.predict does; other objectives transform it in float32 too (``1.0f / (1.0f + expf(-x))``,
``expf(x)``), with ``expf`` correctly rounded. PMML4S evaluates ``dataType="float"`` as double, so the float32
arithmetic is written out: every tree is a chain member publishing its leaf value, and each
float32 sum and transform is rounded with double operations (:mod:`pmmlkit.builders.float32`).

Thresholds: ``float32(x) < s`` holds exactly for the doubles ``x <= T``, with ``T`` the largest
double rounding to at most the float32 just below ``s`` (:func:`float32_split_threshold`).

A binary classifier's ``predict_proba`` is ``[float32(1 - p), p]``: the model's probability of
class 1 is ``p`` (the last model scores class 0 as ``1 - p``, exact in double, so evaluators give
``p`` back for class 1), and the probability of class 0 is an output field rounding ``1 - p`` to
float32. A multiclass classifier (``multi:softprob``) runs XGBoost's float32 softmax (see
:func:`_softmax_classifier`). Other multi-output objectives, categorical splits and forests
(``num_parallel_tree > 1``) are refused.

xgboost is an optional extra: it is imported only in :func:`converters`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
from lxml import etree

from pmmlkit.builders.ensemble import attach_local_fields, local_scope, method_output_field, model_chain
from pmmlkit.builders.expressions import apply, constant, fold, ref
from pmmlkit.builders.fields import Field, Scope, Target
from pmmlkit.builders.float32 import binary_exponent, float32_split_threshold, round_to_float32
from pmmlkit.builders.model import classification_output, model, probability_name
from pmmlkit.builders.regression import regression_table
from pmmlkit.builders.tree import Leaf, Node, Split, margin_model
from pmmlkit.context import Context

_IDENTITY = ("reg:squarederror", "reg:absoluteerror", "reg:pseudohubererror", "reg:squaredlogerror",
             "rank:pairwise", "rank:ndcg", "rank:map")
_SIGMOID = ("binary:logistic", "reg:logistic")
_EXP = ("count:poisson", "reg:gamma", "reg:tweedie")


def converters() -> dict[type, Callable[..., Any]]:
    # The registry loads this table only for an XGBoost model (or to list coverage, which skips
    # a framework whose library is absent).
    import xgboost

    return {
        xgboost.XGBRegressor: convert_xgb,
        xgboost.XGBClassifier: convert_xgb,
        xgboost.XGBRanker: convert_xgb,
        xgboost.Booster: convert_booster,
    }


def convert_xgb(estimator: Any, features: list[Field], context: Context) -> etree._Element:
    try:
        booster = estimator.get_booster()
    except Exception:  # xgboost raises its own NotFittedError type
        raise context.error(f"{type(estimator).__name__} is not fitted: call fit() before converting") from None
    missing = getattr(estimator, "missing", np.nan)
    if missing is not None and not (isinstance(missing, float) and np.isnan(missing)):
        raise context.error(f"{type(estimator).__name__}(missing={missing!r}) is not converted: PMML marks missing "
                            "values itself; replace that marker with NaN and fit with the default missing=nan")
    classes = getattr(estimator, "classes_", None) if hasattr(estimator, "predict_proba") else None
    iteration = getattr(estimator, "best_iteration", None) if hasattr(booster, "best_iteration") else None
    return _convert(booster, features, context, classes, iteration)


def convert_booster(booster: Any, features: list[Field], context: Context) -> etree._Element:
    """A native Booster's ``predict``: a value, or for binary:logistic the probability of class 1."""
    return _convert(booster, features, context, None, None)


def _convert(booster: Any, features: list[Field], context: Context, classes: Any,
             iteration: int | None) -> etree._Element:
    document = json.loads(booster.save_raw("json"))
    learner = document["learner"]
    objective = learner["objective"]["name"]
    parameters = learner["learner_model_param"]
    n_classes = int(parameters.get("num_class", "0"))
    if int(parameters.get("num_target", "1")) > 1 or (n_classes > 1 and objective != "multi:softprob"):
        raise context.error(f"XGBoost objective {objective!r} with several outputs is not converted; "
                            "regression, binary:logistic and multi:softprob are")
    model_part = learner["gradient_booster"]
    if model_part.get("name") != "gbtree":
        raise context.error(f"XGBoost booster {model_part.get('name')!r} is not converted; use booster='gbtree'")
    trees = model_part["model"]["trees"]
    parallel = int(model_part["model"]["gbtree_model_param"].get("num_parallel_tree", "1"))
    if parallel != 1:
        raise context.error("XGBoost with num_parallel_tree > 1 is not converted; use num_parallel_tree=1")
    if iteration is not None:
        # predict stops at the best iteration (early stopping): one tree per class and iteration.
        trees = trees[:(iteration + 1) * max(n_classes, 1)]
    names = learner.get("feature_names") or []
    context.expect_features(features, int(parameters["num_feature"]), booster)
    if names and [f.name for f in features] != list(names):
        by_name = {f.name: f for f in features}
        features = [by_name[n] if n in by_name else features[i] for i, n in enumerate(names)]
    for field in features:
        if not field.is_numeric:
            raise context.error(f"XGBoost reads numbers, but feature {field.name!r} is {field.data_type}; "
                                "encode it first (e.g. OneHotEncoder in a pipeline)")
    scope = context.scope
    names_out = [scope.unique_name(f"xgboostTree({i + 1})") for i in range(len(trees))]
    roots = [_tree(tree, features, context) for tree in trees]
    # A tree that is one leaf reads no input: its value enters the sum as a constant (a member
    # model reading nothing would have an empty MiningSchema, which the schema forbids).
    terms: list[str | float] = [r.value if isinstance(r, Leaf) else n for r, n in zip(roots, names_out)]
    members = [margin_model([r], n) for r, n in zip(roots, names_out) if not isinstance(r, Leaf)]
    local = local_scope(scope, [Field(t) for t in terms if isinstance(t, str)])
    if objective == "multi:softprob":
        groups = [int(g) for g in model_part["model"]["tree_info"]][:len(trees)]
        bases = _numbers(parameters["base_score"], n_classes)
        margins = [_margin(local, [t for t, g in zip(terms, groups) if g == k], float(np.float32(bases[k])),
                           f"margin[{k}]") for k in range(n_classes)]
        return _softmax_classifier(members, local, margins, classes, context)
    base = _base_margin(objective, _number(parameters["base_score"]), context)
    margin = _margin(local, terms, base, "margin")
    if objective in _IDENTITY:
        value = margin
    elif objective in _EXP:
        value = _rounded(local, "prediction", lambda: apply("exp", ref(margin)))
    elif objective in _SIGMOID:
        value = _sigmoid(local, margin)
    else:
        raise context.error(f"XGBoost objective {objective!r} is not converted; supported: "
                            f"{', '.join(_IDENTITY + _SIGMOID + _EXP)}")
    if classes is None:
        target = context.regression_target()
        last = model("RegressionModel", regression_table([value], [1.0], 0.0), function="regression", target=target)
        attach_local_fields(last, local, scope)
        return model_chain(members, last, target)
    if objective != "binary:logistic" or len(classes) != 2:
        raise context.error(f"XGBClassifier with objective {objective!r} and {len(classes)} classes is not "
                            "converted; binary:logistic is")
    target = context.classification_target(classes)
    complement = local.derive("complement", apply("-", constant(1.0), ref(value)))
    # normalizationMethod="none": the first class scores 1 - p; evaluators give the last 1 - (1 - p) = p.
    last = model("RegressionModel", regression_table([complement], [1.0], 0.0, classes[0]),
                 regression_table([value], [1.0], 0.0, classes[1]), function="classification", target=target,
                 normalizationMethod="none")
    attach_local_fields(last, local, scope)
    return model_chain(members, last, target, _binary_output(target))


def _margin(scope: Scope, trees: list[str | float], base: float, name: str) -> Field:
    """``base + tree_1 + tree_2 + ...`` in float32, in tree order (a tree: its output field, or
    the value of a tree that is one leaf)."""
    margin: Field = scope.derive(f"{name}(0)", constant(base))
    for i, tree in enumerate(trees):
        margin = _rounded(scope, f"{name}({i + 1})", lambda m=margin, t=tree: apply(
            "+", ref(m), constant(t) if isinstance(t, float) else ref(t)))
    return margin


def _softmax_classifier(members: list[etree._Element], scope: Scope, margins: list[Field], classes: Any,
                        context: Context) -> etree._Element:
    """XGBoost's float32 softmax: ``e_k = expf(m_k - max m)``, a double sum ``w`` of the ``e_k``,
    ``p_k = e_k / float32(w)``. The last model lists the classes with ``normalizationMethod="none"``,
    which makes evaluators score the last category as 1 minus the others: a placeholder category
    after the real ones takes that, so every real class keeps its exact ``p_k`` (and the placeholder,
    near 0, never wins)."""
    if classes is None:
        raise context.error("a multiclass XGBoost Booster predicts one probability per class: convert the "
                            "XGBClassifier (the scikit-learn API) instead")
    if len(classes) != len(margins):
        raise context.error(f"XGBClassifier with {len(classes)} classes but {len(margins)} outputs")
    top = scope.derive("maxMargin", apply("max", *[ref(m) for m in margins]))
    exps = []
    for k, m in enumerate(margins):
        shifted = _rounded(scope, f"shifted[{k}]", lambda m=m: apply("-", ref(m), ref(top)))
        exps.append(_rounded(scope, f"exp[{k}]", lambda x=shifted: apply("exp", ref(x))))
    total = _rounded(scope, "sumExp", lambda: fold("+", [ref(e) for e in exps]))
    probabilities = [_rounded(scope, f"probability[{k}]", lambda e=e: apply("/", ref(e), ref(total)))
                     for k, e in enumerate(exps)]
    target = context.classification_target(classes)
    placeholder = max(int(c) for c in classes) + 1
    tables = [regression_table([p], [1.0], 0.0, label) for p, label in zip(probabilities, classes)]
    tables.append(regression_table([], [], 0.0, placeholder))
    last = model("RegressionModel", *tables, function="classification", target=target, normalizationMethod="none")
    attach_local_fields(last, scope, context.scope)
    return model_chain(members, last, target)


def _numbers(text: str, count: int) -> list[float]:
    values = np.asarray(json.loads(text) if text.startswith("[") else [float(text)], dtype=np.float64).reshape(-1)
    return list(values) if len(values) == count else [float(values[0])] * count


def _binary_output(target: Target) -> etree._Element:
    classes = target.classes or ()
    # probability of class 0: float32(1 - p), computed from the probability of class 1.
    expression = round_to_float32(lambda: apply("-", constant(1.0), ref(probability_name(classes[1]))))
    first = method_output_field(probability_name(classes[0]), "predict_proba", expression, value=classes[0])
    return classification_output(target, {classes[0]: first})


def _rounded(scope: Scope, name: str, operand: Callable[[], etree._Element]) -> Field:
    """A derived field holding ``float32(operand)``; its exponent gets a field of its own."""
    raw = scope.derive(f"{name}.exact", operand())
    exponent = scope.derive(f"{name}.exponent", apply("if", apply("equal", ref(raw), constant(0.0)), constant(0.0),
                                                     binary_exponent(lambda: ref(raw))))
    return scope.derive(name, round_to_float32(lambda: ref(raw), lambda: ref(exponent)))


def _sigmoid(scope: Scope, margin: Field) -> Field:
    """``1.0f / (1.0f + expf(-x))`` with every float32 step rounded."""
    e = _rounded(scope, "expNegativeMargin", lambda: apply("exp", apply("*", constant(-1.0), ref(margin))))
    d = _rounded(scope, "onePlusExp", lambda: apply("+", constant(1.0), ref(e)))
    return _rounded(scope, "probability", lambda: apply("/", constant(1.0), ref(d)))


def _number(text: str) -> float:
    return float(np.asarray(json.loads(text) if text.startswith("[") else float(text), dtype=np.float64).reshape(-1)[0])


def _base_margin(objective: str, base_score: float, context: Context) -> float:
    """The base score in margin space, as XGBoost computes it in float32."""
    f32 = np.float32
    b = f32(base_score)
    if objective in _SIGMOID:
        inner = f32(f32(f32(1.0) / b) - f32(1.0))
        return float(f32(-np.log(np.float64(inner))))
    if objective in _EXP:
        return float(f32(np.log(np.float64(b))))
    return float(b)


def _tree(tree: dict[str, Any], features: list[Field], context: Context) -> Node:
    left = tree["left_children"]
    right = tree["right_children"]
    if any(int(t) != 0 for t in tree.get("split_type", [])):
        raise context.error("XGBoost categorical splits are not converted; one-hot encode the column instead")
    conditions = np.asarray(tree["split_conditions"], dtype=np.float32)
    below = np.nextafter(conditions, np.float32(-np.inf))
    # float32(x) < s  <=>  float32(x) <= the float32 below s  <=>  x <= T.
    thresholds = float32_split_threshold(below.astype(np.float64))
    # A node's cover (sum of hessians) is its recordCount: TreeSHAP and gain importance weigh paths by
    # it. Splits get theirs too: XGBoost sums hessians in float32, so a split's cover is not always
    # the sum of its children's, and XGBoost's (and shap's) TreeSHAP reads the split's own.
    covers = tree.get("sum_hessian")
    nodes: list[Node] = []
    for i in range(len(left)):
        count = None if covers is None else float(covers[i])
        if left[i] == -1:
            nodes.append(Leaf(value=float(conditions[i]), count=count))
        else:
            nodes.append(Split(features[int(tree["split_indices"][i])], None, None,  # type: ignore[arg-type]
                               threshold=float(thresholds[i]), missing_left=bool(tree["default_left"][i]),
                               count=count))
    for i, node in enumerate(nodes):
        if isinstance(node, Split):
            node.left, node.right = nodes[left[i]], nodes[right[i]]
    return nodes[0]
