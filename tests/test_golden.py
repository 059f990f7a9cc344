"""The PMML pmmlkit writes stays byte for byte what it was, for a sample of the fidelity table.

tests/golden/ holds the files main's converters wrote before the front-end refactor (see
tests/golden/generate.py); a change here is a change of output, to be made on purpose.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from golden_cases import render, sample
from spark_support import SPARK_GROUP

GOLDEN = Path(__file__).resolve().parent / "golden"


def _params():
    for framework, case in sample():
        marks = [pytest.mark.xdist_group(SPARK_GROUP)] if framework == "spark" else []
        yield pytest.param(framework, case, id=f"{framework}-{case.id}", marks=marks)


@pytest.mark.parametrize("framework,case", list(_params()))
def test_pmml_is_unchanged(framework, case):
    if framework == "spark":
        pytest.importorskip("pyspark")
    expected = (GOLDEN / f"{framework}-{case.id}.pmml").read_bytes()
    assert render(framework, case) == expected, (
        f"the PMML of {framework} case {case.id} changed; if on purpose, run tests/golden/generate.py and say why")
