"""The input contract: what a record or a frame must hold before a model scores it.

One rule for every path (a dict, a DataFrame, ``pmmlkit score`` and the Spark scorer):

- every input field of the model must be present; a value the caller knows is missing is given
  as None/NaN, or the whole call says ``missing="allow"`` (absent inputs are then missing);
- keys or columns the model does not know are ignored (``extra="error"`` refuses them); inputs the
  model was trained on but does not use (``unused``: see pmmlkit.scoring.contract) are accepted and
  ignored under ``extra="error"`` too;
- each value must fit its field's dataType: numbers (or booleans) for numeric fields, whole
  numbers for integer fields (40.9 is refused, as JPMML refuses it), true/false (a bool, 1/0, or
  the text "true"/"false"/"1"/"0" in any case) for boolean fields, text or numbers for text
  fields. Date, dateTime and time fields take no values (PMML4S cannot evaluate them: see
  DATE_REASON). Datetimes, timedeltas, nested values (lists, dicts,
  arrays), strings in numeric fields, numbers outside the range of a double, undecodable text
  and duplicate or multi-level column labels are refused with an EvaluationError that names the
  field and the row; ``on_invalid="missing"`` scores such cells as missing instead and counts
  them in an :class:`InvalidReport`.

Frames are checked column by column with numpy/pandas dtype tests; cells are looked at one by
one only in columns whose dtype does not already prove them valid (object columns with mixed
content). This module prepares plain numpy arrays and lists; the evaluator hands them to Java.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from ..errors import EvaluationError
from ..pmml import format_number

# One value's rules live in input_cells, names' (absent inputs, unknown keys) in input_names;
# both are importable from here too.
from .input_cells import (
    DATE_REASON,
    DATE_TYPES,
    KINDS,
    SENT_AS_DOUBLE,
    WHOLE,
    InvalidValue,
    Kind,
    beyond_whole,
    boolean_text,
    convert_cell,
    describe,
    field_problem,
    fraction,
    out_of_range,
)
from .input_names import absent_message, check_names, extra_message

Missing = Literal["error", "allow"]
Extra = Literal["ignore", "error"]
OnInvalid = Literal["error", "missing"]


@dataclass
class InvalidReport:
    """What ``on_invalid="missing"`` replaced by missing values: rows touched and cells per column."""

    rows: int = 0
    columns: dict[str, int] = field(default_factory=dict)
    first: str | None = None  # the first problem met, as an example for the summary

    def add(self, rows: int, column_counts: Mapping[str, int], first: str | None) -> None:
        self.rows += rows
        for name, count in column_counts.items():
            self.columns[name] = self.columns.get(name, 0) + count
        if self.first is None:
            self.first = first


@dataclass(frozen=True)
class Prepared:
    """One input column ready for the JVM: ``kind`` is "double" (float64 array, NaN for missing),
    "long" (int64 array with a ``missing`` mask) or "string" (list of str or None)."""

    kind: str
    values: Any
    missing: np.ndarray | None = None


def check_policies(missing: str, extra: str, on_invalid: str = "error") -> None:
    if missing not in ("error", "allow"):
        raise EvaluationError(f"missing={missing!r}: use 'error' (absent inputs are refused) or 'allow'")
    if extra not in ("ignore", "error"):
        raise EvaluationError(f"extra={extra!r}: use 'ignore' (unused inputs are skipped) or 'error'")
    if on_invalid not in ("error", "missing"):
        raise EvaluationError(f"on_invalid={on_invalid!r}: use 'error' or 'missing'")


# -- a record ------------------------------------------------------------------------------------
_ABSENT = object()


def record_values(record: Mapping[str, Any], names: Sequence[str], kinds: Sequence[Kind],
                  data_types: Sequence[str | None], missing: str = "error", extra: str = "ignore",
                  where: str | None = None, unused: Collection[str] = ()) -> list[Any]:
    """The record's values in ``names`` order, converted with :func:`convert_cell`. ``where`` names the
    record in a batch ("record 3", "instance 3"): every error then starts with it (a value's error
    names it after the input); alone, a record is "the record"."""
    values = []
    absent = None
    for name, kind in zip(names, kinds):
        value = record.get(name, _ABSENT)
        if value is _ABSENT:
            if absent is None:
                absent = []
            absent.append(name)
            values.append(None)
            continue
        try:
            values.append(convert_cell(value, kind))
        except InvalidValue as exc:
            data_type = data_types[names.index(name)]
            raise EvaluationError(field_problem(name, data_type, where or "in the record", str(exc))) from None
    if absent and missing == "error":
        raise EvaluationError(_at(where, absent_message(absent, list(record), names, "record", unused)))
    if extra == "error" and len(record) > len(names) - (len(absent) if absent else 0):
        wanted = set(names)
        unknown = [k for k in record if k not in wanted and k not in unused]
        if unknown:
            raise EvaluationError(_at(where, extra_message(unknown, names, "record", unused)))
    return values


def _at(where: str | None, message: str) -> str:
    return message if where is None else f"{where}: {message}"


# -- a frame -------------------------------------------------------------------------------------
def check_columns(frame: pd.DataFrame, needed: Sequence[str], missing: str, extra: str,
                  unused: Collection[str] = ()) -> None:
    """Column labels: single-level, each input at most once, none absent (unless allowed)."""
    columns = frame.columns
    if isinstance(columns, pd.MultiIndex):
        raise EvaluationError(f"the DataFrame has multi-level column labels ({describe(list(columns[:3]))}...); "
                              "flatten them to the model's input names first (the model needs "
                              f"{list(needed)})")
    if not columns.is_unique:
        wanted = set(needed) if extra == "ignore" else None
        twice = sorted({str(c) for c in columns[columns.duplicated()] if wanted is None or c in wanted})
        if twice:
            raise EvaluationError(f"the DataFrame has more than one column named {twice}: each input must be "
                                  "one column")
    check_names(list(columns), needed, missing, extra, "DataFrame", unused)


def prepare_frame(frame: pd.DataFrame, names: Sequence[str], kinds: Sequence[Kind],
                  data_types: Sequence[str | None], missing: str = "error", extra: str = "ignore",
                  on_invalid: str = "error", report: InvalidReport | None = None, unused: Collection[str] = (),
                  noun: str = "row") -> list[Prepared]:
    """Check ``frame`` against the model's inputs and return one Prepared column per input. Errors
    name a cell's row as ``noun`` and its label ("row 3"; "record 3" for a list of records)."""
    check_columns(frame, names, missing, extra, unused)
    rows = len(frame)
    invalid_rows = np.zeros(rows, dtype=bool) if on_invalid == "missing" else None
    counts: dict[str, int] = {}
    first: list[str] = []
    prepared = []
    present = set(frame.columns)
    for name, kind, data_type in zip(names, kinds, data_types):
        if name not in present:
            prepared.append(Prepared("double", np.full(rows, np.nan)) if kind in SENT_AS_DOUBLE
                            else Prepared("string", [None] * rows))
            continue
        column = _ColumnCheck(name, data_type, frame.index, on_invalid, noun)
        prepared.append(column.finite(column.prepare(frame[name], kind)))
        if column.invalid is not None and invalid_rows is not None:
            invalid_rows |= column.invalid
            counts[name] = int(column.invalid.sum())
            first.extend(column.problems[:1])
    if report is not None and invalid_rows is not None and counts:
        report.add(int(invalid_rows.sum()), counts, first[0] if first else None)
    return prepared


