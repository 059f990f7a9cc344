"""`pmmlkit verify`: does a PMML file score like the model it came from?

``pmmlkit verify FILE`` (no model, no data) re-scores the ModelVerification rows the file embeds;
``pmmlkit verify MODEL_FILE FILE DATA`` scores DATA with both and compares at 1e-9.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..frontends import FRONT_ENDS
from ..interface import describe
from ..parsing import read_source
from ..report import Report
from ..validation import gate
from ..verification import verify_document
from ..verify import verify
from .common import PICKLE_WARNING, UsageError, add_loading_arguments, check_pmml_argument, loading_options

NOTHING_TO_VERIFY = ("  (embed rows with `pmmlkit convert --sample DATA`, or compare with the original model: "
                     "`pmmlkit verify MODEL_FILE MODEL.pmml DATA`)")


def add_parser(commands: Any) -> None:
    verify = commands.add_parser("verify", help="check that a PMML file scores like the model it came from",
                                 description="With MODEL.pmml alone: re-score the verification rows the file "
                                             "embeds and report each mismatch beyond the block's precision. With "
                                             "MODEL_FILE MODEL.pmml DATA: score DATA with the original model and "
                                             "with the PMML; exit 0 when every output agrees to 1e-9. "
                                             + PICKLE_WARNING)
    verify.add_argument("files", nargs="+", metavar="FILE", help="MODEL.pmml, or MODEL_FILE MODEL.pmml DATA")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    add_loading_arguments(verify)
    verify.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if len(args.files) == 1:
        check_pmml_argument(args.files[0], usage="pmmlkit verify MODEL.pmml, or MODEL_FILE MODEL.pmml DATA")
        return _embedded(args.files[0], args.json)
    if len(args.files) != 3:
        raise UsageError("verify takes MODEL.pmml, or MODEL_FILE MODEL.pmml DATA")
    model_file, pmml, data_file = args.files
    if Path(model_file).suffix.lower() in (".pmml", ".xml"):
        raise UsageError(f"{model_file}: the first FILE is the original model (MODEL_FILE, e.g. a .skops file), the "
                         "PMML comes second: pmmlkit verify MODEL_FILE MODEL.pmml DATA")
    check_pmml_argument(pmml, "the second FILE", usage="pmmlkit verify MODEL_FILE MODEL.pmml DATA")
    path = Path(model_file)
    front_end = FRONT_ENDS.for_path(path)
    estimator = front_end.load_model(path, **loading_options(args))
    # The file's front end loads it; the model's own reads its inputs (a LightGBM model saved as a
    # .joblib file names its columns in LightGBM's way).
    front_end = FRONT_ENDS.for_model(estimator)
    data, name = read_source(pmml)
    declared = describe(gate(data, name))
    strings = [f["name"] for f in declared["inputs"] if f["dataType"] == "string"]
    targets = [t["name"] for t in declared["targets"]]
    rows = front_end.read_sample(data_file, estimator, target=targets[0] if targets else None,
                                 string_columns=strings)
    report = verify(estimator, pmml, rows)
    print(report.to_json() if args.json else report)
    return 0 if report.ok else 1


def _embedded(pmml: str, as_json: bool) -> int:
    data, name = read_source(pmml)
    root = gate(data, name)
    report = Report(source=name)
    rows = verify_document(data, name, report, root)
    if rows:
        report.checked = f"its {rows} ModelVerification rows"
    verified = report.ok and rows > 0
    if as_json:  # "ok" says what the exit status says: nothing re-scored is not verified
        print(json.dumps({**report.to_dict(), "ok": verified, "rows": rows}, indent=2))
    elif report.ok and not rows:
        _, *issues = str(report).splitlines()
        absent = any(i.message.startswith("the document has no ModelVerification") for i in report.issues)
        print("\n".join([f"{name}: NOT VERIFIED: no row was re-scored", *issues, *[NOTHING_TO_VERIFY] * absent]))
    else:
        print(report)
    return 0 if verified else 1
