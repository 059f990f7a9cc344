"""The native engine object behind :class:`pmmlkit.Model` (the interface of :mod:`pmmlkit.scoring.engine`)."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from ..fields import FieldInfo
from ..inputs import Prepared
from .fields import cast, input_column
from .ir import Column
from .program import Program

_NUMERIC_OUTPUTS = ("double", "float", "integer", "real")
_CACHE_SIZE = 32
_compiled: OrderedDict[bytes, Program] = OrderedDict()
_compiled_lock = threading.Lock()


def compile_document(root: Any, data: bytes) -> Program:
    """The program for a gated document, compiled once per document bytes (a second load of the same
    bytes takes the compiled program; numba keeps the loops themselves on disk)."""
    key = hashlib.sha256(data).digest()
    with _compiled_lock:
        if key in _compiled:
            _compiled.move_to_end(key)
            return _compiled[key]
    program = Program(root)
    with _compiled_lock:
        _compiled[key] = program
        while len(_compiled) > _CACHE_SIZE:
            _compiled.popitem(last=False)
    return program


class NativeEngine:
    """A document compiled into array programs; scores in-process, without Java. Thread-safe: a
    batch's intermediate columns belong to its call."""

    name = "native"
    threads = 1

    def __init__(self, root: Any, data: bytes, label: str) -> None:
        self.label = label
        self.program = compile_document(root, data)
        self.function_name = self.program.function_name or ""
        self.input_names = list(self.program.input_names)
        self.target_names = list(self.program.target_names)
        self.output_fields = [FieldInfo(f.name, None, f.data_type) for f in self.program.outputs]
        self.numeric_outputs = [f.data_type in _NUMERIC_OUTPUTS for f in self.program.outputs]
        self._fields = [self.program.dictionary.get(n) for n in self.input_names]

    def check_usable(self) -> None:
        """Nothing to check: no JVM, no state a fork could break."""

    def prepare_warm_up(self) -> None:
        """Nothing to prepare: the program is compiled at load."""

    def compiler_busy_marker(self) -> int:
        return 0  # numba compiles on the first call; one warm-up batch is enough

    def score_columns(self, prepared: list[Prepared], rows: int) -> list[np.ndarray]:
        columns = {name: input_column(column, field)
                   for name, column, field in zip(self.input_names, prepared, self._fields)}
        return [self._finish(values, numeric, field.data_type, rows)
                for values, numeric, field in zip(self.program.score(columns, rows), self.numeric_outputs,
                                                   self.output_fields)]

    def score_record(self, values: list[Any]) -> list[Any]:
        prepared = []
        for value, field in zip(values, self._fields):
            if isinstance(value, str) or (value is None and field is not None and not field.numeric):
                prepared.append(Prepared("string", [value]))
            else:
                prepared.append(Prepared("double", np.array([np.nan if value is None else float(value)])))
        out = []
        for column, numeric in zip(self.score_columns(prepared, 1), self.numeric_outputs):
            value = column[0]
            out.append(float(value) if numeric else value)
        return out

    @staticmethod
    def _finish(values: Column, numeric: bool, data_type: str | None, rows: int) -> np.ndarray:
        if len(values) != rows:
            values = np.broadcast_to(values, (rows,)).copy()
        if numeric:
            return np.ascontiguousarray(values, dtype=np.float64)
        if data_type == "boolean" and values.dtype != object:
            out = np.empty(rows, dtype=object)
            for i, v in enumerate(values.tolist()):
                out[i] = None if v != v else ("true" if v else "false")
            return out
        return cast(values, "string") if values.dtype != object else values
