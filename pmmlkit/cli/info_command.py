"""`pmmlkit info`: describe a PMML file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..interface import describe
from ..parsing import read_source
from ..validation import gate


def add_parser(commands: Any) -> None:
    info = commands.add_parser("info", help="describe a PMML file: model, inputs, target, outputs")
    info.add_argument("pmml", metavar="MODEL.pmml")
    info.add_argument("--json", action="store_true", help="print as JSON")
    info.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.pmml)
    data, name = read_source(args.pmml)
    info = {"file": str(path), "size": len(data), **describe(gate(data, name))}
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
