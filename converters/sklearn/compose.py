"""Pipeline and ColumnTransformer."""

from __future__ import annotations

from typing import Any

from lxml import etree

from pmmlkit.context import Context
from pmmlkit.fields import Field


def convert_pipeline(pipeline: Any, features: list[Field], context: Context) -> list[Field] | etree._Element:
    steps = [(name, step) for name, step in pipeline.steps if step is not None and step != "passthrough"]
    if not steps:
        raise context.error("the pipeline has no steps")
    for name, step in steps[:-1]:
        features = context.transform(step, features, name)
    name, last = steps[-1]
    if hasattr(last, "predict"):
        element = context.model(last, features, name)
        return element
    return context.transform(last, features, name)


def convert_column_transformer(transformer: Any, features: list[Field], context: Context) -> list[Field]:
    raise context.error("ColumnTransformer is not converted yet")
