"""`pmmlkit convert`: a saved model file (or Spark model folder) -> a PMML file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import PMMLError
from .common import DEFAULT_VERIFICATION_ROWS, PICKLE_WARNING, PROG, SAMPLE_ROWS, UsageError, count


def add_parser(commands: Any) -> None:
    convert = commands.add_parser(
        "convert", help="convert a saved scikit-learn (or Spark ML) model to PMML",
        description="Convert a fitted model saved as .skops, .joblib or .pkl (or a Spark PipelineModel folder "
                    "with --spark) to PMML 4.4. " + PICKLE_WARNING,
        epilog="Input columns come from --sample (its first rows give names and types), else from the model's "
               "feature_names_in_ or --features, typed as doubles.")
    convert.add_argument("model", metavar="MODEL", help="model file (.skops, .joblib, .pkl) or, with --spark, a "
                         "saved PipelineModel folder")
    convert.add_argument("-o", "--output", required=True, metavar="OUT.pmml", help="PMML file to write")
    convert.add_argument("--features", metavar="A,B,C", help="input column names, comma-separated")
    convert.add_argument("--target", metavar="NAME", help="name of the predicted field (default: y)")
    convert.add_argument("--sample", metavar="DATA", help="sample rows (.csv or .parquet) naming and typing the inputs")
    convert.add_argument("--verification-rows", type=count, metavar="N",
                         help=f"embed N sample rows with the model's predictions (default {DEFAULT_VERIFICATION_ROWS} "
                              "with --sample, 0 disables)")
    convert.add_argument("--spark", action="store_true", help="MODEL is a Spark ML PipelineModel saved in a folder")
    convert.add_argument("--schema", metavar="DATA", help="with --spark: sample rows (.csv or .parquet) giving the "
                         "input schema")
    convert.set_defaults(run=run)



def run(args: argparse.Namespace) -> int:
    from ..convert import convert
    from ..io import load_model
    from ..validate import validate

    if args.spark and not args.schema:
        raise UsageError("--spark needs --schema DATA (.csv or .parquet) to give the input columns")
    if args.schema and not args.spark:
        raise UsageError("--schema is for Spark models (add --spark); use --sample for scikit-learn models")
    rows = args.verification_rows
    if rows and not (args.sample or args.schema):
        raise UsageError("--verification-rows needs --sample rows to verify on")
    estimator = load_model(args.model, spark=args.spark)
    features = [f.strip() for f in args.features.split(",") if f.strip()] if args.features else None
    if args.spark:
        X = _spark_sample(args.schema)
        if rows is None:
            rows = DEFAULT_VERIFICATION_ROWS
        verification = X.limit(rows) if rows else None
    else:
        X = _sklearn_sample(estimator, args.sample, features, args.target)
        if rows is None:
            rows = DEFAULT_VERIFICATION_ROWS if args.sample else 0
        verification = X.head(rows) if rows and len(X) else None
    document = convert(estimator, X, target=args.target, verification=verification)
    path = document.save(args.output)
    report = validate(path)
    for issue in report.issues:
        print(f"{PROG}: {issue}", file=sys.stderr)
    model = document.model
    print(f"wrote {path} ({model.tag.split('}')[-1]}, {model.get('functionName')}; "
          f"{len(document.output_fields())} outputs{f', {rows} verification rows' if verification is not None else ''})")
    return 0 if report.ok else 1


def _sklearn_sample(estimator: Any, sample: str | None, features: list[str] | None, target: str | None) -> Any:
    import pandas as pd

    from ..io import read_table

    fitted = getattr(estimator, "feature_names_in_", None)
    fitted = [str(n) for n in fitted] if fitted is not None else None
    if features and fitted and features != fitted:
        raise UsageError(f"--features {','.join(features)} differs from the columns the model was fitted on: "
                         f"{','.join(fitted)}")
    if sample:
        frame = read_table(sample, nrows=SAMPLE_ROWS)
        columns = features or fitted
        if columns is None:
            columns = [c for c in frame.columns if c != target]
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise PMMLError(f"{sample} lacks the model's input columns {missing} (it has {list(frame.columns)})")
        return frame[columns]
    if _has_text_categories(estimator):
        raise UsageError("the model has text (categorical) inputs, so their types cannot be guessed: give "
                         "--sample data.csv with typical rows")
    names = features or fitted
    expected = getattr(estimator, "n_features_in_", None)
    if names is None:
        if expected is None:
            raise UsageError("cannot tell the model's input columns: give --features a,b,c or --sample data.csv")
        names = [f"x{i + 1}" for i in range(int(expected))]
    if expected is not None and len(names) != int(expected):
        raise UsageError(f"--features gives {len(names)} names but the model takes {int(expected)} inputs")
    return pd.DataFrame({name: pd.Series(dtype="float64") for name in names})


def _has_text_categories(estimator: Any) -> bool:
    """Whether any step learned string categories (e.g. a OneHotEncoder fitted on text)."""
    try:
        parts = [estimator, *estimator.get_params(deep=True).values()]
    except Exception:  # not a scikit-learn estimator: let convert() say what it is
        return False
    for part in parts:
        for categories in getattr(part, "categories_", None) or ():
            if getattr(categories, "dtype", None) is not None and categories.dtype.kind in "OUS":
                return True
    return False


def _spark_sample(path: str) -> Any:
    from ..io import _check_table

    suffix = _check_table(Path(path))
    try:
        from ..converters.spark import session
    except ImportError as exc:
        raise PMMLError(f"Spark support is not available ({exc}); install pmmlkit[spark]") from None
    spark = session()
    if suffix == ".csv":
        return spark.read.csv(str(path), header=True, inferSchema=True)
    return spark.read.parquet(str(path))
