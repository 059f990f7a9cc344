"""The ``pmmlkit`` command: convert, validate, score, verify and describe PMML files."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from .document import atomic_writer
from .errors import PMMLError

PROG = "pmmlkit"
DEFAULT_CHUNK = 50_000
SAMPLE_ROWS = 1000
DEFAULT_VERIFICATION_ROWS = 10

_PICKLE_WARNING = (".joblib and .pkl/.pickle files run arbitrary code when they are loaded: use them only for files "
                   "you trust. .skops files are loaded with skops' default-trusted types only.")


class UsageError(PMMLError):
    """Arguments that do not fit together (exit code 2)."""


# -- parser ----------------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, ``pmmlkit: error: ...``, like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{PROG}: error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = _Parser(prog=PROG, description="Convert models to PMML, validate PMML and score it.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    convert = commands.add_parser(
        "convert", help="convert a saved scikit-learn (or Spark ML) model to PMML",
        description="Convert a fitted model saved as .skops, .joblib or .pkl (or a Spark PipelineModel folder "
                    "with --spark) to PMML 4.4. " + _PICKLE_WARNING,
        epilog="Input columns come from --sample (its first rows give names and types), else from the model's "
               "feature_names_in_ or --features, typed as doubles.")
    convert.add_argument("model", metavar="MODEL", help="model file (.skops, .joblib, .pkl) or, with --spark, a "
                         "saved PipelineModel folder")
    convert.add_argument("-o", "--output", required=True, metavar="OUT.pmml", help="PMML file to write")
    convert.add_argument("--features", metavar="A,B,C", help="input column names, comma-separated")
    convert.add_argument("--target", metavar="NAME", help="name of the predicted field (default: y)")
    convert.add_argument("--sample", metavar="DATA", help="sample rows (.csv or .parquet) naming and typing the inputs")
    convert.add_argument("--verification-rows", type=_count, metavar="N",
                         help=f"embed N sample rows with the model's predictions (default {DEFAULT_VERIFICATION_ROWS} "
                              "with --sample, 0 disables)")
    convert.add_argument("--spark", action="store_true", help="MODEL is a Spark ML PipelineModel saved in a folder")
    convert.add_argument("--schema", metavar="DATA", help="with --spark: sample rows (.csv or .parquet) giving the "
                         "input schema")
    convert.set_defaults(run=cmd_convert)

    validate = commands.add_parser("validate", help="check PMML files (exit 0 when all are valid)",
                                   description="Check PMML documents for structural and field-scope errors.")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.add_argument("--json", action="store_true", help="print the reports as JSON")
    validate.set_defaults(run=cmd_validate)

    score = commands.add_parser("score", help="score a CSV file with a PMML model",
                                description="Score a table with a PMML model. The output holds the model's output "
                                            "columns, one row per input row (--keep-inputs adds the input columns).")
    score.add_argument("pmml", metavar="MODEL.pmml")
    score.add_argument("input", metavar="IN", help="input table: .csv (.parquet with --spark, or read whole)")
    score.add_argument("-o", "--output", metavar="OUT", help="output .csv (default: standard output); written "
                       "atomically")
    score.add_argument("--chunk-size", type=_positive, default=DEFAULT_CHUNK, metavar="N",
                       help=f"rows scored at a time (default {DEFAULT_CHUNK})")
    score.add_argument("--keep-inputs", action="store_true", help="copy the input columns before the outputs")
    score.add_argument("--spark", action="store_true", help="score on Spark: IN and OUT are Parquet paths")
    score.set_defaults(run=cmd_score)

    verify = commands.add_parser("verify", help="check that a PMML file scores like the model it came from",
                                 description="Score DATA with the original model and with the PMML; exit 0 when "
                                             "every output agrees to 1e-9. " + _PICKLE_WARNING)
    verify.add_argument("model", metavar="MODEL_FILE")
    verify.add_argument("pmml", metavar="MODEL.pmml")
    verify.add_argument("data", metavar="DATA", help=".csv or .parquet rows to compare on")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.set_defaults(run=cmd_verify)

    info = commands.add_parser("info", help="describe a PMML file: model, inputs, target, outputs")
    info.add_argument("pmml", metavar="MODEL.pmml")
    info.add_argument("--json", action="store_true", help="print as JSON")
    info.set_defaults(run=cmd_info)
    return parser


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value}")
    return value


def _positive(text: str) -> int:
    value = _count(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


# -- entry point -------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except UsageError as exc:
        return _fail(f"{exc} (see `{PROG} {args.command} --help`)", 2)
    except (PMMLError, OSError) as exc:
        return _fail(exc, 1)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug or a library failure: still one line, unless debugging
        if os.environ.get("PMMLKIT_DEBUG"):
            raise
        return _fail(f"unexpected {type(exc).__name__}: {exc} (set PMMLKIT_DEBUG=1 for a traceback)", 1)


def _fail(error: Any, code: int) -> int:
    if isinstance(error, OSError) and not isinstance(error, PMMLError):
        name = f"{error.filename}: " if error.filename else ""
        text = f"{name}{error.strerror or error}"
    else:
        text = str(error)
    text = " ".join(text.split()) or type(error).__name__
    print(f"{PROG}: error: {text}", file=sys.stderr)
    return code


# -- convert -----------------------------------------------------------------------------------------
def cmd_convert(args: argparse.Namespace) -> int:
    from .convert import convert
    from .io import load_model
    from .validate import validate

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

    from .io import read_table

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
    from .io import _check_table

    suffix = _check_table(Path(path))
    try:
        from .converters.spark import session
    except ImportError as exc:
        raise PMMLError(f"Spark support is not available ({exc}); install pmmlkit[spark]") from None
    spark = session()
    if suffix == ".csv":
        return spark.read.csv(str(path), header=True, inferSchema=True)
    return spark.read.parquet(str(path))


# -- validate ----------------------------------------------------------------------------------------
def cmd_validate(args: argparse.Namespace) -> int:
    from .validate import validate

    reports = [validate(path) for path in args.files]
    if args.json:
        print(json.dumps([r.to_dict() for r in reports], indent=2))
    else:
        for report in reports:
            print(report)
    return 0 if all(r.ok for r in reports) else 1


# -- score -------------------------------------------------------------------------------------------
def cmd_score(args: argparse.Namespace) -> int:
    if args.spark:
        if not args.output:
            raise UsageError("score --spark needs -o OUT (a Parquet path)")
        try:
            from .spark import score_files
        except ImportError as exc:
            raise PMMLError(f"Spark scoring is not available ({exc}); install pmmlkit[spark]") from None
        written = score_files(args.pmml, args.input, args.output)
        print(f"wrote {written}", file=sys.stderr)
        return 0
    if args.output and Path(args.output).suffix.lower() != ".csv":
        raise UsageError(f"-o {args.output}: score writes CSV (name it .csv); use --spark for Parquet output")
    from tqdm import tqdm

    from . import load
    from .io import iter_table

    model = load(args.pmml)
    strings = [f.name for f in model.input_fields if f.data_type == "string"]
    chunks = iter_table(args.input, args.chunk_size, strings)
    progress = tqdm(unit=" rows", disable=not sys.stderr.isatty(), file=sys.stderr, desc="scoring")
    try:
        with _output(args.output) as handle:
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


@contextlib.contextmanager
def _output(path: str | None) -> Iterator[IO[str]]:
    """Standard output, or a temporary file beside ``path`` renamed into place on success."""
    if path is None:
        try:
            yield sys.stdout
            sys.stdout.flush()
        except BrokenPipeError:  # e.g. `pmmlkit score ... | head`
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    with atomic_writer(path, "w") as handle:
        yield handle


# -- verify ------------------------------------------------------------------------------------------
def cmd_verify(args: argparse.Namespace) -> int:
    from .io import load_model, read_table
    from .parsing import parse
    from .verify import verify

    estimator = load_model(args.model)
    declared = describe(parse(args.pmml).getroot())
    strings = [f["name"] for f in declared["inputs"] if f["dataType"] == "string"]
    frame = read_table(args.data, string_columns=strings)
    fitted = getattr(estimator, "feature_names_in_", None)
    if fitted is not None:
        columns = [str(n) for n in fitted]
    else:
        targets = {t["name"] for t in declared["targets"]}
        columns = [c for c in frame.columns if c not in targets]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PMMLError(f"{args.data} lacks the model's input columns {missing} (it has {list(frame.columns)})")
    report = verify(estimator, args.pmml, frame[columns])
    print(report.to_json() if args.json else report)
    return 0 if report.ok else 1


# -- info --------------------------------------------------------------------------------------------
def describe(root: Any) -> dict[str, Any]:
    """What a PMML document's top-level model takes and gives (read from the XML, no JVM)."""
    from .evaluator import declared_fields
    from .pmml import find_child, model_element, tag_of

    def local(node: Any) -> str | None:
        return tag_of(node) if isinstance(node.tag, str) else None

    declared = declared_fields(root)
    model = model_element(root)
    if model is None:
        raise PMMLError("the document has no model element")
    inputs, targets = [], []
    schema = find_child(model, "MiningSchema")
    for field in [] if schema is None else [c for c in schema if local(c) == "MiningField"]:
        name = field.get("name")
        source = declared.get(name)
        entry = {"name": name,
                 "optype": field.get("optype") or (source.optype if source is not None else None),
                 "dataType": source.data_type if source is not None else None}
        if source is not None and source.values:
            entry["values"] = list(source.values)
        usage = field.get("usageType", "active")
        if usage in ("target", "predicted"):
            targets.append(entry)
        elif usage == "active":
            inputs.append(entry)
    output = find_child(model, "Output")
    outputs = [{"name": f.get("name"), "feature": f.get("feature", "predictedValue"), "dataType": f.get("dataType"),
                **({"value": f.get("value")} if f.get("value") is not None else {})}
               for f in ([] if output is None else output) if local(f) == "OutputField"]
    header = find_child(root, "Header")
    application = None if header is None else find_child(header, "Application")
    return {
        "version": root.get("version"),
        "application": None if application is None else " ".join(filter(None, (application.get("name"),
                                                                                 application.get("version")))),
        "model": local(model), "function": model.get("functionName"), "modelName": model.get("modelName"),
        "inputs": inputs, "targets": targets, "outputs": outputs,
    }


