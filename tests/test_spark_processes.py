"""Spark as a new user meets it, in processes of its own: the venv's interpreter run by path, with
no activated venv, so that ``python3`` on PATH is an interpreter without pmmlkit.

- ``pmmlkit score --spark`` prints only pmmlkit's lines (no log4j notices, native-library
  warnings or stage progress bars) and leaves no ``pmmlkit-spark-*.log`` behind;
- the session pmmlkit starts runs this interpreter on its workers;
- a session the user started, whose workers cannot import pmmlkit, is refused in one line that
  says what to set.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pmmlkit

pytest.importorskip("pyspark")
pytestmark = pytest.mark.xdist_group("spark")  # no two Spark JVMs at once (see spark_support)

SPARK_NOISE = ("log4j", "NativeCodeLoader", "[Stage", "WARN", "Setting default log level")


def _environment(tmp_path: Path) -> dict[str, str]:
    """PATH without the venv, whose ``python3`` cannot import pmmlkit; a temporary folder of the test's own."""
    shims = tmp_path / "bin"
    shims.mkdir()
    base = getattr(sys, "_base_executable", sys.executable)
    # -S: no site-packages, so no pmmlkit whatever this machine has installed; pyspark's worker
    # code comes from the PYTHONPATH Spark gives its workers.
    (shims / "python3").write_text(f'#!/bin/sh\nexec "{base}" -S "$@"\n')
    (shims / "python3").chmod(0o755)
    venv_bin = str(Path(sys.executable).parent)
    path = [shims.as_posix()] + [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != venv_bin]
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON", "VIRTUAL_ENV", "PYTHONPATH")}
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    return {**env, "PATH": os.pathsep.join(path), "TMPDIR": str(temporary)}


def _model(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    from sklearn.linear_model import LinearRegression

    X = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) % 3})
    pmml = pmmlkit.convert(LinearRegression().fit(X, 2 * X.a + X.b), X).save(tmp_path / "model.pmml")
    return pmml, X


def test_score_spark_prints_only_pmmlkits_lines_and_leaves_no_log(tmp_path):
    pmml, X = _model(tmp_path)
    X.to_csv(tmp_path / "in.csv", index=False)
    env = _environment(tmp_path)
    out = tmp_path / "out.parquet"
    result = subprocess.run([str(Path(sys.executable).parent / "pmmlkit"), "score", "--spark", str(pmml),
                             str(tmp_path / "in.csv"), "-o", str(out)],
                            capture_output=True, text=True, timeout=900, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    noise = [line for line in result.stderr.splitlines() if any(word in line for word in SPARK_NOISE)]
    assert noise == [], result.stderr
    assert result.stderr == f"wrote {out}\n"
    assert result.stdout == ""
    assert list(Path(env["TMPDIR"]).glob("pmmlkit-spark-*.log")) == []
    # The workers ran this interpreter, not the python3 on PATH (which has no pmmlkit).
    scored = pd.read_parquet(out).sort_values("a").reset_index(drop=True)
    np.testing.assert_allclose(scored["predicted_y"], 2 * X.a + X.b, rtol=0, atol=1e-9)


def test_a_users_session_whose_workers_lack_pmmlkit_is_refused_in_one_line(tmp_path):
    pmml, X = _model(tmp_path)
    X.to_csv(tmp_path / "in.csv", index=False)
    script = tmp_path / "score.py"
    script.write_text(textwrap.dedent(f"""
        import pandas as pd
        from pyspark.sql import SparkSession

        import pmmlkit.scoring.spark
        from pmmlkit.errors import PMMLError

        spark = (SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
                 .config("spark.ui.showConsoleProgress", "false").getOrCreate())
        df = spark.createDataFrame(pd.read_csv({str(tmp_path / "in.csv")!r}))
        try:
            pmmlkit.scoring.spark.score(df, {str(pmml)!r})
        except PMMLError as exc:
            print("refused:", exc)
        else:
            print("accepted")
    """))
    env = _environment(tmp_path)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=900, env=env,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("refused: Spark's Python workers ("), result.stdout
    assert "cannot import pmmlkit" in lines[0]
    assert f"PYSPARK_PYTHON={sys.executable}" in lines[0]
    assert "No module named 'pmmlkit'" in lines[0]
    assert "Traceback" not in result.stdout + result.stderr
