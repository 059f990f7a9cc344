"""Spark ML attribute metadata ("ml_attr") of a column, as Spark itself writes it.

Some stages behave differently by a column's metadata: Interaction one-hot encodes nominal
values, VectorSlicer finds features by name. Rather than re-deriving every stage's metadata
rules, the conversion asks Spark: :func:`schema_before` runs the stages before the current one
through ``transform()`` (no rows are scored: only the plan's schema is read) and the readers here
parse the metadata of the resulting columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pmmlkit.context import Context
from pmmlkit.errors import ConversionError
from pmmlkit.spark_session import session

from .columns import Columns


@dataclass(frozen=True)
class Attribute:
    """One value of a column: its name (None when Spark has none) and, for a nominal value, its
    number of categories (0 for numeric and binary values)."""

    name: str | None
    categories: int = 0


def schema_before(stages: Sequence[Any], X: Any) -> Callable[[], Any]:
    """The Spark schema after ``stages``, computed on first call (later calls reuse it)."""
    cache: list[Any] = []

    def schema() -> Any:
        if not cache:
            cache.append(_transformed_schema(stages, X))
        return cache[0]

    return schema


def _transformed_schema(stages: Sequence[Any], X: Any) -> Any:
    frame = _frame(X)
    try:
        for stage in stages:
            frame = stage.transform(frame)
        return frame.schema
    except Exception as exc:  # py4j / analysis errors: say what failed without the Java stack
        raise ConversionError(
            f"could not ask Spark for the column metadata this stage depends on: {str(exc).splitlines()[0]}; "
            "pass X as the Spark DataFrame the pipeline was fitted on"
        ) from None


def _frame(X: Any) -> Any:
    """A Spark DataFrame with X's columns (X itself when it is one; else an empty one)."""
    from pyspark.sql import types as T

    if isinstance(X, T.StructType):
        return session().createDataFrame([], X)
    if isinstance(X, pd.DataFrame):
        fields = []
        for name in X.columns:
            dtype = X[name].dtype
            kind = (T.BooleanType() if pd.api.types.is_bool_dtype(dtype) else
                    T.LongType() if pd.api.types.is_integer_dtype(dtype) else
                    T.DoubleType() if pd.api.types.is_numeric_dtype(dtype) else T.StringType())
            fields.append(T.StructField(str(name), kind, True))
        return session().createDataFrame([], T.StructType(fields))
    return X


def attributes(columns: Columns, name: str, context: Context) -> list[Attribute] | None:
    """The attributes of column ``name`` as the current stage receives it, one per value; None for
    a vector column that carries no per-value attributes."""
    if columns.schema is None:
        raise context.error(f"the metadata of column {name!r} is unknown here (the stage is converted outside "
                            "a Spark pipeline)")
    schema = columns.schema()
    if name not in schema.names:
        raise context.error(f"Spark's schema has no column {name!r}")
    from pyspark.ml.linalg import VectorUDT

    item = schema[name]
    meta = item.metadata.get("ml_attr", {})
    if not isinstance(item.dataType, VectorUDT):
        return [_attribute(meta, meta.get("type", "numeric"), context, name)]
    groups = meta.get("attrs")
    if groups is None:
        return None
    size = int(meta.get("num_attrs", 0))
    found: list[Attribute | None] = [None] * size
    for kind, entries in groups.items():
        for entry in entries:
            found[int(entry["idx"])] = _attribute(entry, kind, context, name)
    # Spark takes unlisted values as unnamed numeric ones.
    return [a if a is not None else Attribute(None) for a in found]


def holds_vector(columns: Columns, name: str) -> bool:
    """Whether Spark's column ``name`` is a vector (as the current stage receives it)."""
    from pyspark.ml.linalg import VectorUDT

    schema = columns.schema() if columns.schema is not None else None
    return schema is not None and name in schema.names and isinstance(schema[name].dataType, VectorUDT)


def _attribute(meta: dict[str, Any], kind: str, context: Context, column: str) -> Attribute:
    name = meta.get("name")
    if kind != "nominal":
        return Attribute(name)
    if "vals" in meta:
        return Attribute(name, len(meta["vals"]))
    if "num_vals" in meta:
        return Attribute(name, int(meta["num_vals"]))
    raise context.error(f"a nominal value of column {column!r} has no number of categories in its metadata "
                        "(Spark's Interaction refuses it too)")
