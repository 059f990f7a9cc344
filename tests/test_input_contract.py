"""The input contract, one table for every path: a dict, a DataFrame, `pmmlkit score` and the Spark scorer.

Each case either fails with a clear EvaluationError naming the field (and the row, where the path has
rows) or scores with the documented behaviour (explicit missing values, ignored extra columns,
missing="allow"). No case may give a score silently. A case a path cannot represent (a MultiIndex in a
file, a lone surrogate in Spark's UTF-8 strings, ...) is listed with the reason.
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from documents import DATE_MODEL, TEXT_MODEL, TYPED_MODEL

import pmmlkit
from pmmlkit.cli import main
from pmmlkit.errors import EvaluationError, PMMLError
from pmmlkit.scoring.inputs import InvalidReport, absent_message

MODEL = TEXT_MODEL  # predicted_y = 1 + 2 x + 10 [c == "a"]
PATHS = ("dict", "frame", "cli", "spark")


@dataclass(frozen=True)
class Contract:
    """Two rows: a good one, then the one under test (row 1 of a frame, row 2 of a file)."""

    id: str
    frame: Callable[[], pd.DataFrame]
    expect: float | None | tuple[str, ...]  # predicted_y of the tested row, or fragments of the error
    options: dict[str, str] = field(default_factory=dict)
    file: str | Callable[[Path], Path] = "csv"  # how `pmmlkit score` gets it: a format, or a writer
    spark: tuple[str, list[tuple[Any, ...]]] | None = None  # (schema, rows), for Spark
    not_on: dict[str, str] = field(default_factory=dict)  # path -> why the path cannot hold this input
    row_fragment: bool = True  # whether the error names the row (a value), not the whole input
    record: dict[str, Any] | None = None  # the dict path's record, when it is not the frame's row 1

    @property
    def is_error(self) -> bool:
        return isinstance(self.expect, tuple)


def _frame(x: Any, c: Any = ("a", "a"), **more: Any) -> Callable[[], pd.DataFrame]:
    def build() -> pd.DataFrame:
        columns = {"x": x() if callable(x) else pd.Series(list(x), dtype=object), "c": pd.Series(list(c), dtype=object)}
        columns.update({k: pd.Series(list(v), dtype=object) for k, v in more.items()})
        return pd.DataFrame(columns)
    return build


def _without(column: str, rename: str | None = None) -> Callable[[], pd.DataFrame]:
    def build() -> pd.DataFrame:
        frame = _frame([1.0, 2.0])()
        return frame.rename(columns={column: rename}) if rename else frame.drop(columns=[column])
    return build


def _duplicate() -> pd.DataFrame:
    frame = _frame([1.0, 2.0])()
    return pd.concat([frame, frame[["x"]]], axis=1)


def _multiindex() -> pd.DataFrame:
    frame = _frame([1.0, 2.0])()
    frame.columns = pd.MultiIndex.from_tuples([("x", ""), ("c", "")])
    return frame


def _text_file(name: str, text: str) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_text(text)
        return path
    return write


def _undecodable_csv(folder: Path) -> Path:
    path = folder / "in.csv"
    path.write_bytes(b"x,c\n1,a\n2,\xff\xfe\n")
    return path


NO_DICT_COLUMNS = "a dict has no column labels"
TEXT_FILE = "a file names each column once by text"
TEXT_ONLY = "only a text file has numbers as text (elsewhere text in a numeric field is refused as text)"
SPARK_UTF8 = "Spark strings are UTF-8: they cannot hold a lone surrogate"
SHARED_COLUMNS = "every row of a frame has the frame's columns"
ROW_WIDTH = "only a text file has rows of their own width"

CASES = [
    Contract("explicit-missing", _frame([1.0, None]), None, spark=("x double, c string", [(1.0, "a"), (None, "a")])),
    Contract("extra-column-ignored", _frame([1.0, 2.0], id=[7, 8]), 15.0,
             spark=("x double, c string, id long", [(1.0, "a", 7), (2.0, "a", 8)])),
    Contract("extra-column-refused", _frame([1.0, 2.0], id=[7, 8]), ("does not know", "'id'", "extra"),
             {"extra": "error"}, spark=("x double, c string, id long", [(1.0, "a", 7), (2.0, "a", 8)]),
             row_fragment=False),
    Contract("absent-input", _without("x"), ("inputs missing", "['x']", "missing='allow'"),
             spark=("c string", [("a",), ("a",)]), row_fragment=False),
    Contract("absent-input-allowed", _without("x"), None, {"missing": "allow"}, spark=("c string", [("a",), ("a",)])),
    Contract("misspelt-input", _without("x", rename="X"), ("inputs missing", "['x']", "Did you mean 'X'"),
             spark=("X double, c string", [(1.0, "a"), (2.0, "a")]), row_fragment=False),
    # JSON Lines: each line is a record; a key absent from one line is an absent input, as in a dict.
    Contract("misspelt-key-in-one-record", _without("x", rename="X"), ("inputs missing", "['x']", "Did you mean 'X'"),
             file=_text_file("in.jsonl", '{"x": 1.0, "c": "a"}\n{"X": 2.0, "c": "a"}\n'), record={"X": 2.0, "c": "a"},
             not_on={"frame": SHARED_COLUMNS, "spark": SHARED_COLUMNS}, row_fragment=False),
    Contract("key-absent-from-one-record", _without("x"), ("inputs missing", "['x']"),
             file=_text_file("in.jsonl", '{"x": 1.0, "c": "a"}\n{"c": "a"}\n'), record={"c": "a"},
             not_on={"frame": SHARED_COLUMNS, "spark": SHARED_COLUMNS}, row_fragment=False),
    Contract("key-absent-from-one-record-allowed", _without("x"), None, {"missing": "allow"},
             file=_text_file("in.jsonl", '{"x": 1.0, "c": "a"}\n{"c": "a"}\n'), record={"c": "a"},
             not_on={"frame": SHARED_COLUMNS, "spark": SHARED_COLUMNS}),
    # CSV: a row of the wrong width is never shifted into an index or padded with blanks.
    Contract("csv-row-too-long", _frame([1.0, 2.0]), ("row 2 (line 3) has 3 fields, the header has 2",),
             file=_text_file("in.csv", "x,c\n1,a\n2,a,3\n"),
             not_on={"dict": ROW_WIDTH, "frame": ROW_WIDTH, "spark": ROW_WIDTH}),
    Contract("csv-row-too-short", _frame([1.0, 2.0]), ("row 2 (line 3) has 1 field, the header has 2",),
             file=_text_file("in.csv", "x,c\n1,a\n2\n"),
             not_on={"dict": ROW_WIDTH, "frame": ROW_WIDTH, "spark": ROW_WIDTH}),
    Contract("csv-row-too-short-counted", _frame([1.0, 2.0]), None, {"on-invalid": "missing"},
             file=_text_file("in.csv", "x,c\n1,a\n2\n"),
             not_on={"dict": ROW_WIDTH, "frame": ROW_WIDTH, "spark": ROW_WIDTH}),
    Contract("datetime", _frame(lambda: pd.Series(pd.to_datetime([None, "2024-05-01"]))), ("'x'", "a datetime"),
             file="parquet", spark=("x timestamp, c string", [(None, "a"), (datetime.datetime(2024, 5, 1), "a")])),
    Contract("timedelta", _frame(lambda: pd.Series(pd.to_timedelta([None, "1s"]))), ("'x'", "a timedelta"),
             file="parquet", spark=("x interval day to second, c string",
                                    [(None, "a"), (pd.Timedelta("1s").to_pytimedelta(), "a")])),
    Contract("nested-value", _frame([1.0, [1.0, 2.0]]), ("'x'", "nested"), file="jsonl",
             spark=("x array<double>, c string", [(None, "a"), ([1.0, 2.0], "a")])),
    Contract("string-in-numeric-field", _frame([1.0, "1.5"]), ("'x'", "in a numeric field"),
             file="jsonl", spark=("x string, c string", [("1.0", "a"), ("1.5", "a")])),
    Contract("beyond-double-range", _frame([1.0, 10 ** 400]), ("'x'", "outside the range of a double"),
             file="jsonl", not_on={"spark": "Spark numbers (double, decimal(38)) cannot hold 10**400"}),
    Contract("infinity", _frame(lambda: pd.Series([1.0, math.inf])), ("'x'", "outside the range of a double"),
             spark=("x double, c string", [(1.0, "a"), (math.inf, "a")])),
    Contract("infinity-as-text", _frame(["1", "Infinity"]),
             ("'x'", "inf is outside the range of a double (as for scikit-learn, infinity is not an input)"),
             not_on={"dict": TEXT_ONLY, "frame": TEXT_ONLY, "spark": TEXT_ONLY}),
    Contract("beyond-double-range-as-text", _frame(["1", "1e400"]), ("'x'", "1E+400 is outside the range of a double"),
             not_on={"dict": TEXT_ONLY, "frame": TEXT_ONLY, "spark": TEXT_ONLY}),
    Contract("lone-surrogate", _frame([1.0, 2.0], c=["a", "\ud800"]), ("'c'", "not valid Unicode"),
             file="jsonl", not_on={"spark": SPARK_UTF8}),
    Contract("undecodable-bytes", _frame([1.0, 2.0], c=["a", "\udcff\udcfe"]), ("'c'", "not valid Unicode"),
             file=_undecodable_csv, not_on={"spark": SPARK_UTF8}),
    Contract("duplicate-column", _duplicate, ("more than one column named", "['x']"),
             not_on={"dict": NO_DICT_COLUMNS}, spark=("x double, c string, x double", [(1.0, "a", 1.0)]),
             row_fragment=False),
    Contract("multiindex-columns", _multiindex, ("multi-level column labels",),
             not_on={"dict": NO_DICT_COLUMNS, "cli": TEXT_FILE, "spark": "Spark column names are flat"},
             row_fragment=False),
]


def _params() -> list[Any]:
    params = []
    for case in CASES:
        for path in PATHS:
            marks = [pytest.mark.xdist_group("spark")] if path == "spark" else []
            reason = case.not_on.get(path) or ("no Spark form" if path == "spark" and case.spark is None else None)
            if reason:
                marks.append(pytest.mark.skip(reason=f"not representable: {reason}"))
            params.append(pytest.param(case, path, id=f"{case.id}-{path}", marks=marks))
    return params


@pytest.fixture(scope="module")
def pmml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("contract") / "model.pmml"
    path.write_text(MODEL)
    return path


def _value(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _on_dict(case: Contract, pmml: Path) -> float | None:
    record = case.record if case.record is not None else case.frame().to_dict("records")[1]
    return _value(pmmlkit.load(pmml).predict(record, **case.options)["predicted_y"])


def _on_frame(case: Contract, pmml: Path) -> float | None:
    return _value(pmmlkit.load(pmml).predict(case.frame(), **case.options)["predicted_y"].iloc[1])


def _write(case: Contract, folder: Path) -> Path:
    if callable(case.file):
        return case.file(folder)
    frame = case.frame()
    path = folder / f"in.{case.file}"
    if case.file == "csv":
        frame.to_csv(path, index=False)
    elif case.file == "parquet":
        frame.to_parquet(path)
    else:  # JSON Lines written by hand: exact numbers, lists and escaped surrogates as JSON has them
        lines = [json.dumps({k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()})
                 for row in frame.to_dict("records")]
        path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


def _on_cli(case: Contract, pmml: Path, folder: Path, capsys: pytest.CaptureFixture) -> float | None:
    source = _write(case, folder)
    out = folder / "out.csv"
    options = [f"--{k}={v}" for k, v in case.options.items()]
    code = main(["score", str(pmml), str(source), "-o", str(out), *options])
    _, err = capsys.readouterr()
    if code != 0:
        assert code == 1 and err.startswith("pmmlkit: error: ") and len(err.strip().splitlines()) == 1, err
        raise EvaluationError(err)
    return _value(pd.read_csv(out)["predicted_y"].iloc[1])


def _on_spark(case: Contract, pmml: Path, spark: Any) -> float | None:
    from pmmlkit.scoring.spark import score

    schema, rows = case.spark
    df = spark.createDataFrame(rows, schema).coalesce(1)
    try:
        result = score(df, pmml, **case.options).toPandas()
    except EvaluationError:
        raise
    except Exception as exc:  # an executor's error reaches the driver inside Spark's own exception
        raise EvaluationError(str(exc)) from None
    return _value(result["predicted_y"].iloc[1])


# The command line gives the same advice as its flags.
CLI_SPELLING = {"missing='allow'": "--missing allow"}


@pytest.mark.parametrize("case, path", _params())
def test_input_contract(case: Contract, path: str, pmml: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                        request: pytest.FixtureRequest) -> None:
    if path == "dict":
        run = lambda: _on_dict(case, pmml)  # noqa: E731
    elif path == "frame":
        run = lambda: _on_frame(case, pmml)  # noqa: E731
    elif path == "cli":
        run = lambda: _on_cli(case, pmml, tmp_path, capsys)  # noqa: E731
    else:
        pytest.importorskip("pyspark")
        spark = request.getfixturevalue("spark")
        run = lambda: _on_spark(case, pmml, spark)  # noqa: E731
    if not case.is_error:
        assert run() == case.expect
        return
    with pytest.raises(PMMLError) as caught:
        run()
    message = str(caught.value)
    for fragment in case.expect:
        fragment = CLI_SPELLING.get(fragment, fragment) if path == "cli" else fragment
        assert fragment in message, message
    assert "Decimal(" not in message and "missing='allow'" not in message or path != "cli", message
    assert "Traceback" not in message or path == "spark", message
    if case.row_fragment:
        where = {"dict": "in the record", "frame": "row 1", "cli": "row 2", "spark": "row"}[path]
        assert where in message, message


@pytest.fixture(scope="module")
def spark():
    from spark_support import spark_session

    return spark_session()  # stopped by whichever Spark test module's session fixture ends last


@pytest.mark.parametrize("source, fragment", [(None, "not None"), (3, "not int"), (["a.pmml"], "not list")])
def test_load_refuses_what_is_no_document(source: Any, fragment: str) -> None:
    with pytest.raises(EvaluationError, match=fragment):
        pmmlkit.load(source)


def test_record_keys_the_model_does_not_use_are_refused_on_request(pmml: Path) -> None:
    model = pmmlkit.load(pmml)
    assert model.predict({"x": 1.0, "c": "a", "target": 3})["predicted_y"] == 13.0
    with pytest.raises(EvaluationError, match="'target'"):
        model.predict({"x": 1.0, "c": "a", "target": 3}, extra="error")


def test_invalid_cells_become_missing_on_request_and_are_counted(pmml: Path) -> None:
    from pmmlkit.scoring.inputs import InvalidReport

    model = pmmlkit.load(pmml)
    frame = pd.DataFrame({"x": pd.Series([1.0, "s", [1], 2.0], dtype=object), "c": ["a", "b", "\ud800", "b"]},
                         dtype=object)
    report = InvalidReport()
    out = model.predict(frame, on_invalid="missing", report=report)["predicted_y"]
    assert out.iloc[0] == 13.0 and out.iloc[3] == 5.0 and out.iloc[1:3].isna().all()
    assert report.rows == 2 and report.columns == {"x": 2, "c": 1}
    assert "row 1" in report.first


def test_numeric_dtypes_pass_without_looking_at_cells(pmml: Path) -> None:
    # Integers, nullable integers, booleans and categoricals of numbers are numbers.
    model = pmmlkit.load(pmml)
    expected = [3.0, 5.0, None]
    for x in (pd.array([1, 2, None], dtype="Int64"), pd.Categorical([1.0, 2.0, np.nan]),
              np.array([1.0, 2.0, np.nan], dtype=np.float32)):
        got = model.predict(pd.DataFrame({"x": x, "c": ["b", "b", "b"]}))["predicted_y"].tolist()
        assert [None if pd.isna(v) else v for v in got] == expected, x


@pytest.mark.parametrize("given, hint", [
    (["petal_length", "sepal_width"], None),  # both are model inputs: neither is a misspelling
    (["sepal_lenght", "petal_length"], "'sepal_lenght' for 'sepal_length'?"),
    (["SEPAL_LENGTH", "petal_length"], "'SEPAL_LENGTH' for 'sepal_length'?"),
])
def test_absent_input_hints_only_names_the_model_does_not_read(given: list[str], hint: str | None) -> None:
    message = absent_message(["sepal_length"], given, ["sepal_length", "sepal_width", "petal_length"], "record")
    assert ("Did you mean" in message) == (hint is not None), message
    assert hint is None or hint in message, message


# Accepted forms of each typed field, and the canonical value JPMML is given for them.
TYPED_ACCEPTED = [
    ({"i": 3, "k": 2, "b": True}, {"i": 3, "k": 2, "b": "true"}),
    ({"i": 3.0, "k": 2.0, "b": "true"}, {"i": 3, "k": 2, "b": "true"}),
    ({"i": np.int64(-4), "k": np.int64(1), "b": "FALSE"}, {"i": -4, "k": 1, "b": "false"}),
    ({"i": 0, "k": 1, "b": 1}, {"i": 0, "k": 1, "b": "true"}),
    ({"i": 7, "k": 2, "b": 0}, {"i": 7, "k": 2, "b": "false"}),
    ({"i": 7, "k": 2, "b": "1"}, {"i": 7, "k": 2, "b": "true"}),
    ({"i": 7, "k": 2, "b": "0"}, {"i": 7, "k": 2, "b": "false"}),
    ({"i": 7, "k": 2, "b": np.bool_(True)}, {"i": 7, "k": 2, "b": "true"}),
    # A missing integer is missing (PMML4S alone would read it as Long.MIN_VALUE: pmml4s_bytes).
    ({"i": None, "k": 2, "b": True}, {"i": None, "k": 2, "b": "true"}),
    ({"i": 2 ** 31 - 1, "k": 1, "b": False}, {"i": 2 ** 31 - 1, "k": 1, "b": "false"}),  # JPMML's largest
]
TYPED_REFUSED = [
    ({"i": 40.9, "k": 1, "b": True}, ("'i' (dataType integer)", "40.9 is not a whole number")),
    ({"i": "41", "k": 1, "b": True}, ("'i' (dataType integer)", "a string ('41') in a numeric field")),
    ({"i": 1, "k": 1.5, "b": True}, ("'k' (dataType integer)", "1.5 is not a whole number")),
    ({"i": 1, "k": 1, "b": "yes"}, ("'b' (dataType boolean)", "'yes' is not a boolean")),
    ({"i": 1, "k": 1, "b": 2}, ("'b' (dataType boolean)", "2 is not a boolean")),
    ({"i": 1, "k": 1, "b": 0.5}, ("'b' (dataType boolean)", "0.5 is not a boolean")),
    ({"i": 2 ** 53 + 1, "k": 1, "b": True}, ("'i' (dataType integer)", "9007199254740993 is beyond 2**53")),
    ({"i": 1e300, "k": 1, "b": True}, ("'i' (dataType integer)", "1e+300 is beyond 2**53")),
]


@pytest.fixture(scope="module")
def typed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("typed") / "typed.pmml"
    path.write_text(TYPED_MODEL)
    return path


def test_typed_fields_score_as_jpmml_does(typed: Path) -> None:
    jpmml_evaluator = pytest.importorskip("jpmml_evaluator")
    reference = jpmml_evaluator.make_evaluator(str(typed)).verify()
    model = pmmlkit.load(typed)
    frame = pd.DataFrame([given for given, _ in TYPED_ACCEPTED], dtype=object)
    by_frame = model.predict(frame)["predicted_y"].tolist()
    for row, (given, canonical) in enumerate(TYPED_ACCEPTED):
        expected = reference.evaluate(canonical)["y"]
        assert _same_score(model.predict(given)["predicted_y"], expected), given
        assert _same_score(by_frame[row], expected), given
    # Typed columns (numbers, booleans) take the same checks without looking at each cell.
    columns = pd.DataFrame({"i": [3.0, 7.0], "k": [2, 1], "b": [True, False]})
    assert model.predict(columns)["predicted_y"].tolist() == [1103.0, 7.0]
    nullable = pd.DataFrame({"i": pd.Series([3, None], dtype="Int64"), "k": [2, 1], "b": [True, False]})
    assert _same_score(model.predict(nullable)["predicted_y"].tolist(), [1103.0, None])


def _same_score(got: Any, expected: Any) -> bool:
    """Equal scores, a missing one (None or NaN) equal to a missing one."""
    if isinstance(got, list):
        return len(got) == len(expected) and all(_same_score(g, e) for g, e in zip(got, expected))
    missing = [v is None or (isinstance(v, float) and math.isnan(v)) for v in (got, expected)]
    return all(missing) if any(missing) else got == expected


@pytest.mark.parametrize("given, fragments", TYPED_REFUSED, ids=[f[1] for _, f in TYPED_REFUSED])
@pytest.mark.parametrize("path", ("dict", "frame"))
def test_typed_fields_refuse_what_does_not_fit(typed: Path, given: dict[str, Any], fragments: tuple[str, ...],
                                               path: str) -> None:
    model = pmmlkit.load(typed)
    with pytest.raises(EvaluationError) as caught:
        if path == "dict":
            model.predict(given)
        else:
            model.predict(pd.DataFrame([{"i": 1, "k": 1, "b": True}, given], dtype=object))
    message = str(caught.value)
    assert all(f in message for f in fragments), message
    assert ("row 1" if path == "frame" else "in the record") in message, message
    counted = InvalidReport()
    frame = pd.DataFrame([{"i": 1, "k": 1, "b": True}, given], dtype=object)
    scores = model.predict(frame, on_invalid="missing", report=counted)["predicted_y"]
    assert scores.iloc[0] == 101.0 and counted.rows == 1, (scores, counted)


def test_fractions_in_a_float_column_of_an_integer_field_are_refused(typed: Path) -> None:
    model = pmmlkit.load(typed)
    frame = pd.DataFrame({"i": [3.0, 40.9], "k": [1, 1], "b": [True, True]})
    with pytest.raises(EvaluationError, match=r"'i' \(dataType integer\), row 1: 40.9 is not a whole number"):
        model.predict(frame)


@pytest.mark.parametrize("value", ["2020-01-01", datetime.date(2020, 1, 1), datetime.datetime(2020, 1, 1),
                                   pd.Timestamp("2020-01-01"), 18262, 18262.0])
def test_date_fields_are_refused_with_the_engines_reason(tmp_path: Path, value: Any) -> None:
    # PMML4S turns date inputs into numbers its date functions then refuse (ClassCastException),
    # or into missing values: no value can be scored as JPMML scores it (18262).
    path = tmp_path / "date.pmml"
    path.write_text(DATE_MODEL)
    model = pmmlkit.load(path, warm=False)
    for data, where in (({"d": value}, "in the record"), (pd.DataFrame({"d": [None, value]}), "row 1")):
        with pytest.raises(EvaluationError) as caught:
            model.predict(data)
        message = str(caught.value)
        assert "'d' (dataType date)" in message and where in message and "cannot evaluate date" in message, message
    assert model.predict({"d": None})["predicted_y"] is None  # a missing date is a missing value


@pytest.mark.parametrize("data_type", ["dateDaysSince[1970]", "timeSeconds", "dateTimeSecondsSince[1980]"])
@pytest.mark.parametrize("value", ["2020-01-01", 5])
def test_counting_date_fields_are_refused_with_the_engines_reason(tmp_path: Path, data_type: str, value: Any) -> None:
    # PMML4S scored a date given to a dateDaysSince/timeSeconds input as missing (every score null,
    # found by the validate/load differential) and a number as the count itself: refused like dates.
    path = tmp_path / "count.pmml"
    path.write_text(DATE_MODEL.replace('<Apply function="dateDaysSinceYear"><FieldRef field="d"/><Constant '
                                       'dataType="integer">1970</Constant></Apply>', '<FieldRef field="d"/>')
                    .replace('dataType="date"', f'dataType="{data_type}"'))
    model = pmmlkit.load(path, warm=False)
    with pytest.raises(EvaluationError, match="cannot evaluate date"):
        model.predict({"d": value})
    assert model.predict({"d": None})["predicted_y"] is None


def test_lone_surrogate_in_an_object_column_is_named_or_counted(pmml: Path) -> None:
    # pandas 3 cannot build its default (arrow) string column from a lone surrogate at all: the
    # DataFrame is refused by pandas before pmmlkit sees it. An object column can hold one.
    model = pmmlkit.load(pmml)
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": pd.Series(["a", "\udc80", "b"], dtype=object)})
    with pytest.raises(EvaluationError, match=r"'c' \(dataType string\), row 1: text that is not valid Unicode"):
        model.predict(frame)
    report = InvalidReport()
    out = model.predict(frame, on_invalid="missing", report=report)["predicted_y"]
    assert out.iloc[0] == 13.0 and out.iloc[2] == 7.0 and report.columns == {"c": 1}
