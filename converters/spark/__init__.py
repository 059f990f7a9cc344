"""Spark ML converters (installed as pmmlkit.converters.spark).

Every converter is ``function(stage, columns, context)`` (see :mod:`.columns`):

* a transformer's adds the fields of its output column(s) to ``columns`` and returns None;
* a model's reads ``columns[model.getFeaturesCol()]``, calls ``context.classification_target(
  columns.classes(model.getLabelCol(), model.numClasses))`` or ``context.regression_target()``
  and returns its model element.

Each module of this package lists its converters in its own ``converters()``; :func:`converters`
merges the modules named in ``MODULES``; shared helpers are in :mod:`.columns` and :mod:`.stages`.
"""

from __future__ import annotations

import glob
import importlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from lxml import etree

from pmmlkit.context import Context
from pmmlkit.document import PMMLDocument
from pmmlkit.errors import ConversionError, PMMLError
from pmmlkit.pmml import format_value

from .attributes import schema_before
from .columns import UNKNOWN_LABEL, Columns, column_params, from_input

# Modules of this package whose ``converters()`` tables make up the Spark registry.
MODULES = ("vectors", "encoders", "scalers", "discretizers", "sql",
           "linear", "trees", "naive_bayes", "neural", "factorization", "isotonic", "clustering")


def converters() -> dict[type, Callable[..., Any]]:
    table: dict[type, Callable[..., Any]] = {}
    for name in MODULES:
        table.update(importlib.import_module(f"{__name__}.{name}").converters())
    return table


# -- the plan of a conversion ------------------------------------------------------------------------

@dataclass
class Plan:
    """The stages of a fitted pipeline, split around its final model."""

    stages: list[Any]
    model_index: int
    skipped: set[int] = field(default_factory=set)  # label indexers: they index the label, not a feature
    label_column: str | None = None  # the model's label column
    label_source: str | None = None  # the column the label came from (a label indexer's input)
    labels: tuple[Any, ...] | None = None  # the strings the label indices stand for

    @property
    def model(self) -> Any:
        return self.stages[self.model_index]


def flatten(model: Any) -> list[Any]:
    """The stages of a (nested) PipelineModel, in order; a single model is one stage."""
    from pyspark.ml import Pipeline, PipelineModel

    if isinstance(model, Pipeline):
        raise ConversionError("this is an unfitted Pipeline: call fit() and convert the PipelineModel it returns")
    if isinstance(model, PipelineModel):
        return [inner for stage in model.stages for inner in flatten(stage)]
    return [model]


def plan(model: Any) -> Plan:
    from pyspark.ml.feature import IndexToString, StringIndexerModel

    stages = flatten(model)
    candidates = [i for i, s in enumerate(stages) if hasattr(s, "getPredictionCol")]
    if not candidates:
        names = [type(s).__name__ for s in stages]
        raise ConversionError(f"the pipeline has no model to convert (stages: {names}); "
                              "PMML describes a model: end the pipeline with a classifier, regressor or clusterer")
    result = Plan(stages, candidates[-1])
    predictor = result.model
    prediction = predictor.getPredictionCol()
    for i, stage in enumerate(stages[result.model_index + 1:], start=result.model_index + 1):
        if isinstance(stage, IndexToString) and stage.getInputCol() == prediction:
            if stage.isDefined("labels") and stage.getLabels():
                result.labels = tuple(stage.getLabels())
            continue
        raise ConversionError(
            f"stage {i} ({type(stage).__name__}) comes after the model {type(predictor).__name__}; only an "
            "IndexToString of its prediction may follow the model: drop the other stages before converting"
        )
    if hasattr(predictor, "getLabelCol"):
        result.label_column = predictor.getLabelCol()
        for i, stage in enumerate(stages[:result.model_index]):
            inputs, outputs = column_params(stage)
            if isinstance(stage, StringIndexerModel) and outputs == [result.label_column] and len(inputs) == 1:
                result.skipped.add(i)
                result.label_source = inputs[0]
                if result.labels is None:
                    result.labels = tuple(stage.labelsArray[0])
    return result


# -- conversion ------------------------------------------------------------------------------------

def convert_spark(model: Any, X: Any, target: str | None = None, description: str | None = None) -> PMMLDocument:
    """A fitted Spark ML model or PipelineModel -> PMMLDocument.

    ``X`` gives the raw input columns: a Spark DataFrame, its schema (StructType) or a pandas
    DataFrame. ``target`` names the predicted field; by default the column the label came from
    (the label StringIndexer's input, else the model's label column), or ``y`` when that name
    is also an input of the model.
    """
    steps = plan(model)
    default = steps.label_source or steps.label_column or "y"
    name = target or default
    scope, element, result = _convert(steps, X, name)
    if target is None and name != "y" and name in {f.name for f in scope.used_inputs(element)}:
        scope, element, result = _convert(steps, X, "y")
    return PMMLDocument.assemble(scope, element, result, description)


