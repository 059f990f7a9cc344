"""LightGBM: LGBMClassifier, LGBMRegressor, LGBMRanker and native Booster objects.

LightGBM predicts with the double value of each feature (pandas and numpy float64 inputs are
passed as doubles) and stores its thresholds as doubles, written at full precision by
``dump_model``: a numerical split is ``x <= threshold`` with no float32 rounding, so the
thresholds are written as they are. Its missing-value rules, per split (``Tree::NumericalDecision``):

* ``missing_type`` None: NaN counts as 0.0 and is compared like a number;
* ``missing_type`` Zero: NaN counts as 0.0, and any value within ``±1e-35f`` of zero takes the
  split's default direction (``default_left``);
* ``missing_type`` NaN: NaN takes the default direction.

Before any of these, a value within the zero band counts as exactly 0 (LightGBM drops it as a
sparse zero). Zero-type splits read a derived field that is missing for NaN and the zero band, None-type
splits a derived field with NaN replaced by 0, so that every split is a plain comparison with a
side for missing values (see :mod:`pmmlkit.builders.tree`). A categorical split sends
``int(x)`` left when it is in the split's category set; NaN and values ``<= -1`` go right.
pandas ``category`` columns are coded by their fitted categories (an unseen one is NaN).

The raw score is the sum of the trees' leaf values, in order (LightGBM folds its initial score
into the first tree); per objective the prediction is the raw score, ``exp`` of it (poisson,
gamma, tweedie), ``sigmoid(s * raw)`` (binary) or the softmax of the class scores (multiclass).

lightgbm is an optional extra: it is imported only in :func:`converters`, when a LightGBM model
is converted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from lxml import etree

from pmmlkit.builders.expressions import apply, constant, if_chain, is_missing, ref
from pmmlkit.builders.fields import Field
from pmmlkit.builders.tree import Leaf, Node, Split, ensemble_model, margin_classifier, margin_model, margin_regressor
from pmmlkit.context import Context

# LightGBM's kZeroThreshold (1e-35f), as the double it is compared in.
ZERO_THRESHOLD = float(np.float32(1e-35))
_EXP_OBJECTIVES = ("poisson", "gamma", "tweedie")
_RAW_OBJECTIVES = ("regression", "regression_l1", "huber", "fair", "quantile", "mape", "lambdarank",
                   "rank_xendcg")


def converters() -> dict[type, Callable[..., Any]]:
    # The registry loads this table only for a LightGBM model (or to list coverage, which
    # skips a framework whose library is absent).
    import lightgbm

    return {
        lightgbm.LGBMClassifier: convert_lgbm,
        lightgbm.LGBMRegressor: convert_lgbm,
        lightgbm.LGBMRanker: convert_lgbm,
        lightgbm.Booster: convert_booster,
    }


def fitted_booster(model: Any) -> Any | None:
    """The scikit-learn API's fitted ``booster_`` (None before fit)."""
    return getattr(model, "booster_", None) if getattr(model, "fitted_", False) else None


def convert_lgbm(model: Any, features: list[Field], context: Context) -> etree._Element:
    """The scikit-learn API: its ``booster_`` with the ``best_iteration_`` its predict uses."""
    booster = fitted_booster(model)
    if booster is None:
        raise context.error(f"{type(model).__name__} is not fitted: call fit() before converting")
    classes = getattr(model, "classes_", None) if hasattr(model, "predict_proba") else None
    iteration = getattr(model, "best_iteration_", None)
    return _convert(booster, features, context, classes, iteration if iteration and iteration > 0 else None)


def convert_booster(booster: Any, features: list[Field], context: Context) -> etree._Element:
    """A native Booster's ``predict``: a value (regression, ranking), the probability of class 1
    (binary: the PMML predicts that number), or one probability per class (multiclass: a
    classifier over the classes 0 .. K-1)."""
    dump = _dump(booster, None, context)
    objective = str(dump["objective"]).split()[0]
    classes = np.arange(int(dump["num_class"])) if objective == "multiclass" else None
    iteration = booster.best_iteration if booster.best_iteration > 0 else None
    return _convert(booster, features, context, classes, iteration)