def cmd_info(args: argparse.Namespace) -> int:
    from .parsing import parse

    path = Path(args.pmml)
    info = {"file": str(path), "size": path.stat().st_size if path.is_file() else None,
            **describe(parse(args.pmml).getroot())}
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    lines = [f"file:     {info['file']} ({_size(info['size'])})",
             f"PMML:     {info['version']}" + (f", written by {info['application']}" if info["application"] else ""),
             f"model:    {info['model']} ({info['function']})" + (f" {info['modelName']!r}" if info["modelName"] else ""),
             "target:   " + (", ".join(_field_text(t) for t in info["targets"]) or "(none)"),
             f"inputs ({len(info['inputs'])}):"]
    lines += [f"  {_field_text(f)}" for f in info["inputs"]]
    lines.append(f"outputs ({len(info['outputs'])}):")
    lines += [f"  {o['name']}: {o['feature']}" + (f" {o['value']!r}" if "value" in o else "")
              + (f" [{o['dataType']}]" if o["dataType"] else "") for o in info["outputs"]]
    print("\n".join(lines))
    return 0


def _field_text(field: dict[str, Any]) -> str:
    text = f"{field['name']} ({field['optype'] or '?'} {field['dataType'] or '?'})"
    if field.get("values"):
        shown = field["values"][:8]
        text += " values: " + ", ".join(shown) + (", ..." if len(field["values"]) > 8 else "")
    return text


def _size(size: int | None) -> str:
    if size is None:
        return "size unknown"
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size}"


if __name__ == "__main__":
    sys.exit(main())