def row_label(index: pd.Index, position: int, noun: str = "row") -> str:
    label = index[position]
    if isinstance(index, pd.RangeIndex) or label == position:
        return f"{noun} {label}"
    return f"{noun} {position} (index {label!r})"


class _ColumnCheck:
    """Checks one column; with on_invalid="missing" it records which cells it made missing."""

    def __init__(self, name: str, data_type: str | None, index: pd.Index, on_invalid: str, noun: str = "row") -> None:
        self.name = name
        self.noun = noun
        self.data_type = data_type
        self.index = index
        self.on_invalid = on_invalid
        self.invalid: np.ndarray | None = None
        self.problems: list[str] = []

    def fail(self, position: int, reason: str) -> None:
        message = field_problem(self.name, self.data_type, row_label(self.index, position, self.noun), reason)
        if self.on_invalid == "error":
            raise EvaluationError(message)
        if self.invalid is None:
            self.invalid = np.zeros(len(self.index), dtype=bool)
        self.invalid[position] = True
        if not self.problems:
            self.problems.append(message)

    def prepare(self, series: pd.Series, kind: Kind) -> Prepared:
        dtype = series.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            series = series.astype(object)
            dtype = series.dtype
        if kind == "date":
            present = ~series.isna().to_numpy()
            for position in np.flatnonzero(present):
                self.fail(int(position), DATE_REASON)
            return self._all_missing(len(series), kind)
        if ptypes.is_bool_dtype(dtype):
            mask = series.isna().to_numpy()
            flags = series.to_numpy(dtype=bool, na_value=False)
            if kind in SENT_AS_DOUBLE:
                values = flags.astype(np.float64)
                values[mask] = np.nan
                return Prepared("double", values)
            if kind == "integer":
                return Prepared("long", flags.astype(np.int64), mask if mask.any() else None)
            return Prepared("string", [None if m else ("true" if f else "false") for f, m in zip(flags, mask)])
        if ptypes.is_numeric_dtype(dtype) and not ptypes.is_complex_dtype(dtype):
            return self._numbers(series, kind)
        if (ptypes.is_datetime64_any_dtype(dtype) or ptypes.is_timedelta64_dtype(dtype)
                or isinstance(dtype, (pd.PeriodDtype, pd.IntervalDtype)) or ptypes.is_complex_dtype(dtype)):
            what = ("a timedelta" if ptypes.is_timedelta64_dtype(dtype) else "a complex number"
                    if ptypes.is_complex_dtype(dtype) else "a datetime")
            present = ~series.isna().to_numpy()
            for position in np.flatnonzero(present):
                self.fail(int(position), f"{what} ({describe(series.iloc[position])}) is not a number or a "
                                         "category; convert the column first")
            return self._all_missing(len(series), kind)
        return self._objects(series.to_numpy(dtype=object), kind)

    def finite(self, column: Prepared) -> Prepared:
        """Infinity is refused in numeric inputs, as scikit-learn refuses it."""
        if column.kind == "double":
            infinite = np.isinf(column.values)
            if infinite.any():
                values = column.values.copy()
                for position in np.flatnonzero(infinite):
                    self.fail(int(position), out_of_range(values[position]))
                values[infinite] = np.nan
                return Prepared("double", values)
        return column

    def _all_missing(self, rows: int, kind: Kind) -> Prepared:
        if kind in SENT_AS_DOUBLE:
            return Prepared("double", np.full(rows, np.nan))
        return Prepared("string", [None] * rows)

    def _numbers(self, series: pd.Series, kind: Kind) -> Prepared:
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        if kind in ("double", "auto"):
            return Prepared("double", np.ascontiguousarray(values))
        if kind in ("whole", "integer") and not ptypes.is_integer_dtype(series.dtype):
            values = self._refuse_fractions(values)
        if kind == "whole":
            if ptypes.is_integer_dtype(series.dtype):  # (compared as integers: floats would round first)
                outside = ((series > WHOLE) | (series < -WHOLE)).to_numpy(dtype=bool, na_value=False)
            else:
                outside = np.abs(np.nan_to_num(values)) > WHOLE
            beyond = np.flatnonzero(outside)
            for position in beyond:
                self.fail(int(position), beyond_whole(series.iloc[position] if ptypes.is_integer_dtype(series.dtype)
                                                       else values[position]))
            if len(beyond):
                values = values.copy()
                values[beyond] = np.nan
            return Prepared("double", np.ascontiguousarray(values))
        mask = np.isnan(values)
        if kind == "integer":
            if ptypes.is_integer_dtype(series.dtype):
                whole = series.to_numpy(dtype=np.int64, na_value=0) if mask.any() else series.to_numpy(dtype=np.int64)
                return Prepared("long", np.ascontiguousarray(whole), mask if mask.any() else None)
            filled = np.where(mask, 0.0, values)
            too_large = np.flatnonzero(np.abs(filled) >= 2.0 ** 63)
            for position in too_large:
                self.fail(int(position), f"{format_number(filled[position])} is outside the range of a 64-bit integer")
            mask[too_large] = True
            filled[too_large] = 0.0
            return Prepared("long", filled.astype(np.int64), mask if mask.any() else None)
        if kind == "boolean":
            flags: list[str | None] = []
            for position, (v, m) in enumerate(zip(values.tolist(), mask.tolist())):
                try:
                    flags.append(None if m else boolean_text(v))
                except InvalidValue as exc:
                    self.fail(position, str(exc))
                    flags.append(None)
            return Prepared("string", flags)
        # Text fields: each number as its PMML text.
        cells = series.tolist() if ptypes.is_integer_dtype(series.dtype) else values.tolist()
        return Prepared("string", [None if m else format_number(v) for v, m in zip(cells, mask.tolist())])

    def _refuse_fractions(self, values: np.ndarray) -> np.ndarray:
        """Fractions (and infinity) in an integer field: refused, or missing."""
        finite = np.isfinite(values)
        bad = np.flatnonzero(~np.isnan(values) & (~finite | (np.mod(np.where(finite, values, 0.0), 1) != 0)))
        if not len(bad):
            return values
        values = values.copy()
        for position in bad:
            value = values[position]
            self.fail(int(position), out_of_range(value) if np.isinf(value) else fraction(value))
        values[bad] = np.nan
        return values

    def _objects(self, values: np.ndarray, kind: Kind) -> Prepared:
        inferred = ptypes.infer_dtype(values, skipna=True)
        if kind in ("double", "auto") and inferred in ("floating", "integer", "mixed-integer-float", "empty"):
            try:
                return Prepared("double", np.asarray(values, dtype=np.float64))
            except (TypeError, ValueError, OverflowError):
                pass  # pd.NA cells or numbers beyond double range: look cell by cell
        elif kind in ("string", "auto") and inferred in ("string", "empty"):
            strings = [None if v is None or v is pd.NA or v != v else v for v in values.tolist()]
            try:
                "\n".join(s for s in strings if s is not None).encode("utf-8")
                return Prepared("string", strings)
            except UnicodeEncodeError:
                pass  # a lone surrogate somewhere: find its row below
        return self._cells(values, kind)

    def _cells(self, values: np.ndarray, kind: Kind) -> Prepared:
        converted = []
        for position, value in enumerate(values.tolist()):
            try:
                converted.append(convert_cell(value, kind))
            except InvalidValue as exc:
                self.fail(position, str(exc))
                converted.append(None)
        if kind in ("double", "whole") or (kind == "auto" and all(v is None or type(v) is float for v in converted)):
            return Prepared("double", np.array([np.nan if v is None else v for v in converted], dtype=np.float64))
        if kind == "integer" and all(v is None or type(v) is int for v in converted):
            mask = np.array([v is None for v in converted], dtype=bool)
            whole = np.array([0 if v is None else v for v in converted], dtype=np.int64)
            return Prepared("long", whole, mask if mask.any() else None)
        return Prepared("string", [None if v is None else v if type(v) is str else format_number(v)
                                   for v in converted])


