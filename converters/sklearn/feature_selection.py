"""Feature selectors (SelectKBest, SelectPercentile, SelectFromModel, VarianceThreshold, RFE,
RFECV, GenericUnivariateSelect, SelectFpr/Fdr/Fwe, SequentialFeatureSelector): the columns their
fitted ``get_support()`` keeps, unchanged (missing values pass through, as in scikit-learn)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn import feature_selection

from pmmlkit.builders.fields import Field
from pmmlkit.context import Context

from .fitted import n_features

SELECTORS = ("SelectKBest", "SelectPercentile", "SelectFromModel", "VarianceThreshold", "RFE", "RFECV",
             "GenericUnivariateSelect", "SelectFpr", "SelectFdr", "SelectFwe", "SequentialFeatureSelector")


def converters() -> dict[type, Callable[..., Any]]:
    return {getattr(feature_selection, name): convert_selector for name in SELECTORS}


def convert_selector(selector: Any, features: list[Field], context: Context) -> list[Field]:
    context.expect_features(features, n_features(selector, context), selector)
    try:
        support = np.asarray(selector.get_support(), dtype=bool)
    except (AttributeError, ValueError) as exc:
        raise context.error(f"{type(selector).__name__} cannot tell which columns it keeps ({exc}); "
                            "fit it before converting") from None
    kept = [f for f, keep in zip(features, support) if keep]
    if not kept:
        raise context.error(f"{type(selector).__name__} keeps no column; a model needs at least one")
    return kept
