"""Reading what the command line is given (saved models, data tables: CSV, Parquet, JSON Lines);
writing tables is :mod:`pmmlkit.table_writer`'s (its TableWriter is importable from here too)."""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import itertools
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import pandas as pd

from .errors import PMMLError
from .frontends import FRONT_ENDS


def load_model(path: str | os.PathLike, spark: bool = False, framework: str | None = None, *,
               trusted: Sequence[str] = (), allow_pickle: bool = False) -> Any:
    """Load a fitted model saved at ``path`` with the front end that reads it: scikit-learn's
    ``.skops``, ``.joblib`` and ``.pkl``/``.pickle`` files, a Spark ML model folder, or any
    front end's own kind (name it with ``framework``; ``spark=True`` is ``framework="spark"``).

    A ``.skops`` file is loaded if every type in it is one skops trusts by default or is named in
    ``trusted`` (exact type names, as the ConversionError lists them; ``"sklearn.*"`` trusts every
    scikit-learn type). joblib and pickle files run arbitrary code when loaded: they are loaded
    only with ``allow_pickle=True``, for files you trust.
    """
    path = Path(path)
    return FRONT_ENDS.for_path(path, "spark" if spark else framework).load_model(
        path, trusted=trusted, allow_pickle=allow_pickle)


# -- tables ----------------------------------------------------------------------------------------
# Suffix -> format. "-" (standard input or output) has no suffix: its format is given, else CSV.
TABLE_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
FORMATS = ("csv", "parquet", "jsonl")
STDIO = "-"


def table_format(path: str | os.PathLike, given: str | None = None) -> str:
    """The format of a table: ``given``, else from the suffix (``-`` is CSV unless given)."""
    if given is not None:
        if given not in FORMATS:
            raise PMMLError(f"unknown table format {given!r}; use one of {', '.join(FORMATS)}")
        return given
    if str(path) == STDIO:
        return "csv"
    suffix = Path(path).suffix.lower()
    if suffix not in TABLE_FORMATS:
        raise PMMLError(f"{path}: unknown table type {suffix!r}; expected one of {', '.join(TABLE_FORMATS)}")
    return TABLE_FORMATS[suffix]


def _checked_format(path: Path, given: str | None = None) -> str:
    """The table's format, once it is known to exist (``-`` always does)."""
    if str(path) == STDIO:
        return table_format(path, given)
    if not path.exists():
        raise PMMLError(f"{path}: no such file")
    fmt = table_format(path, given)
    if path.is_dir() and fmt != "parquet":
        raise PMMLError(f"{path} is a folder, not a {fmt.upper()} file")
    return fmt


def check_table(path: Path) -> str:
    """The suffix of an existing CSV or Parquet file (for callers that branch on it); PMMLError otherwise."""
    if _checked_format(path) == "jsonl":
        raise PMMLError(f"{path}: expected a .csv or .parquet file here")
    return path.suffix.lower()


def _csv_options(string_columns: Iterable[str]) -> dict[str, Any]:
    # Only empty cells are missing: "NA", "null" or "None" are kept as the strings they are.
    return {"keep_default_na": False, "na_values": [""], "dtype": {c: str for c in string_columns} or None,
            "low_memory": False}


def read_table(path: str | os.PathLike, string_columns: Iterable[str] = (), nrows: int | None = None) -> pd.DataFrame:
    """Read a .csv, .parquet or .jsonl file. CSV cells are typed by pandas except ``string_columns``,
    which stay strings; only empty cells are missing values."""
    path = Path(path)
    fmt = _checked_format(path)
    try:
        if fmt == "csv":
            return pd.read_csv(_strict_csv(path, nrows), **_csv_options(string_columns))
        if fmt == "jsonl":
            with open(path, "rb") as handle:
                return records_frame([record for _, record in itertools.islice(json_lines(path, handle), nrows)])
        frame = pd.read_parquet(path)
        return frame if nrows is None else frame.head(nrows)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise PMMLError(f"{path}: cannot read the table: {first_line(exc)}") from None


# -- CSV text --------------------------------------------------------------------------------------
# Python's csv module in strict mode tokenizes: every cell is exactly the text between separators
# (no type guessing, no padding), a quoted value holds separators and line ends, and a file that
# is not well-formed CSV (a quote never closed, text after a closing quote) is refused with its
# line rather than read as one long value. csv_records adds what is a row: a physical line of
# nothing but spaces and tabs is none (as for pandas), every other record is one. Its readers (here,
# and `pmmlkit score`'s) refuse or count a record whose field count differs from the header's,
# never shift or pad it. pandas' own parser is no substitute: it pads a short row with blanks, takes
# a first column as the index when the rows are one field longer than the header, and after a
# blank line ended by a bare CR drops the empty first field of the next line.
_BLANK = " \t\r\n"


