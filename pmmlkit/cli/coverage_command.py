"""`pmmlkit coverage`: every class pmmlkit converts natively, per framework (from the registry)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..coverage import supported


def add_parser(commands: Any) -> None:
    coverage = commands.add_parser(
        "coverage", help="list every class pmmlkit converts, per framework",
        description="List every class pmmlkit converts natively, per framework, from the converter registry "
                    "(the README's coverage table is generated from the same list). A framework that is not "
                    "installed here is named with no classes.")
    coverage.add_argument("--json", action="store_true", help="print as JSON")
    coverage.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    frameworks = supported()
    if args.json:
        print(json.dumps([f.to_json() for f in frameworks], indent=2))
        return 0
    for framework in frameworks:
        if not framework.installed:
            print(f"{framework.title}: not installed here, so its classes are not listed")
            continue
        print(f"{framework.title} ({len(framework.classes)} classes)")
        for name in framework.classes:
            print(f"  {name}")
    return 0
