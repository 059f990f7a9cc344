"""One value against its input field (:mod:`pmmlkit.scoring.inputs` applies it to records and
frames): how each kind of field takes a value, and the wording of every refusal."""

from __future__ import annotations

import datetime as _dt
import decimal
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..pmml import format_number

# How a field's values are checked and cross to the JVM (FieldInfo.java_kind): "double", "whole"
# (integer dataType, continuous: whole numbers, sent as doubles), "integer" (whole numbers, sent as
# longs), "boolean" (sent as "true"/"false"), "date" (no value accepted), "string" or "auto" (no
# declared dataType: numbers as doubles, anything else as text).
Kind = str
KINDS = ("double", "whole", "integer", "boolean", "date", "string", "auto")
SENT_AS_DOUBLE = ("double", "auto", "whole")  # the kinds whose values cross to the JVM as doubles
DATE_TYPES = ("date", "dateTime", "time", "dateDaysSince[0]", "dateDaysSince[1960]", "dateDaysSince[1970]",
              "dateDaysSince[1980]", "timeSeconds", "dateTimeSecondsSince[0]", "dateTimeSecondsSince[1960]",
              "dateTimeSecondsSince[1970]", "dateTimeSecondsSince[1980]")
# PMML4S 1.5.8 turns every value of a date/dateTime/time input into a number (a date string
# becomes missing, a number makes its date functions fail with ClassCastException), so no value
# of such a field can be scored correctly: refuse them rather than score a wrong number. The
# counting types (dateDaysSince[1970], timeSeconds, ...) are dates too: PMML4S scores a date
# given to one as missing (every score null) and a number as the count itself, where JPMML takes
# a date and counts; the native engine refuses them all.
DATE_REASON = ("the scoring engine (PMML4S) cannot evaluate date, dateTime or time inputs (nor dateDaysSince, "
               "timeSeconds or dateTimeSecondsSince ones); give this input as a missing value, or score this model "
               "with a JPMML-based engine")
_BOOLEAN_TEXT = {"true": "true", "false": "false", "1": "true", "0": "false"}

_INFINITE = (float("inf"), float("-inf"))
_INT64 = (-(2 ** 63), 2 ** 63 - 1)


class InvalidValue(ValueError):
    """One cell that does not fit its field (internal: turned into an EvaluationError or a missing value)."""


# -- one cell ------------------------------------------------------------------------------------
def describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _nested(value: Any) -> bool:
    return isinstance(value, (list, tuple, dict, set, frozenset, np.ndarray, pd.Series, pd.DataFrame, Mapping))


def _time_like(value: Any) -> str | None:
    if isinstance(value, (pd.Timedelta, _dt.timedelta, np.timedelta64)):
        return "a timedelta"
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date, _dt.time, np.datetime64, pd.Period)):
        return "a datetime"
    return None


def _text(value: str) -> str:
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidValue(f"text that is not valid Unicode (a lone surrogate) in {describe(value)}") from None
    return value


def _decoded(value: bytes | bytearray) -> str:
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidValue(f"bytes that are not valid UTF-8 text: {describe(value)}") from None


def _double(value: Any) -> float:
    try:
        number = float(value)
    except OverflowError:
        raise InvalidValue(out_of_range(value)) from None
    if number in _INFINITE:
        raise InvalidValue(out_of_range(value))
    return number


def out_of_range(value: Any) -> str:
    """The one wording for a number a double cannot hold, as the user wrote it (no Python repr)."""
    if isinstance(value, decimal.Decimal):
        infinite = value.is_infinite()
        text = ("-inf" if value.is_signed() else "inf") if infinite else str(value)
    else:
        infinite = isinstance(value, (float, np.floating)) and bool(np.isinf(value))
        text = str(value) if infinite else describe(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} is outside the range of a double" + (
        " (as for scikit-learn, infinity is not an input)" if infinite else "")


