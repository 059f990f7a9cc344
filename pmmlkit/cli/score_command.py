"""`pmmlkit score`: score a table with a PMML model, in chunks, for pipelines."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import pandas as pd

from ..errors import PMMLError
from ..io import FORMATS, STDIO, TableWriter, table_format, table_size
from ..scoring.evaluator import Model, load
from ..scoring.inputs import InvalidReport, numbers_from_text
from .common import DEFAULT_CHUNK, UsageError, positive
from .score_explain import ExplanationColumns
from .score_input import RowRules, read_chunks


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
    score.add_argument("--chunk-size", type=positive, default=DEFAULT_CHUNK, metavar="N",
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
    score.add_argument("--spark", action="store_true", help="score on Spark: IN and OUT are Parquet or CSV paths")
    score.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if args.spark:
        return _run_on_spark(args, started)
    try:
        out_format = table_format(args.output or STDIO, args.output_format)
    except PMMLError as exc:
        raise UsageError(f"-o {args.output}: {exc}") from None
    in_format = table_format(args.input, args.input_format)
    model = load(args.pmml)
    explaining = ExplanationColumns(model) if args.explain else None
    report = InvalidReport()
    rows = 0
    rules = RowRules(model.input_names, args.missing, args.extra, args.on_invalid, report)
    with _progress(args.input, in_format) as advance, TableWriter(args.output, out_format) as writer:
        for chunk in read_chunks(str(args.input), in_format, args.chunk_size, rules, progress=advance):
            inputs = _parse_text(chunk, model) if in_format == "csv" else chunk
            result = stable_types(model.predict(inputs, missing=args.missing, extra=args.extra,
                                                on_invalid=args.on_invalid, report=report), model)
            if explaining is not None:
                result = explaining.add(inputs, result)
            if args.keep_inputs:
                kept = chunk.drop(columns=[c for c in result.columns if c in chunk.columns])
                result = pd.concat([kept, result], axis=1)
            writer.write(result)
            rows += len(chunk)
    _summary(args, rows, report, time.perf_counter() - started)
    return 0


def _run_on_spark(args: argparse.Namespace, started: float) -> int:
    if not args.output or args.output == STDIO:
        raise UsageError("score --spark needs -o OUT (a Parquet path)")
    if args.explain:
        raise UsageError("score --explain scores locally; it does not run with --spark")
    if args.on_invalid != "error":
        raise UsageError("score --spark checks column types before it starts: --on-invalid missing is for local "
                         "scoring")
    try:
        from ..scoring.spark import score_files
    except ImportError as exc:
        raise PMMLError(f"Spark scoring is not available ({exc}); install pmmlkit[spark]") from None
    written = score_files(args.pmml, args.input, args.output, missing=args.missing, extra=args.extra)
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


def _summary(args: argparse.Namespace, rows: int, report: InvalidReport, seconds: float) -> None:
    if args.json:
        print(json.dumps({"rows": rows, "invalid_rows": report.rows, "invalid_columns": report.columns,
                          "seconds": round(seconds, 3), "output": args.output or STDIO}), file=sys.stderr)
        return
    if report.rows:
        cells = ", ".join(f"{name} ({count})" for name, count in report.columns.items())
        print(f"pmmlkit: {report.rows} of {rows} rows had invalid values, scored with them missing; invalid cells "
              f"per column: {cells}. First: {report.first}", file=sys.stderr)