def _dump(booster: Any, iteration: int | None, context: Context) -> dict[str, Any]:
    # LightGBM accepts a column name holding a control character (a tab, a line end) at fit but
    # writes it unescaped into the JSON of dump_model, which its own json.loads then refuses.
    try:
        return dict(booster.dump_model(num_iteration=iteration))
    except ValueError as exc:
        controls = [n for n in booster.feature_name() if any(ord(c) < 32 for c in str(n))]
        which = f" (the columns {controls} hold control characters)" if controls else ""
        raise context.error(f"LightGBM cannot describe this model as JSON: {exc}{which}; "
                            "rename those columns without control characters and fit again") from None


def _convert(booster: Any, features: list[Field], context: Context, classes: Any,
             iteration: int | None) -> etree._Element:
    dump = _dump(booster, iteration, context)
    names = list(dump["feature_names"])
    context.expect_features(features, len(names), booster)
    objective_text = str(dump["objective"]).split()
    objective = objective_text[0] if objective_text else ""
    if any(t.get("is_linear") for t in dump["tree_info"]):
        raise context.error("LightGBM linear trees (linear_tree=True) are not converted; fit with linear_tree=False")
    inputs = _Inputs(features, dump.get("pandas_categorical") or [], context)
    per_iteration = int(dump["num_tree_per_iteration"])
    trees = [_tree(info["tree_structure"], inputs, context) for info in dump["tree_info"]]
    iterations = len(trees) // per_iteration
    # average_output (boosting="rf"): the mean over iterations instead of the sum.
    weights = [1.0 / iterations] * iterations if dump.get("average_output") else None
    if classes is None and objective in ("binary", "cross_entropy"):
        # A Booster's binary predict: the probability of class 1, as a number.
        name = context.scope.unique_name("rawScore")
        scale = _sigmoid(objective_text)
        return margin_regressor(margin_model(trees, name, [w * scale for w in weights or [1.0] * len(trees)]),
                                name, context.regression_target(), "logit")
    if classes is None:
        if objective not in _RAW_OBJECTIVES + _EXP_OBJECTIVES:
            raise context.error(f"LightGBM objective {objective!r} is not converted; supported: "
                                f"{', '.join(_RAW_OBJECTIVES + _EXP_OBJECTIVES)}, binary, multiclass")
        target = context.regression_target()
        if objective in _EXP_OBJECTIVES:
            name = context.scope.unique_name("rawScore")
            return margin_regressor(margin_model(trees, name, weights), name, target, "exp")
        return ensemble_model(trees, target, "sum", weights)
    target = context.classification_target(classes)
    if objective in ("binary", "cross_entropy") and len(classes) == 2:
        name = context.scope.unique_name("rawScore")
        return margin_classifier([margin_model(trees, name, weights)], [name], target, "logit",
                                 coefficient=_sigmoid(objective_text))
    if objective == "multiclass" and per_iteration == len(classes):
        names = [context.scope.unique_name(f"rawScore({k})") for k in range(per_iteration)]
        margins = [margin_model(trees[k::per_iteration], names[k], weights) for k in range(per_iteration)]
        return margin_classifier(margins, names, target, "softmax")
    raise context.error(f"LightGBM objective {' '.join(objective_text)!r} with {len(classes)} classes is not "
                        "converted; use objective='binary' or 'multiclass'")


def _sigmoid(objective: list[str]) -> float:
    """The ``sigmoid:`` parameter of a binary objective (LightGBM's default is 1)."""
    for part in objective[1:]:
        if part.startswith("sigmoid:"):
            return float(part.split(":", 1)[1])
    return 1.0


