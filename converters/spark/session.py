"""The SparkSession pmmlkit starts when the caller has none: local, without UI, and quiet.

Spark's driver JVM writes start-up notices, warnings and native-library messages to the
process's standard error, in the middle of the CLI's own output. The session pmmlkit starts
logs errors only (log4j2-quiet.properties), and its JVM's standard error goes to a log file
(:data:`JVM_LOG`), named in the error if Spark fails to start. A session the caller started
is used as it is.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pmmlkit.errors import PMMLError

QUIET_LOGS = Path(__file__).resolve().parent / "log4j2-quiet.properties"
JVM_LOG = Path(tempfile.gettempdir()) / f"pmmlkit-spark-{os.getpid()}.log"


def session() -> Any:
    """The active SparkSession, or a new quiet local one (see the module's documentation)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = (SparkSession.builder.master("local[*]").appName("pmmlkit")
               .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={QUIET_LOGS.as_uri()}")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "4"))
    try:
        with _standard_error_to(JVM_LOG):  # the JVM keeps the file as its standard error
            spark = builder.getOrCreate()
    except Exception as exc:  # py4j / gateway errors: one line, and where the JVM's own words are
        raise PMMLError(f"Spark did not start: {str(exc).strip().splitlines()[0]} (the JVM's output is in "
                        f"{JVM_LOG})") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


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
