"""Reading what the command line is given: saved models and data tables (CSV, Parquet)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ConversionError, PMMLError

MODEL_SUFFIXES = (".skops", ".joblib", ".pkl", ".pickle")
TABLE_SUFFIXES = (".csv", ".parquet", ".pq")


def load_model(path: str | os.PathLike, spark: bool = False) -> Any:
    """Load a fitted model saved with skops (``.skops``), joblib (``.joblib``) or pickle
    (``.pkl``/``.pickle``), or with ``spark=True`` a Spark ML PipelineModel saved in a folder.

    A ``.skops`` file is loaded only if every type in it is one skops trusts by default; otherwise
    ConversionError lists the untrusted types. joblib and pickle files run arbitrary code when
    loaded: load only files you trust.
    """
    path = Path(path)
    if spark:
        return _load_spark(path)
    if path.is_dir():
        raise ConversionError(f"{path} is a folder; for a saved Spark model add --spark (spark=True)")
    if not path.exists():
        raise ConversionError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".skops":
        return _load_skops(path)
    if suffix in (".joblib", ".pkl", ".pickle"):
        return _load_pickled(path, suffix)
    raise ConversionError(f"{path}: unknown model file type {suffix!r}; expected one of {', '.join(MODEL_SUFFIXES)}")


def _load_skops(path: Path) -> Any:
    import skops.io

    try:
        untrusted = skops.io.get_untrusted_types(file=path)
    except Exception as exc:  # a damaged or foreign file: skops raises zipfile/json/key errors
        raise ConversionError(f"{path}: not a readable skops file ({type(exc).__name__}: {exc})") from None
    if untrusted:
        raise ConversionError(
            f"{path} contains types skops does not trust by default: {', '.join(sorted(untrusted))}. "
            "pmmlkit loads only default-trusted types; inspect the file, then load it yourself with "
            "skops.io.load(path, trusted=[...]) and call pmmlkit.convert()")
    try:
        return skops.io.load(path)
    except Exception as exc:
        raise ConversionError(f"{path}: skops could not load the model ({type(exc).__name__}: {exc})") from None


def _load_pickled(path: Path, suffix: str) -> Any:
    try:
        if suffix == ".joblib":
            import joblib

            return joblib.load(path)
        import pickle

        with open(path, "rb") as handle:
            return pickle.load(handle)  # noqa: S301 - the user asked for this file; --help warns
    except (ModuleNotFoundError, AttributeError) as exc:
        raise ConversionError(f"{path}: the model needs code that is not installed here ({exc})") from None
    except OSError:
        raise
    except Exception as exc:
        raise ConversionError(f"{path}: could not load the model ({type(exc).__name__}: {exc})") from None


def _load_spark(path: Path) -> Any:
    if not path.is_dir():
        raise ConversionError(f"{path}: a saved Spark model is a folder (PipelineModel.save()), and this is not one")
    try:
        from .converters.spark import load_saved_model
    except ImportError as exc:
        raise ConversionError(f"Spark support is not available ({exc}); install pmmlkit[spark]") from None
    return load_saved_model(str(path))


# -- tables ----------------------------------------------------------------------------------------
def _check_table(path: Path) -> str:
    if not path.exists():
        raise PMMLError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if path.is_dir() and suffix not in (".parquet", ".pq"):
        raise PMMLError(f"{path} is a folder, not a CSV or Parquet file")
    if suffix not in TABLE_SUFFIXES:
        raise PMMLError(f"{path}: unknown table type {suffix!r}; expected .csv or .parquet")
    return suffix


def _csv_options(string_columns: Iterable[str]) -> dict[str, Any]:
    # Only empty cells are missing: "NA", "null" or "None" are kept as the strings they are.
    return {"keep_default_na": False, "na_values": [""], "dtype": {c: str for c in string_columns} or None,
            "low_memory": False}


def read_table(path: str | os.PathLike, string_columns: Iterable[str] = (), nrows: int | None = None) -> pd.DataFrame:
    """Read a .csv or .parquet file. CSV cells are typed by pandas except ``string_columns``,
    which stay strings; only empty cells are missing values."""
    path = Path(path)
    suffix = _check_table(path)
    try:
        if suffix == ".csv":
            return pd.read_csv(path, nrows=nrows, **_csv_options(string_columns))
        frame = pd.read_parquet(path)
        return frame if nrows is None else frame.head(nrows)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise PMMLError(f"{path}: cannot read the table: {_first_line(exc)}") from None


def iter_table(path: str | os.PathLike, chunk_size: int, string_columns: Iterable[str] = ()) -> Iterator[pd.DataFrame]:
    """Read a .csv or .parquet file in chunks of ``chunk_size`` rows (at least one chunk, maybe empty)."""
    path = Path(path)
    suffix = _check_table(path)
    try:
        if suffix == ".csv":
            with pd.read_csv(path, chunksize=chunk_size, **_csv_options(string_columns)) as reader:
                first = True
                for chunk in reader:
                    first = False
                    yield chunk
                if first:
                    yield pd.read_csv(path, nrows=0, **_csv_options(string_columns))
        else:
            import pyarrow.parquet as pq

            source = pq.ParquetFile(path) if path.is_file() else None
            if source is None:
                yield pd.read_parquet(path)
                return
            batches = source.iter_batches(batch_size=chunk_size)
            first = True
            for batch in batches:
                first = False
                yield batch.to_pandas()
            if first:
                yield source.schema_arrow.empty_table().to_pandas()
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise PMMLError(f"{path}: cannot read the table: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


__all__ = ["load_model", "read_table", "iter_table"]
