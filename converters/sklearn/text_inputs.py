"""Which input columns a fitted scikit-learn model reads as text, found from the categories its
encoders learned (before any sample is read: to keep those columns text, or to say that a sample
is needed).

An encoder fitted after another step (``SimpleImputer`` then ``OneHotEncoder``, in a Pipeline
inside a ColumnTransformer) saw an array without column names: its columns are named by tracing
the names through the steps before it (their ``get_feature_names_out``) and the
ColumnTransformer's column selection.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

Names = list[str] | None


def text_categories(model: Any) -> list[tuple[str | None, str, Any]]:
    """Where the model learned text categories (e.g. a OneHotEncoder fitted on strings): (the
    input column's name or None, the step's class name, an example category)."""
    found: list[tuple[str | None, str, Any]] = []
    for part, names in _named_parts(model, _own_names(model)):
        categories = getattr(part, "categories_", None)
        if not isinstance(categories, (list, tuple)):
            continue
        for i, values in enumerate(categories):
            if getattr(values, "dtype", None) is None or values.dtype.kind not in "OUS":
                continue
            example = next((v for v in values if isinstance(v, str)), None)
            if example is None:  # numbers in an object array (an imputer's output): not text
                continue
            column = names[i] if names is not None and i < len(names) else None
            found.append((column, type(part).__name__, example))
    return found


def text_inputs(model: Any) -> str:
    """The text categories for a message: "the column 'city' (OneHotEncoder categories such as
    'berlin')"; empty when none."""
    found = [f"{'a column' if column is None else f'the column {column!r}'} ({step} categories such as {example!r})"
             for column, step, example in text_categories(model)]
    return ", ".join(dict.fromkeys(found))


def _own_names(part: Any) -> Names:
    names = getattr(part, "feature_names_in_", None)
    return [str(n) for n in names] if names is not None else None


def _named_parts(part: Any, names: Names, seen: set[int] | None = None) -> Iterator[tuple[Any, Names]]:
    """The model and every estimator inside it (fitted copies included: a ColumnTransformer's
    fitted transformers live in ``transformers_``), each with the names of the columns it reads
    (None where they cannot be told)."""
    seen = set() if seen is None else seen
    if id(part) in seen:
        return
    seen.add(id(part))
    names = _own_names(part) or names
    yield part, names
    if hasattr(part, "steps") and isinstance(part.steps, list):  # a Pipeline: each step reads the last one's output
        for _, step in part.steps:
            if step is None or isinstance(step, str):  # "passthrough"
                continue
            yield from _named_parts(step, names, seen)
            names = _names_out(step, names)
        return
    if hasattr(part, "transformers_"):  # a fitted ColumnTransformer: each reads the columns it selects
        for _, transformer, columns in part.transformers_:
            if transformer is None or isinstance(transformer, str):  # "drop" or "passthrough"
                continue
            yield from _named_parts(transformer, _selected(names, columns), seen)
    if hasattr(part, "transformer_list"):  # a FeatureUnion: each reads every column
        for _, transformer in part.transformer_list:
            if transformer is not None and not isinstance(transformer, str):
                yield from _named_parts(transformer, names, seen)
    for value in getattr(part, "__dict__", {}).values():  # any other estimator inside: names unknown
        for inner in _estimators_in(value):
            yield from _named_parts(inner, None, seen)


def _names_out(step: Any, names: Names) -> Names:
    """The names of the columns ``step`` outputs, given those it reads (None when it cannot say)."""
    if names is None or not hasattr(step, "get_feature_names_out"):
        return None
    try:
        return [str(n) for n in step.get_feature_names_out(names)]
    except Exception:  # a step that cannot name its output (or not from these names)
        return None


def _selected(names: Names, columns: Any) -> Names:
    """The names of ``columns`` (names, positions or a boolean mask, as a ColumnTransformer takes
    them) among ``names``."""
    if isinstance(columns, str):
        return [columns]
    if callable(columns) or isinstance(columns, slice):
        return None
    values = list(np.asarray(columns).ravel()) if not isinstance(columns, Sequence) else list(columns)
    if all(isinstance(c, str) for c in values):
        return [str(c) for c in values]
    if names is None:
        return None
    if values and all(isinstance(c, (bool, np.bool_)) for c in values):
        return [n for n, keep in zip(names, values, strict=False) if keep]
    try:
        return [names[int(c)] for c in values]
    except (IndexError, TypeError, ValueError):
        return None


def _estimators_in(value: Any) -> list[Any]:
    if hasattr(value, "get_params") and not isinstance(value, type):
        return [value]
    if isinstance(value, (list, tuple)):
        return [e for item in value for e in _estimators_in(item)]
    if isinstance(value, dict):
        return [e for item in value.values() for e in _estimators_in(item)]
    return []
