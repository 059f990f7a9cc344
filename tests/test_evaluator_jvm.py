"""The JVM pmmlkit starts: shared with other Java libraries (classpath, options, environment
variables), the load cache and the warm-up. A JVM starts once per process, so the start-up cases
run in fresh interpreters."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from documents import LINEAR

import pmmlkit
from pmmlkit.scoring import jvm

ROOT = Path(__file__).resolve().parent.parent

# Scores LINEAR on pmmlkit and on jpmml_evaluator in one process and prints what the JVM was given.
SHARED = textwrap.dedent("""
    import json, os, sys
    import jpmml_evaluator, jpype, pmmlkit
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "api":
        pmmlkit.jvm.start(classpath=jpmml_evaluator._package_classpath(), options=["-Xmx300m"])
    elif mode == "jpmml-first":
        jpmml_evaluator.make_evaluator(path)  # jpmml_evaluator starts the JVM itself
    ours = pmmlkit.load(path).predict({"x": 2.0})["predicted_y"]
    theirs = jpmml_evaluator.make_evaluator(path).verify().evaluate({"x": 2.0})["predicted_y"]
    memory = jpype.JClass("java.lang.Runtime").getRuntime().maxMemory()
    try:
        pmmlkit.jvm.start(options=["-Xmx1g"])
        late = "accepted"
    except pmmlkit.EvaluationError as exc:
        late = str(exc)
    print(json.dumps({"ours": ours, "theirs": theirs, "max_memory_mb": memory // 2**20, "late": late}))
""")


@pytest.mark.parametrize("mode", ["api", "environment", "jpmml-first"])
def test_jvm_shared_with_jpmml_evaluator(mode: str, tmp_path: Path) -> None:
    import jpmml_evaluator

    path = tmp_path / "linear.pmml"
    path.write_text(LINEAR)
    env = dict(os.environ)
    if mode == "environment":
        env[jvm.CLASSPATH_VARIABLE] = os.pathsep.join(jpmml_evaluator._package_classpath())
        env[jvm.OPTIONS_VARIABLE] = "-Xmx300m"
    done = subprocess.run([sys.executable, "-c", SHARED, mode, str(path)], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    import json

    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["ours"] == result["theirs"] == 4.5
    assert "already" in result["late"]
    if mode != "jpmml-first":
        assert 250 <= result["max_memory_mb"] <= 310  # -Xmx300m reached the JVM


def test_bad_jvm_options_are_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "linear.pmml").write_text(LINEAR)
    env = dict(os.environ, **{jvm.OPTIONS_VARIABLE: "-Xnonsense-option"})
    done = subprocess.run([sys.executable, "-m", "pmmlkit", "score", "linear.pmml", "-"], input="x\n1\n", env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]  # the JVM itself prints what it does not recognise first
    assert last.startswith("pmmlkit: error: could not start the Java runtime"), done.stderr
    assert "-Xnonsense-option" in last and "PMMLKIT_JVM_OPTIONS" in last and "Traceback" not in done.stderr


def test_load_cache_follows_the_file(tmp_path: Path) -> None:
    path = tmp_path / "linear.pmml"
    path.write_text(LINEAR)
    first = pmmlkit.load(path)
    assert pmmlkit.load(path) is first
    assert pmmlkit.load(str(path)) is first
    assert pmmlkit.load(path, cache=False) is not first
    path.write_text(LINEAR.replace('coefficient="2"', 'coefficient="3"'))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a later modification time
    second = pmmlkit.load(path)
    assert second is not first
    assert second.predict({"x": 2.0}) == {"predicted_y": 6.5}
    assert pmmlkit.load(LINEAR) is not pmmlkit.load(LINEAR)  # text and bytes are not cached


def test_warm_up_is_optional_and_changes_nothing(tmp_path: Path) -> None:
    from cases.data import mixed
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder

    X, y, X_eval = mixed()
    pipeline = make_pipeline(
        ColumnTransformer([("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
                            ["city", "plan"])], remainder="passthrough"),
        RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0)).fit(X, y)
    path = pmmlkit.convert(pipeline, X).save(tmp_path / "mixed.pmml")
    started = time.perf_counter()
    cold = pmmlkit.load(path, warm=False, cache=False)
    warm = pmmlkit.load(path, cache=False)
    assert not cold.warmed and warm.warmed
    assert time.perf_counter() - started < 120  # generous: the warm-up stops itself after a few seconds
    import pandas as pd

    pd.testing.assert_frame_equal(cold.predict(X_eval), warm.predict(X_eval))
    from lxml import etree

    from pmmlkit.scoring.evaluator import categories_in_use, warm_up_frame

    frame = warm_up_frame(warm.input_fields, 500, categories_in_use(etree.parse(str(path)).getroot()))
    assert set(frame["city"].dropna()) <= {"paris", "lyon", "nice", "lille"}  # declared categories only
    assert frame["age"].isna().any() and (frame["age"] < 0).any() and (frame["age"] > 100).any()
