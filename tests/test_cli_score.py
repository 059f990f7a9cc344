"""`pmmlkit score` in pipelines: formats in and out, standard streams, invalid rows, stable output types."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from documents import BIG_WHOLE_MODEL

import pmmlkit
from pmmlkit.cli import main
from pmmlkit.cli.score_input import NOT_AN_OBJECT, RowRules, read_chunks
from pmmlkit.errors import PMMLError
from pmmlkit.io import read_table, table_size

FORMATS = ("csv", "parquet", "jsonl")


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    folder = tmp_path_factory.mktemp("score")
    X, y = load_iris(return_X_y=True, as_frame=True)
    X.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    # No imputer: a row without a value has no prediction (a missing integer label).
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y)
    pmmlkit.convert(pipeline, X).save(folder / "model.pmml")
    rows = X.head(12).copy()
    rows.insert(0, "id", range(12))
    rows.to_csv(folder / "rows.csv", index=False)
    return folder


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".jsonl":
        return pd.DataFrame([json.loads(line) for line in path.read_text().splitlines()])
    return pd.read_csv(path)


def _jsonl(rows: pd.DataFrame) -> str:
    # Python's json writes doubles exactly (pandas' to_json rounds to at most 15 digits).
    return "".join(json.dumps(record) + "\n" for record in rows.to_dict("records"))


@pytest.mark.parametrize("source", FORMATS)
@pytest.mark.parametrize("target", FORMATS)
def test_formats_in_and_out(work: Path, source: str, target: str, capsys: pytest.CaptureFixture) -> None:
    rows = pd.read_csv(work / "rows.csv")
    given = work / f"in-{source}-{target}.{source}"
    if source == "csv":
        rows.to_csv(given, index=False)
    elif source == "parquet":
        rows.to_parquet(given)
    else:
        given.write_text(_jsonl(rows))
    out = work / f"out-{source}-{target}.{target}"
    assert main(["score", str(work / "model.pmml"), str(given), "-o", str(out), "--chunk-size", "5"]) == 0
    capsys.readouterr()
    expected = pmmlkit.load(work / "model.pmml").predict(rows)
    got = _read(out)
    assert list(got.columns) == list(expected.columns)
    np.testing.assert_array_equal(got["probability_1"].to_numpy(np.float64), expected["probability_1"].to_numpy())
    assert got["predicted_y"].tolist() == expected["predicted_y"].tolist()


def test_integer_output_stays_integer_in_every_chunk(work: Path, capsys: pytest.CaptureFixture) -> None:
    text = (work / "rows.csv").read_text().splitlines()
    # Row 4 has no petal_width: the model gives no label there, in the second chunk of three.
    fields = text[4].split(",")
    fields[-1] = ""
    text[4] = ",".join(fields)
    (work / "gap.csv").write_text("\n".join(text) + "\n")
    assert main(["score", str(work / "model.pmml"), str(work / "gap.csv"), "-o", str(work / "gap_out.csv"),
                 "--chunk-size", "3"]) == 0
    labels = [line.split(",")[0] for line in (work / "gap_out.csv").read_text().splitlines()[1:]]
    assert labels[3] == "" and all(label.isdigit() for i, label in enumerate(labels) if i != 3), labels
    assert main(["score", str(work / "model.pmml"), str(work / "gap.csv"), "-o", str(work / "gap_out.parquet"),
                 "--chunk-size", "3"]) == 0
    assert str(pd.read_parquet(work / "gap_out.parquet")["predicted_y"].dtype) == "Int64"
    capsys.readouterr()


def test_on_invalid_missing_counts_rows_and_columns(work: Path, capsys: pytest.CaptureFixture) -> None:
    text = (work / "rows.csv").read_text().splitlines()
    for line, column, value in ((2, 1, "wide"), (5, 1, "n/a"), (5, 3, "?"), (9, 2, "1e999")):
        fields = text[line].split(",")
        fields[column] = value
        text[line] = ",".join(fields)
    (work / "bad.csv").write_text("\n".join(text) + "\n")
    code = main(["score", str(work / "model.pmml"), str(work / "bad.csv"), "-o", str(work / "never.csv")])
    _, err = capsys.readouterr()
    assert code == 1 and "'sepal_length'" in err and "row 2" in err and "'wide'" in err
    assert not (work / "never.csv").exists()
    code = main(["score", str(work / "model.pmml"), str(work / "bad.csv"), "-o", str(work / "kept.csv"),
                 "--on-invalid", "missing", "--json", "--chunk-size", "4"])
    _, err = capsys.readouterr()
    assert code == 0, err
    summary = json.loads(err.strip().splitlines()[-1])
    assert summary["rows"] == 12 and summary["invalid_rows"] == 3
    assert summary["invalid_columns"] == {"sepal_length": 2, "petal_length": 1, "sepal_width": 1}
    assert summary["seconds"] > 0
    assert len(pd.read_csv(work / "kept.csv")) == 12
    code = main(["score", str(work / "model.pmml"), str(work / "bad.csv"), "-o", str(work / "kept.csv"),
                 "--on-invalid", "missing"])
    _, err = capsys.readouterr()
    assert code == 0 and err.startswith("pmmlkit: 3 of 12 rows had invalid values"), err


def test_standard_input_and_output(work: Path) -> None:
    # A real pipe: `cat rows.jsonl | pmmlkit score model.pmml - --input-format jsonl --output-format parquet`.
    rows = pd.read_csv(work / "rows.csv")
    payload = _jsonl(rows).encode()
    done = subprocess.run([sys.executable, "-m", "pmmlkit", "score", str(work / "model.pmml"), "-",
                           "--input-format", "jsonl", "--output-format", "parquet", "-o", "-", "--json"],
                          input=payload, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr
    got = pd.read_parquet(io.BytesIO(done.stdout))
    expected = pmmlkit.load(work / "model.pmml").predict(rows)
    np.testing.assert_array_equal(got["probability_2"].to_numpy(), expected["probability_2"].to_numpy())
    assert json.loads(done.stderr.decode().strip().splitlines()[-1])["rows"] == 12


def test_progress_total_is_known_for_files(work: Path) -> None:
    pd.read_csv(work / "rows.csv").to_parquet(work / "sized.parquet")
    assert table_size(work / "rows.csv") == ((work / "rows.csv").stat().st_size, "B")
    assert table_size(work / "sized.parquet") == (12, "rows")
    assert table_size("-") is None


HEADER = "id,sepal_length,sepal_width,petal_length,petal_width\n"
# predicted_y = 1 + 2 x + 10 [c == "a"]: a model with a text input.
MODEL_WITH_TEXT = """<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/>
  <DataDictionary>
    <DataField name="x" optype="continuous" dataType="double"/>
    <DataField name="c" optype="categorical" dataType="string"/>
    <DataField name="y" optype="continuous" dataType="double"/>
  </DataDictionary>
  <RegressionModel functionName="regression">
    <MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x"/><MiningField name="c"/></MiningSchema>
    <RegressionTable intercept="1">
      <NumericPredictor name="x" coefficient="2"/><CategoricalPredictor name="c" value="a" coefficient="10"/>
    </RegressionTable>
  </RegressionModel>
