"""The wheel holds what an install needs, and the core dependencies stay permissive and unpinned."""

from __future__ import annotations

import configparser
import email
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
# AGPL-3.0 packages: allowed as test oracles, never on an install path.
AGPL = {"sklearn2pmml", "jpmml-evaluator", "pyspark2pmml"}
UPPER_BOUNDS = {"<", "<=", "==", "===", "~="}
SKIP = (".git", ".venv", "build", "dist", "out", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache",
        "*.log", "spark-warehouse", "metastore_db")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    # Build from a clean copy: setuptools reuses an existing build/ folder, whose stale files
    # would end up in the wheel, and building in place would write into the work tree.
    source = tmp_path_factory.mktemp("source") / "pmmlkit"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*SKIP))
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"pip wheel failed:\n{result.stdout}\n{result.stderr}"
    (path,) = out.glob("pmmlkit-*.whl")
    with zipfile.ZipFile(path) as archive:
        yield archive


def _names(wheel: zipfile.ZipFile) -> set[str]:
    return set(wheel.namelist())


def test_wheel_contains_the_converters_schemas_and_bridge(wheel):
    names = _names(wheel)
    sklearn = {n for n in names if n.startswith("pmmlkit/converters/sklearn/") and n.endswith(".py")}
    source_sklearn = {f"pmmlkit/converters/sklearn/{p.relative_to(ROOT / 'converters' / 'sklearn').as_posix()}"
                      for p in (ROOT / "converters" / "sklearn").rglob("*.py")}
    assert source_sklearn and source_sklearn <= sklearn, f"missing: {sorted(source_sklearn - sklearn)}"
    assert "pmmlkit/converters/spark/__init__.py" in names
    assert "pmmlkit/spark-log4j2.properties" in names
    assert "pmmlkit/schemas/__init__.py" in names
    xsds = {f"pmmlkit/schemas/{p.name}" for p in (ROOT / "schemas").glob("*.xsd")}
    assert xsds <= names, f"schemas missing from the wheel: {sorted(xsds - names)}"
    assert "pmmlkit/scoring/bridge/pmmlkit-bridge.jar" in names


def test_wheel_registers_the_front_ends(wheel):
    (entry_points,) = [n for n in _names(wheel) if n.endswith(".dist-info/entry_points.txt")]
    text = wheel.read(entry_points).decode()
    assert "[pmmlkit.frontends]" in text
    assert "sklearn = pmmlkit.converters.sklearn.frontend:ScikitLearn" in text
    assert "spark = pmmlkit.converters.spark.frontend:Spark" in text


def test_wheel_has_no_stray_top_level_packages(wheel):
    tops = {n.split("/")[0] for n in _names(wheel)}
    assert "converters" not in tops and "schemas" not in tops
    assert {t for t in tops if not t.endswith(".dist-info")} == {"pmmlkit"}


def test_wheel_metadata_requires_no_agpl_package(wheel):
    (metadata,) = [n for n in _names(wheel) if n.endswith(".dist-info/METADATA")]
    message = email.message_from_bytes(wheel.read(metadata))
    core = [Requirement(r) for r in message.get_all("Requires-Dist") or [] if "extra ==" not in r]
    assert core, "the wheel declares no dependencies"
    assert not {canonicalize_name(r.name) for r in core} & AGPL


def _install_requires() -> list[Requirement]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = config["options"]["install_requires"].strip().splitlines()
    return [Requirement(line.strip()) for line in lines if line.strip() and not line.strip().startswith("#")]


def test_install_requires_has_no_agpl_package():
    names = {canonicalize_name(r.name) for r in _install_requires()}
    assert not names & AGPL, f"AGPL packages in install_requires: {sorted(names & AGPL)}"


def test_scikit_learn_is_not_capped():
    (sklearn,) = [r for r in _install_requires() if canonicalize_name(r.name) == "scikit-learn"]
    capped = [str(s) for s in sklearn.specifier if s.operator in UPPER_BOUNDS]
    assert not capped, f"scikit-learn must not be capped (new releases are supported by design): {capped}"


def test_the_version_has_one_source():
    """setup.cfg declares the version; pmmlkit reads it from the installed metadata (pmmlkit/version.py)."""
    import importlib.metadata

    import pmmlkit
    from pmmlkit.version import __version__

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert pmmlkit.__version__ == __version__ == importlib.metadata.version("pmmlkit") == config["metadata"]["version"]


def test_layers_import_downwards():
    """No module imports the package root (it imports nearly everything), and no front end imports
    another front end's converters: what two share lives in pmmlkit/ (e.g. builders/float32.py).
    LightGBM's and XGBoost's front ends build on scikit-learn's front end class (its API)."""
    import ast

    front_ends = {p.name for p in (ROOT / "converters").iterdir() if (p / "__init__.py").is_file()}
    problems = []
    for path in sorted([*(ROOT / "pmmlkit").rglob("*.py"), *(ROOT / "converters").rglob("*.py")]):
        where = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            # The package root: "from . import x" in pmmlkit/*.py, "from .. import x" one level down, "from pmmlkit import x".
            depth = len(path.relative_to(ROOT).parts) - 1
            root = node.module == "pmmlkit" or (node.module is None and node.level == depth
                                                 and where.startswith("pmmlkit/"))
            if root and path.name != "__init__.py" and path.name != "demo.py":
                problems.append(f"{where}:{node.lineno} imports the package root")
            if where.startswith("converters/"):
                own = path.relative_to(ROOT / "converters").parts[0]
                target = node.module or ""
                parts = target.split(".")
                if node.level == 2:
                    other, module = parts[0], parts[1:2]
                elif target.startswith("pmmlkit.converters."):
                    other, module = parts[2], parts[3:4]
                else:
                    continue
                if other in front_ends - {own} and module != ["frontend"]:
                    problems.append(f"{where}:{node.lineno} imports {target} of the {other} front end")
    assert problems == []
