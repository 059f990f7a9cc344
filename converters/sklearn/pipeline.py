"""sklearn.pipeline: Pipeline, converted step by step through the context."""

from __future__ import annotations

from typing import Any

from lxml import etree
from sklearn.pipeline import Pipeline

from pmmlkit.builders.fields import Field
from pmmlkit.context import Context, Converter


def converters() -> dict[type, Converter]:
    return {Pipeline: convert_pipeline}


def convert_pipeline(pipeline: Any, features: list[Field], context: Context) -> list[Field] | etree._Element:
    steps = [(name, step) for name, step in pipeline.steps if step is not None and step != "passthrough"]
    if not steps:
        raise context.error("the pipeline has no steps")
    for name, step in steps[:-1]:
        features = context.transform(step, features, name)
    name, last = steps[-1]
    if hasattr(last, "predict"):
        return context.model(last, features, name)
    return context.transform(last, features, name)
