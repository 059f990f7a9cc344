"""What converters read from a Spark stage: its columns and the params that decide whether it converts.

Feature stages use :func:`single`, :func:`pairs`, :func:`no_skip` and the vector helpers; models
use :func:`features_of` and :func:`no_thresholds`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lxml import etree

from pmmlkit.builders.fields import Field
from pmmlkit.context import Context

from .columns import Columns, column_params

# -- feature stages -----------------------------------------------------------------------------------


def single(stage: Any, context: Context) -> tuple[str, str]:
    """(inputCol, outputCol) of a one-column stage."""
    inputs, outputs = column_params(stage)
    if len(inputs) != 1 or len(outputs) != 1:
        raise context.error(f"{type(stage).__name__} needs inputCol and outputCol")
    return inputs[0], outputs[0]


def pairs(stage: Any, context: Context) -> list[tuple[str, str]]:
    """(input, output) column pairs of a single- or multi-column stage."""
    inputs, outputs = column_params(stage)
    if not inputs or len(inputs) != len(outputs):
        raise context.error(f"{type(stage).__name__} has {len(inputs)} input and {len(outputs)} output columns")
    return list(zip(inputs, outputs))


def no_skip(stage: Any, context: Context) -> str:
    """The stage's handleInvalid mode, refusing "skip": PMML scores every row it is given."""
    mode = stage.getOrDefault("handleInvalid") if stage.hasParam("handleInvalid") else "error"
    if mode == "skip":
        raise context.error(
            f'{type(stage).__name__} has handleInvalid="skip", which drops rows; a PMML model scores every row. '
            'Set handleInvalid to "error" or "keep" on the fitted stage (stage.setHandleInvalid("keep")) '
            "and convert again"
        )
    return mode


def sized(columns: Columns, name: str, size: int | None, stage: Any, context: Context) -> list[Field]:
    """The fields of vector column ``name``, checked against the size the stage was fitted on."""
    fields = columns[name]
    if size is not None and len(fields) != size:
        raise context.error(f"{type(stage).__name__} was fitted on vectors of {size} values, but column "
                            f"{name!r} holds {len(fields)}; pass X with the columns the pipeline was fitted on")
    return fields


def derive_vector(context: Context, column: str, expressions: Sequence[etree._Element],
                  vector: bool = True) -> list[Field]:
    """One derived field per value: ``column[i]`` for a vector column, ``column`` for a scalar one."""
    names = [f"{column}[{i}]" for i in range(len(expressions))] if vector else [column]
    return [context.scope.derive(n, e) for n, e in zip(names, expressions)]


def produced(stage: Any, columns: Columns) -> list[Field]:
    """The fields of a stage's output columns, for a converter that set them itself (one vector
    per column, of different sizes): what it returns."""
    _, outputs = column_params(stage)
    return [f for name in outputs for f in columns[name]]


def is_vector(columns: Columns, name: str) -> bool:
    """Whether column ``name`` holds a vector (its fields are not the one field named ``name``)."""
    return len(columns[name]) != 1 or columns[name][0].name != name


# -- models ---------------------------------------------------------------------------------------------


def features_of(stage: Any, fields: list[Field], context: Context) -> list[Field]:
    """A model's features (the fields of its features column), checked against the size it was fitted on."""
    expected = getattr(stage, "numFeatures", None)
    if expected is not None and expected >= 0 and len(fields) != expected:
        raise context.error(f"{type(stage).__name__} was fitted on {expected} features, but column "
                            f"{stage.getFeaturesCol()!r} holds {len(fields)}; pass X with the columns the "
                            "pipeline was fitted on")
    return fields


def no_thresholds(stage: Any, context: Context, name: str | None = None) -> None:
    """Refuse a classifier with class thresholds: it predicts argmax(p / t), which PMML cannot express."""
    if stage.hasParam("thresholds") and stage.isSet("thresholds"):
        raise context.error(f"{name or type(stage).__name__} with thresholds predicts argmax(p / t), which PMML "
                            "cannot express; clear them (model.clear(model.thresholds)) before converting")
