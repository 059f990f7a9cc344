"""Score PMML on Spark: ``pmmlkit.scoring.spark.score(df, "model.pmml")``.

The executors evaluate the document with pmmlkit's own evaluator (PMML4S in a JVM that JPype
starts inside each Python worker, separate from Spark's JVM). Rows travel as Arrow record
batches (``DataFrame.mapInArrow``); each Python worker loads the document once and reuses the
loaded model for every batch and every task it runs afterwards.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import EvaluationError
from ..io import pandas_from_arrow
from ..parsing import Source, read_source
from ..pmml import is_missing_value
from ..spark_session import check_workers, session
from .engine import DEFAULT_ENGINE, check_engine
from .evaluator import FieldInfo, Model, load
from .inputs import Extra, Missing, check_policies, field_problem
from .spark_redis import write_redis  # precompute: scored rows to Redis from the executors

__all__ = ["score", "score_files", "write_redis"]

# Loaded models of this process, keyed by the SHA-256 of the PMML bytes. A worker is reused for
# many tasks (spark.python.worker.reuse), so a model is parsed once per worker, not per batch.
_MODELS: OrderedDict[str, Model] = OrderedDict()
_MODELS_LOCK = threading.Lock()
_MAX_MODELS = 8


def score(df: Any, pmml: Source, keep_inputs: bool = True, *, missing: Missing = "error",
          extra: Extra = "ignore", engine: str = DEFAULT_ENGINE) -> Any:
    """Add the PMML's output columns to the Spark DataFrame ``df`` (lazily, like any transformation).

    ``pmml`` is a path or the document's bytes. The model's input fields are read from the
    columns of ``df`` with the same names, under the same input contract as ``Model.predict``:
    an absent input column is an error (``missing="allow"`` scores it as missing), columns the
    model does not use are ignored (``extra="error"`` refuses them), and a column whose Spark type
    cannot hold the field's values (timestamps, intervals, arrays, maps, structs, binary, or
    strings for a numeric field) is refused here, on the driver, before any task runs.
    Output columns are named and typed as the PMML's Output fields (double, bigint for integer,
    boolean or string); a missing result is null. With ``keep_inputs=False`` the result holds
    the output columns only. ``engine`` chooses what scores on the executors, as for
    :func:`pmmlkit.load` ("native" needs no JVM in the Python workers).
    """
    check_policies(missing, extra)
    check_engine(engine)
    data, name = read_source(pmml)
    # On the driver: fails early on a bad document, gives the schema. No scoring here: no warm-up.
    model = load(data, threads=1, warm=False, engine=engine)
    inputs = model.input_names
    twice = sorted({c for c in df.columns if df.columns.count(c) > 1 and (extra == "error" or c in inputs)})
    if twice:
        raise EvaluationError(f"{name}: the DataFrame has more than one column named {twice}: each input must be "
                              "one column")
    try:
        model.contract.check_names(list(df.columns), missing, extra, "DataFrame")
    except EvaluationError as exc:
        raise EvaluationError(f"{name}: {exc}") from None
    types = {f.name: f.dataType for f in df.schema.fields}
    for field in model.input_fields:
        if field.name in types:
            problem = _type_problem(field, types[field.name])
            if problem is not None:
                raise EvaluationError(field_problem(field.name, field.data_type, "every row", problem))
    present = [n for n in inputs if n in types]
    check_workers(df.sparkSession)
    outputs = [(f.name, _kind(f)) for f in model.output_fields]
    if keep_inputs:
        clashing = [n for n, _ in outputs if n in df.columns]
        if clashing:
            raise EvaluationError(f"{name}: the DataFrame already has columns named like the model's outputs "
                                  f"{clashing}; drop or rename them, or pass keep_inputs=False")
    schema = _output_schema(df.schema if keep_inputs else None, outputs)
    key = hashlib.sha256(data).hexdigest() + ":" + engine
    payload = _share(df, data)
    passed = df.columns if keep_inputs else present

    def batches(iterator: Iterator[Any]) -> Iterator[Any]:
        return _score_batches(iterator, key, payload, present, outputs, keep_inputs, missing, engine)

    return df.select(*[df[c] for c in passed]).mapInArrow(batches, schema)


def _type_problem(field: FieldInfo, data_type: Any) -> str | None:
    """Why a Spark column of ``data_type`` cannot feed ``field`` (None when it can)."""
    from pyspark.sql import types as T

    shown = data_type.simpleString()
    if isinstance(data_type, (T.TimestampType, T.DateType)) or type(data_type).__name__ == "TimestampNTZType":
        if field.java_kind == "date":
            return None  # (its missing values score as missing; any other value is refused with the reason)
        return f"a datetime column ({shown}) is not a number or a category; convert it first"
    if "Interval" in type(data_type).__name__:
        return f"a timedelta column ({shown}) is not a number or a category; convert it first"
    if isinstance(data_type, (T.ArrayType, T.MapType, T.StructType)) or isinstance(data_type, T.UserDefinedType):
        return f"a nested column ({shown}) does not hold single input values"
    if isinstance(data_type, T.BinaryType):
        return f"a binary column ({shown}) is not text; cast it to string first"
    if isinstance(data_type, T.StringType) and field.java_kind in ("double", "whole", "integer"):
        return f"a string column ({shown}) in a numeric field; cast it to a number first"
    return None


def score_files(pmml: Source, in_path: str | os.PathLike, out_path: str | os.PathLike, *,
                missing: Missing = "error", extra: Extra = "ignore", engine: str = DEFAULT_ENGINE) -> str:
    """Score a Parquet or CSV input (file or folder) and write the inputs plus outputs as Parquet.

    The result is written to a temporary folder beside ``out_path`` and then renamed into
    place, so a failed run leaves no half-written output. Returns ``out_path``.
    """
    source = str(in_path)
    target = str(out_path)
    if not _is_remote(source) and not Path(source).exists():
        raise EvaluationError(f"{source}: no such file or folder")
    spark = session()  # the active one, or pmmlkit's quiet local one
    if source.lower().rstrip("/").endswith(".csv"):
        df = spark.read.csv(source, header=True, inferSchema=True)
    else:
        df = spark.read.parquet(source)
    result = score(df, pmml, missing=missing, extra=extra, engine=engine)
    if _is_remote(target):
        result.write.mode("overwrite").parquet(target)
        return target
    final = Path(target)
    temporary = final.with_name(f".{final.name}.tmp-{uuid.uuid4().hex}")
    try:
        result.write.parquet(str(temporary))
        _replace(temporary, final)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)
    return target


# -- on the executors ----------------------------------------------------------------------------

def _score_batches(batches: Iterator[Any], key: str, payload: Any, inputs: list[str],
                   outputs: list[tuple[str, str]], keep_inputs: bool, missing: str,
                   engine: str = DEFAULT_ENGINE) -> Iterator[Any]:
    import pyarrow as pa

    model = None
    for batch in batches:
        if batch.num_rows == 0:
            columns = [pa.array([], type=_arrow_type(kind)) for _, kind in outputs]
        else:
            if model is None:
                model = _model(key, payload, engine)
            result = model.predict(pandas_from_arrow(batch.select(inputs)), missing=missing)
            columns = [_arrow_column(result[name].to_numpy(), kind) for name, kind in outputs]
        names = [name for name, _ in outputs]
        if keep_inputs:
            columns = list(batch.columns) + columns
            names = list(batch.schema.names) + names
        yield pa.RecordBatch.from_arrays(columns, names=names)


def _model(key: str, payload: Any, engine: str = DEFAULT_ENGINE) -> Model:
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is not None:
            _MODELS.move_to_end(key)
            return model
        data = payload.value if hasattr(payload, "value") else payload
        # One JVM thread per model: Spark already runs one task per core.
        model = load(data, threads=1, engine=engine)
        _MODELS[key] = model
        while len(_MODELS) > _MAX_MODELS:
            _MODELS.popitem(last=False)
        return model


def _arrow_column(values: Any, kind: str) -> Any:
    import pyarrow as pa

    if kind in ("double", "long"):
        return pa.array(values, type=_arrow_type(kind), from_pandas=True)  # NaN -> null
    return pa.array([None if is_missing_value(v) else v for v in values.tolist()], type=_arrow_type(kind))


def _arrow_type(kind: str) -> Any:
    import pyarrow as pa

    return {"double": pa.float64(), "long": pa.int64(), "boolean": pa.bool_(), "string": pa.string()}[kind]


# -- on the driver -------------------------------------------------------------------------------

def _kind(field: FieldInfo) -> str:
    if field.data_type == "integer":
        return "long"
    if field.data_type == "boolean":
        return "boolean"
    if field.is_numeric:
        return "double"
    return "string"


def _output_schema(base: Any, outputs: list[tuple[str, str]]) -> Any:
    from pyspark.sql import types as T

    spark_types = {"double": T.DoubleType(), "long": T.LongType(), "boolean": T.BooleanType(),
                   "string": T.StringType()}
    fields = list(base.fields) if base is not None else []
    fields += [T.StructField(name, spark_types[kind], nullable=True) for name, kind in outputs]
    return T.StructType(fields)


def _share(df: Any, data: bytes) -> Any:
    """A broadcast of the PMML bytes where the session has a SparkContext (classic Spark), else
    the bytes themselves, which then travel inside the task's closure (Spark Connect)."""
    try:
        return df.sparkSession.sparkContext.broadcast(data)
    except Exception:  # Spark Connect sessions have no SparkContext
        return data


def _is_remote(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def _replace(new: Path, final: Path) -> None:
    """Move ``new`` to ``final``, replacing an existing file or folder only once ``new`` is complete."""
    if not final.exists():
        os.replace(new, final)
        return
    old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex}")
    os.replace(final, old)
    try:
        os.replace(new, final)
    except OSError:
        os.replace(old, final)
        raise
    if old.is_dir():
        shutil.rmtree(old, ignore_errors=True)
    else:
        old.unlink(missing_ok=True)
