"""Scoring PMML in-process on PMML4S: ``pmmlkit.load(path).predict(frame)``."""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import EvaluationError, PMMLError
from ..inspection.explain import Explanation, explain_document, frame_values
from ..inspection.summary import Summary, summarize
from ..parsing import Source, engine_bytes, parse_bytes, pmml4s_bytes, read_source, source_kind
from ..pmml import model_element, tag_of
from ..validation import gate
from . import jvm
from .inputs import (
    DATE_TYPES,
    Extra,
    InvalidReport,
    Missing,
    OnInvalid,
    Prepared,
    check_names,
    check_policies,
    prepare_frame,
    record_values,
)


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
        """How values of this input are checked and cross to the JVM (pmmlkit.scoring.inputs.KINDS):
        "double", "whole" (a continuous integer field: whole numbers, as doubles), "integer",
        "boolean", "date" (date, dateTime and time fields), "string", or "auto" (undeclared
        type: numbers as doubles, anything else as text)."""
        if self.data_type in ("double", "float", "real"):
            return "double"
        if self.data_type == "integer":
            return "whole" if self.optype == "continuous" else "integer"
        if self.data_type == "boolean":
            return "boolean"
        if self.data_type in DATE_TYPES:
            return "date"
        return "auto" if self.data_type is None else "string"


_NUMERIC = {"double", "float", "integer", "real"}


# The JVM compiles a method fully after some 10,000 calls: a warm-up scores this many rows (a
# generated batch, again and again), or stops after WARM_SECONDS for slow models.
WARM_ROWS = 20_000
WARM_SECONDS = 2.0
_WARM_BATCH = 2000
_CACHE_SIZE = 16
_FEW_RECORDS = 16  # below this many records, one call each is faster than building columns


