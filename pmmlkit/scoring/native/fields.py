"""Field preparation: the DataDictionary's types and values, and each model's MiningSchema
(missing, invalid and outlier treatments) applied to whole columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...pmml import format_number
from ..inputs import Prepared
from .ir import Column, Env, missing_mask, unsupported

NUMERIC = frozenset({"double", "float", "integer", "real", "boolean"})
_TEXT_TYPES = frozenset({"string"})
_DATE_TYPES = frozenset({"date", "time", "dateTime", "dateDaysSince[0]", "dateDaysSince[1960]",
                         "dateDaysSince[1970]", "dateDaysSince[1980]", "timeSeconds", "dateTimeSecondsSince[0]",
                         "dateTimeSecondsSince[1960]", "dateTimeSecondsSince[1970]", "dateTimeSecondsSince[1980]"})


def local_name(node: Any) -> str:
    """An element's name without its namespace (a string split: lxml's QName costs several times more,
    and a forest's compile asks for every Node's children)."""
    return node.tag.rpartition("}")[2]


def elements(node: Any, tag: str | None = None) -> list[Any]:
    """The child elements of ``node`` (named ``tag``, when given), Extensions left out."""
    out = []
    for child in node:
        if not isinstance(child.tag, str):
            continue
        name = child.tag.rpartition("}")[2]
        if name == "Extension":
            continue
        if tag is None or name == tag:
            out.append(child)
    return out


def first(node: Any, tag: str) -> Any:
    found = elements(node, tag)
    return found[0] if found else None


@dataclass(frozen=True)
class Interval:
    left: float
    right: float
    closure: str

    def contains(self, values: np.ndarray) -> np.ndarray:
        left_ok = values >= self.left if self.closure.startswith("closed") else values > self.left
        right_ok = values <= self.right if self.closure.endswith("Closed") else values < self.right
        return left_ok & right_ok


def read_interval(node: Any) -> Interval:
    closure = node.get("closure")
    if closure not in ("openOpen", "openClosed", "closedOpen", "closedClosed"):
        raise unsupported(node, f"<Interval closure={closure!r}>")
    left = float(node.get("leftMargin")) if node.get("leftMargin") is not None else -np.inf
    right = float(node.get("rightMargin")) if node.get("rightMargin") is not None else np.inf
    return Interval(left, right, closure)


@dataclass(frozen=True)
class DataField:
    name: str
    optype: str
    data_type: str
    valid: tuple[str, ...]
    missing: tuple[str, ...]
    invalid: tuple[str, ...]
    intervals: tuple[Interval, ...]

    @property
    def numeric(self) -> bool:
        return self.data_type in NUMERIC


def data_dictionary(root: Any) -> dict[str, DataField]:
    fields: dict[str, DataField] = {}
    dictionary = first(root, "DataDictionary")
    for node in elements(dictionary, "DataField") if dictionary is not None else []:
        data_type = node.get("dataType")
        if data_type in _DATE_TYPES:
            raise unsupported(node, f"a {data_type} field")
        values = {"valid": [], "missing": [], "invalid": []}
        for value in elements(node, "Value"):
            values[value.get("property", "valid")].append(value.get("value"))
        intervals = tuple(read_interval(i) for i in elements(node, "Interval"))
        fields[node.get("name")] = DataField(node.get("name"), node.get("optype"), data_type,
                                             tuple(values["valid"]), tuple(values["missing"]),
                                             tuple(values["invalid"]), intervals)
    return fields


def parse_value(text: str | None, numeric: bool) -> Any:
    """A value written in the document, as a column of this kind holds it."""
    if text is None:
        return np.nan if numeric else None
    if not numeric:
        return text
    stripped = text.strip()
    lowered = stripped.lower()
    if lowered == "true":
        return 1.0
    if lowered == "false":
        return 0.0
    try:
        return float(stripped)
    except ValueError:
        return np.nan  # a category no number equals


def cast(values: Column, data_type: str | None) -> Column:
    """``values`` as a field of ``data_type`` holds them (numbers <-> text)."""
    if data_type is None:
        return values
    numeric = data_type in NUMERIC
    if numeric and values.dtype == object:
        if len(values) <= _FEW:  # (factorizing costs more than it saves on a record or two)
            return np.array([_parsed(v) for v in values.tolist()], dtype=np.float64)
        # Each distinct value parsed once (a label column holds a few categories over many rows).
        codes, distinct = pd.factorize(values, use_na_sentinel=True)
        parsed = np.array([_parsed(v) for v in distinct] + [np.nan], dtype=np.float64)
        return parsed[codes]
    if not numeric and data_type in _TEXT_TYPES and values.dtype != object:
        if len(values) <= _FEW:
            texts = np.empty(len(values), dtype=object)
            texts[:] = [None if v != v else _text(v) for v in values.tolist()]
            return texts
        codes, distinct = pd.factorize(values, use_na_sentinel=True)
        texts = np.empty(len(distinct) + 1, dtype=object)
        for i, v in enumerate(distinct.tolist()):
            texts[i] = _text(v)
        texts[-1] = None
        return texts[codes]
    if data_type == "integer" and values.dtype != object:
        return np.trunc(values)  # Java's (long) cast of a double, as PMML4S does for an integer field
    return values


_FEW = 8


def _parsed(value: Any) -> float:
    """A text or number cell as a number (None and NaN: missing)."""
    if value is None:
        return np.nan
    return parse_value(value, True) if isinstance(value, str) else float(value)


def _text(value: float) -> str:
    """A number as the text PMML4S gives it (whole numbers without a fraction)."""
    return format_number(int(value) if float(value).is_integer() and abs(value) < 2 ** 53 else value)


def input_column(prepared: Prepared, field: DataField | None) -> Column:
    """A column from the input contract as the native engine holds it."""
    numeric = field is not None and field.numeric
    if prepared.kind == "double":
        return np.asarray(prepared.values, dtype=np.float64)
    if prepared.kind == "long":
        values = prepared.values.astype(np.float64)
        if prepared.missing is not None:
            values[prepared.missing] = np.nan
        return values
    column = np.empty(len(prepared.values), dtype=object)
    column[:] = prepared.values
    return cast(column, "boolean") if numeric else column


@dataclass(frozen=True)
class MiningField:
    name: str
    usage: str
    missing_replacement: Any
    invalid_treatment: str
    invalid_replacement: Any
    outliers: str
    low: float | None
    high: float | None


def mining_fields(model: Any, dictionary: dict[str, DataField], types: dict[str, str | None]) -> list[MiningField]:
    schema = first(model, "MiningSchema")
    out = []
    for node in elements(schema, "MiningField") if schema is not None else []:
        name = node.get("name")
        numeric = (types.get(name) or "double") in NUMERIC
        treatment = node.get("invalidValueTreatment", "returnInvalid")
        if treatment not in ("returnInvalid", "asIs", "asMissing", "asValue"):
            raise unsupported(node, f"invalidValueTreatment={treatment!r}")
        outliers = node.get("outliers", "asIs")
        if node.get("missingValueTreatment") not in (None, "asIs", "asMean", "asMode", "asMedian", "asValue"):
            raise unsupported(node, f"missingValueTreatment={node.get('missingValueTreatment')!r}")
        replacement = node.get("missingValueReplacement")
        out.append(MiningField(
            name, node.get("usageType", "active"),
            None if replacement is None else parse_value(replacement, numeric),
            treatment, parse_value(node.get("invalidValueReplacement"), numeric),
            outliers, _number(node.get("lowValue")), _number(node.get("highValue"))))
    return out


def _number(text: str | None) -> float | None:
    return None if text is None else float(text)


INPUT_USAGES = ("active", "supplementary", "group", "order", "frequencyWeight", "analysisWeight")


def needs_treatment(mining: MiningField, dictionary: dict[str, DataField]) -> bool:
    """Whether :func:`apply_schema` can change this field's values or find them invalid (most fields
    of a converter's documents cannot: checking them anyway costs a one-record call dearly)."""
    if mining.usage not in INPUT_USAGES:
        return False
    data = dictionary.get(mining.name)
    constrained = data is not None and bool(
        data.missing or data.intervals or (data.optype in ("categorical", "ordinal") and data.valid))
    return constrained or mining.outliers != "asIs" or mining.missing_replacement is not None