class _Lines:
    """The text's physical lines for the csv reader, remembering the last one, so that a blank line
    can be told from a record holding one quoted blank value ('""')."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text
        self.last = ""

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        self.last = next(self._text)
        return self.last


def csv_text(path: Path | str, handle: IO[bytes]) -> io.TextIOWrapper:
    """A CSV file's bytes as text for :func:`csv_records` (the csv module ends a line at a CR, LF or
    CRLF). Bytes that are not UTF-8 become lone surrogates (written back as the same bytes; a model
    input refuses them with its row); utf-8-sig drops a byte order mark, so that a quoted first name
    is read as quoted. A file that is plainly not UTF-8 text is refused (:func:`check_text`). The
    caller detaches it."""
    check_text(path, handle, "csv")
    return io.TextIOWrapper(handle, encoding="utf-8-sig", errors="surrogateescape", newline="")


# What a file given as CSV or JSON Lines text is when it is not: by its first bytes, a user who saved
# a table as UTF-16 ("Unicode text" in Excel) or named a Parquet file .csv is told what to do, rather
# than that the model's inputs are missing (every name read as another) or that a line is not JSON.
_PARQUET_MAGIC = b"PAR1"
_GZIP_MAGIC = b"\x1f\x8b"
# UTF-32 first: its little-endian mark begins with UTF-16's.
_UNICODE_MARKS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"),
                  (b"\xfe\xff", "UTF-16"))
_HEAD = 4096


def text_encoding(head: bytes) -> str | None:
    """The encoding that text starting with ``head`` plainly is when it is not UTF-8, as iconv names
    it: "UTF-16" or "UTF-32" by a byte order mark, else "UTF-16LE", "UTF-16BE", "UTF-32LE" or
    "UTF-32BE" by its NUL bytes (UTF-8 text has none, UTF-16 text of Latin letters one in two bytes,
    UTF-32 three in four; which of each pair or four says the byte order); None otherwise."""
    for mark, name in _UNICODE_MARKS:
        if head.startswith(mark):
            return name
    nuls = head.count(0)
    if len(head) < 4 or nuls * 4 < len(head):  # a quarter of the bytes at least: not a stray NUL
        return None
    if nuls * 8 >= len(head) * 5:
        return "UTF-32LE" if head[0::4].count(0) < head[3::4].count(0) else "UTF-32BE"
    return "UTF-16LE" if head[0::2].count(0) < head[1::2].count(0) else "UTF-16BE"


def input_name(path: Path | str) -> str:
    """A table to read as messages name it: its path, or "standard input" for ``-``."""
    return "standard input" if str(path) == STDIO else str(path)


def check_text(path: Path | str, handle: IO[bytes], fmt: str) -> None:
    """A PMMLError saying what the file is when ``handle`` (at its start) is plainly not UTF-8 text: a
    Parquet or gzip file, or UTF-16/UTF-32 text. Nothing is consumed (the handle is peeked)."""
    if not hasattr(handle, "peek"):
        return
    head = handle.peek(_HEAD)[:_HEAD]
    kind = fmt.upper() if fmt == "csv" else "JSON Lines"
    named = input_name(path)
    if head.startswith(_PARQUET_MAGIC):
        raise PMMLError(f"{named}: this is a Parquet file, not {kind} text; name it .parquet (`pmmlkit score`: or "
                        "pass --input-format parquet)")
    if head.startswith(_GZIP_MAGIC):
        raise PMMLError(f"{named}: this is a gzip-compressed file, not {kind} text; decompress it first "
                        f"(e.g. `gzip -dc {path} | pmmlkit score MODEL - ...`)")
    encoding = text_encoding(head)
    if encoding is not None:
        iconv = f"iconv -f {encoding} -t UTF-8"
        how = (f"pipe it through `{iconv}`" if str(path) == STDIO
               else f"`{iconv} {path} > {Path(path).with_stem(Path(path).stem + '-utf8')}`")
        raise PMMLError(f"{named}: the file is not UTF-8 (looks like {encoding[:6]}): re-save it as UTF-8 "
                        f"(e.g. {how})")


def csv_records(path: Path | str, text: IO[str]) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record of ``text`` (from :func:`csv_text`) that is a row, the header first, with the
    line it starts on. A file that is not well-formed CSV is a PMMLError naming the line, whatever a
    caller's policy for invalid rows: where its rows begin and end is unknown past it, so no count
    of them could be right."""
    lines = _Lines(text)
    reader = csv.reader(lines, strict=True)
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            where = _malformed(str(exc), start, reader.line_num)
            raise PMMLError(f"{input_name(path)}: cannot read the table: {where}") from None
        if len(fields) <= 1 and reader.line_num == start and not lines.last.strip(_BLANK):
            continue  # a blank line is no row, as for pandas
        yield start, fields


