"""The SparkSession pmmlkit uses: the caller's active one, or one it starts, local and quiet.

One place for every Spark entry point (``convert`` of a Spark model, ``pmmlkit convert --spark``,
``pmmlkit score --spark``, ``pmmlkit.scoring.spark.score_files``).

Spark's driver JVM writes start-up notices, warnings, native-library messages and stage progress
bars to the process's standard error, in the middle of the CLI's own output. The session pmmlkit
starts shows no progress bars, logs errors only (spark-log4j2.properties), and its JVM's standard
error goes to a log file (:data:`JVM_LOG`, one per process). The file is deleted when the process
exits; when Spark fails to start it is kept, and the error names it. The session's Python workers
run this interpreter (``PYSPARK_PYTHON``, unless already set), the one that has pmmlkit installed.

A session the caller started is used as it is; :func:`check_workers` then refuses, in one line
with the fix, a session whose Python workers cannot import pmmlkit. pyspark is an optional extra:
it is imported in the functions that need it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import PMMLError

QUIET_LOGS = Path(__file__).resolve().parent / "spark-log4j2.properties"
JVM_LOG = Path(tempfile.gettempdir()) / f"pmmlkit-spark-{os.getpid()}.log"

# SparkContext application ids whose Python workers were seen to import pmmlkit.
_CHECKED: set[str] = set()


def session() -> Any:
    """The active SparkSession, or a new quiet local one (see the module's documentation)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = (SparkSession.builder.appName("pmmlkit")
               .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={QUIET_LOGS.as_uri()}")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "4"))
    if not _launched_by_spark_submit():
        # Local: the workers are processes of this machine, so this interpreter is the one to run.
        builder = builder.master("local[*]")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        with _standard_error_to(JVM_LOG):  # the JVM keeps the file as its standard error
            spark = builder.getOrCreate()
    except Exception as exc:  # py4j / gateway errors: one line, and where the JVM's own words are
        raise PMMLError(f"Spark did not start: {str(exc).strip().splitlines()[0]} (the JVM's output is in "
                        f"{JVM_LOG})") from None
    atexit.register(_remove_log)
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def check_workers(spark: Any) -> None:
    """Raise a one-line :class:`PMMLError` with the fix when ``spark``'s Python workers cannot
    import pmmlkit (they then fail each task with a long ``ModuleNotFoundError`` stack).

    Runs one one-row job the first time a SparkContext is checked. Spark Connect sessions (no
    SparkContext) are not checked.
    """
    try:
        context = spark.sparkContext
        key = f"{context.applicationId} {context.pythonExec}"
    except Exception:  # Spark Connect: no SparkContext to run the probe on
        return
    if key in _CHECKED:
        return

    # Defined here, not at module level, so that cloudpickle ships the function itself: a
    # module-level function would be sent by reference to pmmlkit, which is what may be missing.
    # The scorer's module itself is imported: a pmmlkit source folder in the workers' current
    # folder, without pmmlkit's dependencies, would pass a mere look-up.
    def probe(_: Any) -> tuple[str, str]:
        import importlib
        import sys as worker_sys

        try:
            importlib.import_module("pmmlkit.scoring.spark")
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}", worker_sys.executable
        return "", worker_sys.executable

    try:
        problem, executable = context.parallelize([0], 1).map(probe).collect()[0]
    except Exception as exc:  # the workers did not start at all
        raise PMMLError(f"Spark's Python workers ({context.pythonExec}) did not run: "
                        f"{_last_line(str(exc))}; {_fix()}") from None
    if problem:
        raise PMMLError(f"Spark's Python workers ({executable}) cannot import pmmlkit ({problem}): {_fix()}")
    _CHECKED.add(key)


def _fix() -> str:
    return (f"set PYSPARK_PYTHON={sys.executable} (an interpreter with pmmlkit) before the SparkSession starts, "
            "or install pmmlkit where the workers run")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def _launched_by_spark_submit() -> bool:
    """True when spark-submit (or PYSPARK_SUBMIT_ARGS) chooses the master: pmmlkit keeps its choice."""
    return "PYSPARK_GATEWAY_PORT" in os.environ or "--master" in os.environ.get("PYSPARK_SUBMIT_ARGS", "")


def _remove_log() -> None:
    with contextlib.suppress(OSError):  # (the JVM may still hold it open: removing it is fine on POSIX)
        JVM_LOG.unlink(missing_ok=True)


@contextlib.contextmanager
def _standard_error_to(path: Path) -> Iterator[None]:
    """Point file descriptor 2 at ``path`` while the block runs (children started in it keep it)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(path, "ab") as log:
            os.dup2(log.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
