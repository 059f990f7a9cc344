"""`pmmlkit validate`: check PMML files.

Exit codes: 0 every file is valid (warnings allowed; with --strict, none either), 1 a file has an
error (or, with --strict, a warning), 2 a usage error.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..errors import ValidationError
from ..validate import validate
from ..validation import rules
from ..validation import schema as schema_step
from .common import UsageError, bounded, check_pmml_argument, in_flags, looks_like


def add_parser(commands: Any) -> None:
    command = commands.add_parser(
        "validate", help="check PMML files against the schema and the rules (exit 0 when all are valid)",
        description="Check PMML documents against the PMML 4.4 XML Schema (older versions after an upgrade to "
                    "4.4) and the semantic rules of `pmmlkit validate --rules`. Exit 0: every file is valid; 1: a "
                    "file has an error (with --strict: or a warning); 2: usage error.")
    command.add_argument("files", nargs="*", metavar="FILE")
    command.add_argument("--json", action="store_true", help="print the reports as JSON")
    command.add_argument("--strict", action="store_true", help="fail on warnings too")
    command.add_argument("--verify", action="store_true", help="also re-score the ModelVerification rows each "
                         "file embeds, with the tolerance the block declares")
    command.add_argument("--xsd", metavar="PATH", help="check against this XML Schema instead of pmmlkit's PMML "
                         "4.4 schema")
    command.add_argument("--rules", action="store_true", help="print the rule table and exit")
    command.add_argument("--max-bytes", type=bounded(int, 1, 2**40, "bytes"), metavar="N",
                         help="refuse documents larger than N bytes "
                         "(default: PMMLKIT_MAX_BYTES or 1 GiB)")
    command.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.rules:
        if args.files:
            raise UsageError("--rules prints the rule table; give files without it")
        print(json.dumps([r.__dict__ for r in rules.RULES], indent=2) if args.json else rules.text())
        return 0
    if not args.files:
        raise UsageError("validate needs at least one FILE (or --rules)")
    if "-" in args.files:
        check_pmml_argument("-", "FILE", usage="pmmlkit validate FILE [FILE ...]")
    if args.xsd is not None:
        try:  # a schema the user names but that cannot be used is a usage error, not a file's fault
            schema_step.load(args.xsd)
        except ValidationError as exc:
            raise UsageError(f"--xsd: {exc}") from None
    reports = [validate(path, xsd=args.xsd, verify=args.verify, max_bytes=args.max_bytes) for path in args.files]
    # Reports carry the library's advice (e.g. max_bytes=): shown here in flag form.
    if args.json:
        print(in_flags(json.dumps([r.to_dict() for r in reports], indent=2), args))
    else:
        for path, report in zip(args.files, reports):
            print(in_flags(str(report), args))
            kind = looks_like(path) if any(i.code == "xml-syntax" for i in report.errors) else None
            if kind is not None:  # "not well-formed XML" alone leaves a newcomer guessing
                print(f"  ({path} looks like {kind}: validate checks PMML documents)")
    failed = any(not r.ok or (args.strict and r.warnings) for r in reports)
    return 1 if failed else 0
