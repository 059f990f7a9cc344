"""`pmmlkit convert`: a saved model file (or Spark model folder) -> a PMML file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..convert import convert
from ..frontends import FRONT_ENDS
from ..validate import validate
from .common import (
    DEFAULT_VERIFICATION_ROWS,
    PICKLE_WARNING,
    PROG,
    SAMPLE_ROWS,
    UsageError,
    add_loading_arguments,
    bounded,
    loading_options,
)


def add_parser(commands: Any) -> None:
    convert = commands.add_parser(
        "convert", help="convert a saved scikit-learn (or Spark ML) model to PMML",
        description="Convert a fitted model saved as .skops, .joblib or .pkl (or a Spark PipelineModel folder "
                    "with --spark) to PMML 4.4. " + PICKLE_WARNING,
        epilog="Input columns come from --sample (its first rows give names and types), else from the model's "
               "feature_names_in_ or --features, typed as doubles; a model fitted on a plain array has inputs "
               "x1..xN unless --features names them.")
    convert.add_argument("model", metavar="MODEL", help="model file (.skops, .joblib, .pkl) or, with --spark, a "
                         "saved PipelineModel folder")
    convert.add_argument("-o", "--output", required=True, metavar="OUT.pmml", help="PMML file to write")
    convert.add_argument("--features", metavar="A,B,C", help="input column names, comma-separated")
    convert.add_argument("--target", metavar="NAME", help="name of the predicted field (default: y)")
    convert.add_argument("--sample", metavar="DATA", help="sample rows (.csv or .parquet) naming and typing the inputs")
    # (at most the rows read from the sample: more would be fewer, silently)
    convert.add_argument("--verification-rows", type=bounded(int, 0, SAMPLE_ROWS, "rows"), metavar="N",
                         help=f"embed N sample rows with the model's predictions (default {DEFAULT_VERIFICATION_ROWS} "
                              f"with --sample, 0 disables, at most {SAMPLE_ROWS})")
    convert.add_argument("--spark", action="store_true", help="MODEL is a Spark ML PipelineModel saved in a folder")
    convert.add_argument("--schema", metavar="DATA", help="with --spark: sample rows (.csv or .parquet) giving the "
                         "input schema")
    convert.add_argument("--engine", choices=("native", "sklearn2pmml", "auto"), default="native",
                         help="converter: pmmlkit's own (native, the default), sklearn2pmml (the optional extra "
                              "pmmlkit[sklearn2pmml]: AGPL-3.0, needs Java), or auto (native when every step is "
                              "supported, else sklearn2pmml)")
    add_loading_arguments(convert)
    convert.set_defaults(run=run)



def run(args: argparse.Namespace) -> int:
    if args.spark and not args.schema:
        raise UsageError("--spark needs --schema DATA (.csv or .parquet) to give the input columns")
    if args.schema and not args.spark:
        raise UsageError("--schema is for Spark models (add --spark); use --sample for scikit-learn models")
    rows = args.verification_rows
    sample = args.sample or args.schema
    if rows and not sample:
        raise UsageError("--verification-rows needs --sample rows to verify on")
    path = Path(args.model)
    front_end = FRONT_ENDS.for_path(path, "spark" if args.spark else None)
    estimator = front_end.load_model(path, **loading_options(args))
    # The file's front end loads it; the model's own reads its inputs (a LightGBM model saved as a
    # .joblib file names its columns in LightGBM's way).
    front_end = FRONT_ENDS.for_model(estimator)
    features = [f.strip() for f in args.features.split(",") if f.strip()] if args.features else None
    X = front_end.read_sample(sample, estimator, features=features, target=args.target,
                              rows=SAMPLE_ROWS)
    if rows is None:
        rows = DEFAULT_VERIFICATION_ROWS if sample else 0
    verification = front_end.head(X, rows) if rows and sample else None
    document = convert(estimator, X, target=args.target, verification=verification, engine=args.engine)
    path = document.save(args.output)
    report = validate(path)
    for issue in report.issues:
        print(f"{PROG}: {issue}", file=sys.stderr)
    model = document.model
    print(f"wrote {path} ({model.tag.split('}')[-1]}, {model.get('functionName')}; "
          f"{len(document.output_fields())} outputs{f', {rows} verification rows' if verification is not None else ''}; "
          f"converted by {document.engine})")
    return 0 if report.ok else 1