class _Inputs:
    """The fields LightGBM's splits read, derived once per feature and rule."""

    def __init__(self, features: list[Field], pandas_categorical: list[list[Any]], context: Context) -> None:
        self.context = context
        self.features = features
        self.cache: dict[tuple[int, str], Field] = {}
        # pandas category columns, in order, get their fitted categories' codes.
        self.codes: dict[int, list[Any]] = {}
        string_columns = [i for i, f in enumerate(features) if not f.is_numeric]
        if len(string_columns) > len(pandas_categorical):
            raise context.error("LightGBM reads numbers; a string column reaches it that was not a pandas "
                                "category column in fit: encode it, or fit on a 'category' dtype column")
        for i, categories in zip(string_columns, pandas_categorical):
            self.codes[i] = list(categories)

    def numeric(self, index: int) -> Field:
        """The feature as a number: a pandas category column becomes its code (NaN when unseen)."""
        field = self.features[index]
        if index not in self.codes:
            return field
        key = (index, "code")
        if key not in self.cache:
            data_type = "string" if any(isinstance(c, str) for c in self.codes[index]) else "double"
            branches = [(apply("equal", ref(field), constant(c, data_type)), constant(float(k)))
                        for k, c in enumerate(self.codes[index])]
            expression = apply("if", is_missing(field), ref(field), if_chain(branches))
            self.cache[key] = self.context.scope.derive(f"lightgbmCode({field.name})", expression)
        return self.cache[key]

    def for_rule(self, index: int, rule: str) -> Field:
        base = self.numeric(index)
        key = (index, rule)
        if key not in self.cache:
            x = ref(base)
            # LightGBM reads a value within the zero band as exactly 0 (as an absent sparse entry).
            in_band = apply("and", apply("greaterOrEqual", ref(base), constant(-ZERO_THRESHOLD)),
                            apply("lessOrEqual", ref(base), constant(ZERO_THRESHOLD)))
            if rule == "None":
                expression = apply("if", is_missing(base), constant(0.0), apply("if", in_band, constant(0.0), x))
                name = f"lightgbmMissingAsZero({base.name})"
            elif rule == "NaN":
                expression = apply("if", is_missing(base), x, apply("if", in_band, constant(0.0), ref(base)))
                name = f"lightgbmBandAsZero({base.name})"
            elif rule == "Zero":
                # Missing (the default direction) for NaN and for the zero band.
                expression = apply("if", is_missing(base), x, apply("if", apply("not", in_band), ref(base)))
                name = f"lightgbmZeroAsMissing({base.name})"
            elif rule == "category":
                # int(x) truncates toward zero; NaN and x <= -1 go right (missing here).
                truncated = apply("if", apply("lessThan", ref(base), constant(0.0)), constant(0.0),
                                  apply("floor", ref(base)))
                expression = apply("if", is_missing(base), x,
                                   apply("if", apply("greaterThan", ref(base), constant(-1.0)), truncated))
                name = f"lightgbmCategory({base.name})"
            else:
                raise self.context.error(f"unknown LightGBM missing type {rule!r}")
            self.cache[key] = self.context.scope.derive(name, expression)
        return self.cache[key]


def _count(leaf: dict[str, Any]) -> float | None:
    """The leaf's training record count, written as its recordCount: TreeSHAP and gain importance
    weigh the tree's paths by them (a split's count is the sum of its leaves', as in LightGBM)."""
    return float(leaf["leaf_count"]) if "leaf_count" in leaf else None


def _tree(structure: dict[str, Any], inputs: _Inputs, context: Context) -> Node:
    if "leaf_value" in structure and "split_feature" not in structure:
        return Leaf(value=float(structure["leaf_value"]), count=_count(structure))
    root: Node | None = None
    # An explicit stack: trees can be deeper than Python's recursion limit.
    pending: list[tuple[dict[str, Any], Split | None, str]] = [(structure, None, "")]
    while pending:
        node, parent, side = pending.pop()
        if "split_feature" not in node:
            built: Node = Leaf(value=float(node["leaf_value"]), count=_count(node))
        else:
            built = _split(node, inputs, context)
            pending.append((node["left_child"], built, "left"))
            pending.append((node["right_child"], built, "right"))
        if parent is None:
            root = built
        else:
            setattr(parent, side, built)
    assert root is not None
    return root


def _split(node: dict[str, Any], inputs: _Inputs, context: Context) -> Split:
    index = int(node["split_feature"])
    decision = node["decision_type"]
    if decision == "==":
        categories = tuple(int(c) for c in str(node["threshold"]).split("||"))
        field = inputs.for_rule(index, "category")
        return Split(field, None, None, categories=tuple(float(c) for c in categories),  # type: ignore[arg-type]
                     missing_left=False)
    if decision != "<=":
        raise context.error(f"LightGBM decision type {decision!r} is not converted")
    rule = str(node.get("missing_type", "None"))
    field = inputs.for_rule(index, rule)
    threshold = float(node["threshold"])
    missing_left = bool(node["default_left"]) if rule in ("NaN", "Zero") else None
    return Split(field, None, None, threshold=threshold, missing_left=missing_left)  # type: ignore[arg-type]
