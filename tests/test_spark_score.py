"""pmmlkit.scoring.spark: scoring on Spark executors gives exactly what the local evaluator gives."""

from __future__ import annotations

import os
import sys

import numpy as np
import pandas as pd
import pytest
from cases.data import iris, iris_named
from documents import BIG_WHOLE_MODEL

import pmmlkit
from pmmlkit.errors import EvaluationError

pyspark = pytest.importorskip("pyspark")
pytestmark = pytest.mark.xdist_group("spark")  # one Spark session per test worker (see spark_support)
spark_score = pytest.importorskip("pmmlkit.scoring.spark")

try:
    from spark_support import spark  # noqa: F401  (the session fixture shared by the Spark tests)
except ModuleNotFoundError:
    @pytest.fixture(scope="session")
    def spark():
        from pyspark.sql import SparkSession

        os.environ["PYSPARK_PYTHON"] = sys.executable
        session = (SparkSession.builder.master("local[2]").appName("pmmlkit-tests")
                   .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
                   .getOrCreate())
        yield session
        session.stop()


def _pipeline_pmml(tmp_path, data):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, _ = data()
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)
    return pmmlkit.convert(model, X).save(tmp_path / "model.pmml"), X


def _rows_with_gaps(X: pd.DataFrame) -> pd.DataFrame:
    rows = X.copy()
    rows.iloc[::7, 0] = np.nan
    rows.iloc[3::11, 2] = np.nan
    rows.iloc[5, :] = np.nan
    return rows.reset_index(drop=True)


def _score_on_spark(spark, rows, pmml, **options) -> pd.DataFrame:
    frame = rows.assign(row_id=np.arange(len(rows)))
    df = spark.createDataFrame(frame).repartition(3)
    result = spark_score.score(df, pmml, **options).toPandas()
    return result.sort_values("row_id").reset_index(drop=True) if "row_id" in result else result


@pytest.mark.parametrize("engine", ["pmml4s", "native"])
@pytest.mark.parametrize("data", [iris, iris_named], ids=["integer-labels", "string-labels"])
def test_spark_scores_equal_local_scores(spark, tmp_path, data, engine):
    path, X = _pipeline_pmml(tmp_path, data)
    rows = _rows_with_gaps(X)
    expected = pmmlkit.load(path, engine=engine).predict(rows)
    result = _score_on_spark(spark, rows, path, engine=engine)
    assert list(result.columns) == list(rows.columns) + ["row_id"] + list(expected.columns)
    pd.testing.assert_frame_equal(result[list(rows.columns)], rows, check_exact=True, check_dtype=False)
    for name in expected.columns:
        want, got = expected[name].to_numpy(), result[name].to_numpy()
        if want.dtype.kind == "f":
            np.testing.assert_array_equal(got.astype(np.float64), want)  # exact, NaN where missing
        else:
            assert [None if pd.isna(v) else v for v in got] == [None if pd.isna(v) else v for v in want], name
    assert result.iloc[5, len(rows.columns) + 2:].isna().all()  # an all-missing row has no probabilities


def test_output_types_follow_the_pmml(spark, tmp_path):
    path, X = _pipeline_pmml(tmp_path, iris_named)
    df = spark.createDataFrame(X.head(5))
    types = dict(spark_score.score(df, path).dtypes)
    assert types["predicted_y"] == "string"
    assert types["probability_setosa"] == "double"


def test_keep_inputs_false_and_bytes(spark, tmp_path):
    path, X = _pipeline_pmml(tmp_path, iris)
    result = _score_on_spark(spark, X.head(20), path.read_bytes(), keep_inputs=False)
    expected = pmmlkit.load(path).predict(X.head(20))
    assert list(result.columns) == list(expected.columns)
    assert len(result) == 20


def test_missing_input_column_is_a_clear_error(spark, tmp_path):
    path, X = _pipeline_pmml(tmp_path, iris)
    df = spark.createDataFrame(X.drop(columns=["petal_width"]))
    with pytest.raises(EvaluationError, match="petal_width"):
        spark_score.score(df, path)


def test_output_name_clash_is_a_clear_error(spark, tmp_path):
    path, X = _pipeline_pmml(tmp_path, iris)
    df = spark.createDataFrame(X.assign(predicted_y=1.0))
    with pytest.raises(EvaluationError, match="keep_inputs=False"):
        spark_score.score(df, path)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_score_files(spark, tmp_path, fmt):
    path, X = _pipeline_pmml(tmp_path, iris)
    rows = _rows_with_gaps(X).head(40)
    source = tmp_path / f"in.{fmt}"
    if fmt == "parquet":
        rows.to_parquet(source)
    else:
        rows.to_csv(source, index=False)
    out = tmp_path / "out.parquet"
    out.mkdir()  # an existing output is replaced
    assert spark_score.score_files(path, source, out) == str(out)
    result = pd.read_parquet(out)
    assert len(result) == len(rows)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.parquet")]
    expected = pmmlkit.load(path).predict(result[list(rows.columns)])
    np.testing.assert_array_equal(result["probability_1"].to_numpy(np.float64),
                                  expected["probability_1"].to_numpy(np.float64))


def test_model_travels_in_a_spark_closure(spark, tmp_path):
    # A loaded Model pickles as its PMML bytes: a UDF closure can carry it to the executors.
    path, X = _pipeline_pmml(tmp_path, iris)
    model = pmmlkit.load(path)
    rows = _rows_with_gaps(X).head(30)

    def score_partition(frames):
        for frame in frames:
            yield model.predict(frame[list(rows.columns)])[["probability_1"]]

    df = spark.createDataFrame(rows).coalesce(1)
    got = df.mapInPandas(score_partition, "probability_1 double").toPandas()
    np.testing.assert_array_equal(got["probability_1"].to_numpy(), model.predict(rows)["probability_1"].to_numpy())


def test_spark_scorer_keeps_the_input_contract_options(spark, tmp_path):
    path, X = _pipeline_pmml(tmp_path, iris)
    df = spark.createDataFrame(X.head(5).assign(row_id=range(5)))
    with pytest.raises(EvaluationError, match="row_id"):
        spark_score.score(df, path, extra="error")
    partial = spark_score.score(df.drop("petal_width"), path, missing="allow").toPandas()
    assert partial["probability_1"].isna().all()  # no imputer: no probabilities without petal_width


def test_long_columns_with_nulls_stay_exact(spark, tmp_path):
    """A long column with a null in the same Arrow batch is not read through doubles: a categorical
    integer class beyond 2**53 is matched exactly, and one beyond 2**53 for a continuous integer
    field is refused, as Model.predict does."""
    path = tmp_path / "big_whole.pmml"
    path.write_text(BIG_WHOLE_MODEL)
    df = spark.createDataFrame([(9007199254740993, 0), (None, 0)], "k long, i long").coalesce(1)
    assert [row.predicted_y for row in spark_score.score(df, str(path)).collect()] == [30.0, None]
    df = spark.createDataFrame([(1, 9007199254740993), (1, None)], "k long, i long").coalesce(1)
    with pytest.raises(Exception, match="beyond 2"):
        spark_score.score(df, str(path)).collect()
