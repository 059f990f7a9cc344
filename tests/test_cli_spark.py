"""The CLI's Spark forms, as a release job runs them: a saved PipelineModel -> convert --spark ->
validate -> score --spark on Parquet, with the results checked against Spark and the local evaluator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from spark_support import SPARK_GROUP, spark  # noqa: F401  (the session fixture)

import pmmlkit
from pmmlkit.cli import main

pytestmark = pytest.mark.xdist_group(SPARK_GROUP)


def test_convert_validate_score_spark(spark, tmp_path):  # noqa: F811
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import StandardScaler, StringIndexer, VectorAssembler

    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    frame["kind"] = np.where(frame.a + 0.5 * frame.b + rng.normal(0, 0.3, 200) > 0, "up", "down")
    df = spark.createDataFrame(frame)
    model = Pipeline(stages=[
        StringIndexer(inputCol="kind", outputCol="label"),
        VectorAssembler(inputCols=["a", "b"], outputCol="raw"),
        StandardScaler(inputCol="raw", outputCol="features", withMean=True),
        LogisticRegression(featuresCol="features", labelCol="label"),
    ]).fit(df)
    saved = tmp_path / "model"
    model.save(str(saved))
    frame[["a", "b"]].head(20).to_csv(tmp_path / "sample.csv", index=False)
    pmml = tmp_path / "model.pmml"

    assert main(["convert", str(saved), "--spark", "--schema", str(tmp_path / "sample.csv"), "-o", str(pmml)]) == 0
    assert main(["validate", str(pmml)]) == 0
    # verify finds the Spark front end by the saved model's folder and reads the rows with Spark.
    assert main(["verify", str(saved), str(pmml), str(tmp_path / "sample.csv")]) == 0

    rows = frame[["a", "b"]].copy()
    rows.loc[3, "a"] = np.nan
    rows.to_parquet(tmp_path / "in.parquet", index=False)
    assert main(["score", "--spark", str(pmml), str(tmp_path / "in.parquet"), "-o", str(tmp_path / "out.parquet")]) == 0

    scored = pd.read_parquet(tmp_path / "out.parquet").sort_values(["a", "b"], na_position="first")
    local = pd.concat([rows, pmmlkit.load(pmml).predict(rows)], axis=1).sort_values(["a", "b"], na_position="first")
    outputs = ["predicted_kind", "probability_down", "probability_up"]
    pd.testing.assert_frame_equal(scored[outputs].reset_index(drop=True), local[outputs].reset_index(drop=True))

    expected = model.transform(df).select("prediction", "probability").toPandas()
    up_index = list(model.stages[0].labelsArray[0]).index("up")
    probability_up = np.array([v[up_index] for v in expected["probability"]])
    known = local.sort_index().drop(index=3)
    np.testing.assert_allclose(known["probability_up"].to_numpy(), np.delete(probability_up, 3), rtol=0, atol=1e-9)


def test_spark_cli_output_is_only_pmmlkits(spark, tmp_path):  # noqa: F811
    """The session the CLI starts keeps Spark's JVM notices, warnings and native-library messages
    out of the output (a new process: the test session's own Spark is not the CLI's)."""
    import subprocess
    import sys

    from pyspark.ml import Pipeline
    from pyspark.ml.feature import VectorAssembler
    from pyspark.ml.regression import LinearRegression

    frame = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) % 3})
    model = Pipeline(stages=[VectorAssembler(inputCols=["a", "b"], outputCol="features"),
                             LinearRegression(maxIter=3)]).fit(spark.createDataFrame(frame.assign(label=frame.a * 2)))
    model.save(str(tmp_path / "model"))
    frame.to_csv(tmp_path / "sample.csv", index=False)
    result = subprocess.run([sys.executable, "-m", "pmmlkit", "convert", "--spark", str(tmp_path / "model"),
                             "--schema", str(tmp_path / "sample.csv"), "-o", str(tmp_path / "model.pmml")],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("wrote ") and result.stdout.count("\n") == 1
