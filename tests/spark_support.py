"""The one local Spark session of a test process: ``from spark_support import spark`` in a test module.

Starting Spark costs about ten seconds, so every Spark test in a process shares one small
local[2] session (few shuffle partitions, no UI, errors-only logs). Mark Spark tests with
``pytest.mark.xdist_group("spark")`` so that ``--dist loadgroup`` keeps them in one worker.
"""

from __future__ import annotations

import os
import sys

import pytest

SPARK_GROUP = "spark"


def spark_session():
    """The active SparkSession, or a new small local one."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    # Python workers must run this interpreter (the one with pmmlkit installed).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("pmmlkit-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.session.timeZone", "UTC")
        # Tiny frames: compiling whole-stage code for every new plan costs more than it saves.
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark")
    session = spark_session()
    yield session
    session.stop()