def _convert(steps: Plan, X: Any, target_name: str) -> tuple[Any, etree._Element, Any]:
    scope, columns = from_input(X)
    if steps.label_column is not None and steps.labels is not None:
        columns.labels[steps.label_column] = steps.labels
    context = Context(scope, target_name=target_name)
    for i, stage in enumerate(steps.stages[:steps.model_index]):
        if i in steps.skipped:
            continue
        step = context.at(f"stage {i} ({type(stage).__name__})")
        earlier = [s for j, s in enumerate(steps.stages[:i]) if j not in steps.skipped]
        columns.schema = schema_before(earlier, X)
        result = context.registry.lookup(stage, step.where)(stage, columns, step)
        if result is not None:
            raise step.error(f"{type(stage).__name__} is a model; a pipeline converts to one model, its last stage")
    predictor = steps.model
    step = context.at(f"stage {steps.model_index} ({type(predictor).__name__})")
    element = context.registry.lookup(predictor, step.where)(predictor, columns, step)
    if element is None:
        raise step.error(f"{type(predictor).__name__} converted to no model element")
    return scope, element, step.target


# -- the model's own outputs ---------------------------------------------------------------------------

def reference_outputs(model: Any, X: Any, output_fields: list[etree._Element]) -> pd.DataFrame:
    """Spark's own outputs for the rows of ``X``, one column per PMML output field.

    ``predicted_*`` comes from the prediction column (mapped to the label strings when the label
    was indexed by a StringIndexer), ``probability_<label>`` from the probability vector.
    """
    steps = plan(model)
    predictor = steps.model
    frame = X if not isinstance(X, pd.DataFrame) else session().createDataFrame(X)
    selected = [predictor.getPredictionCol()]
    has_probability = hasattr(predictor, "getProbabilityCol") and any(
        n.get("feature") == "probability" for n in output_fields)
    if has_probability:
        selected.append(predictor.getProbabilityCol())
    rows = _collect(model.transform(frame).select(*selected))
    predictions = [row[0] for row in rows]
    num_classes = getattr(predictor, "numClasses", None)
    classes = None
    if num_classes is not None:
        labels = Columns(labels={"label": steps.labels} if steps.labels is not None else {})
        classes = [format_value(c) for c in labels.classes("label", int(num_classes))]
    columns: dict[str, Any] = {}
    for node in output_fields:
        name = node.get("name")
        feature = node.get("feature", "predictedValue")
        if feature == "probability":
            index = classes.index(node.get("value")) if classes is not None else int(float(node.get("value")))
            columns[name] = [float(row[1][index]) for row in rows]
        elif feature == "predictedValue" or name.startswith("predicted_"):
            if node.get("optype") == "categorical" and steps.labels is not None and classes is not None:
                columns[name] = [_label(classes, p) for p in predictions]
            else:
                columns[name] = [float("nan") if p is None else float(p) for p in predictions]
    index = X.index if isinstance(X, pd.DataFrame) else None
    return pd.DataFrame(columns, index=index)


def _label(classes: list[str], prediction: Any) -> Any:
    if prediction is None:
        return None
    i = int(prediction)
    return classes[i] if 0 <= i < len(classes) else UNKNOWN_LABEL


def _collect(frame: Any) -> list[Any]:
    try:
        return frame.collect()
    except Exception as exc:  # py4j / Spark errors: say what failed without the Java stack
        raise PMMLError(f"Spark failed to score the rows: {str(exc).splitlines()[0]}") from None


# -- loading models and samples (for the CLI) --------------------------------------------------------------

def session() -> Any:
    """The active SparkSession, or a new local one with quiet logs."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    spark = (SparkSession.builder.master("local[*]").appName("pmmlkit")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.shuffle.partitions", "4").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def load_saved_model(path: str | os.PathLike[str]) -> Any:
    """A model saved with ``model.save(path)`` (a PipelineModel or any single Spark ML model)."""
    folder = os.fspath(path)
    metadata = sorted(glob.glob(os.path.join(folder, "metadata", "part-*")))
    if not metadata:
        raise ConversionError(f"{folder} is not a saved Spark ML model (no metadata/part-* file in it); "
                              "save one with model.save(path)")
    with open(metadata[0], encoding="utf-8") as handle:
        java_class = json.loads(handle.readline())["class"]
    module_name, _, class_name = java_class.replace("org.apache.spark.", "pyspark.", 1).rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError):
        raise ConversionError(f"{folder} holds a {java_class}, which this pyspark has no class for") from None
    session()
    try:
        return cls.load(folder)
    except Exception as exc:
        raise ConversionError(f"could not load the Spark model in {folder}: {str(exc).splitlines()[0]}") from None


def frame_from_sample(path: str | os.PathLike[str]) -> Any:
    """A Spark DataFrame from a CSV (with a header row) or Parquet sample of the input columns."""
    source = os.fspath(path)
    if not os.path.exists(source):
        raise ConversionError(f"{source}: no such file or folder")
    reader = session().read
    try:
        if source.lower().endswith((".csv", ".csv.gz", ".txt")):
            return reader.csv(source, header=True, inferSchema=True)
        return reader.parquet(source)
    except Exception as exc:
        raise ConversionError(f"could not read the sample {source}: {str(exc).splitlines()[0]}") from None


__all__ = ["converters", "convert_spark", "reference_outputs", "load_saved_model", "frame_from_sample",
           "Columns", "plan", "flatten"]
