"""`pmmlkit validate`: check PMML files."""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(commands: Any) -> None:
    validate = commands.add_parser("validate", help="check PMML files (exit 0 when all are valid)",
                                   description="Check PMML documents for structural and field-scope errors.")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.add_argument("--json", action="store_true", help="print the reports as JSON")
    validate.set_defaults(run=run)



def run(args: argparse.Namespace) -> int:
    from ..validate import validate

    reports = [validate(path) for path in args.files]
    if args.json:
        print(json.dumps([r.to_dict() for r in reports], indent=2))
    else:
        for report in reports:
            print(report)
    return 0 if all(r.ok for r in reports) else 1
