"""FeatureUnion: the outputs of its transformers side by side, each scaled by its weight."""

from __future__ import annotations

from typing import Any

from sklearn.pipeline import FeatureUnion

from pmmlkit.builders.expressions import apply, constant, ref
from pmmlkit.builders.fields import Field
from pmmlkit.context import Context, Converter


def convert_feature_union(union: Any, features: list[Field], context: Context) -> list[Field]:
    weights = union.transformer_weights or {}
    outputs: list[Field] = []
    for name, transformer in union.transformer_list:
        if isinstance(transformer, str) and transformer == "drop":
            continue
        result = list(features) if isinstance(transformer, str) and transformer == "passthrough" \
            else context.transform(transformer, features, name)
        weight = weights.get(name)
        if weight is not None and weight != 1:
            # scikit-learn multiplies each output column by the transformer's weight.
            result = [context.scope.derive(f"weighted({f.name})", apply("*", ref(f), constant(float(weight))))
                      for f in result]
        outputs.extend(result)
    return outputs


def converters() -> dict[type, Converter]:
    return {FeatureUnion: convert_feature_union}
