"""Decision trees and random forests.

scikit-learn casts inputs to float32 and tests ``float32(x) <= threshold`` with a float64
threshold, while a PMML evaluator tests the double ``x``. Each threshold is therefore rewritten
as the largest double ``T`` with ``float32(x) <= threshold`` for every double ``x <= T``
(see :func:`pmmlkit.builders.float32.float32_split_threshold`), which makes ``x <= T`` decide exactly as scikit-learn.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from lxml import etree
from sklearn import ensemble
from sklearn import tree as sk_tree
from sklearn.base import is_classifier

from pmmlkit.builders.fields import Field, Target
from pmmlkit.builders.float32 import float32_split_threshold
from pmmlkit.builders.tree import TreeArrays, ensemble_model, tree_model
from pmmlkit.context import Context, Converter

from .fitted import attribute, n_features


def convert_decision_tree(tree: Any, features: list[Field], context: Context) -> etree._Element:
    _check_features(tree, features, context)
    target = _target(tree, context)
    return tree_model(_root(tree, features, target, context), target)


def convert_random_forest(forest: Any, features: list[Field], context: Context) -> etree._Element:
    _check_features(forest, features, context)
    estimators = attribute(forest, context, "estimators_")
    target = _target(forest, context)
    # Forests average their trees' predict / predict_proba with equal weights.
    trees = [_root(estimator, features, target, context) for estimator in estimators]
    return ensemble_model(trees, target, method="average")


def _check_features(estimator: Any, features: list[Field], context: Context) -> None:
    if int(attribute(estimator, context, "n_outputs_")) != 1:
        raise context.error(f"{type(estimator).__name__} with {estimator.n_outputs_} outputs: PMML models here "
                            "predict one target; fit one model per target")
    context.expect_features(features, n_features(estimator, context), estimator)
    for field in features:
        if not field.is_numeric:
            raise context.error(f"{type(estimator).__name__} splits on numbers, but feature {field.name!r} is "
                                f"{field.data_type}; encode it first (e.g. OneHotEncoder in a pipeline)")


def _target(estimator: Any, context: Context) -> Target:
    if is_classifier(estimator):
        return context.classification_target(attribute(estimator, context, "classes_"))
    return context.regression_target()


def _allows_nan(tree: Any) -> bool:
    """Whether ``predict`` accepts NaN (then ``missing_go_to_left`` routes it at every split)."""
    try:
        return bool(tree.__sklearn_tags__().input_tags.allow_nan)
    except AttributeError:
        return False


def _root(tree: Any, features: list[Field], target: Target, context: Context) -> TreeArrays:
    """The fitted tree's own node arrays, with float32-exact thresholds."""
    structure = attribute(tree, context, "tree_")
    left = np.asarray(structure.children_left)
    thresholds = float32_split_threshold(structure.threshold)
    bad = np.flatnonzero((left != -1) & np.isnan(thresholds))
    if bad.size:
        raise context.error(f"split {int(bad[0])} of a tree has a NaN threshold; the model looks corrupt")
    # A split between missing and present values has threshold +inf: every number goes left.
    # The largest double says so without writing "INF", which not every evaluator parses.
    thresholds = np.where(np.isposinf(thresholds), np.finfo(np.float64).max, thresholds)
    missing_left = getattr(structure, "missing_go_to_left", None) if _allows_nan(tree) else None
    values = np.asarray(structure.value, dtype=np.float64)[:, 0, :]
    n_classes = len(target.classes) if target.classes is not None else 0
    if n_classes == 0:
        values = values[:, 0]
    else:
        values = values[:, :n_classes]
        total = values.sum(axis=1)
        # scikit-learn >= 1.4 stores class fractions and predict_proba returns them as they are;
        # older releases stored (weighted) counts and predict_proba divided by their sum.
        divide = (np.abs(total - 1.0) > 1e-6) & (total > 0)
        values = np.where(divide[:, None], values / np.where(divide, total, 1.0)[:, None], values)
    return TreeArrays(fields=features, left=left, right=structure.children_right, feature=structure.feature,
                      threshold=thresholds, value=values, count=structure.weighted_n_node_samples,
                      missing_left=None if missing_left is None else np.asarray(missing_left, dtype=bool))


def converters() -> dict[type, Converter]:
    return {sk_tree.DecisionTreeClassifier: convert_decision_tree, sk_tree.DecisionTreeRegressor: convert_decision_tree,
            sk_tree.ExtraTreeClassifier: convert_decision_tree, sk_tree.ExtraTreeRegressor: convert_decision_tree,
            ensemble.RandomForestClassifier: convert_random_forest, ensemble.RandomForestRegressor: convert_random_forest,
            ensemble.ExtraTreesClassifier: convert_random_forest, ensemble.ExtraTreesRegressor: convert_random_forest}
