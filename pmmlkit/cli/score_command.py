"""`pmmlkit score`: score a table with a PMML model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import PMMLError
from .common import DEFAULT_CHUNK, UsageError, output, positive


def add_parser(commands: Any) -> None:
    score = commands.add_parser("score", help="score a CSV file with a PMML model",
                                description="Score a table with a PMML model. The output holds the model's output "
                                            "columns, one row per input row (--keep-inputs adds the input columns).")
    score.add_argument("pmml", metavar="MODEL.pmml")
    score.add_argument("input", metavar="IN", help="input table: .csv (.parquet with --spark, or read whole)")
    score.add_argument("-o", "--output", metavar="OUT", help="output .csv (default: standard output); written "
                       "atomically")
    score.add_argument("--chunk-size", type=positive, default=DEFAULT_CHUNK, metavar="N",
                       help=f"rows scored at a time (default {DEFAULT_CHUNK})")
    score.add_argument("--keep-inputs", action="store_true", help="copy the input columns before the outputs")
    score.add_argument("--spark", action="store_true", help="score on Spark: IN and OUT are Parquet paths")
    score.set_defaults(run=run)



def run(args: argparse.Namespace) -> int:
    if args.spark:
        if not args.output:
            raise UsageError("score --spark needs -o OUT (a Parquet path)")
        try:
            from ..scoring.spark import score_files
        except ImportError as exc:
            raise PMMLError(f"Spark scoring is not available ({exc}); install pmmlkit[spark]") from None
        written = score_files(args.pmml, args.input, args.output)
        print(f"wrote {written}", file=sys.stderr)
        return 0
    if args.output and Path(args.output).suffix.lower() != ".csv":
        raise UsageError(f"-o {args.output}: score writes CSV (name it .csv); use --spark for Parquet output")
    from tqdm import tqdm

    from .. import load
    from ..io import iter_table

    model = load(args.pmml)
    strings = [f.name for f in model.input_fields if f.data_type == "string"]
    chunks = iter_table(args.input, args.chunk_size, strings)
    progress = tqdm(unit=" rows", disable=not sys.stderr.isatty(), file=sys.stderr, desc="scoring")
    try:
        with output(args.output) as handle:
            for i, chunk in enumerate(chunks):
                if i == 0:
                    missing = [n for n in model.input_names if n not in chunk.columns]
                    if missing:
                        raise PMMLError(f"{args.input} lacks the model's input columns {missing} "
                                        f"(it has {list(chunk.columns)})")
                result = model.predict(chunk)
                if args.keep_inputs:
                    import pandas as pd

                    kept = chunk.drop(columns=[c for c in result.columns if c in chunk.columns])
                    result = pd.concat([kept, result], axis=1)
                result.to_csv(handle, header=i == 0, index=False, na_rep="", lineterminator="\n")
                progress.update(len(chunk))
    finally:
        progress.close()
    return 0