class Model:
    """A PMML model loaded on the JVM. Build it with :func:`pmmlkit.load`.

    A Model pickles as its PMML bytes and loads again on the other side, so it can be handed
    to spawn/forkserver processes, joblib workers and Spark closures.
    """

    def __init__(self, data: bytes, name: str = "<bytes>", threads: int | None = None,
                 root: Any = None, warm: bool = True) -> None:
        """``root``: the document already parsed from ``data``, when the caller has it."""
        import jpype

        if root is None:
            root = parse_bytes(data, name).getroot()
        self.name = name
        self._data = data  # what pickling sends (the other process parses it again)
        self._engine_data = pmml4s_bytes(root, data)
        self._threads_option = threads
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
        self._kinds = [f.java_kind for f in self.input_fields]
        self._data_types = [f.data_type for f in self.input_fields]
        self.target_fields = [self._describe(str(n)) for n in java_model.targetNames()]
        outputs = list(java_model.outputFields())
        self.output_fields = [
            FieldInfo(str(f.name()), None, _data_type_name(f.dataType())) for f in outputs
        ]
        self._numeric_outputs = [bool(f.dataType().isNumeric()) for f in outputs]
        self._numeric_java = jpype.JArray(jpype.JBoolean)(self._numeric_outputs)
        # Model[] through reflection: when another library started the JVM, PMML4S lives in a class
        # loader of pmmlkit's own, where JPype cannot look array types up by name.
        self._model_class = jvm.jclass("org.pmml4s.model.Model").class_
        self._new_array = jpype.JClass("java.lang.reflect.Array").newInstance
        self._warm_values = categories_in_use(root)
        self._row_array = jpype.JArray(jpype.JObject)
        self.warmed = False
        if warm:
            self.warm_up()

    # -- loading ---------------------------------------------------------------------------------
    def _parse(self) -> Any:
        import jpype

        try:
            return self._scorer.load(jpype.JArray(jpype.JByte)(self._engine_data))
        except jpype.JException as exc:
            raise EvaluationError(f"{self.name}: the scoring engine cannot load this PMML: "
                                  f"{jvm.java_message(exc)}") from None

    def _describe(self, name: str) -> FieldInfo:
        return self._declared.get(name, FieldInfo(name, None, None))

    def __reduce__(self) -> tuple[Any, ...]:
        # The JVM objects cannot travel: the other process parses the same bytes again.
        return (_restore, (self._data, self.name, self._threads_option, self.warmed))

    @property
    def input_names(self) -> list[str]:
        return list(self._input_names)

    @property
    def output_names(self) -> list[str]:
        return [f.name for f in self.output_fields]

    # -- warm-up ---------------------------------------------------------------------------------
    def warm_up(self, rows: int = WARM_ROWS) -> None:
        """Score ``rows`` generated rows (and a few single records), so that the JVM compiles the
        scoring code before the first real batch or request. Stops after WARM_SECONDS."""
        with self._lock:
            while len(self._models) < self._threads:  # every instance a large frame will use
                self._models.append(self._parse())
        frame = warm_up_frame(self.input_fields, min(rows, _WARM_BATCH), self._warm_values)
        compiled = jvm.compilation_milliseconds
        started = time.perf_counter()
        try:
            done = 0
            before = compiled()
            # After ``rows`` rows, go on while the JIT is still compiling (its total time grows):
            # the first real batch should meet compiled code, not a compiler queue.
            while time.perf_counter() - started < WARM_SECONDS:
                self._predict_frame(frame, "allow", "ignore", "error", None)
                done += len(frame)
                if done >= rows:
                    after = compiled()
                    if after == before:
                        break
                    before = after
            for record in frame.head(100).to_dict("records"):
                self._predict_record(record, "allow", "ignore")
        except PMMLError:
            pass  # generated values a model refuses say nothing about real inputs
        self.warmed = True

    # -- scoring ---------------------------------------------------------------------------------
    def predict(self, data: pd.DataFrame | Mapping[str, Any] | Sequence[Mapping[str, Any]], *,
                missing: Missing = "error", extra: Extra = "ignore", on_invalid: OnInvalid = "error",
                report: InvalidReport | None = None) -> pd.DataFrame | dict[str, Any] | list[dict[str, Any]]:
        """Score a DataFrame (-> DataFrame, same rows, one column per output field), one record
        given as a mapping (-> dict) or a list of records (-> list of dicts, scored together).

        The input contract (README, "Scoring"): every input must be present, with None/NaN for a
        missing value (``missing="allow"`` scores absent inputs as missing); columns or keys the
        model does not use are ignored (``extra="error"`` refuses them); values must fit their
        field's dataType, else EvaluationError names the field and row. For a DataFrame,
        ``on_invalid="missing"`` scores invalid cells as missing and counts them in ``report``.
        """
        jvm.ensure_usable()
        check_policies(missing, extra, on_invalid)
        if isinstance(data, pd.DataFrame):
            return self._predict_frame(data, missing, extra, on_invalid, report)
        if isinstance(data, Mapping):
            return self._predict_record(data, missing, extra)
        if isinstance(data, (list, tuple)) and all(isinstance(r, Mapping) for r in data):
            return self._predict_records(data, missing, extra)
        raise EvaluationError(f"predict() takes a pandas DataFrame, a mapping or a list of mappings, not "
                              f"{type(data).__name__}")

    def _predict_records(self, records: Sequence[Mapping[str, Any]], missing: str, extra: str) -> list[dict[str, Any]]:
        """A list of records: a few one by one, more through the column path (same results)."""
        if len(records) <= _FEW_RECORDS:
            out = []
            for i, record in enumerate(records):
                try:
                    out.append(self._predict_record(record, missing, extra))
                except EvaluationError as exc:
                    raise EvaluationError(f"record {i}: {exc}") from None
            return out
        names = self._input_names
        for i, record in enumerate(records):  # absent and unused keys, per record, as for one record
            try:
                check_names(list(record), names, missing, extra, "record")
            except EvaluationError as exc:
                raise EvaluationError(f"record {i}: {exc}") from None
        frame = pd.DataFrame({name: pd.Series([r.get(name) for r in records], dtype=object) for name in names})
        result = self._predict_frame(frame, "allow", "ignore", "error", None)
        columns = []
        for field in self.output_fields:
            values = result[field.name].tolist()
            if field.data_type == "integer":
                values = [None if v is None or v != v else int(v) for v in values]
            else:
                values = [None if v is None or (isinstance(v, float) and v != v) else v for v in values]
            columns.append(values)
        names_out = self.output_names
        return [dict(zip(names_out, row)) for row in zip(*columns)]

    def _predict_record(self, record: Mapping[str, Any], missing: str, extra: str) -> dict[str, Any]:
        # One record skips the column path: one Object[] in, one Object[] out.
        import jpype

        row = self._row_array(record_values(record, self._input_names, self._kinds, self._data_types,
                                            missing, extra))
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

    def _predict_frame(self, frame: pd.DataFrame, missing: str, extra: str, on_invalid: str,
                       report: InvalidReport | None) -> pd.DataFrame:
        import jpype

        prepared = prepare_frame(frame, self._input_names, self._kinds, self._data_types, missing, extra,
                                 on_invalid, report)
        rows = len(frame)
        columns = jpype.JArray(jpype.JObject)(len(prepared))
        masks = None
        for i, column in enumerate(prepared):
            columns[i] = _to_java(column)
            if column.missing is not None:
                if masks is None:
                    masks = jpype.JArray(jpype.JArray(jpype.JBoolean))(len(prepared))
                masks[i] = jpype.JArray(jpype.JBoolean)(column.missing)
        threads = min(self._threads, max(1, rows // 2048))
        try:
            # Model instances are not thread-safe: one caller at a time uses them (each of the
            # JVM threads of a call gets its own instance).
            with self._lock:
                while len(self._models) < threads:
                    self._models.append(self._parse())
                models = self._new_array(self._model_class, threads)
                for i in range(threads):
                    models[i] = self._models[i]
                try:
                    result = self._scorer.score(models, columns, masks, self._numeric_java, rows)
                except jpype.JException as exc:
                    if "StackOverflowError" not in str(exc.getClass().getName()):
                        raise
                    # A very deep tree: score again on a thread with a large stack.
                    result = self._scorer.scoreDeep(models, columns, masks, self._numeric_java, rows)
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

    # -- inspection (README "Inspecting a model"): the same as pmmlkit.describe/explain --------
    def describe(self) -> Summary:
        """The structured summary of this model's document (``pmmlkit.describe``)."""
        return summarize(parse_bytes(self._data, self.name).getroot())

    def explain(self, frame: pd.DataFrame) -> Explanation:
        """Per-record contributions of each input to the score (``pmmlkit.explain``)."""
        root = parse_bytes(self._data, self.name).getroot()
        return explain_document(root, frame, lambda names: frame_values(root, frame, names, score_document))

    def _repr_html_(self) -> str:
        return self.describe()._repr_html_()

    def __repr__(self) -> str:
        return (f"<pmmlkit.Model {self.model_type} ({self.function_name}) inputs={self._input_names} "
                f"outputs={self.output_names}>")


_cache: OrderedDict[tuple[Any, ...], Model] = OrderedDict()
_cache_lock = threading.Lock()


def load(source: Source, threads: int | None = None, strict: bool = False, *, warm: bool = True,
         cache: bool = True) -> Model:
    """Load a PMML document (path, bytes or XML text) for scoring on the JVM.

    ``threads`` bounds how many JVM threads score a large frame (each with its own model
    instance, since PMML4S models must not be shared between threads). The document passes the
    validation gate first (``pmmlkit.validation.gate``): ``strict=True`` also refuses schema
    deviations that are otherwise scored with a logged warning. ``warm`` runs a short warm-up
    (generated rows, at most WARM_SECONDS) so that the first real batch does not pay for the JVM's
    compiler. Loading the same path again, unchanged (same modification time and size), returns
    the model already loaded; ``cache=False`` always parses again.
    """
    jvm.ensure_usable()
    try:
        source_kind(source)  # the same sources as validate(), decided in one place
    except TypeError:
        raise EvaluationError(f"load() takes a path, the PMML as bytes or the XML text, not "
                              f"{'None' if source is None else type(source).__name__}") from None
    key = _cache_key(source, threads, warm, strict) if cache else None
    if key is not None:
        with _cache_lock:
            if key in _cache:
                _cache.move_to_end(key)
                return _cache[key]
    data, name = read_source(source)
    model = load_parsed(data, name, threads=threads, strict=strict, warm=warm)
    if key is not None:
        with _cache_lock:
            _cache[key] = model
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return model


def score_document(root: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """Score ``frame`` on a document built in memory (an explanation's derived-field reader)."""
    return load(engine_bytes(root), warm=False, cache=False).predict(frame, missing="allow")


def load_parsed(data: bytes, name: str, root: Any = None, threads: int | None = None,
                strict: bool = False, warm: bool = False) -> Model:
    """:func:`load` for a document already read (and, given ``root``, already parsed from ``data``).
    No warm-up unless asked: its callers (verify, ...) score once."""
    root = gate(data, name, strict=strict, root=root)
    data = engine_bytes(root)  # the engine reads exactly what the gate checked, as UTF-8
    try:
        return Model(data, name, threads, root, warm)
    except PMMLError:
        raise
    except Exception as exc:  # anything JPype raises that is not a Java exception
        raise EvaluationError(f"{name}: cannot load: {jvm.java_message(exc)}") from None


def _cache_key(source: Source, threads: int | None, warm: bool, strict: bool) -> tuple[Any, ...] | None:
    """(path, modification time, size, options) for a file; None for bytes or XML text."""
    if source_kind(source) != "path":
        return None
    try:
        path = os.path.realpath(source)
        stat = os.stat(path)
    except (OSError, ValueError):
        return None  # read_source reports what is wrong with it
    return (path, stat.st_mtime_ns, stat.st_size, threads, warm, strict)


def _restore(data: bytes, name: str, threads: int | None, warm: bool) -> Model:
    """Unpickle a Model: parse its bytes again in this process."""
    return load_parsed(data, name, threads=threads, warm=warm)


def categories_in_use(root: Any) -> dict[str, tuple[str, ...]]:
    """Values the document compares each field with (predicates, categorical predictors, one-hot
    encodings): the categories a warm-up should feed."""
    found: dict[str, dict[str, None]] = {}
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        tag = tag_of(node)
        if tag == "Apply":  # equal(FieldRef, Constant) and the like
            children = [c for c in node if isinstance(c.tag, str)]
            fields = [c.get("field") for c in children if tag_of(c) == "FieldRef"]
            constants = [c.text for c in children if tag_of(c) == "Constant" and c.text is not None]
            for name in fields:
                for value in constants:
                    found.setdefault(name, {})[value.strip()] = None
        elif node.get("value") is not None:
            name = node.get("field") or (node.get("name") if tag == "CategoricalPredictor" else None)
            if name is not None:
                found.setdefault(name, {})[node.get("value")] = None
    return {name: tuple(values) for name, values in found.items()}


def warm_up_frame(fields: list[FieldInfo], rows: int, categories: Mapping[str, tuple[str, ...]] | None = None,
                  seed: int = 0) -> pd.DataFrame:
    """Rows that reach many branches: numbers of both signs over several magnitudes, every
    declared or compared category, and some missing values."""
    rng = np.random.default_rng(seed)
    columns: dict[str, Any] = {}
    for field in fields:
        kind = field.java_kind
        labels: list[Any] = list(field.values or (categories or {}).get(field.name, ()))
        if labels and kind not in ("double", "date"):
            if kind in ("integer", "whole"):
                labels = [_number(v) for v in labels]
                labels = [v for v in labels if isinstance(v, int)] or [0]
            picks = rng.integers(0, len(labels), rows)
            values = np.array([labels[i] for i in picks], dtype=object)
        elif kind in ("double", "auto"):
            values = rng.choice([-1.0, 1.0], rows) * 10.0 ** rng.uniform(-2, 4, rows)
        elif kind == "whole":
            values = np.round(rng.choice([-1.0, 1.0], rows) * 10.0 ** rng.uniform(-2, 4, rows))
        elif kind == "boolean":
            values = rng.integers(0, 2, rows).astype(bool)
        elif kind == "date":
            values = np.full(rows, None)  # the engine takes no date values (inputs.DATE_REASON)
        elif kind == "integer":
            values = rng.integers(-3, 10, rows).astype(object)
        else:
            values = np.array(["a", "b", "c"], dtype=object)[rng.integers(0, 3, rows)]
        values = values.astype(object)
        values[rng.random(rows) < 0.05] = None
        columns[field.name] = values
    return pd.DataFrame(columns)


def _number(text: str) -> float | int | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


def _to_java(column: Prepared) -> Any:
    import jpype

    if column.kind == "double":
        return jpype.JArray(jpype.JDouble)(np.ascontiguousarray(column.values, dtype=np.float64))
    if column.kind == "long":
        return jpype.JArray(jpype.JLong)(np.ascontiguousarray(column.values, dtype=np.int64))
    return jpype.JArray(jpype.JString)(column.values)


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
