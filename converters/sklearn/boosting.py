"""GradientBoostingClassifier and GradientBoostingRegressor.

scikit-learn predicts ``raw_k = init_k + sum_i learning_rate * tree_ik(x)`` (one column per
class for multiclass, one otherwise) with the regression trees of ``estimators_``; a regressor
returns ``raw``, a binary classifier ``expit(raw)`` for ``classes_[1]``, a multiclass one the
softmax of the ``raw_k``. Each sum is a ``sum`` MiningModel with ``learning_rate`` folded into
the leaves; classifiers chain a logit/softmax RegressionModel (``expit(2 * raw)`` for the
exponential loss).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from lxml import etree
from sklearn import ensemble

from pmmlkit.builders.fields import Field, Target
from pmmlkit.builders.tree import Leaf, TreeArrays, ensemble_model, margin_classifier, margin_model
from pmmlkit.context import Context, Converter

from .fitted import attribute, n_features
from .tree import _root


def convert_gradient_boosting(booster: Any, features: list[Field], context: Context) -> etree._Element:
    from sklearn.base import is_classifier

    estimators = np.asarray(attribute(booster, context, "estimators_"))
    context.expect_features(features, n_features(booster, context), booster)
    for field in features:
        if not field.is_numeric:
            raise context.error(f"{type(booster).__name__} splits on numbers, but feature {field.name!r} is "
                                f"{field.data_type}; encode it first (e.g. OneHotEncoder in a pipeline)")
    baseline = _baseline(booster, context)
    rate = float(booster.learning_rate)
    if not is_classifier(booster):
        target = context.regression_target()
        trees = _trees(estimators[:, 0], features, context)
        # The baseline as a first, one-leaf tree: the sum starts from it, as scikit-learn's does.
        return ensemble_model([Leaf(value=float(baseline[0])), *trees], target, "sum", [1.0] + [rate] * len(trees))
    target = context.classification_target(attribute(booster, context, "classes_"))
    names, margins = [], []
    for k in range(estimators.shape[1]):
        trees = _trees(estimators[:, k], features, context)
        label = "" if estimators.shape[1] == 1 else f"({(target.classes or ())[k]})"
        names.append(context.scope.unique_name(f"decisionFunction{label}"))
        margins.append(margin_model(trees, names[-1], [rate] * len(trees)))
    # Here the baselines are the last model's intercepts (a one-leaf segment would read no field,
    # and a MiningSchema needs one). The exponential loss's probability is expit(2 * raw);
    # doubling is exact, so 2 * init + 2 * margin equals 2 * (init + margin).
    scale = 2.0 if booster.loss == "exponential" else 1.0
    return margin_classifier(margins, names, target, "logit" if len(names) == 1 else "softmax",
                             coefficient=scale, intercepts=scale * baseline)


def _baseline(booster: Any, context: Context) -> np.ndarray:
    """``init_``'s raw prediction, one value per column: a constant for the default (Dummy) init."""
    from sklearn.dummy import DummyClassifier, DummyRegressor

    init = attribute(booster, context, "init_")
    if not (isinstance(init, str) and init == "zero") and not isinstance(init, (DummyClassifier, DummyRegressor)):
        raise context.error(f"{type(booster).__name__}(init={type(init).__name__}(...)) is not supported: its "
                            "baseline depends on the inputs; use the default init (or init='zero')")
    # The Dummy estimators ignore X: one row scores the constant scikit-learn adds to every row.
    names = getattr(booster, "feature_names_in_", None)
    row = np.zeros((1, n_features(booster, context)))
    X = pd.DataFrame(row, columns=list(names)) if names is not None else row
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(booster._raw_predict_init(X), dtype=np.float64)[0]


def _trees(estimators: Any, features: list[Field], context: Context) -> list[TreeArrays]:
    """The regression trees of one raw column. GradientBoosting rejects NaN (its trees would
    route it): a missing value gets no prediction."""
    target = Target("raw")
    trees = [_root(tree, features, target, context) for tree in estimators]
    for tree in trees:
        tree.missing_left = None
    return trees


def converters() -> dict[type, Converter]:
    return {ensemble.GradientBoostingClassifier: convert_gradient_boosting,
            ensemble.GradientBoostingRegressor: convert_gradient_boosting}
