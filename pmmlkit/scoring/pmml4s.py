"""The JVM engine: PMML4S through JPype and pmmlkit's bridge (``dev.pmmlkit.BatchScorer``).

One of the engines behind :class:`pmmlkit.Model` (see :mod:`pmmlkit.scoring.engine`); the
reference the native engine is proven against.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np

from ..errors import EvaluationError
from ..parsing import engine_bytes, pmml4s_bytes
from . import jvm
from .fields import FieldInfo
from .inputs import Prepared
from .reasons import ReasonCodes


class PMML4SEngine:
    """A document loaded on PMML4S: ``threads`` model instances (PMML4S models must not be shared
    between threads), scored in batches by the bridge."""

    name = "pmml4s"

    def __init__(self, root: Any, data: bytes, label: str, threads: int | None) -> None:
        import jpype

        jvm.ensure_usable()
        self.label = label
        self._engine_data = pmml4s_bytes(root, data)
        self._lock = threading.Lock()
        self.threads = max(1, threads if threads is not None else min(4, os.cpu_count() or 1))
        self._scorer = jvm.jclass("dev.pmmlkit.BatchScorer")
        self._models = [self._parse()]
        java_model = self._models[0]
        self.function_name = str(java_model.functionName())
        self.input_names = [str(n) for n in java_model.inputNames()]
        self.target_names = [str(n) for n in java_model.targetNames()]
        outputs = list(java_model.outputFields())
        self.output_fields = [FieldInfo(str(f.name()), None, _data_type_name(f.dataType())) for f in outputs]
        self.numeric_outputs = [bool(f.dataType().isNumeric()) for f in outputs]
        self._numeric_java = jpype.JArray(jpype.JBoolean)(self.numeric_outputs)
        # Model[] through reflection: when another library started the JVM, PMML4S lives in a class
        # loader of pmmlkit's own, where JPype cannot look array types up by name.
        self._model_class = jvm.jclass("org.pmml4s.model.Model").class_
        self._new_array = jpype.JClass("java.lang.reflect.Array").newInstance
        self._row_array = jpype.JArray(jpype.JObject)
        # PMML4S's reasonCode outputs repeat codes in the higher ranks: pmmlkit computes them.
        self._reasons = ReasonCodes.of(root, self.input_names, [f.name for f in self.output_fields],
                                       lambda document: PMML4SEngine(document, engine_bytes(document), label, 1))

    def _parse(self) -> Any:
        import jpype

        try:
            return self._scorer.load(jpype.JArray(jpype.JByte)(self._engine_data))
        except jpype.JException as exc:
            raise EvaluationError(f"{self.label}: the scoring engine cannot load this PMML: "
                                  f"{jvm.java_message(exc)}") from None

    def check_usable(self) -> None:
        jvm.ensure_usable()

    def prepare_warm_up(self) -> None:
        """Every instance a large frame will use, parsed before the warm-up scores."""
        with self._lock:
            while len(self._models) < self.threads:
                self._models.append(self._parse())

    def compiler_busy_marker(self) -> int:
        """A number that grows while the JIT compiles (the warm-up goes on until it stops)."""
        return jvm.compilation_milliseconds()

    def score_record(self, values: list[Any]) -> list[Any]:
        """One record (cells converted by the input contract) -> one value per output field:
        a float (NaN for missing) for numeric outputs, a str or None for the others."""
        import jpype

        row = self._row_array(values)
        try:
            with self._lock:  # a PMML4S model must not score on two threads at once
                result = self._scorer.scoreRecord(self._models[0], row, self._numeric_java)
        except jpype.JException as exc:
            raise EvaluationError(f"{self.label}: scoring failed: {jvm.java_message(exc)}") from None
        out: list[Any] = []
        for numeric, value in zip(self.numeric_outputs, result):
            if value is None:
                out.append(float("nan") if numeric else None)
            else:
                out.append(float(value) if numeric else str(value))
        return out if self._reasons is None else self._reasons.record(out, values)

    def score_columns(self, prepared: list[Prepared], rows: int) -> list[np.ndarray]:
        """Columns from the input contract -> one array per output field: float64 (NaN for
        missing) for numeric outputs, object arrays of str/None for the others."""
        import jpype

        columns = jpype.JArray(jpype.JObject)(len(prepared))
        masks = None
        for i, column in enumerate(prepared):
            columns[i] = _to_java(column)
            if column.missing is not None:
                if masks is None:
                    masks = jpype.JArray(jpype.JArray(jpype.JBoolean))(len(prepared))
                masks[i] = jpype.JArray(jpype.JBoolean)(column.missing)
        threads = min(self.threads, max(1, rows // 2048))
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
            raise EvaluationError(f"{self.label}: scoring failed: {jvm.java_message(exc)}") from None
        out = []
        for j, numeric in enumerate(self.numeric_outputs):
            column = result[j]
            if numeric:
                out.append(np.array(column, dtype=np.float64))
            else:
                out.append(np.array([None if v is None else str(v) for v in column], dtype=object))
        return out if self._reasons is None else self._reasons.columns(out, prepared, rows)


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