def _malformed(error: str, start: int, line: int) -> str:
    """The csv module's complaint, said with the line to look at and what is likely wrong there."""
    if error.startswith("unexpected end of data"):
        return (f"line {start}: the row that starts here opens a quote (\") that is never closed: close it, or "
                "double a quote that is part of a value (\"\")")
    if error.startswith("field larger than field limit"):
        return (f"line {start}: the row that starts here has a value longer than {csv.field_size_limit()} "
                f"characters by line {line}: most likely it opens a quote (\") that is never closed")
    if "expected after" in error:
        return (f"line {line}: text follows the closing quote of a quoted value ({error}): a quote that is part "
                "of a value is doubled (\"\") inside a quoted value")
    return f"line {line}: {error}"


def _strict_csv(path: Path, nrows: int | None) -> io.BytesIO:
    """The first ``nrows`` rows of a CSV file (all without ``nrows``) as read by :func:`csv_records`,
    written again as plain CSV for pandas to type: pandas types the cells, the strict reader says
    what the cells are. A row whose field count differs from the header's is a PMMLError naming it."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    with open(path, "rb") as handle:
        text = csv_text(path, handle)
        try:
            records = csv_records(str(path), text)
            header = next(records, None)
            if header is not None:
                writer.writerow(header[1])
                width = len(header[1])
                for number, (line, fields) in enumerate(itertools.islice(records, nrows), start=1):
                    if len(fields) != width:
                        raise PMMLError(f"{path}: row {number} (line {line}) has {len(fields)} field"
                                        f"{'s' if len(fields) != 1 else ''}, the header has {width}: fix the row "
                                        "(an unquoted separator inside a value, or a missing one?)")
                    writer.writerow(fields)
        finally:
            text.detach()
    return io.BytesIO(out.getvalue().encode("utf-8", errors="surrogateescape"))


def table_size(path: str | os.PathLike, fmt: str | None = None) -> tuple[int, str] | None:
    """How much there is to read, for a progress bar: (rows, "rows") for Parquet, (bytes, "B") for a
    text file, None for standard input."""
    if str(path) == STDIO:
        return None
    path = Path(path)
    fmt = table_format(path, fmt)
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            if path.is_file():
                return pq.ParquetFile(path).metadata.num_rows, "rows"
            return pq.ParquetDataset(path).count_rows() if hasattr(pq.ParquetDataset, "count_rows") else None
        return path.stat().st_size, "B"
    except Exception:  # a size is a nicety; reading reports real problems
        return None


def iter_parquet(path: str | os.PathLike, chunk_size: int,
                 progress: Callable[[int], None] | None = None) -> Iterator[pd.DataFrame]:
    """Read a Parquet table (``-``: standard input) in chunks of ``chunk_size`` rows (at least one
    chunk, maybe empty). Row labels count data rows from 1 across chunks; ``progress(n)`` is told
    how many rows were read. (CSV and JSON Lines are read row by row by ``pmmlkit score``:
    :mod:`pmmlkit.cli.score_input`.)"""
    path = Path(path) if str(path) != STDIO else STDIO
    if path != STDIO:
        _checked_format(Path(path), "parquet")  # (a folder is a Parquet dataset)
    offset = 1
    for chunk in _parquet_chunks(path, chunk_size, progress):
        chunk.index = pd.RangeIndex(offset, offset + len(chunk))
        offset += len(chunk)
        yield chunk


def binary_input(path: Path | str) -> IO[bytes]:
    """The file at ``path`` opened for reading bytes, or standard input for ``-``."""
    if path == STDIO:
        return contextlib.nullcontext(sys.stdin.buffer)  # type: ignore[return-value]
    return open(path, "rb")


def pandas_from_arrow(data: Any) -> pd.DataFrame:
    """An Arrow table or record batch as a DataFrame whose integers and booleans stay integers and
    booleans when they have nulls: through float64, 9007199254740993 would become ...992 (and a
    check of the value would depend on the other rows)."""
    return data.to_pandas(types_mapper=_nullable_types().get)


@functools.cache
def _nullable_types() -> dict[Any, Any]:
    import pyarrow as pa

    return {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
            pa.int64(): pd.Int64Dtype(), pa.uint8(): pd.UInt8Dtype(), pa.uint16(): pd.UInt16Dtype(),
            pa.uint32(): pd.UInt32Dtype(), pa.uint64(): pd.UInt64Dtype(), pa.bool_(): pd.BooleanDtype()}


def _parquet_chunks(path: Path | str, chunk_size: int, progress: Callable[[int], None] | None) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path == STDIO:
        source: Any = pq.ParquetFile(pa.BufferReader(sys.stdin.buffer.read()))
    elif Path(path).is_file():
        source = pq.ParquetFile(path)
    else:
        table = pq.read_table(path)
        source = None
    try:
        batches = source.iter_batches(batch_size=chunk_size) if source is not None else \
            table.to_batches(max_chunksize=chunk_size)
        schema = source.schema_arrow if source is not None else table.schema
    except pa.ArrowException as exc:
        raise PMMLError(f"{path}: cannot read the Parquet file: {first_line(exc)}") from None
    done = 0
    first = True
    for batch in batches:
        first = False
        done += batch.num_rows
        if progress is not None:
            progress(done)
        yield pandas_from_arrow(batch)
    if first:
        yield pandas_from_arrow(schema.empty_table())


def json_values(path: Path | str, handle: IO[bytes]) -> Iterator[tuple[int, Any]]:
    """Each JSON value of a JSON Lines stream, with its line number (blank lines are skipped; a line
    ends at LF, CRLF or CR, as in CSV; a byte order mark is dropped). Parsed
    with Python's json: exact doubles, big integers kept as the integers they are (so the input
    contract can refuse them), a key given twice refused. A line that is not JSON is a PMMLError
    naming it, whatever the caller's policy for invalid rows: the file is cut short or is not
    JSON Lines, and what it holds past that line cannot be counted."""
    check_text(path, handle, "jsonl")
    text = json_text(handle)
    try:
        for line, raw in enumerate(text, start=1):
            if not raw.strip():
                continue
            try:
                value = json.loads(raw, object_pairs_hook=json_object)
            except ValueError as exc:
                cut = "" if raw.endswith("\n") else " (the file ends inside it: was it cut short?)"
                raise PMMLError(f"{input_name(path)}: line {line} is not valid JSON{cut}: {first_line(exc)}") from None
            yield line, value
    finally:
        text.detach()


def json_text(handle: IO[bytes]) -> io.TextIOWrapper:
    """A JSON Lines file's bytes as lines of text, read as CSV is (:func:`csv_text`): a line ends at
    a LF, CRLF or a bare CR (JSON text holds no raw CR or LF inside a value, so none is cut), a
    byte order mark is dropped, and bytes that are not UTF-8 become lone surrogates (a model input
    refuses them with its row). The caller detaches it."""
    return io.TextIOWrapper(handle, encoding="utf-8-sig", errors="surrogateescape", newline=None)


def not_an_object(value: Any) -> str:
    """What a JSON Lines line holding ``value`` (not an object) is, said in JSON's words."""
    kinds = {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    kind = "null" if value is None else kinds.get(type(value), type(value).__name__)
    return f"is {kind}, not a JSON object (JSON Lines holds one object per line)"


def json_lines(path: Path | str, handle: IO[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each object of a JSON Lines stream, with its line number (blank lines are skipped); a line
    that is not JSON, or holds another JSON value, is a PMMLError naming it."""
    for line, value in json_values(path, handle):
        if not isinstance(value, dict):
            raise PMMLError(f"{path}: line {line} {not_an_object(value)}")
        yield line, value


def json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's pairs as a dict; a key given twice is refused (ValueError), never silently the last."""
    record = dict(pairs)
    if len(record) < len(pairs):
        twice = sorted({k for k, _ in pairs if sum(1 for j, _ in pairs if j == k) > 1})
        raise ValueError(f"the key(s) {twice} appear more than once in one object")
    return record


def records_frame(records: list[dict[str, Any]], first: int = 0, columns: Iterable[str] = ()) -> pd.DataFrame:
    """Records as object columns (``columns`` first, then every other key), row labels from ``first``:
    the values stay the JSON values they were (no type guessing by pandas)."""
    names: dict[str, None] = dict.fromkeys(columns)
    for record in records:
        names.update(dict.fromkeys(record))
    index = pd.RangeIndex(first, first + len(records))
    return pd.DataFrame({name: pd.Series([r.get(name) for r in records], dtype=object, index=index)
                         for name in names}, index=index)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def __getattr__(name: str) -> Any:
    # pmmlkit.io.TableWriter still works: the writer lives in table_writer, which reads this module's
    # formats, so it is imported when asked for (an import at the top would be circular).
    if name == "TableWriter":
        from .table_writer import TableWriter

        return TableWriter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["load_model", "read_table", "csv_records", "csv_text", "check_text", "text_encoding", "json_text",
           "input_name",
           "iter_parquet", "pandas_from_arrow", "json_lines", "json_values", "not_an_object", "records_frame",
           "binary_input",
           "first_line", "json_object", "table_format", "table_size"]
