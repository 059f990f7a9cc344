"""sklearn.compose: ColumnTransformer."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import FunctionTransformer

from pmmlkit.builders.expressions import apply, constant, ref
from pmmlkit.builders.fields import Field
from pmmlkit.context import Context, Converter

from .fitted import attribute, n_features


def converters() -> dict[type, Converter]:
    return {ColumnTransformer: convert_column_transformer}


def convert_column_transformer(transformer: Any, features: list[Field], context: Context) -> list[Field]:
    fitted = attribute(transformer, context, "transformers_")
    names = getattr(transformer, "feature_names_in_", None)
    if names is not None and [f.name for f in features] != [str(n) for n in names]:
        # Fitted on a DataFrame: scikit-learn finds its columns by name, so X may order them
        # differently or hold more; positions below then refer to the fitted order.
        features = [_one_column(str(n), features, context) for n in names]
    context.expect_features(features, n_features(transformer, context), transformer)
    weights = transformer.transformer_weights or {}
    outputs: list[Field] = []
    # transformers_ lists the fitted steps in the order of scikit-learn's output columns, with
    # the remainder (when it has columns) last.
    for name, step, columns in fitted:
        if isinstance(step, str) and step == "drop":
            continue
        selected = select_columns(columns, features, context.at(name))
        if not selected:
            continue
        if _is_passthrough(step):
            result = selected
        else:
            result = context.transform(step, selected, name)
        outputs.extend(weighted(result, weights.get(name), context))
    return outputs


def weighted(fields: list[Field], weight: float | None, context: Context) -> list[Field]:
    """``fields`` each multiplied by a transformer's weight, as scikit-learn scales its output
    columns (ColumnTransformer's and FeatureUnion's ``transformer_weights``)."""
    if weight is None or weight == 1:
        return fields
    return [context.scope.derive(f"weighted({f.name})", apply("*", ref(f), constant(float(weight)))) for f in fields]


def _is_passthrough(step: Any) -> bool:
    # A fitted ColumnTransformer stores "passthrough" as an identity FunctionTransformer.
    if isinstance(step, str):
        return step == "passthrough"
    return isinstance(step, FunctionTransformer) and step.func is None


def select_columns(columns: Any, features: list[Field], context: Context) -> list[Field]:
    """The fields a ColumnTransformer column specification picks, in scikit-learn's order:
    names (str), positions (int), lists of either, boolean masks or slices."""
    if callable(columns):
        raise context.error("a callable column selector was not resolved at fit; pass column names instead")
    if isinstance(columns, (str, int, np.integer)):
        return [_one_column(columns, features, context)]
    if isinstance(columns, slice):
        if isinstance(columns.start, str) or isinstance(columns.stop, str):
            # pandas label slices include their end.
            names = [f.name for f in features]
            start = 0 if columns.start is None else names.index(_one_column(columns.start, features, context).name)
            stop = len(names) if columns.stop is None else \
                names.index(_one_column(columns.stop, features, context).name) + 1
            return features[start:stop:columns.step]
        return features[columns]
    items = list(columns.tolist() if hasattr(columns, "tolist") else columns)
    if items and all(isinstance(v, (bool, np.bool_)) for v in items):
        if len(items) != len(features):
            raise context.error(f"a boolean column mask of length {len(items)} for {len(features)} columns")
        return [f for f, keep in zip(features, items) if keep]
    return [_one_column(v, features, context) for v in items]


def _one_column(key: Any, features: list[Field], context: Context) -> Field:
    if isinstance(key, str):
        for field in features:
            if field.name == key:
                return field
        raise context.error(f"column {key!r} is not in X (columns: {[f.name for f in features]}); "
                            "pass X with the columns the model was trained on")
    if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
        if -len(features) <= key < len(features):
            return features[int(key)]
        raise context.error(f"column position {int(key)} is out of range for {len(features)} columns")
    raise context.error(f"cannot select columns with {key!r}; use column names or positions")
