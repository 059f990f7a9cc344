"""The Spark ML front end: fitted PipelineModels, their input schema, Spark's own outputs, saved
model folders and sample files."""

from __future__ import annotations

import glob
import importlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from lxml import etree

from pmmlkit.context import Converter
from pmmlkit.errors import ConversionError, PMMLError, UsageError
from pmmlkit.frontends import Conversion, FrontEnd, collect_converters
from pmmlkit.io import check_table
from pmmlkit.pmml import format_value
from pmmlkit.spark_session import session

from .columns import UNKNOWN_LABEL, Columns
from .driver import plan, walk


class Spark(FrontEnd):
    name = "spark"
    title = "Spark ML"
    packages = ("pyspark",)
    saved_as = "a folder written by PipelineModel.save(), with --spark"

    def converters(self) -> Mapping[type, Converter]:
        return collect_converters(__package__)

    def walk(self, model: Any, X: Any, *, target: str | None = None,
             feature_names: Sequence[str] | None = None) -> Conversion:
        if feature_names is not None:
            raise ConversionError("feature_names is for scikit-learn models; a Spark model's inputs are the "
                                  "columns of X (a Spark DataFrame or its schema)")
        return walk(model, X, target)

    def reference_outputs(self, model: Any, X: Any, output_fields: Sequence[etree._Element]) -> pd.DataFrame:
        return reference_outputs(model, X, output_fields)

    def to_pandas(self, X: Any) -> pd.DataFrame:
        return X if isinstance(X, pd.DataFrame) else X.toPandas()

    def head(self, X: Any, rows: int) -> Any:
        return X.head(rows) if isinstance(X, pd.DataFrame) else X.limit(rows)

    def can_load(self, path: Path) -> bool:
        return path.is_dir() and (path / "metadata").is_dir()

    def load_model(self, path: Path, *, trusted: Sequence[str] = (), allow_pickle: bool = False) -> Any:
        # A saved Spark model is data read by Spark itself: nothing to trust or unpickle.
        if not path.is_dir():
            raise ConversionError(f"{path}: a saved Spark model is a folder (PipelineModel.save()), and this is "
                                  "not one")
        return load_saved_model(path)

    def read_sample(self, path: str | os.PathLike[str] | None, model: Any, *, features: Sequence[str] | None = None,
                    target: str | None = None, string_columns: Iterable[str] = (), rows: int | None = None) -> Any:
        """A Spark DataFrame of the sample's rows; Spark infers the column types."""
        if path is None:
            raise UsageError("a Spark model's input columns come from a sample: give --schema DATA (.csv or .parquet)")
        if features:
            raise UsageError("--features is for scikit-learn models; a Spark model reads the sample's columns")
        frame = read_frame(path)
        return frame if rows is None else frame.limit(rows)


def reference_outputs(model: Any, X: Any, output_fields: Sequence[etree._Element]) -> pd.DataFrame:
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


def read_frame(path: str | os.PathLike[str]) -> Any:
    """A Spark DataFrame from a .csv (with a header row) or .parquet sample of the input columns."""
    source = Path(path)
    suffix = check_table(source)
    reader = session().read
    try:
        if suffix == ".csv":
            return reader.csv(str(source), header=True, inferSchema=True)
        return reader.parquet(str(source))
    except Exception as exc:  # py4j / analysis errors: say what failed without the Java stack
        raise ConversionError(f"could not read the sample {source}: {str(exc).splitlines()[0]}") from None


__all__ = ["Spark", "session", "reference_outputs", "load_saved_model", "read_frame"]
