"""`pmmlkit info`: describe a PMML file (pmmlkit.describe's summary)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..inspection.summary import summarize
from ..parsing import read_source
from ..validation import gate
from .common import check_pmml_argument


def add_parser(commands: Any) -> None:
    info = commands.add_parser("info", help="describe a PMML file: model structure and size, inputs and the values "
                                            "they accept, derived fields, outputs")
    info.add_argument("pmml", metavar="MODEL.pmml")
    info.add_argument("--json", action="store_true", help="print as JSON")
    info.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.pmml)
    check_pmml_argument(args.pmml, usage="pmmlkit info MODEL.pmml")
    data, name = read_source(args.pmml)
    summary = summarize(gate(data, name))
    if args.json:
        print(json.dumps({"file": str(path), "size_bytes": len(data), **summary}, indent=2))
        return 0
    print(f"file:     {path} ({_size(len(data))})")
    print(summary.text())
    return 0


def _size(size: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size}"
