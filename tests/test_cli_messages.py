"""What the `pmmlkit` command says, as a newcomer meets it (issue 15): the text agrees with the exit
status, a warning is said once, a usage error points to the subcommand's help, a data file given
where the PMML goes is named as what it is, and score has --strict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from documents import field, regression

from pmmlkit.cli import main

# y = 1 + 2 x, with an OutputField lacking its dataType (as the R pmml package writes it): a
# tolerated schema deviation, scored with a warning; and two verification rows.
DEVIATING = regression(
    [field("x")], '<NumericPredictor name="x" coefficient="2"/>', intercept="1",
    output='<Output><OutputField name="p" feature="predictedValue"/></Output>',
    verification='<ModelVerification recordCount="2"><VerificationFields><VerificationField field="x"/>'
                 '<VerificationField field="p"/></VerificationFields><InlineTable><row><x>1</x><p>3</p></row>'
                 "<row><x>2</x><p>5</p></row></InlineTable></ModelVerification>")
# The same model without the deviation nor verification rows.
NO_ROWS = regression([field("x")], '<NumericPredictor name="x" coefficient="2"/>', intercept="1",
                     output='<Output><OutputField name="p" dataType="double" feature="predictedValue"/></Output>')
# The line of the deviation, as the warning names it.
DEVIATION_LINE = next(n for n, line in enumerate(DEVIATING.splitlines(), 1) if "<OutputField" in line)
DEVIATION = "The attribute 'dataType' is required but missing"


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "deviating.pmml").write_text(DEVIATING)
    (tmp_path / "no_rows.pmml").write_text(NO_ROWS)
    (tmp_path / "rows.csv").write_text("x\n1\n2\n")
    return tmp_path


def _run(capsys: pytest.CaptureFixture, *args: object) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_verify_without_rows_does_not_say_ok(files: Path, capsys: pytest.CaptureFixture) -> None:
    """It printed "OK" and exited 1: nothing re-scored is not verified, and the text says so."""
    code, out, _ = _run(capsys, "verify", files / "no_rows.pmml")
    assert code == 1 and "OK" not in out and out.startswith(f"{files / 'no_rows.pmml'}: NOT VERIFIED"), out
    assert "pmmlkit convert --sample" in out and "pmmlkit verify MODEL_FILE MODEL.pmml DATA" in out
    code, out, _ = _run(capsys, "verify", files / "no_rows.pmml", "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False and report["rows"] == 0
    code, out, _ = _run(capsys, "verify", files / "deviating.pmml", "--json")
    assert code == 0 and json.loads(out)["ok"] is True and json.loads(out)["rows"] == 2, out


@pytest.mark.parametrize("command", [["verify", "{dir}/deviating.pmml"], ["info", "{dir}/deviating.pmml"],
                                     ["score", "{dir}/deviating.pmml", "{dir}/rows.csv"]])
def test_a_tolerated_deviation_is_said_once(files: Path, command: list[str], capsys: pytest.CaptureFixture) -> None:
    """`verify` read the document twice (to check it, then to score it) and said the warning twice."""
    code, _, err = _run(capsys, *(c.format(dir=files) for c in command))
    assert code == 0, err
    warnings = [line for line in err.splitlines() if DEVIATION in line]
    assert len(warnings) == 1, err
    assert warnings[0].startswith(f"pmmlkit: warning: {files / 'deviating.pmml'}: line {DEVIATION_LINE}: "), err
    assert " error:" not in warnings[0] and "='" not in warnings[0], err  # a warning, in the CLI's words
    if command[0] == "score":
        assert "--strict refuses it" in warnings[0], err
    else:
        assert "`pmmlkit score --strict` refuses it" in warnings[0], err


def test_score_has_strict(files: Path, capsys: pytest.CaptureFixture) -> None:
    """The warning suggested strict=True, which `pmmlkit score` had no flag for."""
    code, out, _ = _run(capsys, "score", files / "deviating.pmml", files / "rows.csv")
    assert code == 0 and out.split() == ["p", "3.0", "5.0"], out
    code, out, err = _run(capsys, "score", files / "deviating.pmml", files / "rows.csv", "--strict")
    assert code == 1 and out == "" and DEVIATION in err and "[schema]" in err, err
    code, out, err = _run(capsys, "score", files / "no_rows.pmml", files / "rows.csv", "--strict")
    assert code == 0 and err == "", err


@pytest.mark.parametrize("args, help_of, close", [
    (["validate", "x.pmml", "--strcit"], "pmmlkit validate --help", "--strict"),
    (["score", "m.pmml", "in.csv", "--chunksize", "3"], "pmmlkit score --help", "--chunk-size"),
    (["info", "m.pmml", "--jsn"], "pmmlkit info --help", "--json"),
    (["verify", "m.pmml", "--no-such-option"], "pmmlkit verify --help", None),
])
def test_an_unknown_option_points_to_the_subcommands_help(args: list[str], help_of: str, close: str | None,
                                                          capsys: pytest.CaptureFixture) -> None:
    code, _, err = _run(capsys, *args)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert f"unrecognized arguments: {args[-2] if args[-1] == '3' else args[-1]}" in err, err
    assert f"(see `{help_of}`)" in err and "`pmmlkit --help`" not in err, err
    assert (f"did you mean {close}?" in err) if close else "did you mean" not in err, err


@pytest.mark.parametrize("content, kind", [
    (b"x,c\n1,a\n", "CSV (its first line is 'x,c')"),
    (b"x;c\n1;a\n", "CSV separated by ';' (its first line is 'x;c')"),
    (b'{"x": 1}\n{"x": 2}\n', "JSON Lines"),
    (b"PAR1\x00\x00", "a Parquet file"),
    (b"PK\x03\x04rest", "a zip archive"),
    (b"\x80\x04\x95", "a Python pickle"),
])
def test_a_data_file_given_for_the_pmml_is_named(tmp_path: Path, content: bytes, kind: str,
                                                 capsys: pytest.CaptureFixture) -> None:
    """`pmmlkit score data.csv data.csv` said only "not well-formed XML"."""
    given = tmp_path / "given.data"
    given.write_bytes(content)
    (tmp_path / "rows.csv").write_text("x\n1\n")
    for args in (["score", given, tmp_path / "rows.csv"], ["info", given], ["verify", given]):
        code, _, err = _run(capsys, *args)
        assert code == 2 and f"{given} is not a PMML file: it looks like {kind}" in err, err
        assert f"(see `pmmlkit {args[0]} --help`)" in err, err
    code, out, _ = _run(capsys, "validate", given)  # a report per file: the file's line says what it is
    assert code == 1 and f"({given} looks like {kind}" in out and "validate checks PMML documents)" in out, out


@pytest.mark.parametrize("args, words", [
    (["score", "m.pmml", "in.csv", "--chunk-size", "0"], "--chunk-size: must be from 1 to 100000000 rows, not 0"),
    (["score", "m.pmml", "in.csv", "--chunk-size", "2.5"], "--chunk-size: not a whole number of rows: '2.5'"),
    (["convert", "m.skops", "-o", "m.pmml", "--verification-rows", "5000"],
     "--verification-rows: must be from 0 to 1000 rows, not 5000"),  # only 1000 sample rows are read
    (["validate", "m.pmml", "--max-bytes", "0"], "--max-bytes: must be from 1 to 1099511627776 bytes, not 0"),
    (["plot", "m.pmml", "--kind", "tree", "-o", "t.svg", "--depth", "0"], "--depth: must be from 1 to 100 levels"),
    (["plot", "m.pmml", "--kind", "tree", "-o", "t.svg", "--tree", "-1"], "--tree: must be at least 0, not -1"),
    (["diff", "a.pmml", "b.pmml", "--tolerance", "nan"], "--tolerance: must be a finite number, not nan"),
    (["diff", "a.pmml", "b.pmml", "--tolerance", "-1"], "--tolerance: must be at least 0, not -1"),
])
def test_numbers_out_of_range_are_usage_errors(args: list[str], words: str, capsys: pytest.CaptureFixture) -> None:
    """Every number the command line takes has one bounded type (`serve`'s are in test_serve_faults):
    nan, inf and values that cannot make sense are refused with the range, before any file is read."""
    code, out, err = _run(capsys, *args)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert f"argument {words}" in err and f"(see `pmmlkit {args[0]} --help`)" in err, err


@pytest.mark.parametrize("args, argument", [
    (["validate", "-"], "FILE"), (["validate", "{dir}/no_rows.pmml", "-"], "FILE"), (["info", "-"], "MODEL.pmml"),
    (["verify", "-"], "MODEL.pmml"), (["score", "-", "{dir}/rows.csv"], "MODEL.pmml"),
    (["serve", "-"], "MODEL.pmml"), (["diff", "{dir}/no_rows.pmml", "-"], "NEW.pmml"),
    (["plot", "-", "--kind", "tree", "-o", "{dir}/tree.svg"], "MODEL.pmml"),
])
def test_standard_input_is_no_pmml_document(files: Path, args: list[str], argument: str,
                                            capsys: pytest.CaptureFixture) -> None:
    """`pmmlkit validate -` said "-: no such file": '-' is standard input for tables only, and every
    command reading a PMML document says so, with what to do."""
    code, out, err = _run(capsys, *(a.format(dir=files) for a in args))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert f"{argument} cannot be '-': standard input is not read as a PMML document" in err, err
    assert "save the document to a file first" in err and f"(see `pmmlkit {args[0]} --help`)" in err, err


@pytest.mark.parametrize("content", [b"", b"<PMML", b"\xef\xbb\xbf  <?xml version='1.0'?><PMML/>",
                                     "<PMML/>".encode("utf-16")])
def test_what_may_be_xml_is_left_to_the_parser(tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture) -> None:
    given = tmp_path / "given.pmml"
    given.write_bytes(content)
    code, _, err = _run(capsys, "info", given)
    assert code == 1 and "not a PMML file" not in err, err


def test_the_readme_says_how_to_run_pmmlkit_after_make_demo() -> None:
    """`make demo` installs pmmlkit into .venv: the README says how to run it, right after."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    start = readme.split("## What it is")[0]
    assert ". .venv/bin/activate" in start and ".venv/bin/pmmlkit" in start, start
