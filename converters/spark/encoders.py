"""Spark ML index encoders -> PMML derived fields: StringIndexer, IndexToString, OneHotEncoder."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from lxml import etree

from pmmlkit.builders.expressions import apply, constant, equal, flag, if_chain, map_values, ref
from pmmlkit.builders.fields import Field
from pmmlkit.pmml import tag_of

from .columns import StageContext
from .stages import derive_vector, no_skip, pairs, produced, single


def converters() -> dict[type, Callable[..., Any]]:
    from pyspark.ml import feature as F

    return {
        F.StringIndexerModel: convert_string_indexer,
        F.IndexToString: convert_index_to_string,
        F.OneHotEncoderModel: convert_one_hot_encoder,
    }


# -- StringIndexer ---------------------------------------------------------------------------------------

def convert_string_indexer(stage: Any, fields: list[Field], context: StageContext) -> list[Field]:
    columns = context.columns
    keep = no_skip(stage, context) == "keep"
    for (source, output), labels in zip(pairs(stage, context), stage.labelsArray):
        field = columns.scalar(source)
        # "keep": null and unseen values get the extra index len(labels). "error": Spark fails on
        # such rows; the PMML leaves the index missing, so the row gets no prediction.
        default = float(len(labels)) if keep else None
        if field.is_numeric:
            expression = _numeric_index(field, labels, default)
        else:
            expression = _string_index(field, labels, default)
        columns[output] = [context.scope.derive(output, expression)]
        columns.labels[output] = tuple(labels)
    return produced(stage, columns)


def _string_index(field: Field, labels: Sequence[str], default: float | None) -> etree._Element:
    return map_values(field, [(label, float(i)) for i, label in enumerate(labels)], columns=("label", "index"),
                      default=default, map_missing_to=default)


def _numeric_index(field: Field, labels: Sequence[str], default: float | None) -> etree._Element:
    # Spark indexes a numeric column by its string cast ("1.0", "3"); compare as numbers instead.
    missing_index = default
    branches = []
    for i, label in enumerate(labels):
        value = float(label)
        if math.isnan(value):
            missing_index = float(i)  # the PMML sees NaN as a missing value
        else:
            branches.append((equal(field, value), constant(float(i))))
    expression = if_chain(branches, constant(default) if default is not None else None, missing_index)
    if expression is None or tag_of(expression) == "Constant":
        # No comparable label: every present value is unseen.
        unseen = constant(default) if default is not None else constant(float("nan"))
        expression = apply("+", apply("*", ref(field), constant(0.0)), unseen, map_missing_to=missing_index) \
            if default is not None else apply("*", ref(field), unseen, map_missing_to=missing_index)
    return expression


# -- IndexToString ---------------------------------------------------------------------------------------

def convert_index_to_string(stage: Any, fields: list[Field], context: StageContext) -> list[Field]:
    columns = context.columns
    source, output = single(stage, context)
    labels = list(stage.getLabels()) if stage.isDefined("labels") and stage.getLabels() else None
    if labels is None:
        labels = list(columns.labels.get(source, ()))
    if not labels:
        raise context.error(f"IndexToString has no labels and column {source!r} was not made by a StringIndexer; "
                            "set its labels param")
    field = columns.scalar(source)
    expression = if_chain([(equal(field, float(i)), constant(label, "string")) for i, label in enumerate(labels)])
    return [context.scope.derive(output, expression, "categorical", "string")]


# -- OneHotEncoder ---------------------------------------------------------------------------------------

def convert_one_hot_encoder(stage: Any, fields: list[Field], context: StageContext) -> list[Field]:
    columns = context.columns
    keep = no_skip(stage, context) == "keep"
    drop_last = stage.getDropLast()
    for (source, output), size in zip(pairs(stage, context), stage.categorySizes):
        field = columns.scalar(source)
        # Spark's vector length: "keep" adds a slot for invalid indices, dropLast removes the last slot.
        length = size + (1 if keep else 0) - (1 if drop_last else 0)
        expressions = []
        for k in range(length):
            if k < size:
                # "keep": a missing index is invalid, so every regular slot is 0.
                expressions.append(flag(equal(field, float(k)), map_missing_to=0.0 if keep else None))
            else:
                valid = apply("isIn", ref(field), *[constant(float(i)) for i in range(size)])
                expressions.append(apply("if", valid, constant(0.0), constant(1.0), map_missing_to=1.0))
        columns[output] = derive_vector(context, output, expressions)
    return produced(stage, columns)
