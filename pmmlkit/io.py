"""Reading what the command line is given: saved models and data tables (CSV, Parquet)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import PMMLError
from .frontends import FRONT_ENDS

TABLE_SUFFIXES = (".csv", ".parquet", ".pq")


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
def check_table(path: Path) -> str:
    """The suffix of a readable table file (.csv, .parquet, .pq); PMMLError otherwise."""
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
    suffix = check_table(path)
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
    suffix = check_table(path)
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
