"""Scoring PMML: ``pmmlkit.load(path, engine=...).predict(frame)``, on PMML4S (the JVM) or natively."""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import EvaluationError, PMMLError, UnsupportedElement, ValidationError
from ..inspection.explain import Explanation, explain_document, frame_values
from ..inspection.summary import Summary, summarize
from ..parsing import Source, engine_bytes, parse_bytes, read_source, source_kind
from ..pmml import model_element, tag_of
from ..validation import gate
from ..validation.gate import ENGINE_LIMITS
from . import jvm
from .contract import InputContract, trained_but_unused
from .engine import DEFAULT_ENGINE, check_engine, make_engine
from .fields import FieldInfo, declared_fields
from .inputs import Extra, InvalidReport, Missing, OnInvalid, check_policies

# The JVM compiles a method fully after some 10,000 calls: a warm-up scores this many rows (a
# generated batch, again and again), or stops after WARM_SECONDS for slow models.
WARM_ROWS = 20_000
_NUMBER, _INTEGER, _BOOLEAN, _TEXT = "number", "integer", "boolean", "text"  # a record's output kinds
WARM_SECONDS = 2.0
_WARM_BATCH = 2000
_CACHE_SIZE = 16
# Up to this many records, one call each is faster than building columns (list of records, served requests).
FEW_RECORDS = 16


