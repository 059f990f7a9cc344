"""`pmmlkit score`: score a table with a PMML model, in chunks, for pipelines."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from ..errors import PMMLError
from ..io import FORMATS, STDIO, table_format, table_size
from ..parsing import read_source
from ..scoring.engine import DEFAULT_ENGINE, ENGINES
from ..scoring.evaluator import Model, load
from ..scoring.inputs import InvalidReport, numbers_from_text
from ..table_writer import TableWriter
from ..validation import gate
from .common import DEFAULT_CHUNK, ROWS, UsageError, check_pmml_argument
from .score_explain import ExplanationColumns
from .score_input import RowRules, read_chunks
from .score_redis import RedisSink, add_redis_arguments, check_redis_flags, redis_target


def add_parser(commands: Any) -> None:
    score = commands.add_parser(
        "score", help="score a table (CSV, Parquet, JSON Lines) with a PMML model",
        description="Score a table with a PMML model. The output holds the model's output columns, one row per "
                    "input row (--keep-inputs adds the input columns). Inputs follow the input contract of "
                    "pmmlkit's evaluator (README, 'Scoring'): a missing input column is an error, unused columns "
                    "are ignored, a value that does not fit its field stops the run (--on-invalid error) or is "
                    "scored as missing and counted (--on-invalid missing).")
    score.add_argument("pmml", metavar="MODEL.pmml")
    score.add_argument("input", metavar="IN", help="input table: .csv, .parquet or .jsonl; - reads standard input "
                       "(CSV unless --input-format)")
    score.add_argument("-o", "--output", metavar="OUT", help="output table: .csv, .parquet or .jsonl (default and "
                       "-: standard output, CSV unless --output-format); files are written atomically")
    score.add_argument("--input-format", choices=FORMATS, help="format of IN (default: from its suffix)")
    score.add_argument("--output-format", choices=FORMATS, help="format of OUT (default: from its suffix)")
    score.add_argument("--chunk-size", type=ROWS, default=DEFAULT_CHUNK, metavar="N",
                       help=f"rows scored at a time (default {DEFAULT_CHUNK})")
    score.add_argument("--keep-inputs", action="store_true", help="copy the input columns before the outputs")
    score.add_argument("--on-invalid", choices=("error", "missing"), default="error",
                       help="a value that does not fit its field: stop with an error naming the field and row "
                            "(default), or score the row with that value missing and report the count at the end")
    score.add_argument("--missing", choices=("error", "allow"), default="error",
                       help="an input column absent from IN: an error (default), or scored as missing values")
    score.add_argument("--extra", choices=("ignore", "error"), default="ignore",
                       help="columns the model does not use: ignored (default) or an error")
    score.add_argument("--explain", action="store_true", help="add each row's contributions of every input, the "
                       "base value and the explained value (README 'Inspecting a model'); a model without an exact "
                       "explanation is refused before anything is written")
    score.add_argument("--json", action="store_true", help="print a JSON summary (rows, invalid rows, seconds) on "
                       "standard error at the end")
    score.add_argument("--strict", action="store_true", help="refuse a document with any validation error, "
                       "also the deviations that are scored with a warning otherwise (as load(strict=True))")
    score.add_argument("--spark", action="store_true", help="score on Spark: IN and OUT are Parquet or CSV paths")
    add_redis_arguments(score)
    score.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                       help="what scores: pmml4s (the JVM reference, default), native (compiled, no Java) or auto "
                            "(native where it compiles the document); README 'Engines'")
    score.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    check_pmml_argument(args.pmml, usage="pmmlkit score MODEL.pmml IN [-o OUT]")
    check_redis_flags(args)
    if args.spark:
        return _run_on_spark(args, started)
    try:
        out_format = table_format(args.output or STDIO, args.output_format)
    except PMMLError as exc:
        raise UsageError(f"-o {args.output}: {exc}") from None
    in_format = table_format(args.input, args.input_format)
    model = load(args.pmml, strict=args.strict, engine=args.engine)
    # --to-redis: the same loop, written to Redis (cli/score_redis.py); keys may use input columns.
    sink = RedisSink(redis_target(args, model)) if args.to_redis else None
    explaining = ExplanationColumns(model) if args.explain else None
    report = InvalidReport()
    infinite: dict[str, int] = {}
    rows = 0
    rules = RowRules(model.input_names, args.missing, args.extra, args.on_invalid, report, model.contract.unused)
    with _progress(args.input, in_format) as advance, sink or TableWriter(args.output, out_format) as writer:
        for chunk in read_chunks(str(args.input), in_format, args.chunk_size, rules, progress=advance):
            inputs = _parse_text(chunk, model) if in_format == "csv" else chunk
            result = stable_types(model.predict(inputs, missing=args.missing, extra=args.extra,
                                                on_invalid=args.on_invalid, report=report), model)
            if explaining is not None:
                result = explaining.add(inputs, result)
            if args.keep_inputs or sink is not None:
                kept = chunk.drop(columns=[c for c in result.columns if c in chunk.columns])
                result = pd.concat([kept, result], axis=1)
            count_infinite(result, infinite)
            writer.write(result)
            rows += len(chunk)
    _summary(args, rows, report, time.perf_counter() - started, infinite, out_format, sink)
    return 0


def count_infinite(frame: pd.DataFrame, counts: dict[str, int]) -> None:
    """Add each column's infinite values to ``counts``: JSON Lines writes them as null, so the summary
    says how many there were (an overflow in the model, e.g. 2*x for x = 1e308)."""
    for name in frame.columns:
        values = frame[name]
        if ptypes.is_float_dtype(values.dtype):
            found = int(np.isinf(values.to_numpy(dtype=np.float64, na_value=np.nan)).sum())
            if found:
                counts[str(name)] = counts.get(str(name), 0) + found


# What each output format makes of an infinite value (README, "Scoring: inputs").
INFINITY_WRITTEN = {"jsonl": "written as null (JSON has no infinity)", "csv": "written as inf or -inf",
                    "parquet": "kept as IEEE infinity"}


def _run_on_spark(args: argparse.Namespace, started: float) -> int:
    if not args.output or args.output == STDIO:
        raise UsageError("score --spark needs -o OUT (a Parquet path)")
    if args.explain:
        raise UsageError("score --explain scores locally; it does not run with --spark")
    if args.on_invalid != "error":
        raise UsageError("score --spark checks column types before it starts: --on-invalid missing is for local "
                         "scoring")
    if args.strict:  # the driver gates the document as load(strict=True) would, before Spark starts
        gate(*read_source(args.pmml), strict=True)
    try:
        from ..scoring.spark import score_files
    except ImportError as exc:
        raise PMMLError(f"Spark scoring is not available ({exc}); install pmmlkit[spark]") from None
    written = score_files(args.pmml, args.input, args.output, missing=args.missing, extra=args.extra,
                          engine=args.engine)
    if args.json:
        print(json.dumps({"output": written, "seconds": round(time.perf_counter() - started, 3)}), file=sys.stderr)
    else:
        print(f"wrote {written}", file=sys.stderr)
    return 0


def _parse_text(chunk: pd.DataFrame, model: Model) -> pd.DataFrame:
    """CSV cells are text: numeric inputs are parsed here; text that is no number stays text, for the
    input contract to refuse (or count) with its row."""
    parsed = {}
    for field in model.input_fields:
        if field.name in chunk.columns and field.java_kind in ("double", "whole", "integer", "auto"):
            parsed[field.name] = numbers_from_text(chunk[field.name], keep_text=field.java_kind != "auto",
                                                   whole=field.java_kind in ("whole", "integer"))
    return chunk.assign(**parsed) if parsed else chunk


def stable_types(result: pd.DataFrame, model: Model) -> pd.DataFrame:
    """The same column types in every chunk: integer outputs stay integers (nullable) even when a
    chunk has a missing result, booleans stay booleans."""
    columns = {}
    for field in model.output_fields:
        values = result[field.name]
        if field.data_type == "integer":
            beyond = values[(values.abs() >= 2.0 ** 63).fillna(False)] if values.dtype.kind == "f" else values[:0]
            if len(beyond):
                raise PMMLError(f"output {field.name!r} (dataType integer), row {beyond.index[0]}: the engine gave "
                                f"{beyond.iloc[0]:g}, beyond a 64-bit integer (an overflow in the model); no "
                                "output format can hold it as an integer")
            columns[field.name] = values.astype("Int64")
        elif field.data_type == "boolean":
            columns[field.name] = values.astype("boolean")
        elif field.is_numeric:
            columns[field.name] = values.astype("float64")
        else:
            columns[field.name] = values.astype(object)
    return pd.DataFrame(columns, index=result.index)


class _progress:
    """A progress bar on standard error (when it is a terminal), with a total when the input's size
    is known: rows for Parquet, bytes for text files."""

    def __init__(self, path: str, fmt: str) -> None:
        self.size = table_size(path, fmt)
        self.bar: Any = None

    def __enter__(self) -> Any:
        from tqdm import tqdm

        total, unit = self.size if self.size is not None else (None, "rows")
        self.bar = tqdm(total=total, unit=unit if unit == "B" else " rows", unit_scale=unit == "B",
                        disable=not sys.stderr.isatty(), file=sys.stderr, desc="scoring")

        def advance(position: int) -> None:
            self.bar.update(max(0, position - self.bar.n))

        return advance

    def __exit__(self, *exc: Any) -> None:
        self.bar.close()


def _summary(args: argparse.Namespace, rows: int, report: InvalidReport, seconds: float,
             infinite: dict[str, int], out_format: str, sink: RedisSink | None = None) -> None:
    if args.json:
        print(json.dumps({"rows": rows, "invalid_rows": report.rows, "invalid_columns": report.columns,
                          "infinite_values": infinite, "seconds": round(seconds, 3),
                          "output": args.output or STDIO, **(sink.summary() if sink else {})}), file=sys.stderr)
        return
    if sink is not None:
        print(sink.message(), file=sys.stderr)
    if infinite:
        cells = ", ".join(f"{name} ({count})" for name, count in infinite.items())
        print(f"pmmlkit: {sum(infinite.values())} infinite values (an overflow in the model), "
              f"{INFINITY_WRITTEN.get(out_format, 'written as they are')}; per column: {cells}", file=sys.stderr)
    if report.rows:
        cells = ", ".join(f"{name} ({count})" for name, count in report.columns.items())
        print(f"pmmlkit: {report.rows} of {rows} rows had invalid values, scored with them missing; invalid cells "
              f"per column: {cells}. First: {report.first}", file=sys.stderr)
