"""The pmmlkit command as a user runs it: convert -> validate -> score -> verify -> info, and its errors."""

from __future__ import annotations

import fractions
import json
import pickle
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io

import pmmlkit
from pmmlkit.cli import main

TOLERANCE = 1e-9
_SCRIPT = Path(sys.executable).with_name("pmmlkit")
COMMAND = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "pmmlkit"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*COMMAND, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def run_here(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    """main() in this process (the JVM is already up): fast, for the many error paths."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, *fragments: str) -> None:
    lines = [line for line in err.splitlines() if not line.startswith("usage:")]
    assert len(lines) == 1, err
    assert lines[0].startswith("pmmlkit: error: "), err
    assert "Traceback" not in err and "\tat " not in err
    for fragment in fragments:
        assert fragment in lines[0], err


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    folder = tmp_path_factory.mktemp("cli")
    X, y = load_iris(return_X_y=True, as_frame=True)
    X.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    pipeline = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    skops.io.dump(pipeline, folder / "model.skops")
    joblib.dump(pipeline, folder / "model.joblib")
    X.assign(species=y).to_csv(folder / "iris.csv", index=False)
    X.drop(columns=["petal_width"]).to_csv(folder / "no_petal_width.csv", index=False)
    return folder


def _expected(work: Path) -> pd.DataFrame:
    model = skops.io.load(work / "model.skops")
    X = pd.read_csv(work / "iris.csv").drop(columns=["species"])
    proba = model.predict_proba(X)
    frame = pd.DataFrame({f"probability_{c}": proba[:, i] for i, c in enumerate(model.classes_)})
    frame.insert(0, "predicted_y", model.predict(X))
    return frame


def test_round_trip(work: Path) -> None:
    done = run("convert", "model.skops", "-o", "from_skops.pmml", "--sample", "iris.csv", cwd=work)
    assert done.returncode == 0, done.stderr
    assert "from_skops.pmml" in done.stdout and "verification rows" in done.stdout
    done = run("convert", "model.joblib", "--allow-pickle", "-o", "from_joblib.pmml", cwd=work)
    assert done.returncode == 0, done.stderr

    done = run("validate", "from_skops.pmml", "from_joblib.pmml", cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": OK") == 2

    done = run("score", "from_skops.pmml", "iris.csv", "-o", "scores.csv", cwd=work)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    scores = pd.read_csv(work / "scores.csv")
    expected = _expected(work)
    assert list(scores.columns) == list(expected.columns)
    assert (scores["predicted_y"] == expected["predicted_y"]).all()
    diff = np.abs(scores.iloc[:, 1:].to_numpy() - expected.iloc[:, 1:].to_numpy()).max()
    assert diff <= TOLERANCE

    done = run("verify", "model.joblib", "from_joblib.pmml", "iris.csv", "--allow-pickle", cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "max |difference| probability_2" in done.stdout and "rows checked: 150" in done.stdout

    done = run("info", "from_skops.pmml", cwd=work)
    assert done.returncode == 0, done.stderr
    for text in ("RegressionModel (classification)", "sepal_length (continuous double)", "probability_1",
                 "target:   y", "inputs (4)", "KiB"):
        assert text in done.stdout, done.stdout


def test_python_dash_m_and_version(work: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pmmlkit", "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == f"pmmlkit {pmmlkit.__version__}"
    done = subprocess.run([sys.executable, "-m", "pmmlkit", "convert", "--help"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "run arbitrary code" in done.stdout


def test_errors_are_one_line_without_traceback(work: Path) -> None:
    (work / "broken.pmml").write_text("<PMML xmlns='http://www.dmg.org/PMML-4_4' version='4.4'><Header>")
    done = run("score", "broken.pmml", "iris.csv", cwd=work)
    assert done.returncode == 1
    assert_one_line_error(done.stderr, "broken.pmml", "not well-formed XML")
    done = run("convert", "missing.skops", "-o", "x.pmml", cwd=work)
    assert done.returncode == 1
    assert_one_line_error(done.stderr, "missing.skops", "no such file")


# -- in-process: options and error paths --------------------------------------------------------
@pytest.fixture(scope="module")
def pmml(work: Path) -> Path:
    path = work / "model.pmml"
    if main(["convert", str(work / "model.skops"), "-o", str(path), "--sample", str(work / "iris.csv")]) != 0:
        raise AssertionError("convert failed")
    return path


def test_score_in_chunks_keep_inputs_and_stdout(work: Path, pmml: Path, capsys: pytest.CaptureFixture) -> None:
    code, _, err = run_here(capsys, "score", pmml, work / "iris.csv", "-o", work / "chunked.csv",
                            "--chunk-size", "7", "--keep-inputs")
    assert code == 0, err
    chunked = pd.read_csv(work / "chunked.csv")
    assert list(chunked.columns[:5]) == ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
    code, out, err = run_here(capsys, "score", pmml, work / "iris.csv")
    assert code == 0, err
    from io import StringIO

    whole = pd.read_csv(StringIO(out))
    pd.testing.assert_frame_equal(chunked[whole.columns], whole)
    assert len(whole) == 150


def test_score_empty_input_writes_header(work: Path, pmml: Path, capsys: pytest.CaptureFixture) -> None:
    (work / "empty.csv").write_text("sepal_length,sepal_width,petal_length,petal_width\n")
    code, _, err = run_here(capsys, "score", pmml, work / "empty.csv", "-o", work / "empty_out.csv")
    assert code == 0, err
    assert (work / "empty_out.csv").read_text().startswith("predicted_y,probability_0")


def test_wrong_column(work: Path, pmml: Path, capsys: pytest.CaptureFixture) -> None:
    out = work / "never.csv"
    code, _, err = run_here(capsys, "score", pmml, work / "no_petal_width.csv", "-o", out)
    assert code == 1
    assert_one_line_error(err, "petal_width")
    assert not out.exists()
    assert not [p for p in work.iterdir() if p.name.startswith(".never.csv")]  # no temporary file left
    code, _, err = run_here(capsys, "verify", work / "model.skops", pmml, work / "no_petal_width.csv")
    assert code == 1
    assert_one_line_error(err, "petal_width")


def test_untrusted_skops_type(work: Path, capsys: pytest.CaptureFixture) -> None:
    from sklearn.linear_model import LinearRegression

    model = LinearRegression().fit(np.arange(10.0).reshape(5, 2), np.arange(5.0))
    model.note_ = fractions.Fraction(1, 3)
    skops.io.dump(model, work / "untrusted.skops")
    code, _, err = run_here(capsys, "convert", work / "untrusted.skops", "-o", work / "untrusted.pmml")
    assert code == 1
    assert_one_line_error(err, "fractions.Fraction", "trust")
    assert not (work / "untrusted.pmml").exists()


@pytest.mark.parametrize("args, code, fragment", [
    (["validate", "missing.pmml"], 1, None),
    (["score", "missing.pmml", "iris.csv"], 1, "missing.pmml: no such file"),
    (["score", "model.pmml", "missing.csv"], 1, "missing.csv: no such file"),
    (["score", "model.pmml", "iris.csv", "-o", "out.txt"], 2, "unknown table type"),
    (["score", "model.pmml", "iris.csv", "--chunk-size", "0"], 2, "--chunk-size: must be from 1 to 100000000 rows"),
    (["score", "model.pmml", "iris.csv", "-o", "no/such/folder/out.csv"], 1, "does not exist"),
    (["score", "--spark", "model.pmml", "iris.csv"], 2, "needs -o"),
    (["convert", "model.skops"], 2, "-o"),
    (["convert", "iris.csv", "-o", "x.pmml"], 1, "unknown model file type"),
    (["convert", "model.skops", "-o", "x.pmml", "--verification-rows", "3"], 2, "needs --sample"),
    (["convert", "model.skops", "-o", "x.pmml", "--features", "a,b"], 2, "differs"),
    (["convert", "model.skops", "-o", "x.pmml", "--sample", "no_petal_width.csv"], 1, "petal_width"),
    (["convert", "model.skops", "-o", "x.pmml", "--spark"], 2, "--schema"),
    (["convert", ".", "-o", "x.pmml"], 1, "--spark"),
    (["convert", "--spark", ".", "--schema", "iris.csv", "-o", "x.pmml"], 1, "not a saved Spark ML model"),
    # Issue 15: a data table where the PMML goes names itself, not "not well-formed XML".
    (["info", "iris.csv"], 2, "iris.csv is not a PMML file: it looks like CSV"),
    (["score", "iris.csv", "iris.csv"], 2, "iris.csv is not a PMML file: it looks like CSV (its first line is"),
    (["verify", "iris.csv"], 2, "it looks like CSV"),
    (["verify", "model.skops", "iris.csv", "iris.csv"], 2, "it looks like CSV"),
    (["verify", "model.pmml", "model.skops", "iris.csv"], 2, "the first FILE is the original model"),
    (["serve", "iris.csv"], 2, "iris.csv is not a PMML file"),
    (["info", "model.skops"], 2, "it looks like a zip archive"),
    (["verify", "model.skops", "missing.pmml", "iris.csv"], 1, "no such file"),
    (["nonsense"], 2, "invalid choice"),
    (["convert", "model.skops", "-o", "."], 1, "is a folder: name a file"),
    (["convert", "model.skops", "-o", "no/such/folder/x.pmml"], 1, "does not exist"),
    (["serve", "model.pmml", "--port", "99999"], 2, "1 to 65535"),
    (["serve", "model.pmml", "--rest_api_port", "0"], 2, "1 to 65535"),
    (["validate", "model.pmml", "--xsd", "nope.xsd"], 2, "nope.xsd does not exist"),
    (["validate", "model.pmml", "--xsd", "model.pmml"], 2, "not a usable XML Schema"),
    (["score", "model.pmml", "no_petal_width.csv"], 1, "--missing allow"),
])
def test_user_errors(work: Path, pmml: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture,
                     args: list[str], code: int, fragment: str | None) -> None:
    monkeypatch.chdir(work)
    try:
        result, out, err = run_here(capsys, *args)
    except SystemExit as exc:  # argparse's own usage errors
        result, (out, err) = exc.code, capsys.readouterr()
    assert result == code, out + err
    if fragment is not None:
        assert_one_line_error(err, fragment)
    assert ".tmp" not in err and "='" not in err  # no temporary file, no Python keyword advice
    assert not (work / "x.pmml").exists()


def test_validate_size_advice_names_the_flag(work: Path, pmml: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run_here(capsys, "validate", pmml, "--max-bytes", "10")
    assert code == 1 and "--max-bytes" in out and "max_bytes=" not in out, out


def test_validate_json_and_exit_code(work: Path, pmml: Path, capsys: pytest.CaptureFixture) -> None:
    bad = work / "bad.pmml"
    bad.write_text(pmml.read_text().replace('<FieldRef field="sepal_length"/>', '<FieldRef field="sepal_lenght"/>'))
    code, out, _ = run_here(capsys, "validate", "--json", pmml, bad)
    assert code == 1
    reports = json.loads(out)
    assert [r["ok"] for r in reports] == [True, False]
    assert [i["code"] for i in reports[1]["issues"] if not i["code"].startswith("schema")] == ["undefined-field"]
    assert all(isinstance(i["line"], int) for i in reports[1]["issues"] if i["code"] == "undefined-field")


def test_verify_reports_a_mismatch(work: Path, pmml: Path, capsys: pytest.CaptureFixture) -> None:
    from sklearn.linear_model import LogisticRegression

    other = skops.io.load(work / "model.skops")
    other.steps[-1] = ("logisticregression", LogisticRegression(C=0.01))
    X = pd.read_csv(work / "iris.csv")
    other.fit(X.drop(columns=["species"]), X["species"])
    skops.io.dump(other, work / "other.skops")
    code, out, _ = run_here(capsys, "verify", work / "other.skops", pmml, work / "iris.csv")
    assert code == 1
    assert "FAILED" in out and "max |difference| probability_0" in out


def test_numeric_model_without_names(work: Path, capsys: pytest.CaptureFixture) -> None:
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    model = LinearRegression().fit(X, X @ [1.0, -2.0, 0.5] + 3)
    joblib.dump(model, work / "plain.joblib")
    code, _, err = run_here(capsys, "convert", work / "plain.joblib", "-o", work / "plain.pmml", "--target", "price",
                            "--allow-pickle")
    assert code == 0, err
    pd.DataFrame(X, columns=["x1", "x2", "x3"]).to_csv(work / "plain.csv", index=False)
    code, out, err = run_here(capsys, "score", work / "plain.pmml", work / "plain.csv")
    assert code == 0, err
    from io import StringIO

    scores = pd.read_csv(StringIO(out))
    assert list(scores.columns) == ["predicted_price"]
    assert np.abs(scores["predicted_price"].to_numpy() - model.predict(X)).max() <= TOLERANCE
    with open(work / "plain.pkl", "wb") as handle:
        pickle.dump(model, handle)
    code, out, err = run_here(capsys, "convert", work / "plain.pkl", "-o", work / "named.pmml",
                              "--features", "a,b,c", "--allow-pickle")
    assert code == 0, err
    code, out, _ = run_here(capsys, "info", "--json", work / "named.pmml")
    assert [f["name"] for f in json.loads(out)["inputs"]] == ["a", "b", "c"]


def test_csv_strings_stay_strings(work: Path, capsys: pytest.CaptureFixture) -> None:
    """A category spelled "NA" is a category, not a missing value; an empty cell is missing."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    X = pd.DataFrame({"code": np.array(["NA", "007", "x", "NA", "007", "x"] * 10, dtype=object)})
    y = np.array([0, 1, 1, 0, 0, 1] * 10)
    model = make_pipeline(OneHotEncoder(handle_unknown="ignore"), LogisticRegression()).fit(X, y)
    skops.io.dump(model, work / "codes.skops")
    X.to_csv(work / "codes.csv", index=False)
    code, _, err = run_here(capsys, "convert", work / "codes.skops", "-o", work / "codes.pmml",
                            "--sample", work / "codes.csv")
    assert code == 0, err
    code, _, err = run_here(capsys, "convert", work / "codes.skops", "-o", work / "guess.pmml")
    assert code == 2
    assert_one_line_error(err, "--sample")
    code, out, err = run_here(capsys, "score", work / "codes.pmml", work / "codes.csv")
    assert code == 0, err
    from io import StringIO

    scores = pd.read_csv(StringIO(out))
    assert np.abs(scores["probability_1"].to_numpy() - model.predict_proba(X)[:, 1]).max() <= TOLERANCE
    code, out, err = run_here(capsys, "verify", work / "codes.skops", work / "codes.pmml", work / "codes.csv")
    assert code == 0, out + err
