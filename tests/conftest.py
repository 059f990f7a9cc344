"""Test setup: one JVM per test process, shared by pmmlkit and the JPMML oracle."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


def pytest_configure(config: pytest.Config) -> None:
    import jpmml_evaluator

    import pmmlkit.scoring.jvm

    # JPype starts one JVM per process: give it JPMML-Evaluator's jars as well as pmmlkit's.
    pmmlkit.scoring.jvm.start(extra_classpath=jpmml_evaluator._package_classpath())


@pytest.fixture(scope="session")
def oracle_schema():
    from harness import oracle_schema as load_schema

    return load_schema()
