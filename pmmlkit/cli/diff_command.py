"""`pmmlkit diff OLD.pmml NEW.pmml [--data SAMPLE]`: what changes between two versions of a model."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..inspection import api
from ..inspection.diff import INTERFACE_CHANGED, SCORES_MOVED, text
from ..io import read_table
from .common import bounded, check_pmml_argument


def add_parser(commands: Any) -> None:
    diff = commands.add_parser(
        "diff", help="compare two versions of a model: inputs, categories, outputs, structure, and scores on a sample",
        description=f"Exit code: 0 same interface and scores within tolerance; +{INTERFACE_CHANGED} when the "
                    f"interface changed (a client could break); +{SCORES_MOVED} when scores moved beyond the "
                    "tolerance on --data; 1 on errors.")
    diff.add_argument("old", metavar="OLD.pmml")
    diff.add_argument("new", metavar="NEW.pmml")
    diff.add_argument("--data", metavar="SAMPLE", help="score both versions on these records (CSV, JSON Lines, Parquet)")
    diff.add_argument("--tolerance", type=bounded(float, 0.0), default=1e-9,
                      help="largest difference, relative to max(1, |old score|), that counts as equal (default 1e-9)")
    diff.add_argument("--json", action="store_true", help="print the report as JSON")
    diff.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    for path, argument in ((args.old, "OLD.pmml"), (args.new, "NEW.pmml")):
        check_pmml_argument(path, argument, usage="pmmlkit diff OLD.pmml NEW.pmml [--data SAMPLE]")
    strings = {f["name"] for side in (args.old, args.new) for f in api.describe(side)["inputs"]
               if f["dataType"] == "string"}
    sample = read_table(args.data, string_columns=strings) if args.data else None
    report = api.diff(args.old, args.new, sample=sample, tolerance=args.tolerance)
    print(json.dumps(report, indent=2) if args.json else text(report))
    return int(report["exit_code"])
