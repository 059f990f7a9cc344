"""`pmmlkit verify`: does a PMML file score like the model it came from?"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..describe import describe
from ..frontends import FRONT_ENDS
from ..parsing import parse
from ..verify import verify
from .common import PICKLE_WARNING, add_loading_arguments, loading_options


def add_parser(commands: Any) -> None:
    verify = commands.add_parser("verify", help="check that a PMML file scores like the model it came from",
                                 description="Score DATA with the original model and with the PMML; exit 0 when "
                                             "every output agrees to 1e-9. " + PICKLE_WARNING)
    verify.add_argument("model", metavar="MODEL_FILE")
    verify.add_argument("pmml", metavar="MODEL.pmml")
    verify.add_argument("data", metavar="DATA", help=".csv or .parquet rows to compare on")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    add_loading_arguments(verify)
    verify.set_defaults(run=run)



def run(args: argparse.Namespace) -> int:
    path = Path(args.model)
    front_end = FRONT_ENDS.for_path(path)
    estimator = front_end.load_model(path, **loading_options(args))
    declared = describe(parse(args.pmml).getroot())
    strings = [f["name"] for f in declared["inputs"] if f["dataType"] == "string"]
    targets = [t["name"] for t in declared["targets"]]
    rows = front_end.read_sample(args.data, estimator, target=targets[0] if targets else None,
                                 string_columns=strings)
    report = verify(estimator, args.pmml, rows)
    print(report.to_json() if args.json else report)
    return 0 if report.ok else 1
