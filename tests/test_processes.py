"""Models across processes: pickled to spawn children and joblib workers, refused at once in a child
forked after the JVM started (a JPype JVM does not survive fork; the call would hang).

Every test here is bounded by a timeout: a hang fails the test instead of stalling the suite.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cases.data import iris

import pmmlkit
from pmmlkit.scoring import jvm

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 240  # seconds: a fresh process starts its own JVM, on a busy 2-core machine


@pytest.fixture(scope="module")
def forest(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    from sklearn.ensemble import RandomForestClassifier

    X, y, _ = iris()
    estimator = RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0).fit(X, y)
    path = pmmlkit.convert(estimator, X).save(tmp_path_factory.mktemp("processes") / "forest.pmml")
    rows = pd.concat([X] * 10, ignore_index=True)  # 1,500 rows: above what fork used to survive
    return path, rows, pmmlkit.load(path).predict(rows)


def test_model_pickles_as_its_document(forest) -> None:
    path, rows, expected = forest
    model = pmmlkit.load(path)
    data = pickle.dumps(model)
    assert len(data) < len(path.read_bytes()) + 1000  # the bytes and a few options, no JVM state
    copy = pickle.loads(data)
    assert copy is not model and copy.input_names == model.input_names
    pd.testing.assert_frame_equal(copy.predict(rows), expected)


def _score_in_forked_child(path: str, rows: pd.DataFrame, queue: multiprocessing.Queue) -> None:
    outcome = []
    for attempt in (lambda: pmmlkit.load(path).predict(rows), lambda: pmmlkit.load(path, cache=False)):
        try:
            attempt()
            outcome.append("scored")
        except pmmlkit.EvaluationError as exc:
            outcome.append(str(exc))
    queue.put(outcome)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_forked_child_fails_at_once_with_the_documented_error(forest) -> None:
    path, rows, _ = forest
    pmmlkit.load(path)  # the JVM runs in this process, and the model sits in the load cache
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_score_in_forked_child, args=(str(path), rows, queue))
    child.start()
    try:
        outcome = queue.get(timeout=60)
    finally:
        child.join(timeout=10)
        if child.is_alive():
            child.kill()
            child.join()
    assert outcome == [jvm.FORKED_MESSAGE, jvm.FORKED_MESSAGE]
    assert "spawn" in jvm.FORKED_MESSAGE


def test_spawn_child_scores_a_pickled_model(forest) -> None:
    path, rows, expected = forest
    model = pmmlkit.load(path)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        result = pool.apply_async(model.predict, (rows,)).get(timeout=TIMEOUT)
    pd.testing.assert_frame_equal(result, expected)


def test_joblib_workers_score_a_pickled_model(forest) -> None:
    joblib = pytest.importorskip("joblib")
    from joblib.externals.loky import get_reusable_executor

    path, rows, expected = forest
    model = pmmlkit.load(path)
    halves = [rows.iloc[:700], rows.iloc[700:]]
    try:
        parts = joblib.Parallel(n_jobs=2, backend="loky", timeout=TIMEOUT)(
            joblib.delayed(model.predict)(half) for half in halves)
        pids = joblib.Parallel(n_jobs=2, backend="loky", timeout=TIMEOUT)(
            joblib.delayed(os.getpid)() for _ in range(2))
    finally:
        get_reusable_executor().shutdown(wait=True)  # the workers hold a JVM each
    assert os.getpid() not in pids
    pd.testing.assert_frame_equal(pd.concat(parts), expected)


def test_child_forked_before_the_jvm_started_scores(forest) -> None:
    # A fresh interpreter that forks before anything starts Java: the child may start its own.
    path, rows, expected = forest
    script = textwrap.dedent("""
        import os, sys
        import pandas as pd
        import pmmlkit
        rows = pd.read_csv(sys.argv[2])
        pid = os.fork()
        if pid == 0:
            out = pmmlkit.load(sys.argv[1]).predict(rows)
            out.to_csv(sys.argv[3], index=False)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        sys.exit(os.waitstatus_to_exitcode(status))
    """)
    folder = path.parent
    rows.to_csv(folder / "rows.csv", index=False)
    done = subprocess.run([sys.executable, "-c", script, str(path), str(folder / "rows.csv"), str(folder / "out.csv")],
                          cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    got = pd.read_csv(folder / "out.csv")
    np.testing.assert_array_equal(got["probability_0"].to_numpy(), expected["probability_0"].to_numpy())
