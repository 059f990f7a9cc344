"""Scoring PMML in-process on PMML4S: ``pmmlkit.load(path).predict(frame)``."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import EvaluationError, PMMLError
from ..parsing import Source, engine_bytes, parse_bytes, read_source
from ..pmml import format_value, is_missing_value, model_element, tag_of
from ..validation import gate
from . import jvm


@dataclass(frozen=True)
class FieldInfo:
    """A field of a loaded model: name, optype and dataType as the PMML declares them."""

    name: str
    optype: str | None
    data_type: str | None
    values: tuple[str, ...] = ()

    @property
    def is_numeric(self) -> bool:
        return self.data_type in _NUMERIC

    @property
    def java_kind(self) -> str:
        """How values of this input cross to the JVM: "double", "integer", "string", or "auto"
        (undeclared type: numbers as doubles, anything else as text)."""
        if self.data_type in ("double", "float", "real") or (self.data_type == "integer" and self.optype == "continuous"):
            return "double"
        if self.data_type == "integer":
            return "integer"
        return "auto" if self.data_type is None else "string"


_NUMERIC = {"double", "float", "integer", "real"}


class Model:
    """A PMML model loaded on the JVM. Build it with :func:`pmmlkit.load`."""

    def __init__(self, data: bytes, name: str = "<bytes>", threads: int | None = None,
                 root: Any = None) -> None:
        """``root``: the document already parsed from ``data``, when the caller has it."""
        import jpype

        if root is None:
            root = parse_bytes(data, name).getroot()
        self.name = name
        self._data = data
        self._declared = declared_fields(root)
        self._lock = threading.Lock()
        self._threads = max(1, threads if threads is not None else min(4, os.cpu_count() or 1))
        self._scorer = jvm.jclass("dev.pmmlkit.BatchScorer")
        self._models = [self._parse()]
        java_model = self._models[0]
        self.model_type = tag_of(_model_element(root))
        self.function_name = str(java_model.functionName())
        self._input_names = [str(n) for n in java_model.inputNames()]
        self.input_fields = [self._describe(n) for n in self._input_names]
        self.target_fields = [self._describe(str(n)) for n in java_model.targetNames()]
        outputs = list(java_model.outputFields())
        self.output_fields = [
            FieldInfo(str(f.name()), None, _data_type_name(f.dataType())) for f in outputs
        ]
        self._numeric_outputs = [bool(f.dataType().isNumeric()) for f in outputs]
        self._numeric_java = jpype.JArray(jpype.JBoolean)(self._numeric_outputs)
        self._model_array = jpype.JArray(jvm.jclass("org.pmml4s.model.Model"))
        self._row_array = jpype.JArray(jpype.JObject)

    # -- loading ---------------------------------------------------------------------------------
    def _parse(self) -> Any:
        import jpype

        try:
            return self._scorer.load(jpype.JArray(jpype.JByte)(self._data))
        except jpype.JException as exc:
            raise EvaluationError(f"{self.name}: the scoring engine cannot load this PMML: "
                                  f"{jvm.java_message(exc)}") from None

    def _describe(self, name: str) -> FieldInfo:
        return self._declared.get(name, FieldInfo(name, None, None))

    @property
    def input_names(self) -> list[str]:
        return list(self._input_names)

    @property
    def output_names(self) -> list[str]:
        return [f.name for f in self.output_fields]

    # -- scoring ---------------------------------------------------------------------------------
    def predict(self, data: pd.DataFrame | Mapping[str, Any]) -> pd.DataFrame | dict[str, Any]:
        """Score a DataFrame (-> DataFrame, same rows, one column per output field) or one record
        given as a mapping (-> dict)."""
        if isinstance(data, pd.DataFrame):
            return self._predict_frame(data)
        if isinstance(data, Mapping):
            return self._predict_record(data)
        raise EvaluationError(f"predict() takes a pandas DataFrame or a mapping, not {type(data).__name__}")

    def _predict_record(self, record: Mapping[str, Any]) -> dict[str, Any]:
        # One record skips the column path: one Object[] in, one Object[] out.
        import jpype

        row = self._row_array([_record_cell(record.get(name), field)
                               for name, field in zip(self._input_names, self.input_fields)])
        try:
            with self._lock:  # a PMML4S model must not score on two threads at once
                result = self._scorer.scoreRecord(self._models[0], row, self._numeric_java)
        except jpype.JException as exc:
            raise EvaluationError(f"{self.name}: scoring failed: {jvm.java_message(exc)}") from None
        out: dict[str, Any] = {}
        for j, (field, value) in enumerate(zip(self.output_fields, result)):
            if value is None:
                out[field.name] = None
            elif self._numeric_outputs[j]:
                number = float(value)
                out[field.name] = None if np.isnan(number) else (int(number) if field.data_type == "integer" else number)
            else:
                text = str(value)
                out[field.name] = (text == "true") if field.data_type == "boolean" else text
        return out

    def _predict_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        import jpype

        missing = [n for n in self._input_names if n not in frame.columns]
        if missing:
            raise EvaluationError(f"input columns missing from the data: {missing} (the model needs {self._input_names})")
        rows = len(frame)
        columns = jpype.JArray(jpype.JObject)(len(self._input_names))
        for i, name in enumerate(self._input_names):
            columns[i] = _to_java_column(frame[name], self._describe(name))
        threads = min(self._threads, max(1, rows // 2048))
        try:
            # Model instances are not thread-safe: one caller at a time uses them (each of the
            # JVM threads of a call gets its own instance).
            with self._lock:
                while len(self._models) < threads:
                    self._models.append(self._parse())
                models = self._model_array(self._models[:threads])
                try:
                    result = self._scorer.score(models, columns, None, self._numeric_java, rows)
                except jpype.JException as exc:
                    if "StackOverflowError" not in str(exc.getClass().getName()):
                        raise
                    # A very deep tree: score again on a thread with a large stack.
                    result = self._scorer.scoreDeep(models, columns, None, self._numeric_java, rows)
        except jpype.JException as exc:
            raise EvaluationError(f"{self.name}: scoring failed: {jvm.java_message(exc)}") from None
        out = {}
        for j, field in enumerate(self.output_fields):
            column = result[j]
            if self._numeric_outputs[j]:
                values = np.array(column, dtype=np.float64)
                if field.data_type == "integer" and not np.isnan(values).any():
                    values = values.astype(np.int64)
            else:
                values = np.array([None if v is None else str(v) for v in column], dtype=object)
                if field.data_type == "boolean":
                    values = np.array([None if v is None else v == "true" for v in values], dtype=object)
            out[field.name] = values
        return pd.DataFrame(out, index=frame.index)

    def __repr__(self) -> str:
        return (f"<pmmlkit.Model {self.model_type} ({self.function_name}) inputs={self._input_names} "
                f"outputs={self.output_names}>")


def load(source: Source, threads: int | None = None, strict: bool = False) -> Model:
    """Load a PMML document (path, bytes or XML text) for scoring on the JVM.

    ``threads`` bounds how many JVM threads score a large frame (each with its own model
    instance, since PMML4S models must not be shared between threads). The document passes the
    validation gate first (``pmmlkit.validation.gate``): ``strict=True`` also refuses schema
    deviations that are otherwise scored with a logged warning.
    """
    data, name = read_source(source)
    return load_parsed(data, name, threads=threads, strict=strict)


def load_parsed(data: bytes, name: str, root: Any = None, threads: int | None = None,
                strict: bool = False) -> Model:
    """:func:`load` for a document already read (and, given ``root``, already parsed from ``data``)."""
    root = gate(data, name, strict=strict, root=root)
    data = engine_bytes(root)  # the engine reads exactly what the gate checked, as UTF-8
    try:
        return Model(data, name, threads, root)
    except PMMLError:
        raise
    except Exception as exc:  # anything JPype raises that is not a Java exception
        raise EvaluationError(f"{name}: cannot load: {jvm.java_message(exc)}") from None


def _to_java_column(series: pd.Series, field: FieldInfo) -> Any:
    import jpype

    kind = field.java_kind
    if kind == "double":
        values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        return jpype.JArray(jpype.JDouble)(np.ascontiguousarray(values))
    if kind == "integer":
        numeric = pd.to_numeric(series, errors="coerce")
        if numeric.isna().any() or not np.all(np.equal(np.mod(numeric.to_numpy(dtype=np.float64), 1), 0)):
            return _strings(series)
        return jpype.JArray(jpype.JLong)(numeric.to_numpy(dtype=np.int64))
    if kind == "auto" and pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return jpype.JArray(jpype.JDouble)(np.ascontiguousarray(series.to_numpy(dtype=np.float64, na_value=np.nan)))
    return _strings(series)


def _record_cell(value: Any, field: FieldInfo) -> Any:
    """One input value as the JVM should see it (None for missing)."""
    import jpype

    if is_missing_value(value):
        return None
    kind = field.java_kind
    if kind == "double":
        try:
            return jpype.JDouble(float(value))
        except (TypeError, ValueError):
            return None
    if kind == "integer":
        if isinstance(value, (int, np.integer)) or (isinstance(value, (float, np.floating)) and float(value).is_integer()):
            return jpype.JLong(int(value))
        return jpype.JString(format_value(value))
    if kind == "auto" and isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return jpype.JDouble(float(value))
    return jpype.JString(format_value(value))


def _strings(series: pd.Series) -> Any:
    import jpype

    values = [None if is_missing_value(v) else format_value(v) for v in series.tolist()]
    return jpype.JArray(jpype.JString)(values)


def _data_type_name(data_type: Any) -> str:
    text = str(data_type.toString()).lower()
    for name in ("double", "float", "integer", "string", "boolean", "real"):
        if name in text:
            return name
    return text


def _model_element(root: Any) -> Any:
    node = model_element(root)
    if node is None:
        raise EvaluationError("the document has no model element")
    return node


def declared_fields(root: Any) -> dict[str, FieldInfo]:
    """Every DataField and DerivedField of a document by name (the first one of a name wins)."""
    fields: dict[str, FieldInfo] = {}
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        tag = tag_of(node)
        if tag in ("DataField", "DerivedField"):
            values = tuple(v.get("value") for v in node if isinstance(v.tag, str) and tag_of(v) == "Value"
                           and v.get("property", "valid") == "valid")
            fields.setdefault(node.get("name"), FieldInfo(node.get("name"), node.get("optype"),
                                                          node.get("dataType"), values))
    return fields