class Model:
    """A PMML model loaded for scoring. Build it with :func:`pmmlkit.load`.

    The engine (``model.engine``: "pmml4s", the JVM reference, or "native", compiled in-process;
    see :mod:`pmmlkit.scoring.engine`) sits behind one interface: the same input contract, the
    same output columns and dtypes. A Model pickles as its PMML bytes (and engine) and loads again
    on the other side, so it can be handed to spawn/forkserver processes, joblib workers and
    Spark closures.
    """

    def __init__(self, data: bytes, name: str = "<bytes>", threads: int | None = None,
                 root: Any = None, warm: bool = True, engine: str = "pmml4s") -> None:
        """``root``: the document already parsed (and gated) from ``data``, when the caller has it."""
        if root is None:
            root = parse_bytes(data, name).getroot()
        self.name = name
        self._data = data  # what pickling sends (the other process parses it again)
        self._threads_option = threads
        self._declared = declared_fields(root)
        self._engine = make_engine(engine, root, data, name, threads)
        self.engine = self._engine.name
        self.model_type = tag_of(_model_element(root))
        self.function_name = self._engine.function_name
        self._input_names = list(self._engine.input_names)
        self.input_fields = [self._describe(n) for n in self._input_names]
        #: What every path accepts and refuses (pmmlkit.scoring.contract).
        self.contract = InputContract(tuple(self._input_names), tuple(f.java_kind for f in self.input_fields),
                                      tuple(f.data_type for f in self.input_fields),
                                      trained_but_unused(root, self._input_names))
        self.target_fields = [self._describe(n) for n in self._engine.target_names]
        self.output_fields = list(self._engine.output_fields)
        self._numeric_outputs = list(self._engine.numeric_outputs)
        # How one record's outputs are finished (_predict_record), decided once.
        self._record_outputs = [(f.name, (_INTEGER if f.data_type == "integer" else _NUMBER) if numeric else
                                 _BOOLEAN if f.data_type == "boolean" else _TEXT)
                                for f, numeric in zip(self.output_fields, self._numeric_outputs)]
        self._threads = getattr(self._engine, "threads", 1)
        self._warm_values = categories_in_use(root)
        self.warmed = False
        if warm:
            self.warm_up()

    def _describe(self, name: str) -> FieldInfo:
        return self._declared.get(name, FieldInfo(name, None, None))

    def __reduce__(self) -> tuple[Any, ...]:
        # Engine objects cannot travel: the other process compiles or parses the same bytes again.
        return (_restore, (self._data, self.name, self._threads_option, self.warmed, self.engine))

    @property
    def input_names(self) -> list[str]:
        return list(self._input_names)

    @property
    def output_names(self) -> list[str]:
        return [f.name for f in self.output_fields]

    # -- warm-up ---------------------------------------------------------------------------------
    def warm_up(self, rows: int = WARM_ROWS) -> None:
        """Score ``rows`` generated rows (and a few single records), so that the engine compiles
        the scoring code (the JVM's JIT; numba's dispatch for the native engine) before the first
        real batch or request. Stops after WARM_SECONDS."""
        self._engine.prepare_warm_up()
        frame = warm_up_frame(self.input_fields, min(rows, _WARM_BATCH), self._warm_values)
        marker = self._engine.compiler_busy_marker
        started = time.perf_counter()
        try:
            done = 0
            before = marker()
            # After ``rows`` rows, go on while the JIT is still compiling (its total time grows):
            # the first real batch should meet compiled code, not a compiler queue.
            while time.perf_counter() - started < WARM_SECONDS:
                self._predict_frame(frame, "allow", "ignore", "error", None)
                done += len(frame)
                if done >= rows:
                    after = marker()
                    if after == before:
                        break
                    before = after
            if getattr(self._engine, "warm_large_batch", False):
                # One batch of ``rows`` rows (glibc raises its mmap threshold to the largest block freed):
                # fewer page faults in the first real batch (measured: 1,475 instead of ~1,775 for a
                # 20,000-row logistic regression batch). It still touches fresh pages: glibc gives the
                # top of a fresh process' heap back after each batch (README, Benchmarks, "The native engine").
                self._predict_frame(pd.concat([frame] * max(1, rows // len(frame)), ignore_index=True),
                                    "allow", "ignore", "error", None)
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
        model does not know are ignored (``extra="error"`` refuses them, but not the inputs it was
        trained on without using them: ``self.contract.unused``); values must fit their
        field's dataType, else EvaluationError names the field and row. For a DataFrame,
        ``on_invalid="missing"`` scores invalid cells as missing and counts them in ``report``.
        """
        self._engine.check_usable()
        check_policies(missing, extra, on_invalid)
        if isinstance(data, pd.DataFrame):
            return self._predict_frame(data, missing, extra, on_invalid, report)
        if type(data) is dict or isinstance(data, Mapping):  # (a dict skips the abstract class's check)
            return self._predict_record(data, missing, extra)
        if isinstance(data, (list, tuple)) and all(isinstance(r, Mapping) for r in data):
            return self.predict_records(data, missing=missing, extra=extra)
        raise EvaluationError(f"predict() takes a pandas DataFrame, a mapping or a list of mappings, not "
                              f"{type(data).__name__}")

    def predict_records(self, records: Sequence[Mapping[str, Any]], *, missing: Missing = "error",
                        extra: Extra = "ignore", label: str = "record") -> list[dict[str, Any]]:
        """Score a list of records (-> list of dicts), as ``predict`` does; an error names the record by
        ``label`` and its position ("record 3"; ``pmmlkit serve`` says "instance 3"). A few records are
        scored one by one, more through the column path (same checks, same results)."""
        self._engine.check_usable()
        check_policies(missing, extra)
        if len(records) <= FEW_RECORDS:
            return [self._predict_record(record, missing, extra, f"{label} {i}") for i, record in enumerate(records)]
        frame = self.contract.records_frame(records, missing, extra, label)
        result = self._predict_frame(frame, "allow", "ignore", "error", None, label)
        columns = []
        for field in self.output_fields:
            values = result[field.name].tolist()
            if field.data_type == "integer":
                values = [None if v is None or v != v else int(v) if v - v == 0 else v for v in values]  # inf stays
            else:
                values = [None if v is None or (isinstance(v, float) and v != v) else v for v in values]
            columns.append(values)
        names_out = self.output_names
        return [dict(zip(names_out, row)) for row in zip(*columns)]

    def _predict_record(self, record: Mapping[str, Any], missing: str, extra: str,
                        where: str | None = None) -> dict[str, Any]:
        # One record skips the column path: one row of values in, one row out.
        values = self.contract.record(record, missing, extra, where)
        try:
            result = self._engine.score_record(values)
        except EvaluationError as exc:
            if where is None:
                raise
            raise EvaluationError(f"{where}: {exc}") from None
        out: dict[str, Any] = {}
        for (name, kind), value in zip(self._record_outputs, result):
            if value is None:
                out[name] = None
            elif kind is _TEXT:
                out[name] = value
            elif kind is _BOOLEAN:
                out[name] = value == "true"
            else:
                number = float(value)
                out[name] = None if number != number else (
                    int(number) if kind is _INTEGER and number - number == 0.0 else number)  # (finite)
        return out

    def _predict_frame(self, frame: pd.DataFrame, missing: str, extra: str, on_invalid: str,
                       report: InvalidReport | None, noun: str = "row") -> pd.DataFrame:
        prepared = self.contract.frame(frame, missing, extra, on_invalid, report, noun)
        result = self._engine.score_columns(prepared, len(frame))
        out = {}
        for j, field in enumerate(self.output_fields):
            values = result[j]
            if self._numeric_outputs[j]:
                # Whole numbers as int64 only when each one fits: 2**63 (an engine's saturated long, an
                # overflow) would wrap to -2**63; such a column stays float64.
                if field.data_type == "integer" and (np.abs(values) < 2.0 ** 63).all():
                    values = values.astype(np.int64)
            elif field.data_type == "boolean":
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
        # Derived values come from this model's own engine (no Java needed for a native model).
        return explain_document(root, frame, lambda names: frame_values(
            root, frame, names, lambda document, rows: score_document(document, rows, self.engine)))

    def _repr_html_(self) -> str:
        return self.describe()._repr_html_()

    def __repr__(self) -> str:
        return (f"<pmmlkit.Model {self.model_type} ({self.function_name}) engine={self.engine} "
                f"inputs={self._input_names} outputs={self.output_names}>")


_cache: OrderedDict[tuple[Any, ...], Model] = OrderedDict()
_cache_lock = threading.Lock()


def load(source: Source, threads: int | None = None, strict: bool = False, *, warm: bool = True,
         cache: bool = True, engine: str = DEFAULT_ENGINE) -> Model:
    """Load a PMML document (path, bytes or XML text) for scoring.

    ``engine`` chooses what scores it (README, "Engines"): "pmml4s" (the default: PMML4S on the
    JVM, the reference), "native" (compiled in-process, no Java; a document with an element it
    does not compile is refused with an EvaluationError naming the element and its line) or
    "auto" (native where it compiles the document and agrees with the document's embedded
    ModelVerification rows, PMML4S otherwise). A document only PMML4S cannot score (an
    AssociationModel, ...) loads on "native" and "auto" when the native compiler compiles it.
    ``threads`` bounds how many threads score a large frame (default: up to 4): JVM threads, each
    with its own model instance (PMML4S models must not be shared between threads), or the native
    engine's compiled loops, which give the same doubles on any number of threads. The document passes the
    validation gate first (``pmmlkit.validation.gate``): ``strict=True`` also refuses schema
    deviations that are otherwise scored with a logged warning. ``warm`` runs a short warm-up
    (generated rows, at most WARM_SECONDS) so that the first real batch does not pay for the
    engine's compiler. Loading the same path again, unchanged (same modification time and size),
    returns the model already loaded; ``cache=False`` always parses again.
    """
    check_engine(engine)
    if engine == "pmml4s":
        jvm.ensure_usable()
    try:
        source_kind(source)  # the same sources as validate(), decided in one place
    except TypeError:
        raise EvaluationError(f"load() takes a path, the PMML as bytes or the XML text, not "
                              f"{'None' if source is None else type(source).__name__}") from None
    key = _cache_key(source, threads, warm, strict, engine) if cache else None
    if key is not None:
        with _cache_lock:
            if key in _cache:
                _cache.move_to_end(key)
                return _cache[key]
    data, name = read_source(source)
    model = load_parsed(data, name, threads=threads, strict=strict, warm=warm, engine=engine)
    if key is not None:
        with _cache_lock:
            _cache[key] = model
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return model


def score_document(root: Any, frame: pd.DataFrame, engine: str = DEFAULT_ENGINE) -> pd.DataFrame:
    """Score ``frame`` on a document built in memory (an explanation's derived-field reader)."""
    return load(engine_bytes(root), warm=False, cache=False, engine=engine).predict(frame, missing="allow")


def load_parsed(data: bytes, name: str, root: Any = None, threads: int | None = None,
                strict: bool = False, warm: bool = False, engine: str = DEFAULT_ENGINE) -> Model:
    """:func:`load` for a document already read (and, given ``root``, already parsed from ``data``).
    No warm-up unless asked: its callers (verify, ...) score once."""
    requested = engine
    check_engine(engine)
    refused = None
    try:
        root = gate(data, name, strict=strict, root=root)
    except ValidationError as exc:
        if engine == "pmml4s":
            raise
        # What PMML4S cannot score, the native compiler may: it judges the document itself (any
        # other fault still refuses it here), and `auto` has no JVM engine to fall back to.
        root = gate(data, name, strict=strict, root=root, tolerate=ENGINE_LIMITS)
        refused, engine = exc, "native"
    data = engine_bytes(root)  # the engine reads exactly what the gate checked, as UTF-8
    try:
        return Model(data, name, threads, root, warm, engine)
    except UnsupportedElement as exc:
        if refused is None:
            raise
        # Neither engine scores it: say both reasons (the native one without its advice to use PMML4S).
        reason = str(exc).split("; score this document")[0]
        if requested == "auto":
            raise ValidationError(f"{refused} (the native engine cannot score it either: {reason})") from None
        raise UnsupportedElement(f"{reason}, and PMML4S cannot score it either: {refused}") from None
    except PMMLError:
        raise
    except Exception as exc:  # anything JPype raises that is not a Java exception
        raise EvaluationError(f"{name}: cannot load: {jvm.java_message(exc)}") from None


def _cache_key(source: Source, threads: int | None, warm: bool, strict: bool, engine: str
               ) -> tuple[Any, ...] | None:
    """(path, modification time, size, options) for a file; None for bytes or XML text."""
    if source_kind(source) != "path":
        return None
    try:
        path = os.path.realpath(source)
        stat = os.stat(path)
    except (OSError, ValueError):
        return None  # read_source reports what is wrong with it
    return (path, stat.st_mtime_ns, stat.st_size, threads, warm, strict, engine)


def _restore(data: bytes, name: str, threads: int | None, warm: bool, engine: str = DEFAULT_ENGINE) -> Model:
    """Unpickle a Model: parse its bytes again in this process."""
    return load_parsed(data, name, threads=threads, warm=warm, engine=engine)


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


def _model_element(root: Any) -> Any:
    node = model_element(root)
    if node is None:
        raise EvaluationError("the document has no model element")
    return node
