"""A plain Java program (tests/java_engines/ScorePmml.java) loads pmmlkit-written PMML with
PMML4S and with JPMML-Evaluator, the way a Java service embeds it, and scores what pmmlkit scores.

The documents come from the fidelity table: a scaled logistic regression, a pipeline with
imputation and one-hot encoding (strings, missing values, unseen categories), a random forest
and gradient boosting, each with its threshold-edge rows where the table has them."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import jpmml_evaluator
import numpy as np
import pandas as pd
import pytest
from cases import all_cases

import pmmlkit
from pmmlkit.scoring.jvm import pmml4s_jars

SOURCE = Path(__file__).resolve().parent / "java_engines" / "ScorePmml.java"
CASES = ["logistic-binary", "ct-impute-onehot-logistic", "forest-classifier-iris", "gb-classifier-binary"]
ENGINES = ["pmml4s", "jpmml"]

pytestmark = pytest.mark.skipif(shutil.which("javac") is None, reason="no javac (a JDK) on PATH: `make jdk`")


def jpmml_jars() -> list[str]:
    folder = Path(jpmml_evaluator.__file__).parent / "dependencies"
    return sorted(str(p) for p in folder.glob("*.jar"))


@pytest.fixture(scope="module")
def java_classpath(tmp_path_factory: pytest.TempPathFactory) -> str:
    classes = tmp_path_factory.mktemp("java-classes")
    libraries = os.pathsep.join(pmml4s_jars() + jpmml_jars())
    compiled = subprocess.run(["javac", "-cp", libraries, "-d", str(classes), str(SOURCE)],
                              capture_output=True, text=True)
    assert compiled.returncode == 0, compiled.stderr
    return os.pathsep.join([str(classes), libraries])


@pytest.fixture(scope="module", params=CASES)
def scored_document(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """(path of a pmmlkit-written document, the input CSV, pmmlkit's scores of it)."""
    case = next(c for c in all_cases("sklearn") if c.id == request.param)
    X, y, X_eval = case.data()
    estimator = case.estimator().fit(X, y)
    if case.extra_rows is not None:
        X_eval = pd.concat([X_eval, case.extra_rows(estimator, X)], ignore_index=True)
    folder = tmp_path_factory.mktemp(case.id)
    path = pmmlkit.convert(estimator, X, verification=X.head(5)).save(folder / "model.pmml")
    csv = folder / "input.csv"
    X_eval.to_csv(csv, index=False, na_rep="")
    return path, csv, pmmlkit.load(path).predict(X_eval)


@pytest.mark.parametrize("engine", ENGINES)
def test_java_program_scores_as_pmmlkit(java_classpath: str, scored_document, engine: str) -> None:
    path, csv, expected = scored_document
    run = subprocess.run(["java", "-cp", java_classpath, "ScorePmml", engine, str(path), str(csv)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    got = pd.read_csv(io.StringIO(run.stdout), keep_default_na=False, na_values=[""])
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected) > 0
    for name in expected.columns:
        want, have = expected[name], got[name]
        if pd.api.types.is_numeric_dtype(want) and not pd.api.types.is_bool_dtype(want):
            np.testing.assert_allclose(have.to_numpy(float), want.to_numpy(float), rtol=1e-9, atol=1e-12,
                                       err_msg=f"{engine}: {name}")
        else:
            assert [str(v) for v in have] == [str(v) for v in want], f"{engine}: {name}"
