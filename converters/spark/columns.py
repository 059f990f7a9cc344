"""Spark ML stages read and write named columns; ``Columns`` maps each column to its PMML fields.

A scalar column maps to one field, a vector column to its element fields in order. The raw
input columns come from the DataFrame's schema (or a pandas frame's dtypes); every converted
stage adds its output column(s). ``labels`` remembers, for index columns made by a
StringIndexer, which string each index stands for (index ``i`` is ``labels[column][i]``), so
that a classifier trained on an indexed label predicts the original strings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pmmlkit.builders.fields import Field, Scope, field_from_dtype
from pmmlkit.context import Context
from pmmlkit.errors import ConversionError

UNKNOWN_LABEL = "__unknown"  # the label Spark gives the extra index of a StringIndexer with handleInvalid="keep"


@dataclass
class Columns:
    """Column name -> the fields holding its value(s)."""

    fields: dict[str, list[Field]] = field(default_factory=dict)
    labels: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    # Columns of X that cannot be PMML inputs (vectors, arrays, ...): name -> Spark type, for error messages.
    unusable: dict[str, str] = field(default_factory=dict)
    # Input columns of an integral Spark type: stages that cast back to the input type (Imputer) truncate.
    integral: set[str] = field(default_factory=set)
    # The Spark schema (with ML attribute metadata) of the frame the current stage receives, computed
    # on demand by Spark itself; set by the conversion before each stage (see attributes.py).
    schema: Callable[[], Any] | None = None

    def __getitem__(self, name: str) -> list[Field]:
        try:
            return self.fields[name]
        except KeyError:
            pass
        if name in self.unusable:
            raise ConversionError(
                f"column {name!r} of X has Spark type {self.unusable[name]}; PMML inputs are scalars: start the "
                "pipeline from the raw numeric/string columns (e.g. with a VectorAssembler) and pass those in X"
            ) from None
        raise ConversionError(f"column {name!r} is neither in X nor made by an earlier stage "
                              f"(known columns: {list(self.fields)})") from None

    def __setitem__(self, name: str, fields: Sequence[Field]) -> None:
        self.fields[name] = list(fields)

    def __contains__(self, name: object) -> bool:
        return name in self.fields

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)

    def scalar(self, name: str) -> Field:
        """The one field of a scalar column."""
        fields = self[name]
        if len(fields) != 1:
            raise ConversionError(f"column {name!r} is a vector of {len(fields)} values; a scalar column is expected")
        return fields[0]

    def classes(self, label_column: str, num_classes: int) -> tuple[Any, ...]:
        """The class labels a classifier trained on ``label_column`` predicts, in index order.

        The StringIndexer's strings when the label was indexed by one (plus ``__unknown`` when it
        kept an extra index), else Spark's numeric labels 0.0, 1.0, ...
        """
        labels = self.labels.get(label_column)
        if labels is not None:
            if num_classes == len(labels):
                return tuple(labels)
            if num_classes == len(labels) + 1:
                return tuple(labels) + (UNKNOWN_LABEL,)
        return tuple(float(i) for i in range(num_classes))


@dataclass
class StageContext(Context):
    """The context of a Spark conversion: pmmlkit's Context plus the column map of the stages so far."""

    columns: Columns = field(default_factory=Columns)


def spark_field(name: str, data_type: Any) -> Field | None:
    """The PMML input field for a Spark column type; None for types PMML has no scalar for."""
    from pyspark.sql import types as T

    if isinstance(data_type, T.BooleanType):
        return Field(name, "categorical", "boolean")
    if isinstance(data_type, T.NumericType):
        return Field(name, "continuous", "double")
    if isinstance(data_type, (T.StringType, T.CharType, T.VarcharType)):
        return Field(name, "categorical", "string")
    return None


def from_input(X: Any) -> tuple[Scope, Columns]:
    """Input fields and columns from a Spark DataFrame, a StructType or a pandas DataFrame."""
    columns = Columns()
    fields: list[Field] = []
    if isinstance(X, pd.DataFrame):
        for name in X.columns:
            fields.append(field_from_dtype(str(name), X[name].dtype))
            if pd.api.types.is_integer_dtype(X[name].dtype):
                columns.integral.add(str(name))
    else:
        from pyspark.sql import types as T

        schema = _schema(X)
        for item in schema.fields:
            f = spark_field(item.name, item.dataType)
            if isinstance(item.dataType, T.IntegralType):
                columns.integral.add(item.name)
            if f is None:
                columns.unusable[item.name] = item.dataType.simpleString()
            else:
                fields.append(f)
    scope = Scope.of(fields)
    for f in fields:
        columns[f.name] = [f]
    return scope, columns


def _schema(X: Any) -> Any:
    from pyspark.sql.types import StructType

    if isinstance(X, StructType):
        return X
    schema = getattr(X, "schema", None)
    if isinstance(schema, StructType):
        return schema
    raise ConversionError(
        f"X must be a Spark DataFrame, its schema (StructType) or a pandas DataFrame, not {type(X).__name__}"
    )


def column_params(stage: Any) -> tuple[list[str], list[str]]:
    """A stage's (input columns, output columns), single- or multi-column."""
    def get(single: str, multi: str) -> list[str]:
        if stage.hasParam(multi) and stage.isDefined(multi) and stage.getOrDefault(multi):
            return list(stage.getOrDefault(multi))
        if stage.hasParam(single) and stage.isDefined(single):
            return [stage.getOrDefault(single)]
        return []

    return get("inputCol", "inputCols"), get("outputCol", "outputCols")
