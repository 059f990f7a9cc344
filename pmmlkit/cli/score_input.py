"""What `pmmlkit score` reads from CSV and JSON Lines, checked row by row before the model sees it.

Every row read is accounted for: each is handed over (one output row per input row), and the ones
that do not fit are errors or, with ``--on-invalid missing``, scored with their inputs missing and
counted. A file row is a record: a CSV row must have as many fields as the header (never shifted
into an index, never padded with blanks); a JSON Lines line must hold an object, and an object
lacking one of the model's inputs is an absent input, as for a dict given to ``Model.predict`` (an
error with a did-you-mean, unless ``--missing allow``). A file whose rows cannot be told apart
(CSV that is not well-formed: a quote never closed) or that is cut short (a JSON Lines line that is
not JSON) is an error whatever ``--on-invalid`` says. Errors name the file, the row (data rows
count from 1, as in the contract's messages) and the line. Parquet files are typed: they are read by
:func:`pmmlkit.io.iter_parquet`."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pandas as pd

from ..errors import EvaluationError, PMMLError
from ..io import STDIO, binary_input, csv_records, csv_text, iter_parquet, json_values, not_an_object, records_frame
from ..scoring.inputs import InvalidReport, absent_message, check_names, extra_message

# A counted row with the wrong number of fields (CSV), or a line that is no object (JSON Lines), has
# no column to blame: the report names these.
WRONG_WIDTH = "(rows with the wrong number of fields)"
NOT_AN_OBJECT = "(lines that are not JSON objects)"


@dataclass
class RowRules:
    """The model's inputs and the caller's policies, as the reader applies them to each row."""

    needed: Sequence[str]
    missing: str = "error"
    extra: str = "ignore"
    on_invalid: str = "error"
    report: InvalidReport | None = None
    unused: Collection[str] = ()  # inputs the model was trained on but does not use: accepted, ignored

    def invalid(self, message: str, columns: Sequence[str]) -> None:
        """One row the reader cannot hand over as it is: an error, or counted (on_invalid="missing")."""
        if self.on_invalid == "error":
            raise EvaluationError(message)
        if self.report is not None:
            self.report.add(1, dict.fromkeys(columns, 1), message)


def read_chunks(path: str, fmt: str, chunk_size: int, rules: RowRules,
                progress: Callable[[int], None] | None = None) -> Iterator[pd.DataFrame]:
    """The input table in chunks of at most ``chunk_size`` rows (at least one chunk, maybe empty),
    row labels counting data rows from 1. CSV cells stay text (None for an empty cell)."""
    if fmt == "parquet":
        first = True
        for chunk in iter_parquet(path, chunk_size, progress=progress):
            if first:
                _columns(path, list(chunk.columns), rules)
                first = False
            yield chunk
        return
    if path != STDIO and not Path(path).exists():
        raise PMMLError(f"{path}: no such file")
    if path != STDIO and Path(path).is_dir():
        raise PMMLError(f"{path} is a folder, not a {fmt.upper()} file")
    reader = _csv_rows if fmt == "csv" else _jsonl_rows
    with binary_input(path) as handle:
        yield from reader(path, handle, chunk_size, rules, progress)


def _not_utf8(path: str, row: int, line: int, column: str, cell: str) -> str:
    raw = cell.encode("utf-8", errors="surrogateescape")
    return (f"input {column!r}, row {row} (line {line}): not valid Unicode text: the bytes {raw!r} are not UTF-8. "
            f"{'the input' if path == STDIO else path} is not a UTF-8 file (Latin-1 or another encoding?): convert "
            "it, e.g. "
            "`iconv -f latin1 -t utf-8`")


# -- CSV -------------------------------------------------------------------------------------------
def _csv_rows(path: str, handle: IO[bytes], chunk_size: int, rules: RowRules,
              progress: Callable[[int], None] | None) -> Iterator[pd.DataFrame]:
    seekable = handle.seekable()
    text = csv_text(path, handle)  # (bytes that are not UTF-8 kept as lone surrogates, for _cells to judge)
    try:
        records = csv_records(path, text)
        header = next(records, None)
        if header is None or not any(h.strip() for h in header[1]):
            raise PMMLError(f"{path}: cannot read the table: it is empty (no header line)")
        names = _header(path, header[1], rules)
        inputs = [i for i, name in enumerate(names) if name in set(rules.needed)]
        width = len(names)
        chunk: list[list[str | None]] = []
        number = 0
        yielded = False
        for line, fields in records:
            number += 1
            if len(fields) != width:
                given = f"{len(fields)} field" + ("s" if len(fields) != 1 else "")
                rules.invalid(f"{path}: row {number} (line {line}) has {given}, the header has {width}: "
                              "fix the row (an unquoted separator inside a value, or a missing one?)", [WRONG_WIDTH])
                chunk.append([None] * width)
            else:
                chunk.append(_cells(path, fields, names, inputs, number, line, rules))
            if len(chunk) == chunk_size:
                if progress is not None and seekable:
                    progress(handle.tell())
                yield _frame(chunk, names, number - len(chunk) + 1)
                yielded = True
                chunk = []
        if chunk or not yielded:
            if progress is not None and seekable:
                progress(handle.tell())
            yield _frame(chunk, names, number - len(chunk) + 1)
    finally:
        text.detach()


def _header(path: str, header: list[str], rules: RowRules) -> list[str]:
    names = list(header)
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise PMMLError(f"{path}: more than one column named {twice}: each input must be one column")
    if len(names) == 1 and len(rules.needed) > 1:
        for separator, said in ((";", "';'"), ("\t", "tabs"), ("|", "'|'")):
            if separator in names[0]:
                raise PMMLError(f"{path}: the header has one column, {names[0][:60]!r}: the file looks separated by "
                                f"{said}; pmmlkit score reads comma-separated CSV: convert it, or give Parquet or "
                                "JSON Lines")
    _columns(path, names, rules)
    return names


def _columns(path: str, names: list[Any], rules: RowRules) -> None:
    """Absent and unused columns of a table, named as the table's (not a DataFrame's)."""
    try:
        check_names(names, rules.needed, rules.missing, rules.extra, "input table", rules.unused)
    except EvaluationError as exc:
        raise EvaluationError(f"{path}: {exc}") from None


def _cells(path: str, fields: list[str], names: list[str], inputs: list[int], row: int, line: int,
           rules: RowRules) -> list[str | None]:
    cells: list[str | None] = [None if f == "" else f for f in fields]
    joined = "\x00".join(fields)
    if not joined.isascii():
        try:
            joined.encode("utf-8")
        except UnicodeEncodeError:
            bad = []
            for i in inputs:
                try:
                    fields[i].encode("utf-8")
                except UnicodeEncodeError:
                    bad.append(i)
            for i in bad:
                rules.invalid(f"{path}: {_not_utf8(path, row, line, names[i], fields[i])}", [names[i]])
                cells[i] = None
    return cells


def _frame(rows: list[list[Any]], names: list[str], first: int) -> pd.DataFrame:
    # Object columns built by hand: pandas would turn text into its arrow string type, which
    # refuses lone surrogates (kept in columns the model does not read).
    columns = list(zip(*rows)) if rows else [()] * len(names)
    frame = pd.DataFrame({i: pd.Series(list(c), dtype=object) for i, c in enumerate(columns)},
                         index=pd.RangeIndex(len(rows)))
    frame.columns = names
    frame.index = pd.RangeIndex(first, first + len(rows))
    return frame


# -- JSON Lines ------------------------------------------------------------------------------------
def _jsonl_rows(path: str, handle: IO[bytes], chunk_size: int, rules: RowRules,
                progress: Callable[[int], None] | None) -> Iterator[pd.DataFrame]:
    seekable = handle.seekable()
    needed = list(rules.needed)
    records: list[dict[str, Any]] = []
    number = 0
    yielded = False
    for line, value in json_values(path, handle):
        number += 1
        if isinstance(value, dict):
            records.append(_checked(path, value, needed, number, line, rules))
        else:  # a row all the same: refused, or scored with every input missing and counted
            rules.invalid(f"{path}: row {number} (line {line}) {not_an_object(value)}", [NOT_AN_OBJECT])
            records.append(dict.fromkeys(needed))
        if len(records) == chunk_size:
            if progress is not None and seekable:
                progress(handle.tell())
            yield records_frame(records, number - len(records) + 1, needed)
            yielded = True
            records = []
    if not yielded and not records:
        raise PMMLError(f"{path}: cannot read the table: it is empty (no JSON object)")
    if records:
        if progress is not None and seekable:
            progress(handle.tell())
        yield records_frame(records, number - len(records) + 1, needed)


def _checked(path: str, record: dict[str, Any], needed: list[str], row: int, line: int,
             rules: RowRules) -> dict[str, Any]:
    """A record's absent and unused keys, by the rules of a dict given to Model.predict."""
    absent = [name for name in needed if name not in record]
    if absent and rules.missing == "error":
        message = absent_message(absent, list(record), needed, "record", rules.unused)
        rules.invalid(f"{path}: row {row} (line {line}): {message}", absent)
    if rules.extra == "error":
        wanted = set(needed)
        unknown = [k for k in record if k not in wanted and k not in rules.unused]
        if unknown:
            message = extra_message(unknown, needed, "record", rules.unused)
            raise EvaluationError(f"{path}: row {row} (line {line}): {message}")
    return record


__all__ = ["RowRules", "WRONG_WIDTH", "NOT_AN_OBJECT", "read_chunks"]