def numbers_from_text(column: pd.Series, keep_text: bool = True, whole: bool = False) -> pd.Series:
    """A column of text (CSV cells) as numbers. Text that is not a number stays text when
    ``keep_text`` (so that the input contract reports it with its row), else the whole column stays
    text (a field without a declared dataType takes either). With ``whole`` (an integer field),
    integer literals are read as exact integers: through doubles, 9007199254740993 would become
    ...992 before the contract could refuse it, depending on the other cells of the column."""
    if not whole:
        return _numbers_from_text(column, keep_text)
    text = column.to_numpy(dtype=object)
    literal = np.array([type(v) is str and _INTEGER_TEXT.fullmatch(v) is not None for v in text], dtype=bool)
    exact = [int(v) for v in text[literal]]
    if literal.any() and (literal | ~column.notna().to_numpy()).all():
        # Every given cell is an integer literal: a nullable integer column, checked without a loop.
        values = np.full(len(text), None, dtype=object)
        values[literal] = exact
        try:
            return pd.Series(pd.array(values, dtype="Int64"), index=column.index, name=column.name)
        except (OverflowError, TypeError, ValueError):  # beyond 64 bits: the contract checks each cell
            return pd.Series(values, index=column.index, name=column.name, dtype=object)
    numbers = _numbers_from_text(column, keep_text)
    if not literal.any():
        return numbers
    mixed = numbers.to_numpy(dtype=object)
    mixed[literal] = exact
    return pd.Series(mixed, index=column.index, name=column.name, dtype=object)


