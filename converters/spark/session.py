"""The SparkSession pmmlkit uses when the caller has none: local, without UI, logging errors only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# A log4j2 configuration that keeps the driver JVM to errors (see session()).
QUIET_LOGS = Path(__file__).resolve().parent / "log4j2-quiet.properties"


def session() -> Any:
    """The active SparkSession, or a new local one whose JVM logs errors only: its start-up
    notices and warnings would otherwise land in the middle of the CLI's output."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    quiet = f"-Dlog4j2.configurationFile={QUIET_LOGS.as_uri()}"
    spark = (SparkSession.builder.master("local[*]").appName("pmmlkit")
             .config("spark.driver.extraJavaOptions", quiet)
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.shuffle.partitions", "4").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark
