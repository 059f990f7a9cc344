"""The native engine object behind :class:`pmmlkit.Model` (the interface of :mod:`pmmlkit.scoring.engine`)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from ...errors import EvaluationError, PMMLError
from ..fields import FieldInfo
from ..inputs import Prepared
from . import kernels as K
from .fields import cast, input_column
from .ir import Column, UnsupportedElement
from .program import Program

_NUMERIC_OUTPUTS = ("double", "float", "integer", "real")
# Below this many rows a batch stays on one thread (starting the others costs more than it saves).
PARALLEL_ROWS = 4096
# A batch is scored this many rows at a time (each row is scored on its own, so the chunks give
# the same values). The program's temporary columns then stay a few hundred KB each: glibc keeps
# reusing them from its heap, where the columns of a whole 100,000-row batch were mapped afresh and
# page-faulted in every batch (~5,000 faults, half the time of a scaler + logistic regression), and
# a batch of millions of rows needs the memory of one chunk. Measured at 100,000 rows, one thread:
# logistic regression 17.9 -> 10.3 ms, MLP 42.9 -> 27.9, one-hot pipeline 59 -> 50, trees unchanged.
CHUNK_ROWS = 32_768
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
    try:
        program = Program(root)
    except RecursionError:
        raise UnsupportedElement(_TOO_DEEP) from None
    with _compiled_lock:
        _compiled[key] = program
        while len(_compiled) > _CACHE_SIZE:
            _compiled.popitem(last=False)
    return program


# Expressions, derived fields and segmentations compile to nested Python closures: a document
# that nests them deeper than Python's stack allows is refused at load (by the compile or by the
# one-row probe below), never halfway through a batch. (Tree depth is not limited by this: trees
# are walked iteratively by the compiled loops.)
_TOO_DEEP = ("the native engine does not compile this document: its expressions, derived fields or "
             "segments nest too deeply (beyond Python's recursion limit); score it with engine='pmml4s'")


class NativeEngine:
    """A document compiled into array programs; scores in-process, without Java. Thread-safe: a
    batch's intermediate columns belong to its call."""

    name = "native"
    warm_large_batch = True  # Model.warm_up: end with one batch of WARM_ROWS rows (it costs milliseconds here)

    def __init__(self, root: Any, data: bytes, label: str, threads: int | None = None) -> None:
        self.label = label
        # As for PMML4S: ``threads`` bounds the threads a large batch is scored on (None: up to 4).
        self.threads = max(1, threads if threads is not None else min(4, os.cpu_count() or 1))
        self.program = compile_document(root, data)
        self.function_name = self.program.function_name or ""
        self.input_names = list(self.program.input_names)
        self.target_names = list(self.program.target_names)
        self.output_fields = [FieldInfo(f.name, None, f.data_type) for f in self.program.outputs]
        self.numeric_outputs = [f.data_type in _NUMERIC_OUTPUTS for f in self.program.outputs]
        self._fields = [self.program.dictionary.get(n) for n in self.input_names]
        self._probe()

    def _probe(self) -> None:
        """Score one row of missing values: compiles the loops this program uses (numba, from its
        disk cache after the first time; the parallel ones too when it may use them), so that the
        first batch after load does not pay for them, and finds a nesting too deep to evaluate."""
        columns = [Prepared("double", np.full(1, np.nan)) if field is None or field.numeric
                   else Prepared("string", [None]) for field in self._fields]
        try:
            values = {n: input_column(c, f) for n, c, f in zip(self.input_names, columns, self._fields)}
            self.program.score(dict(values), 1)
            if self.threads > 1 and K.parallel_usable():  # the parallel loops too (PARALLEL_ROWS rows)
                self.program.score(values, 1, parallel=True)
        except RecursionError:
            raise UnsupportedElement(_TOO_DEEP) from None
        except PMMLError:
            raise
        except Exception:
            pass  # a value-dependent failure says nothing about real rows; scoring reports it per batch

    def check_usable(self) -> None:
        """Nothing to check: no JVM, no state a fork could break."""

    def prepare_warm_up(self) -> None:
        """Nothing to prepare: the program is compiled at load."""

    def compiler_busy_marker(self) -> int:
        return 0  # numba compiles on the first call; one warm-up batch is enough

    def score_columns(self, prepared: list[Prepared], rows: int) -> list[np.ndarray]:
        columns = {name: input_column(column, field)
                   for name, column, field in zip(self.input_names, prepared, self._fields)}
        if rows <= CHUNK_ROWS:
            return self._score_chunk(columns, rows)
        parts = [self._score_chunk({name: column[start:start + CHUNK_ROWS] for name, column in columns.items()},
                                   min(CHUNK_ROWS, rows - start))
                 for start in range(0, rows, CHUNK_ROWS)]
        return [np.concatenate([part[k] for part in parts]) for k in range(len(self.output_fields))]

    def _score_chunk(self, columns: dict[str, Column], rows: int) -> list[np.ndarray]:
        parallel = self.threads > 1 and rows >= PARALLEL_ROWS and K.parallel_usable()
        try:
            if parallel:
                K.set_threads(self.threads)
            scored = self.program.score(columns, rows, parallel)
        except PMMLError:
            raise
        except Exception as exc:  # a defect of the native engine: reported, never a raw traceback
            raise EvaluationError(f"{self.label}: the native engine failed to score this batch "
                                  f"({type(exc).__name__}: {exc}); score it with engine='pmml4s'") from None
        return [self._finish(values, numeric, field.data_type, rows)
                for values, numeric, field in zip(scored, self.numeric_outputs, self.output_fields)]

    def score_record(self, values: list[Any]) -> list[Any]:
        """One record (values the input contract checked, in input order): one-row columns straight
        into the program, without the batch path's Prepared columns; first through the program's row
        function (rows.py) where it has one."""
        row = self.program.row
        if row is not None:
            try:
                return row(*values)
            except Exception:  # noqa: S110 - a value the row function does not take (rows.py): the columns score it
                pass
        columns: dict[str, Column] = {}
        for name, value, field in zip(self.input_names, values, self._fields):
            if isinstance(value, str) or (value is None and field is not None and not field.numeric):
                column = np.empty(1, dtype=object)
                column[0] = value
                columns[name] = cast(column, "boolean") if field is not None and field.numeric else column
            else:
                columns[name] = np.array([np.nan if value is None else float(value)])
        try:
            scored = self.program.score(columns, 1)
        except PMMLError:
            raise
        except Exception as exc:  # a defect of the native engine: reported, never a raw traceback
            raise EvaluationError(f"{self.label}: the native engine failed to score this record "
                                  f"({type(exc).__name__}: {exc}); score it with engine='pmml4s'") from None
        out = []
        for values_out, numeric, field in zip(scored, self.numeric_outputs, self.output_fields):
            value = self._finish(values_out, numeric, field.data_type, 1)[0]
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
