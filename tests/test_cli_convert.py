"""`pmmlkit convert` on models as people save them: one row per case, with its exact message."""

from __future__ import annotations

import fractions
import functools
import json
import math
import pickle
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.compose import ColumnTransformer
from sklearn.cross_decomposition import PLSRegression
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from pmmlkit import ConversionError
from pmmlkit.cli import main
from pmmlkit.io import load_model

HIST_TREE = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Models saved the ways people save them, and their samples."""
    folder = tmp_path_factory.mktemp("convert")
    rng = np.random.default_rng(0)
    people = pd.DataFrame({"age": rng.normal(40, 10, 200).round(1), "city": rng.choice(["berlin", "paris"], 200)})
    buys = (people["age"] > 40).astype(int)
    people.to_csv(folder / "people.csv", index=False)
    encoded = ColumnTransformer([("num", StandardScaler(), ["age"]),
                                 ("cat", OneHotEncoder(handle_unknown="ignore"), ["city"])])
    skops.io.dump(make_pipeline(encoded, LogisticRegression()).fit(people, buys), folder / "text.skops")
    # The encoders below see arrays without column names: an imputer's output.
    imputed = ColumnTransformer([("num", StandardScaler(), ["age"]),
                                 ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder()), [1])])
    skops.io.dump(make_pipeline(imputed, LogisticRegression()).fit(people, buys), folder / "text_imputed.skops")
    every = make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore"),
                          LogisticRegression())
    skops.io.dump(every.fit(people, buys), folder / "text_imputed_all.skops")
    hist = make_pipeline(StandardScaler(), HistGradientBoostingClassifier(max_iter=5, random_state=0))
    skops.io.dump(hist.fit(people[["age"]], buys), folder / "hist.skops")
    # SimpleImputer keeps a numpy.dtype; HistGradientBoosting's categorical preprocessing a functools.partial.
    imputed = make_pipeline(SimpleImputer(), HistGradientBoostingClassifier(max_iter=5, random_state=0))
    skops.io.dump(imputed.fit(people[["age"]], buys), folder / "hist_imputed.skops")
    categorical = HistGradientBoostingRegressor(max_iter=5, categorical_features=["city"], random_state=0)
    skops.io.dump(categorical.fit(people, people["age"] * 2), folder / "hist_categorical.skops")
    hooked = LinearRegression().fit(people[["age"]], buys)
    hooked.hook_ = functools.partial(math.floor)  # a partial around a function --trust-sklearn does not trust
    skops.io.dump(hooked, folder / "partial.skops")
    odd = LinearRegression().fit(people[["age"]], buys)
    odd.note_ = fractions.Fraction(1, 3)  # a type skops does not trust, from outside scikit-learn
    skops.io.dump(odd, folder / "fraction.skops")
    skops.io.dump(LinearRegression().fit(people[["age"]], buys), folder / "age.skops")
    skops.io.dump(make_pipeline(StandardScaler(), LogisticRegression()), folder / "unfitted.skops")
    X = rng.normal(size=(50, 3))
    plain = LinearRegression().fit(X, X @ [1.0, -2.0, 0.5])
    joblib.dump(plain, folder / "array.joblib")
    with open(folder / "array.pkl", "wb") as handle:
        pickle.dump(plain, handle)
    skops.io.dump(PLSRegression(n_components=1).fit(X, X[:, 0]), folder / "pls.skops")
    return folder


def _untrusted(path: str, types: str, flags: str, python: str) -> str:
    return (f"{path} contains types skops does not trust by default: {types}. If you trust the file, pass "
            f"{flags} (Python: pmmlkit.io.load_model(path, trusted={python}))")


def _pickle(path: str, kind: str) -> str:
    return (f"{path} is {kind} file, which runs arbitrary code when it is loaded: if you trust it, pass "
            "--allow-pickle (Python: allow_pickle=True); or save the model with skops "
            "(skops.io.dump(model, 'model.skops')) and convert that")


# id, arguments after `pmmlkit convert MODEL -o out.pmml`, exit code, the exact error line (None: converts)
CASES = [
    ("skops-untrusted-sklearn-types", ["hist.skops", "--sample", "people.csv"], 1,
     _untrusted("hist.skops", HIST_TREE, f"--trusted {HIST_TREE} or --trust-sklearn (scikit-learn's own types)",
                "['sklearn.*']")),
    ("skops-trust-sklearn", ["hist.skops", "--sample", "people.csv", "--trust-sklearn"], 0, None),
    ("skops-trusted-type", ["hist.skops", "--sample", "people.csv", "--trusted", HIST_TREE], 0, None),
    ("skops-untrusted-foreign-type", ["fraction.skops"], 1,
     _untrusted("fraction.skops", "fractions.Fraction", "--trusted fractions.Fraction", "['fractions.Fraction']")),
    ("skops-trust-sklearn-is-not-enough", ["fraction.skops", "--trust-sklearn"], 1,
     _untrusted("fraction.skops", "fractions.Fraction", "--trusted fractions.Fraction", "['fractions.Fraction']")),
    ("skops-trusted-foreign-type", ["fraction.skops", "--trusted", "fractions.Fraction"], 0, None),
    ("skops-untrusted-dtype", ["hist_imputed.skops", "--sample", "people.csv"], 1,
     _untrusted("hist_imputed.skops", f"numpy.dtype, {HIST_TREE}",
                f"--trusted numpy.dtype,{HIST_TREE} or --trust-sklearn (scikit-learn's own types)", "['sklearn.*']")),
    ("skops-trust-sklearn-hist-classifier-imputed", ["hist_imputed.skops", "--sample", "people.csv",
                                                    "--trust-sklearn"], 0, None),
    ("skops-trust-sklearn-hist-regressor-categorical", ["hist_categorical.skops", "--sample", "people.csv",
                                                       "--trust-sklearn"], 0, None),
    ("skops-trust-sklearn-not-what-a-partial-wraps", ["partial.skops", "--trust-sklearn"], 1,
     _untrusted("partial.skops", "math.floor", "--trusted math.floor", "['math.floor']")),
    ("joblib-needs-allow-pickle", ["array.joblib"], 1, _pickle("array.joblib", "a joblib")),
    ("pickle-needs-allow-pickle", ["array.pkl"], 1, _pickle("array.pkl", "a pickle")),
    ("joblib-allow-pickle", ["array.joblib", "--allow-pickle"], 0, None),
    ("text-columns-need-a-sample", ["text.skops"], 2,
     "the model reads text in the column 'city' (OneHotEncoder categories such as 'berlin'), but without a sample "
     "every input is typed as a number: pass --sample data.csv (a few typical rows) to name and type the inputs "
     "(see `pmmlkit convert --help`)"),
    ("text-columns-with-a-sample", ["text.skops", "--sample", "people.csv"], 0, None),
    ("text-columns-named-through-an-imputer", ["text_imputed.skops", "--trust-sklearn"], 2,
     "the model reads text in the column 'city' (OneHotEncoder categories such as 'berlin'), but without a sample "
     "every input is typed as a number: pass --sample data.csv (a few typical rows) to name and type the inputs "
     "(see `pmmlkit convert --help`)"),
    ("text-columns-named-numbers-not-text", ["text_imputed_all.skops", "--trust-sklearn"], 2,
     "the model reads text in the column 'city' (OneHotEncoder categories such as 'berlin'), but without a sample "
     "every input is typed as a number: pass --sample data.csv (a few typical rows) to name and type the inputs "
     "(see `pmmlkit convert --help`)"),
    ("text-columns-through-an-imputer-with-a-sample", ["text_imputed.skops", "--trust-sklearn", "--sample",
                                                      "people.csv"], 0, None),
    ("unfitted-model", ["unfitted.skops"], 1,
     "the model (sklearn.pipeline.Pipeline) is not fitted: call fit() on it before saving it, then convert the "
     "fitted model"),
    ("unfitted-model-with-a-sample", ["unfitted.skops", "--sample", "people.csv"], 1,
     "the model (sklearn.pipeline.Pipeline) is not fitted: call fit() on it before saving it, then convert the "
     "fitted model"),
    ("public-class-name", ["pls.skops", "--trust-sklearn"], 1,
     "sklearn.cross_decomposition.PLSRegression at PLSRegression has no PMML converter. See the README's coverage "
     "table for what is supported, or register one with pmmlkit.register(cls, function)."),
    ("features-count-differs", ["array.pkl", "--allow-pickle", "--features", "a,b"], 2,
     "--features gives 2 names but the model takes 3 inputs (see `pmmlkit convert --help`)"),
]


@pytest.mark.parametrize("args, code, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_convert_case(work: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture,
                      args: list[str], code: int, message: str | None) -> None:
    monkeypatch.chdir(work)
    out_file = work / "out.pmml"
    out_file.unlink(missing_ok=True)
    result = main(["convert", *args, "-o", "out.pmml"])
    out, err = capsys.readouterr()
    assert result == code, out + err
    if message is None:
        assert err == "" and out.startswith("wrote out.pmml (") and out.rstrip().endswith("converted by native)")
        assert out_file.is_file()
    else:
        assert err == f"pmmlkit: error: {message}\n"
        assert not out_file.exists()


@pytest.mark.parametrize("features, names", [(None, ["x1", "x2", "x3"]), ("a,b,c", ["a", "b", "c"])],
                         ids=["x1-to-xN", "named-by-features"])
def test_array_inputs_are_named(work: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture,
                                features: str | None, names: list[str]) -> None:
    """A model fitted on a plain array has no column names: its inputs are x1..xN unless --features names them."""
    monkeypatch.chdir(work)
    extra = ["--features", features] if features else []
    assert main(["convert", "array.joblib", "--allow-pickle", "-o", "array.pmml", *extra]) == 0
    capsys.readouterr()
    assert main(["info", "--json", "array.pmml"]) == 0
    assert [f["name"] for f in json.loads(capsys.readouterr().out)["inputs"]] == names


def test_verify_takes_the_same_loading_options(work: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture) -> None:
    monkeypatch.chdir(work)
    assert main(["convert", "hist.skops", "--trust-sklearn", "--sample", "people.csv", "-o", "hist.pmml"]) == 0
    capsys.readouterr()
    assert main(["verify", "hist.skops", "hist.pmml", "people.csv"]) == 1
    assert capsys.readouterr().err.startswith(f"pmmlkit: error: hist.skops contains types skops does not trust by "
                                              f"default: {HIST_TREE}.")
    assert main(["verify", "hist.skops", "hist.pmml", "people.csv", "--trust-sklearn"]) == 0, capsys.readouterr()


@pytest.mark.parametrize("name, options, error", [
    ("hist.skops", {}, f"contains types skops does not trust by default: {HIST_TREE}."),
    ("hist.skops", {"trusted": ["sklearn.*"]}, None),
    ("hist.skops", {"trusted": [HIST_TREE]}, None),
    ("fraction.skops", {"trusted": ["sklearn.*"]}, "trusted=['fractions.Fraction']"),
    ("array.pkl", {}, "pass --allow-pickle (Python: allow_pickle=True)"),
    ("array.pkl", {"allow_pickle": True}, None),
], ids=["skops-default", "skops-sklearn-star", "skops-exact-type", "skops-foreign-type", "pickle-refused",
        "pickle-allowed"])
def test_python_load_model_takes_the_same_options(work: Path, name: str, options: dict, error: str | None) -> None:
    if error is None:
        assert hasattr(load_model(work / name, **options), "predict")
    else:
        with pytest.raises(ConversionError) as raised:
            load_model(work / name, **options)
        assert error in str(raised.value)


NO_CONVERTER = ("sklearn.cross_decomposition.PLSRegression at PLSRegression has no PMML converter. See the README's "
                "coverage table for what is supported, or register one with pmmlkit.register(cls, function).")
NO_EXTRA = ("the sklearn2pmml engine needs the optional sklearn2pmml package: pip install 'pmmlkit[sklearn2pmml]' "
            "(sklearn2pmml is AGPL-3.0 and needs Java 11 or newer)")
# As above, with --engine, where the sklearn2pmml extra is not installed (the engine itself: test_sklearn2pmml_engine.py).
ENGINE_CASES = [
    ("auto-native", ["hist.skops", "--trust-sklearn", "--sample", "people.csv", "--engine", "auto"], 0, "native"),
    ("auto-without-the-extra", ["pls.skops", "--trust-sklearn", "--engine", "auto"], 1,
     f"{NO_CONVERTER} engine='auto' would convert it with sklearn2pmml instead, but: {NO_EXTRA}"),
    ("sklearn2pmml-without-the-extra", ["pls.skops", "--trust-sklearn", "--engine", "sklearn2pmml"], 1, NO_EXTRA),
    ("native-names-no-engine", ["pls.skops", "--trust-sklearn", "--engine", "native"], 1, NO_CONVERTER),
]


@pytest.mark.parametrize("args, code, expected", [c[1:] for c in ENGINE_CASES], ids=[c[0] for c in ENGINE_CASES])
def test_convert_engine_case(work: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture,
                             args: list[str], code: int, expected: str) -> None:
    monkeypatch.chdir(work)
    monkeypatch.setitem(sys.modules, "sklearn2pmml", None)  # as where the extra is not installed
    result = main(["convert", *args, "-o", "out.pmml"])
    out, err = capsys.readouterr()
    assert result == code, out + err
    if code == 0:
        assert err == "" and out.rstrip().endswith(f"; converted by {expected})")
    else:
        assert err == f"pmmlkit: error: {expected}\n"


BAD_ROWS = [
    ("text-in-a-number", "age\n41.5\nforty\n", "bad.csv: input 'age', row 1: a string ('forty') in a numeric field; "
                                                 "fix that cell or remove the row"),
    ("infinity", "age\n41.5\ninf\n", "bad.csv: input 'age', row 1: inf is outside the range of a double (as for "
                                      "scikit-learn, infinity is not an input); fix that cell or remove the row"),
    ("header-only", "age\n", "bad.csv has no rows (a header only?): give at least one row of input values"),
    ("empty-file", "", "bad.csv: cannot read the table: it is empty (no header line); give a header line naming the "
                       "input columns and at least one row"),
    ("empty-cell", "age,note\n41.5,a\n,b\n", None),
    ("renamed-column", "years\n41.5\n", "bad.csv: the columns ['age'], which the model was fitted on, are missing "
                                         "(columns the model does not know: ['years']); give the model's input "
                                         "columns by name: ['age']"),
]


@pytest.mark.parametrize("command", ["convert", "verify"])
@pytest.mark.parametrize("text, message", [c[1:] for c in BAD_ROWS], ids=[c[0] for c in BAD_ROWS])
def test_bad_rows_are_named(work: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture,
                            command: str, text: str, message: str | None) -> None:
    """convert --sample and verify's DATA go through the input contract: a one-line error naming the file,
    the field and the row, never scikit-learn's own error text."""
    monkeypatch.chdir(work)
    assert main(["convert", "age.skops", "--trust-sklearn", "-o", "age.pmml"]) == 0
    capsys.readouterr()
    (work / "bad.csv").write_text(text)
    if command == "convert":
        code = main(["convert", "age.skops", "--trust-sklearn", "--sample", "bad.csv", "-o", "never.pmml"])
    else:
        code = main(["verify", "age.skops", "age.pmml", "bad.csv", "--trust-sklearn"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    if message is None:  # the model itself refuses a missing value: said as the model's refusal, on one line
        assert err.startswith("pmmlkit: error: the model (sklearn.linear_model.LinearRegression) cannot compute "
                              "the PMML's outputs on these rows: ValueError: Input X contains NaN")
    else:
        assert err == f"pmmlkit: error: {message}\n"
    assert not (work / "never.pmml").exists()
