"""FeatureUnion: the outputs of its transformers side by side, each scaled by its weight."""

from __future__ import annotations

from typing import Any

from sklearn.pipeline import FeatureUnion

from pmmlkit.builders.fields import Field
from pmmlkit.context import Context, Converter

from .compose import weighted


def convert_feature_union(union: Any, features: list[Field], context: Context) -> list[Field]:
    weights = union.transformer_weights or {}
    outputs: list[Field] = []
    for name, transformer in union.transformer_list:
        if isinstance(transformer, str) and transformer == "drop":
            continue
        result = list(features) if isinstance(transformer, str) and transformer == "passthrough" \
            else context.transform(transformer, features, name)
        outputs.extend(weighted(result, weights.get(name), context))
    return outputs


def converters() -> dict[type, Converter]:
    return {FeatureUnion: convert_feature_union}