</PMML>
"""


def _bytes_file(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


# Inputs `pmmlkit score` must explain, not misread: (file name, its bytes, options, fragments of the one error line).
EXPLAINED = [
    ("utf8.csv", (HEADER + "1,5.1,3.5,1.4,0.2\n2,5.1,3.5,1.4,0.2\n").encode(), [],
     None),  # a control: a plain file scores
    ("extra-columns.csv", "id,sepal_length,sepal_width,petal_length,petal_width,city\n1,5.1,3.5,1.4,0.2,p\xe9ris\n"
     .encode("latin-1"), ["--extra", "error"], ("does not know: ['id', 'city']", "--extra ignore")),
    ("semicolons.csv", b"sepal_length;sepal_width;petal_length;petal_width\n5.1;3.5;1.4;0.2\n", [],
     ("looks separated by ';'", "comma-separated")),
    ("empty.jsonl", b"", [], ("it is empty (no JSON object)",)),
    ("blank-lines.jsonl", b"\n\n", [], ("it is empty (no JSON object)",)),
    ("misspelt.jsonl", b'{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}\n'
     b'{"sepal_length": 5.1, "sepal_widht": 3.5, "petal_length": 1.4, "petal_width": 0.2}\n', [],
     ("row 2 (line 2)", "['sepal_width']", "Did you mean 'sepal_widht'", "--missing allow")),
    ("wide.csv", (HEADER + "1,5.1,3.5,1.4,0.2\n2,5.1,3.5,1.4,0.2,9\n").encode(), [],
     ("row 2 (line 3) has 6 fields, the header has 5",)),
    # Text saved as UTF-16 or UTF-32 (with a byte order mark, or told by its NUL bytes) was read as
    # UTF-8: the CSV's inputs were "missing", the JSON Lines' first line "not valid JSON".
    ("utf16.csv", (HEADER + "1,5.1,3.5,1.4,0.2\n").encode("utf-16"), [],
     ("utf16.csv: the file is not UTF-8 (looks like UTF-16): re-save it as UTF-8",
      "`iconv -f UTF-16 -t UTF-8 ", "utf16.csv > ", "utf16-utf8.csv`")),
    ("utf16le.csv", (HEADER + "1,5.1,3.5,1.4,0.2\n").encode("utf-16-le"), [],
     ("(looks like UTF-16)", "iconv -f UTF-16LE")),
    ("utf16be.jsonl", b'{"sepal_length": 5.1}\n'.decode().encode("utf-16-be"), [],
     ("utf16be.jsonl: the file is not UTF-8 (looks like UTF-16)", "iconv -f UTF-16BE")),
    ("utf32.jsonl", b'{"sepal_length": 5.1}\n'.decode().encode("utf-32"), [],
     ("utf32.jsonl: the file is not UTF-8 (looks like UTF-32)", "iconv -f UTF-32 ")),
    ("utf32be.csv", HEADER.encode("utf-32-be"), [], ("(looks like UTF-32)", "iconv -f UTF-32BE")),
]


@pytest.mark.parametrize("name, data, options, fragments", EXPLAINED, ids=[e[0] for e in EXPLAINED])
def test_inputs_that_are_explained(work: Path, name: str, data: bytes, options: list[str],
                                   fragments: tuple[str, ...] | None, capsys: pytest.CaptureFixture) -> None:
    source = _bytes_file(work, name, data)
    code = main(["score", str(work / "model.pmml"), str(source), "-o", str(work / f"{name}.out.csv"), *options])
    _, err = capsys.readouterr()
    if fragments is None:
        assert code == 0, err
        return
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert all(f in err for f in fragments), err


ROWS = [{"x": 1.5, "c": "a"}, {"x": -2, "c": 'b, "q"'}, {"x": 3, "c": None}]


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("mark", [b"", b"\xef\xbb\xbf"], ids=["", "BOM"])
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_line_ends_and_a_byte_order_mark_are_read_alike(work: Path, fmt: str, mark: bytes, end: str,
                                                         capsys: pytest.CaptureFixture) -> None:
    """CSV and JSON Lines read the same rows whatever ends their lines (LF, CRLF or a bare CR, as the
    csv module reads them) and with or without a UTF-8 byte order mark. A JSON Lines file with bare
    CR line ends was one line "cut short", and one with a byte order mark was refused."""
    pmml = work / "text_model.pmml"
    pmml.write_text(MODEL_WITH_TEXT)
    if fmt == "csv":
        text = end.join(["x,c", '1.5,a', '-2,"b, ""q"""', "3,"]) + end
    else:
        text = "".join(json.dumps(r) + end for r in ROWS)
    source = _bytes_file(work, f"ends-{fmt}-{len(mark)}-{len(end)}{end == chr(13)}.{fmt}", mark + text.encode())
    code = main(["score", str(pmml), str(source), "--keep-inputs", "--output-format", "jsonl", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    got = [json.loads(line) for line in out.splitlines()]
    assert [(float(r["x"]), r["c"], r["predicted_y"]) for r in got] == [
        (1.5, "a", 14.0), (-2.0, 'b, "q"', -3.0), (3.0, None, 7.0)], out
    assert json.loads(err.strip().splitlines()[-1])["rows"] == 3, err


def test_the_library_reads_tables_as_score_does(tmp_path: Path) -> None:
    """read_table (convert --sample, diff --data) reads JSON Lines with bare CR line ends and a byte
    order mark, and names a UTF-16 file as such, as `pmmlkit score` does."""
    lines = _bytes_file(tmp_path, "cr.jsonl", b'\xef\xbb\xbf{"x": 1, "c": "a"}\r{"x": 2, "c": "b"}\r')
    assert read_table(lines).to_dict("records") == [{"x": 1, "c": "a"}, {"x": 2, "c": "b"}]
    for name, data in (("u16.csv", "x,c\n1,a\n".encode("utf-16")), ("u16.jsonl", '{"x": 1}\n'.encode("utf-16-le"))):
        with pytest.raises(PMMLError, match=r"the file is not UTF-8 \(looks like UTF-16\): re-save it as UTF-8"):
            read_table(_bytes_file(tmp_path, name, data))


def test_text_that_is_not_utf8_is_named_as_such(work: Path, capsys: pytest.CaptureFixture) -> None:
    # A Latin-1 file whose text input holds "é": the model's input is refused with the file's real problem.
    pmml = work / "text_model.pmml"
    pmml.write_text(MODEL_WITH_TEXT)
    source = _bytes_file(work, "latin1-input.csv", "x,c\n1,a\n2,p\xe9ris\n".encode("latin-1"))
    code = main(["score", str(pmml), str(source), "-o", str(work / "never.csv")])
    _, err = capsys.readouterr()
    assert code == 1 and "'c', row 2 (line 3)" in err and "b'p\\xe9ris' are not UTF-8" in err, err
    assert "is not a UTF-8 file" in err and "iconv" in err, err
    code = main(["score", str(pmml), str(source), "-o", str(work / "kept.csv"), "--on-invalid", "missing", "--json"])
    _, err = capsys.readouterr()
    assert code == 0 and json.loads(err.strip().splitlines()[-1])["invalid_columns"] == {"c": 1}, err


def test_a_binary_file_named_csv_is_named_as_such(work: Path, capsys: pytest.CaptureFixture) -> None:
    pd.read_csv(work / "rows.csv").to_parquet(work / "parquet-named.csv")
    code = main(["score", str(work / "model.pmml"), str(work / "parquet-named.csv")])
    _, err = capsys.readouterr()
    assert code == 1 and "this is a Parquet file, not CSV text" in err and "--input-format parquet" in err, err


def test_absent_keys_in_json_lines_are_counted_on_request(work: Path, capsys: pytest.CaptureFixture) -> None:
    rows = pd.read_csv(work / "rows.csv")
    lines = _jsonl(rows).splitlines()
    record = json.loads(lines[3])
    del record["petal_width"]
    lines[3] = json.dumps(record)
    source = work / "absent.jsonl"
    source.write_text("\n".join(lines) + "\n")
    code = main(["score", str(work / "model.pmml"), str(source), "-o", str(work / "absent.out.csv"),
                 "--on-invalid", "missing", "--json", "--chunk-size", "5"])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(err.strip().splitlines()[-1])["invalid_columns"] == {"petal_width": 1}
    labels = pd.read_csv(work / "absent.out.csv")["predicted_y"]
    assert labels.isna().tolist() == [i == 3 for i in range(12)]
    code = main(["score", str(work / "model.pmml"), str(source), "-o", str(work / "absent.out.csv"),
                 "--missing", "allow", "--json"])
    _, err = capsys.readouterr()
    assert code == 0 and json.loads(err.strip().splitlines()[-1])["invalid_rows"] == 0, err


def test_a_closed_standard_output_ends_quietly(work: Path) -> None:
    # `pmmlkit score model.pmml big.csv | head -2`: the reader leaves; no error message, SIGPIPE's status.
    rows = pd.read_csv(work / "rows.csv")
    big = pd.concat([rows] * 5000, ignore_index=True)
    big.to_csv(work / "big.csv", index=False)
    done = subprocess.run(f"{sys.executable} -m pmmlkit score {work / 'model.pmml'} {work / 'big.csv'} | head -2; "
                          "echo status=${PIPESTATUS[0]} >&2", shell=True, executable="/bin/bash",
                          capture_output=True, timeout=300)
    assert done.stdout.decode().count("\n") == 2
    assert done.stderr.decode().strip() == "status=141", done.stderr


@pytest.mark.parametrize("chunk", ["1", "1000"])
def test_whole_numbers_in_csv_are_read_exactly(work: Path, chunk: str, capsys: pytest.CaptureFixture) -> None:
    """An integer cell is read as the integer it is, whatever the other cells of its column hold
    (a blank cell would otherwise make the column doubles and round 9007199254740993)."""
    model = work / "big_whole.pmml"
    model.write_text(BIG_WHOLE_MODEL)
    data = work / "big_whole.csv"
    data.write_text("k,i\n9007199254740993,0\n1.0,0\n,0\n")
    assert main(["score", str(model), str(data), "--chunk-size", chunk]) == 0
    assert capsys.readouterr().out.split() == ["predicted_y", "30.0", "10.0", '""']
    data.write_text("k,i\n1,9007199254740993\n1,\n")
    assert main(["score", str(model), str(data), "--chunk-size", chunk]) == 1
    assert "9007199254740993 is beyond 2**53" in capsys.readouterr().err


@pytest.mark.parametrize("policy", ["error", "missing"])
def test_an_unclosed_quote_is_an_error_naming_its_line(work: Path, policy: str, capsys: pytest.CaptureFixture) -> None:
    """Issue 15: a 1,000-row CSV whose 10th row opens a quote it never closes was read as 10 rows (the
    10th holding the rest of the file), exit 0. It is malformed CSV: an error naming the file and the
    line, whatever --on-invalid says, and no output file (not even the chunks scored before it)."""
    pmml = work / "text_model.pmml"
    pmml.write_text(MODEL_WITH_TEXT)
    lines = ["x,c", *(f"{i},a" for i in range(1000))]
    lines[10] = '9,"a'
    folder = work / f"unclosed-{policy}"
    folder.mkdir()
    source = folder / "unclosed.csv"
    source.write_text("\n".join(lines) + "\n")
    out = folder / "out.csv"
    code = main(["score", str(pmml), str(source), "-o", str(out), "--chunk-size", "3", "--json",
                 "--on-invalid", policy])
    _, err = capsys.readouterr()
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert f"{source}: cannot read the table: line 11:" in err and "never closed" in err, err
    assert sorted(p.name for p in folder.iterdir()) == ["unclosed.csv"]


# CSV that is not well-formed, and the line each error names: text after a closing quote, a quote
# opened in a header, a long value that is really an unclosed quote.
MALFORMED = [
    (b'x,c\n1,a\n2,"a"b\n3,c\n', "line 3: text follows the closing quote"),
    (b'x,c\n1,"a" \n', "line 2: text follows the closing quote"),
    (b'x,"c\n1,a\n', "line 1: the row that starts here opens a quote"),
    (b'x,c\n1,a\n2,"' + b"a" * 200_000 + b'\n3,c\n', "line 3: the row that starts here has a value longer than"),
]


@pytest.mark.parametrize("data, fragment", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_csv_names_its_line(work: Path, data: bytes, fragment: str, capsys: pytest.CaptureFixture) -> None:
    pmml = work / "text_model.pmml"
    pmml.write_text(MODEL_WITH_TEXT)
    source = _bytes_file(work, "malformed.csv", data)
    code = main(["score", str(pmml), str(source), "-o", str(work / "malformed.out.csv"), "--on-invalid", "missing"])
    _, err = capsys.readouterr()
    assert code == 1 and fragment in err, err
    assert not (work / "malformed.out.csv").exists()


def test_what_is_a_csv_row(work: Path, capsys: pytest.CaptureFixture) -> None:
    """Blank lines (spaces and tabs only, any line end) are no rows, as for pandas; a quoted blank value
    is a row; a byte order mark is no part of a quoted first column name; quoted values keep their
    separators, quotes and line ends."""
    pmml = work / "text_model.pmml"
    pmml.write_text(MODEL_WITH_TEXT)
    data = b'\xef\xbb\xbf"x",c\r\n\r\n1,a\r\n \t\r\n2,"a,""b""\r\nc"\r\r3,\n'
    source = _bytes_file(work, "rows-and-blanks.csv", data)
    assert main(["score", str(pmml), str(source), "--keep-inputs", "--output-format", "jsonl"]) == 0
    got = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["x"], r["c"], r["predicted_y"]) for r in got] == [
        ("1", "a", 13.0), ("2", 'a,"b"\r\nc', 5.0), ("3", None, 7.0)]
    single = _bytes_file(work, "one-column.csv", b'c\n""\n  \n\na\n')
    assert main(["score", str(pmml), str(single), "--missing", "allow", "--json"]) == 0
    assert json.loads(capsys.readouterr().err.strip().splitlines()[-1])["rows"] == 2


def test_json_lines_cut_at_every_byte_is_accounted_for(tmp_path: Path) -> None:
    """A JSON Lines file cut anywhere: the lines before the cut are the rows read, and a cut inside an
    object is an error naming the last line and saying the file ends inside it. Never fewer rows
    with exit 0."""
    records = [{"x": i + 0.5, "c": "a\u2028b" if i % 2 else "é"} for i in range(5)]
    whole = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    rules = RowRules(needed=("x", "c"))
    for cut in range(1, len(whole) + 1):
        source = tmp_path / f"cut-{cut}.jsonl"
        source.write_bytes(whole[:cut])
        complete = whole[:cut].count(b"\n")
        try:
            rows = sum(len(chunk) for chunk in read_chunks(str(source), "jsonl", 2, rules))
        except PMMLError as exc:
            assert f"{source}: line {complete + 1} is not valid JSON (the file ends inside it" in str(exc), cut
            continue
        ended = whole[:cut].endswith(b"\n") or whole[:cut].endswith(b"}")
        assert ended and rows == complete + (not whole[:cut].endswith(b"\n")), (cut, rows)


def test_a_json_lines_line_that_is_no_object_is_a_row(work: Path, capsys: pytest.CaptureFixture) -> None:
    """A line holding JSON that is no object is an error naming its row and line, or (--on-invalid
    missing) a row scored with every input missing and counted, like a CSV row with the wrong number
    of fields. A line that is not JSON is an error in every mode."""
    pmml = work / "text_model.pmml"
    pmml.write_text(MODEL_WITH_TEXT)
    source = _bytes_file(work, "no-object.jsonl", b'{"x": 1, "c": "a"}\n\n[1, "a"]\nnull\n{"x": 2, "c": "b"}\n')
    code = main(["score", str(pmml), str(source), "-o", str(work / "no-object.csv")])
    _, err = capsys.readouterr()
    assert code == 1 and "row 2 (line 3) is an array, not a JSON object" in err, err
    assert not (work / "no-object.csv").exists()
    code = main(["score", str(pmml), str(source), "-o", str(work / "no-object.csv"), "--on-invalid", "missing",
                 "--json"])
    _, err = capsys.readouterr()
    summary = json.loads(err.strip().splitlines()[-1])
    assert code == 0 and summary["rows"] == 4 and summary["invalid_rows"] == 2, err
    assert summary["invalid_columns"] == {NOT_AN_OBJECT: 2}
    assert pd.read_csv(work / "no-object.csv")["predicted_y"].tolist()[::3] == [13.0, 5.0]
    source.write_bytes(b'{"x": 1, "c": "a"}\n{"x": 2, "c": \n{"x": 3, "c": "a"}\n')
    code = main(["score", str(pmml), str(source), "-o", str(work / "no-object.csv"), "--on-invalid", "missing"])
    _, err = capsys.readouterr()
    assert code == 1 and f"{source}: line 2 is not valid JSON: Expecting value" in err, err
