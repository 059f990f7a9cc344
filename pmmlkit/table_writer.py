"""Writing tables: scored chunks to CSV, Parquet or JSON Lines (or standard output), all or nothing."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from typing import IO, Any

import numpy as np
import pandas as pd

from .errors import PMMLError
from .io import STDIO, first_line, table_format


class TableWriter:
    """Writes scored chunks to a CSV, Parquet or JSON Lines file (or ``-``, standard output).

    A file is written to a temporary name and renamed into place when :meth:`close` succeeds, so a
    failed run leaves nothing half-written. Parquet takes its schema from the first chunk; a later
    chunk whose columns do not fit it is an error. Non-finite numbers: JSON Lines has none, so NaN and
    ±infinity are written as null (``pmmlkit score`` counts the infinities in its summary); CSV writes
    inf and -inf (as pandas reads them back) and NaN as an empty cell; Parquet keeps IEEE values.
    """

    def __init__(self, path: str | os.PathLike | None, fmt: str | None = None) -> None:
        self.path = STDIO if path is None else str(path)
        self.format = table_format(self.path, fmt)
        self._stack = contextlib.ExitStack()
        self._handle: IO[Any] | None = None
        self._parquet: Any = None
        self._buffer: Any = None
        self._first = True

    def __enter__(self) -> TableWriter:
        if self.path == STDIO:
            sys.stdout.flush()
            binary: IO[bytes] = sys.stdout.buffer
        else:
            from .document import atomic_writer

            binary = self._stack.enter_context(atomic_writer(self.path, "wb"))
        if self.format == "parquet":
            if self.path == STDIO:
                import pyarrow as pa

                self._buffer = pa.BufferOutputStream()  # Parquet needs its whole file before stdout gets it
            else:
                self._handle = binary
        else:
            # Text that came in as undecodable bytes (lone surrogates) goes out as the same bytes.
            self._handle = io.TextIOWrapper(binary, encoding="utf-8", errors="surrogateescape", newline="",
                                            write_through=True)
            self._stack.callback(self._handle.detach)  # flush, and leave the file (or stdout) to its owner
        return self

    def write(self, frame: pd.DataFrame) -> None:
        if self.format == "csv":
            frame.to_csv(self._handle, header=self._first, index=False, na_rep="", lineterminator="\n")
        elif self.format == "jsonl":
            self._write_jsonl(frame)
        else:
            self._write_parquet(frame)
        self._first = False

    def _write_jsonl(self, frame: pd.DataFrame) -> None:
        names = [str(c) for c in frame.columns]
        columns = [[_json_value(v) for v in frame[c].tolist()] for c in frame.columns]
        # allow_nan=False: JSON has no infinity or NaN (both are written as null, see _json_value).
        lines = [json.dumps(dict(zip(names, row)), ensure_ascii=False, allow_nan=False) + "\n" for row in zip(*columns)]
        self._handle.write("".join(lines))

    def _write_parquet(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._parquet is None:
            sink = self._buffer if self._buffer is not None else self._handle
            self._parquet = pq.ParquetWriter(sink, table.schema)
        elif table.schema != self._parquet.schema:
            try:
                table = table.cast(self._parquet.schema)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
                raise PMMLError(f"{self.path}: a column changed type from one chunk to the next "
                                f"({first_line(exc)}); give the input stable column types, a larger "
                                "--chunk-size, or write CSV") from None
        self._parquet.write_table(table)

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        try:
            if error is None:
                if self.format == "parquet" and self._parquet is None:
                    self.write(pd.DataFrame())
                if self._parquet is not None:
                    self._parquet.close()
                if self._buffer is not None:
                    sys.stdout.buffer.write(self._buffer.getvalue().to_pybytes())
                if self.path == STDIO:
                    sys.stdout.buffer.flush()
        except BrokenPipeError:  # e.g. `pmmlkit score ... | head`
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        finally:
            self._stack.__exit__(kind, error, trace)


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value - value != 0.0:  # NaN and ±infinity: JSON has neither
        return None
    if isinstance(value, (np.generic,)):
        return _json_value(value.item())
    return value