_INTEGER_TEXT = re.compile(r"\s*[+-]?[0-9]+\s*")


def _numbers_from_text(column: pd.Series, keep_text: bool) -> pd.Series:
    numbers = pd.to_numeric(column, errors="coerce")
    given = column.notna().to_numpy()
    failed = given & numbers.isna().to_numpy()
    if failed.any():
        # "NaN" written out is a missing value, as it is for pandas' own CSV reader.
        text = column.to_numpy(dtype=object)
        said_nan = np.array([isinstance(v, str) and v.strip().lower() == "nan" for v in text[failed]])
        failed[np.flatnonzero(failed)[said_nan]] = False
    overflow = np.isinf(numbers.to_numpy(dtype=np.float64, na_value=np.nan))
    if overflow.any():
        # "1e400" overflows to infinity: hand the contract the exact number, which it refuses.
        failed |= overflow
    if not failed.any():
        return numbers
    if not keep_text:
        return column
    # numpy, not pandas: pandas would turn text into its arrow string type, which refuses lone surrogates.
    mixed = numbers.to_numpy(dtype=object)
    mixed[failed] = column.to_numpy(dtype=object)[failed]
    for position in np.flatnonzero(overflow):
        try:
            mixed[position] = decimal.Decimal(str(column.iloc[position]).strip())
        except decimal.InvalidOperation:
            pass
    return pd.Series(mixed, index=column.index, name=column.name, dtype=object)


__all__ = ["DATE_REASON", "DATE_TYPES", "KINDS", "InvalidReport", "InvalidValue", "Prepared", "check_names", "check_columns", "convert_cell",
           "prepare_frame", "record_values", "check_policies", "numbers_from_text", "absent_message", "extra_message",
           "Kind", "describe", "field_problem"]
