"""HistGradientBoostingClassifier and HistGradientBoostingRegressor.

Their predictors test the raw double ``x <= num_threshold`` (no float32 rounding); a missing
value follows ``missing_go_to_left``; a categorical split sends the categories of its bitset
left, and unknown ones the way missing values go. ``raw_k = baseline_k + sum of leaf values``
(the learning rate is already in the leaves); a regressor returns ``raw`` (``exp(raw)``
for the poisson and gamma losses), a binary classifier ``expit(raw)``, a multiclass one the
softmax of the ``raw_k``.
Columns with categorical features pass first through the model's own OrdinalEncoder, whose
unknown categories become missing, which routes them as scikit-learn does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from lxml import etree
from sklearn import ensemble

from pmmlkit.builders.fields import Field
from pmmlkit.builders.tree import (
    Leaf,
    TreeArrays,
    ensemble_model,
    margin_classifier,
    margin_model,
    margin_regressor,
)
from pmmlkit.context import Context, Converter

from .compose import select_columns
from .fitted import attribute, n_features
from .preprocessing.encoders import convert_ordinal_encoder

_IDENTITY_LINK_LOSSES = ("squared_error", "absolute_error", "quantile")
_LOG_LINK_LOSSES = ("poisson", "gamma")


def convert_hist_gradient_boosting(booster: Any, features: list[Field], context: Context) -> etree._Element:
    from sklearn.base import is_classifier

    predictors = attribute(booster, context, "_predictors")
    context.expect_features(features, n_features(booster, context), booster)
    preprocessor = getattr(booster, "_preprocessor", None)
    if preprocessor is not None:
        features = _encoded(preprocessor, features, context)
    for field in features:
        if not field.is_numeric:
            raise context.error(f"{type(booster).__name__} splits on numbers, but feature {field.name!r} is "
                                f"{field.data_type}; declare it in categorical_features or encode it first")
    baseline = np.asarray(attribute(booster, context, "_baseline_prediction"), dtype=np.float64).reshape(-1)
    n_columns = len(predictors[0])
    columns = [[_root(iteration[k], features) for iteration in predictors] for k in range(n_columns)]
    if not is_classifier(booster):
        target = context.regression_target()
        trees = columns[0]
        if booster.loss in _LOG_LINK_LOSSES:
            # predict = exp(raw): the baseline goes into the last segment, which exponentiates.
            name = context.scope.unique_name("decisionFunction")
            return margin_regressor(margin_model(trees, name), name, target, "exp", float(baseline[0]))
        if booster.loss not in _IDENTITY_LINK_LOSSES:
            raise context.error(f"HistGradientBoostingRegressor(loss={booster.loss!r}) is not supported; "
                                f"supported losses: {list(_IDENTITY_LINK_LOSSES + _LOG_LINK_LOSSES)}")
        return ensemble_model([Leaf(value=float(baseline[0])), *trees], target, "sum", [1.0] * (len(trees) + 1))
    target = context.classification_target(attribute(booster, context, "classes_"))
    names, margins = [], []
    for k, trees in enumerate(columns):
        label = "" if n_columns == 1 else f"({(target.classes or ())[k]})"
        names.append(context.scope.unique_name(f"decisionFunction{label}"))
        margins.append(margin_model(trees, names[-1]))
    return margin_classifier(margins, names, target, "logit" if n_columns == 1 else "softmax", intercepts=baseline)


def _encoded(preprocessor: Any, features: list[Field], context: Context) -> list[Field]:
    """The model's own ColumnTransformer: an OrdinalEncoder for the categorical columns (unknown
    categories -> NaN) and a float64 conversion (an identity) for the others, in its output order."""
    from sklearn.preprocessing import OrdinalEncoder

    outputs: list[Field] = []
    for name, step, columns in attribute(preprocessor, context, "transformers_"):
        selected = select_columns(columns, features, context.at(name))
        if not selected or (isinstance(step, str) and step == "drop"):
            continue
        if isinstance(step, OrdinalEncoder):
            outputs.extend(convert_ordinal_encoder(step, selected, context.at(name)))
        else:
            outputs.extend(selected)
    return outputs


def _root(predictor: Any, features: list[Field]) -> TreeArrays:
    nodes = predictor.nodes
    split = ~nodes["is_leaf"].astype(bool)
    threshold = np.asarray(nodes["num_threshold"], dtype=np.float64)
    # +inf sends every number left; the largest double says so in a form every evaluator reads.
    threshold = np.where(threshold == np.inf, np.finfo(np.float64).max, threshold)
    bitsets = np.asarray(predictor.raw_left_cat_bitsets)
    categorical = np.flatnonzero(split & nodes["is_categorical"].astype(bool))
    categories = {int(i): tuple(float(c) for c in _bitset_members(bitsets[int(nodes["bitset_idx"][i])]))
                  for i in categorical}
    return TreeArrays(fields=features, left=np.where(split, nodes["left"].astype(np.int64), -1),
                      right=np.where(split, nodes["right"].astype(np.int64), -1),
                      feature=nodes["feature_idx"], threshold=threshold, value=nodes["value"], count=nodes["count"],
                      missing_left=nodes["missing_go_to_left"].astype(bool), categories=categories)


def _bitset_members(bitset: np.ndarray) -> list[int]:
    """The values whose bit is set: value ``v`` is bit ``v % 32`` of word ``v // 32``."""
    return [32 * word + bit for word, value in enumerate(bitset) for bit in range(32) if (int(value) >> bit) & 1]


def converters() -> dict[type, Converter]:
    return {ensemble.HistGradientBoostingClassifier: convert_hist_gradient_boosting,
            ensemble.HistGradientBoostingRegressor: convert_hist_gradient_boosting}
