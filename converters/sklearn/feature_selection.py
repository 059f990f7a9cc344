"""sklearn.feature_selection: a fitted selector keeps the columns its ``get_support()`` marks."""

from __future__ import annotations

from typing import Any

from sklearn.feature_selection import VarianceThreshold

from pmmlkit.builders.fields import Field
from pmmlkit.context import Context, Converter

from .fitted import n_features


def converters() -> dict[type, Converter]:
    return {VarianceThreshold: convert_selector}


def convert_selector(selector: Any, features: list[Field], context: Context) -> list[Field]:
    context.expect_features(features, n_features(selector, context), selector)
    return [field for field, keep in zip(features, selector.get_support()) if keep]
