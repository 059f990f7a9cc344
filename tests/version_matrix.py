"""The version matrix behind README's "Supported versions": for each row, a throwaway virtualenv
with those releases of scikit-learn, numpy, pandas, XGBoost, LightGBM and lxml, pmmlkit installed
into it, the fidelity tables (scikit-learn, XGBoost, LightGBM) run on both engines, and the
document checks that depend on the XML parser (tests/test_validate.py, tests/test_truncation.py).

Not part of ``make test`` (each row installs a fresh environment and runs several hundred
conversions); run it with ``make matrix`` or ``python tests/version_matrix.py [--row oldest] [-k EXPR]``.
It needs only the standard library; the environments go to /tmp/pmmlkit-matrix (``--root``).
The row "oldest" pins the lower bounds in setup.cfg; "newest" takes what the package index has.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
import venv
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("scikit-learn", "numpy", "pandas", "scipy", "xgboost", "lightgbm", "lxml")
# What the tables need besides pmmlkit: the test runner and the second engine (JPMML-Evaluator).
TEST_TOOLS = ("pytest>=7", "pytest-xdist>=3", "jpmml_evaluator>=0.16")
TESTS = ("tests/test_sklearn_fidelity.py", "tests/test_xgboost.py", "tests/test_lightgbm.py",
         # How each library stores a frame's column names (LightGBM's "a b" as "a_b") is its release's.
         "tests/test_column_names.py", "tests/test_conversion_errors.py",
         # lxml's releases differ on malformed documents (lxml 6.2 stopped raising on a truncated
         # one while it checks a schema): the parser-facing checks run on every row.
         "tests/test_validate.py", "tests/test_truncation.py")


@dataclass
class Row:
    name: str
    pins: dict[str, str]  # package -> version; absent packages come at the newest release the others allow
    upgrade: bool = False  # newest row: ask pip for the newest release of every package
    extra: tuple[str, ...] = field(default=())  # more requirements, unpinned


# The lxml floor in setup.cfg (README "Supported versions" says why it is not lower).
LXML_FLOOR = "5.4.0"
ROWS = [
    # The lower bounds in setup.cfg, on numpy 1.x and pandas 2. XGBoost comes as "xgboost-cpu"
    # (the same library without the CUDA parts). Older releases fail rows for reasons of their own:
    # scikit-learn 1.3 to 1.5 (no NaN in forests, AdaBoost's default SAMME.R, breakage with the
    # scipy releases pip pairs them with), xgboost before 2.1.4 (not a scikit-learn 1.6 estimator).
    Row("oldest", {"scikit-learn": "1.6.1", "numpy": "1.26.4", "pandas": "2.0.3", "xgboost-cpu": "2.1.4",
                   "lightgbm": "4.0.0", "lxml": LXML_FLOOR}),
    Row("newest", {}, upgrade=True, extra=("xgboost-cpu",)),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--row", action="append", choices=[r.name for r in ROWS],
                        help="run only this row (repeatable); default: every row")
    parser.add_argument("-k", dest="keyword", help="pytest -k expression: run a subset of the tables")
    parser.add_argument("--tests", nargs="+", default=list(TESTS),
                        help="the test files to run (default: %(default)s)")
    parser.add_argument("--root", type=Path, default=Path("/tmp/pmmlkit-matrix"),
                        help="where the throwaway environments go (default: %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep each environment after its run")
    args = parser.parse_args(argv)
    rows = [r for r in ROWS if not args.row or r.name in args.row]
    results = []
    for row in rows:
        results.append(run_row(row, args.root, args.keyword, args.keep, tuple(args.tests)))
        print_summary(results)
    return 0 if all(r["failed"] == 0 and r["errors"] == 0 and r["passed"] > 0 for r in results) else 1


def run_row(row: Row, root: Path, keyword: str | None, keep: bool, tests: tuple[str, ...] = TESTS) -> dict:
    where = root / row.name
    shutil.rmtree(where, ignore_errors=True)
    print(f"== {row.name}: creating {where}", flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(where)
    python = where / "bin" / "python"
    requirements = [f"{p}=={v}" for p, v in row.pins.items()] + list(row.extra) + list(TEST_TOOLS)
    # Not the extra [xgboost]: it would add the "xgboost" wheel (CUDA included) beside xgboost-cpu.
    install = [str(python), "-m", "pip", "install", "-q", "-e", f"{ROOT}[lightgbm]", *requirements]
    if row.upgrade:
        install.insert(4, "--upgrade")
    started = time.monotonic()
    done = subprocess.run(install, capture_output=True, text=True)
    if done.returncode != 0:  # pip's own warnings about local indexes are noise unless it failed
        sys.exit(f"== {row.name}: pip install failed:\n{done.stdout}{done.stderr}")
    versions = installed(python)
    print(f"== {row.name}: " + ", ".join(f"{p} {versions[p]}" for p in ("python", *PACKAGES)), flush=True)
    report = where / "junit.xml"
    command = [str(python), "-m", "pytest", "-q", "-n", "1", "-p", "no:cacheprovider", "--junitxml", str(report),
               *tests]
    if keyword:
        command += ["-k", keyword]
    subprocess.run(command, cwd=ROOT)
    counts = outcomes(report) if report.exists() else {"passed": 0, "failed": 0, "errors": 1, "skipped": 0}
    subset = " ".join(Path(t).stem for t in tests) if tests != TESTS else "all"
    result = {"row": row.name, **versions, **counts, "minutes": (time.monotonic() - started) / 60,
              "subset": f"{subset} -k {keyword}" if keyword else subset}
    if not keep:
        shutil.rmtree(where, ignore_errors=True)
    return result


def installed(python: Path) -> dict[str, str]:
    script = ("import importlib.metadata as m, platform\n"
              f"names = {list(PACKAGES)!r}\n"
              "print('python', platform.python_version())\n"
              "for n in names:\n"
              "    for dist in (n, n + '-cpu'):  # xgboost-cpu installs the module xgboost\n"
              "        try: print(n, m.version(dist)); break\n"
              "        except m.PackageNotFoundError: pass\n"
              "    else: print(n, '-')\n")
    text = subprocess.run([str(python), "-c", script], check=True, capture_output=True, text=True).stdout
    return dict(line.split(" ", 1) for line in text.splitlines())


def outcomes(report: Path) -> dict[str, int]:
    counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    for case in ET.parse(report).getroot().iter("testcase"):
        kinds = {child.tag for child in case}
        if "failure" in kinds:
            counts["failed"] += 1
        elif "error" in kinds:
            counts["errors"] += 1
        elif "skipped" in kinds:  # also strict xfails that failed as expected
            counts["skipped"] += 1
        else:
            counts["passed"] += 1
    return counts


def print_summary(results: list[dict]) -> None:
    columns = ("row", "python", *PACKAGES, "subset", "passed", "failed", "errors", "skipped", "minutes")
    table = [[f"{r[c]:.0f}" if c == "minutes" else str(r[c]) for c in columns] for r in results]
    widths = [max(len(c), *(len(t[i]) for t in table)) for i, c in enumerate(columns)]
    print("\n" + " | ".join(c.ljust(w) for c, w in zip(columns, widths)))
    print("-+-".join("-" * w for w in widths))
    for t in table:
        print(" | ".join(v.ljust(w) for v, w in zip(t, widths)))
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
