"""`pmmlkit plot MODEL.pmml --kind KIND -o FILE.png|.svg`: pictures of a model (needs pmmlkit[plot])."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from lxml import etree

from ..document import atomic_writer
from ..inspection import api, plots
from ..io import read_table
from ..parsing import read_source
from ..scoring.evaluator import load
from ..validation import gate
from .common import UsageError, bounded, check_pmml_argument

KINDS = ("importance", "tree", "scores", "dependence")


def add_parser(commands: Any) -> None:
    plot = commands.add_parser("plot", help="draw a model: input importance, one tree, score distribution, partial "
                                            "dependence (PNG or SVG; needs pmmlkit[plot])")
    plot.add_argument("pmml", metavar="MODEL.pmml")
    plot.add_argument("--kind", choices=KINDS, required=True)
    plot.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write it: .png or .svg")
    plot.add_argument("--data", metavar="SAMPLE", help="records to score (scores, dependence; importance by "
                                                       "permutation or coefficients)")
    plot.add_argument("--tree", type=bounded(int, 0), default=0, help="which tree to draw (0 = the first)")
    plot.add_argument("--depth", type=bounded(int, 1, 100, "levels"), default=3,
                      help="how deep to draw the tree (default 3)")
    plot.add_argument("--input", help="the input for --kind dependence")
    plot.add_argument("--field", help="the output field to plot (default: the first numeric one)")
    plot.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    suffix = Path(args.output).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise UsageError(f"-o {args.output}: write a .png or .svg file")
    check_pmml_argument(args.pmml, usage="pmmlkit plot MODEL.pmml --kind KIND -o FILE")
    data, name = read_source(args.pmml)
    root = gate(data, name)
    summary = api.describe(root_bytes := etree.tostring(root))
    strings = {f["name"] for f in summary["inputs"] if f["dataType"] == "string"}
    sample = read_table(args.data, string_columns=strings) if args.data else None
    if args.kind in ("scores", "dependence") and sample is None:
        raise UsageError(f"--kind {args.kind} needs --data SAMPLE")
    if args.kind == "importance" and sample is None and not summary["size"].get("trees"):
        # Only trees carry their importance; any other model's is measured on records (the API's sample=).
        raise UsageError("--kind importance of a model without trees needs --data SAMPLE (coefficients are "
                         "scaled by each input's spread in it, other models are measured by permutation on it)")
    if args.kind == "importance":
        figure = plots.importance_figure(api.importance(root_bytes, sample=sample))
    elif args.kind == "tree":
        figure = plots.tree_figure(root, args.tree, args.depth)
    else:
        model = load(root_bytes, warm=False, cache=False)
        field = args.field or next((f.name for f in model.output_fields if f.is_numeric), None)
        if field is None or field not in model.output_names:
            raise UsageError(f"--field: name one of the outputs: {', '.join(model.output_names)}")
        if args.kind == "scores":
            figure = plots.score_figure(model.predict(sample, missing="allow")[field])
        else:
            if not args.input or args.input not in model.input_names:
                raise UsageError(f"--input: name one of the inputs: {', '.join(model.input_names)}")
            grid, average = plots.partial_dependence(
                lambda f: model.predict(f, missing="allow")[field].to_numpy(), sample, args.input)
            figure = plots.dependence_figure(grid, average, args.input, field)
    with atomic_writer(args.output) as handle:
        figure.savefig(handle, format=suffix[1:])
    print(f"wrote {args.output}")
    return 0
