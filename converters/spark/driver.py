"""The Spark driver: a fitted PipelineModel planned around its final model and walked stage by
stage through the context, each stage receiving the fields of its input columns and giving the
fields of its output columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pmmlkit.builders.fields import Field
from pmmlkit.errors import ConversionError
from pmmlkit.frontends import Conversion

from .attributes import schema_before
from .columns import StageContext, column_params, from_input

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

def walk(model: Any, X: Any, target: str | None = None) -> Conversion:
    """Convert a fitted Spark ML model or PipelineModel, stage by stage, through the context.

    ``X`` gives the raw input columns: a Spark DataFrame, its schema (StructType) or a pandas
    DataFrame. ``target`` names the predicted field; by default the column the label came from
    (the label StringIndexer's input, else the model's label column), or ``y`` when that name
    is also an input of the model.
    """
    steps = plan(model)
    default = steps.label_source or steps.label_column or "y"
    name = target or default
    conversion = _walk(steps, X, name)
    if target is None and name != "y" and name in {f.name for f in conversion.scope.used_inputs(conversion.model)}:
        conversion = _walk(steps, X, "y")
    return conversion


def _walk(steps: Plan, X: Any, target_name: str) -> Conversion:
    scope, columns = from_input(X)
    if steps.label_column is not None and steps.labels is not None:
        columns.labels[steps.label_column] = steps.labels
    context = StageContext(scope, target_name=target_name, columns=columns)
    for i, stage in enumerate(steps.stages[:steps.model_index]):
        if i in steps.skipped:
            continue
        earlier = [s for j, s in enumerate(steps.stages[:i]) if j not in steps.skipped]
        columns.schema = schema_before(earlier, X)
        step = f"stage {i} ({type(stage).__name__})"
        inputs, outputs = stage_columns(stage)
        result = context.transform(stage, [f for name in inputs for f in columns[name]], step)
        name_outputs(stage, outputs, result, context.at(step))
    predictor = steps.model
    inputs, _ = stage_columns(predictor)
    element = context.model(predictor, [f for name in inputs for f in columns[name]],
                            f"stage {steps.model_index} ({type(predictor).__name__})")
    return Conversion(scope, element, context.target)


def stage_columns(stage: Any) -> tuple[list[str], list[str]]:
    """A stage's input and output columns; a model's or selector's input is its features column."""
    inputs, outputs = column_params(stage)
    if not inputs and hasattr(stage, "getFeaturesCol"):
        inputs = [stage.getFeaturesCol()]
    return inputs, outputs


def name_outputs(stage: Any, outputs: list[str], fields: list[Field], context: StageContext) -> None:
    """Give a transformer's output fields to its output columns, unless its converter named them
    itself (stages whose output columns are vectors of different sizes): one output column holds
    all fields (a vector when there are several), several output columns one field each."""
    columns = context.columns
    if all(name in columns for name in outputs):
        return
    if len(outputs) == 1:
        columns[outputs[0]] = fields
    elif len(outputs) == len(fields):
        for name, field in zip(outputs, fields):
            columns[name] = [field]
    else:
        raise context.error(f"{type(stage).__name__} has output columns {outputs}, but its converter returned "
                            f"{len(fields)} fields; a converter of a multi-column stage returns one field per "
                            "column, or sets context.columns[name] for each output column itself")