def apply_schema(env: Env, fields: list[MiningField], dictionary: dict[str, DataField]) -> tuple[Env, np.ndarray | None]:
    """The model's view of its inputs: each MiningField's treatments applied. Also returns the
    rows with an invalid value under ``returnInvalid`` (None when there are none)."""
    treated: dict[str, Column] = {}
    invalid_rows = None
    for mining in fields:
        if mining.usage not in INPUT_USAGES:
            continue
        data = dictionary.get(mining.name)
        try:
            values = env.get(mining.name)
        except Exception:
            continue  # a field only a later step defines (modelChain outputs) is read where it is used
        changed = False
        missing = missing_mask(values)
        if data is not None and data.missing:
            said = _is_in(values, [parse_value(v, is_numeric_column(values)) for v in data.missing])
            if said.any():
                values, changed = _set(values, said, None), True
                missing = missing | said
        invalid = _invalid(values, missing, data)
        if invalid is not None and invalid.any():
            if mining.invalid_treatment == "returnInvalid":
                invalid_rows = invalid if invalid_rows is None else invalid_rows | invalid
            elif mining.invalid_treatment == "asMissing":
                values, changed = _set(values, invalid, None), True
                missing = missing | invalid
            elif mining.invalid_treatment == "asValue":
                values, changed = _set(values, invalid, mining.invalid_replacement), True
        if is_numeric_column(values) and mining.outliers != "asIs":
            low = np.inf if mining.low is None else mining.low
            high = -np.inf if mining.high is None else mining.high
            below = values < (mining.low if mining.low is not None else -np.inf)
            above = values > (mining.high if mining.high is not None else np.inf)
            if mining.outliers == "asMissingValues":
                values, changed = _set(values, below | above, None), True
            elif mining.outliers == "asExtremeValues":
                values = values.copy()
                values[below] = low
                values[above] = high
                changed = True
            missing = missing_mask(values)
        if mining.missing_replacement is not None and missing.any():
            values, changed = _set(values, missing, mining.missing_replacement), True
        if changed:
            treated[mining.name] = values
    if not treated:
        return env, invalid_rows
    return env.child(treated), invalid_rows


def is_numeric_column(values: Column) -> bool:
    return values.dtype != object


def _is_in(values: Column, candidates: list[Any]) -> np.ndarray:
    if is_numeric_column(values):
        return np.isin(values, np.array([c for c in candidates if c == c], dtype=np.float64))
    wanted = set(candidates)
    return np.array([v in wanted for v in values], dtype=bool)


def _set(values: Column, mask: np.ndarray, value: Any) -> Column:
    out = values.copy()
    if is_numeric_column(values):
        out[mask] = np.nan if value is None else float(value)
    else:
        out[mask] = value
    return out


def _invalid(values: Column, missing: np.ndarray, data: DataField | None) -> np.ndarray | None:
    if data is None:
        return None
    if data.optype in ("categorical", "ordinal") and data.valid:
        allowed = [parse_value(v, is_numeric_column(values)) for v in data.valid]
        return ~missing & ~_is_in(values, allowed)
    if data.intervals and is_numeric_column(values):
        inside = np.zeros(len(values), dtype=bool)
        for interval in data.intervals:
            inside |= interval.contains(values)
        return ~missing & ~inside
    return None
