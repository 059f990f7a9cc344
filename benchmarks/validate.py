"""Validation speed and memory: `pmmlkit.validate` on a 50 MB random-forest PMML, next to the
official DMG XSD alone (lxml) on the same file.

    .venv/bin/python benchmarks/validate.py [--megabytes 50] [--xsd ../shared/oracle/pmml-4-4-1.xsd]

The forest is a scikit-learn RandomForestClassifier converted by pmmlkit, its trees repeated (with
fresh segment ids) until the file reaches the size asked for. Each measurement runs in a fresh
child process, so its peak memory (VmHWM) is its own. On a shared machine wall time depends on
the other load: every row is run ``--repeat`` times, the rows taking turns, and the table shows the
median wall time and the median CPU time of the process (what the work itself costs). The
script prints a table and never asserts: it measures, the tests check correctness.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree

import pmmlkit

ROOT = Path(__file__).resolve().parent.parent
ORACLE = ROOT.parent / "shared" / "oracle" / "pmml-4-4-1.xsd"
NS = "{http://www.dmg.org/PMML-4_4}"


def forest_pmml(path: Path, megabytes: float) -> int:
    """Write a random-forest PMML of about ``megabytes`` MB to ``path``; returns its size."""
    from sklearn.ensemble import RandomForestClassifier

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(4000, 10)), columns=[f"x{i}" for i in range(10)])
    y = (X.x0 + X.x1 * X.x2 > 0).astype(int)
    forest = RandomForestClassifier(n_estimators=10, max_depth=12, random_state=0).fit(X, y)
    root = pmmlkit.convert(forest, X).root
    segmentation = root.find(f"{NS}MiningModel/{NS}Segmentation")
    trees = list(segmentation)
    per_tree = len(etree.tostring(root)) / len(trees)
    wanted = int(megabytes * 1e6 / per_tree)
    for i in range(len(trees), wanted):
        segment = copy.deepcopy(trees[i % len(trees)])
        segment.set("id", str(i + 1))
        segmentation.append(segment)
    path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return path.stat().st_size


# Peak memory: VmHWM of the child itself (ru_maxrss would include the parent's at fork).
_PEAK = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])"

_PMMLKIT = """
import sys, time
import pmmlkit
start, cpu = time.perf_counter(), time.process_time()
report = pmmlkit.validate(sys.argv[1], xsd=sys.argv[2] if len(sys.argv) > 2 else None)
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
print(elapsed, cpu, PEAK, report.ok, len(report.issues))
""".replace("PEAK", _PEAK)

_XSD_ALONE = """
import sys, time
from lxml import etree
schema = etree.XMLSchema(etree.parse(sys.argv[2]))
start, cpu = time.perf_counter(), time.process_time()
ok = schema.validate(etree.parse(sys.argv[1], etree.XMLParser(huge_tree=True)))
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
print(elapsed, cpu, PEAK, ok, len(schema.error_log))
""".replace("PEAK", _PEAK)

_BASELINE = """
import pmmlkit
print(0, 0, PEAK, True, 0)
""".replace("PEAK", _PEAK)


def measure(code: str, *args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True,
                         check=True).stdout.split()
    return {"seconds": float(out[0]), "cpu_seconds": float(out[1]), "peak_mb": int(out[2]) / 1024,
            "ok": out[3] == "True", "issues": int(out[4])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=50)
    parser.add_argument("--xsd", default=str(ORACLE), help="the XSD to time alone (default: the DMG oracle)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each row, taking turns (median shown)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "forest.pmml"
        size = forest_pmml(path, args.megabytes)
        plan = {"python + pmmlkit imported (baseline)": (_BASELINE,),
                "pmmlkit.validate (project schema + rules)": (_PMMLKIT, str(path))}
        if Path(args.xsd).is_file():
            plan["pmmlkit.validate --xsd oracle (schema + rules)"] = (_PMMLKIT, str(path), args.xsd)
            plan["lxml + oracle XSD alone (whole tree)"] = (_XSD_ALONE, str(path), args.xsd)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in plan}
        for _ in range(max(1, args.repeat)):
            for name, (code, *rest) in plan.items():
                runs[name].append(measure(code, *rest))
    rows = {name: {key: (statistics.median(r[key] for r in results) if key in ("seconds", "cpu_seconds")
                         else max(r[key] for r in results)) for key in results[0]}
            for name, results in runs.items()}
    if args.json:
        print(json.dumps({"bytes": size, "repeat": args.repeat, "results": rows}, indent=2))
        return
    print(f"random-forest PMML: {size / 1e6:.1f} MB, median of {args.repeat} runs")
    print(f"{'':48} {'seconds':>8} {'CPU s':>7} {'peak MB':>8}  valid  issues")
    for name, row in rows.items():
        print(f"{name:48} {row['seconds']:8.2f} {row['cpu_seconds']:7.2f} {row['peak_mb']:8.0f}  "
              f"{str(bool(row['ok'])):5}  {int(row['issues'])}")


if __name__ == "__main__":
    main()
