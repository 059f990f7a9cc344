"""`pmmlkit verify`: does a PMML file score like the model it came from?"""

from __future__ import annotations

import argparse
from typing import Any

from ..describe import describe
from ..errors import PMMLError
from .common import PICKLE_WARNING


def add_parser(commands: Any) -> None:
    verify = commands.add_parser("verify", help="check that a PMML file scores like the model it came from",
                                 description="Score DATA with the original model and with the PMML; exit 0 when "
                                             "every output agrees to 1e-9. " + PICKLE_WARNING)
    verify.add_argument("model", metavar="MODEL_FILE")
    verify.add_argument("pmml", metavar="MODEL.pmml")
    verify.add_argument("data", metavar="DATA", help=".csv or .parquet rows to compare on")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.set_defaults(run=run)



def run(args: argparse.Namespace) -> int:
    from ..io import load_model, read_table
    from ..parsing import parse
    from ..verify import verify

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