def convert_cell(value: Any, kind: Kind) -> Any:
    """One value as the JVM should get it: None (missing), a float ("double"), an int or a
    string ("integer" fields: whole numbers as ints, other numbers as their text) or a str.
    Raises InvalidValue when the value does not fit the field."""
    if value is None:
        return None
    t = type(value)
    if t is float or t is np.float64:
        if value != value:
            return None
        if kind == "double" or kind == "auto":
            if value in _INFINITE:
                raise InvalidValue(out_of_range(value))
            return float(value)
        if kind == "whole" or kind == "integer":
            if value in _INFINITE:
                raise InvalidValue(out_of_range(value))
            if not value.is_integer():
                raise InvalidValue(fraction(value))
            if kind == "whole":
                if abs(value) > WHOLE:
                    raise InvalidValue(beyond_whole(value))
                return float(value)
            if abs(value) >= 2 ** 63:
                raise InvalidValue(f"{format_number(value)} is outside the range of a 64-bit integer")
            return int(value)
        if kind == "boolean":
            return boolean_text(value)
        if kind == "date":
            raise InvalidValue(DATE_REASON)
        return format_number(value)
    if t is str:
        if kind == "double" or kind == "integer" or kind == "whole":
            raise InvalidValue(f"a string ({describe(value)}) in a numeric field")
        if kind == "boolean":
            return boolean_text(value)
        if kind == "date":
            raise InvalidValue(DATE_REASON)
        return _text(value)
    if t is int:
        if kind == "double" or kind == "auto":
            return _double(value)
        if kind == "whole":
            if abs(value) > WHOLE:
                raise InvalidValue(beyond_whole(value))
            return float(value)
        if kind == "integer":
            if not _INT64[0] <= value <= _INT64[1]:
                raise InvalidValue(f"{describe(value)} is outside the range of a 64-bit integer")
            return value
        if kind == "boolean":
            return boolean_text(value)
        if kind == "date":
            raise InvalidValue(DATE_REASON)
        return str(value)
    return _convert_other(value, kind)


# A continuous integer field reaches the engine as a double (see pmmlkit.parsing.pmml4s_bytes): up
# to 2**53 every whole number has its own double; beyond, one would silently become another.
WHOLE = 2 ** 53


def beyond_whole(value: Any) -> str:
    return (f"{describe(value) if type(value) is int else format_number(value)} is beyond 2**53: the engine "
            "computes this continuous integer field in double precision, which cannot hold it exactly")


def fraction(value: Any) -> str:
    return (f"{format_number(value)} is not a whole number (JPMML refuses it too); round it first, or give a "
            "missing value")


def boolean_text(value: Any) -> str:
    """A boolean field's value as the engine reads it: "true" or "false"."""
    if isinstance(value, str):
        flag = _BOOLEAN_TEXT.get(value.strip().lower())
    else:
        flag = "true" if value == 1 else "false" if value == 0 else None
    if flag is None:
        raise InvalidValue(f"{describe(value)} is not a boolean; give true/false (a bool, 1/0, or the text "
                           "'true'/'false'/'1'/'0')")
    return flag


def _convert_other(value: Any, kind: Kind) -> Any:
    if value is pd.NA or value is pd.NaT:
        return None
    if kind == "date" and not (isinstance(value, (float, np.floating, decimal.Decimal)) and value != value):
        raise InvalidValue(DATE_REASON)
    time_like = _time_like(value)
    if time_like is not None:
        raise InvalidValue(f"{time_like} ({describe(value)}) is not a number or a category; convert it first "
                           "(e.g. to a number with pandas' .timestamp() or .total_seconds())")
    if isinstance(value, (bool, np.bool_)):
        flag = bool(value)
        if kind in SENT_AS_DOUBLE:
            return float(flag)
        if kind == "integer":
            return int(flag)
        return "true" if flag else "false"
    if isinstance(value, (int, np.integer)):
        return convert_cell(int(value), kind)
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return None
        return convert_cell(_double(value), kind)
    if isinstance(value, decimal.Decimal):
        if value.is_nan():
            return None
        return convert_cell(_double(value), kind)
    if isinstance(value, (str, np.str_)):
        return convert_cell(str(value), kind)
    if isinstance(value, (bytes, bytearray)):
        return convert_cell(_decoded(value), kind)
    if isinstance(value, (complex, np.complexfloating)):
        raise InvalidValue(f"a complex number ({describe(value)}) is not a valid input")
    if _nested(value):
        raise InvalidValue(f"a nested value ({type(value).__name__} {describe(value)}) is not a single input value")
    raise InvalidValue(f"a {type(value).__name__} ({describe(value)}) is not a number or a category")


def field_problem(name: str, data_type: str | None, row: str, reason: str) -> str:
    declared = f" (dataType {data_type})" if data_type else ""
    return f"input {name!r}{declared}, {row}: {reason}"
