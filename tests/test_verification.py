"""verify() and the embedded ModelVerification block."""

from __future__ import annotations

import ast
import re
import warnings
from pathlib import Path

import jpmml_evaluator
import numpy as np
import pandas as pd
import pytest
from cases.data import iris_named, mixed
from cases.validation import VERIFIED, VERIFIED_CLEAN, edit
from lxml import etree
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

import pmmlkit
from pmmlkit.pmml import NAMESPACE
from pmmlkit.report import VerificationReport
from pmmlkit.verification import Tolerance, agree, agree_numbers
from pmmlkit.verify import compare


def _mixed_pipeline():
    X, y, X_eval = mixed()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipeline = make_pipeline(
            ColumnTransformer([
                ("num", make_pipeline(SimpleImputer(), StandardScaler()), ["age", "income"]),
                ("cat", OneHotEncoder(handle_unknown="ignore"), ["city", "plan"]),
            ]),
            LogisticRegression(max_iter=1000),
        ).fit(X, y)
    return pipeline, X, X_eval


@pytest.mark.parametrize("make", [_mixed_pipeline, lambda: (
    RandomForestClassifier(n_estimators=5, random_state=0).fit(*iris_named()[:2]),) + tuple(iris_named()[::2])],
    ids=["mixed-pipeline", "forest"])
def test_embedded_verification_passes_jpmml(make, tmp_path):
    estimator, X, X_eval = make()
    sample = X_eval.head(25)
    path = pmmlkit.convert(estimator, X, verification=sample).save(tmp_path / "m.pmml")
    assert pmmlkit.validate(path).ok
    root = etree.parse(str(path)).getroot()
    rows = root.findall(f".//{{{NAMESPACE}}}ModelVerification/{{{NAMESPACE}}}InlineTable/{{{NAMESPACE}}}row")
    assert len(rows) == 25
    jpmml_evaluator.make_evaluator(str(path)).verify()  # JPMML checks every embedded row on load
    assert pmmlkit.verify(estimator, path, X_eval).ok


def test_tampered_verification_is_caught_by_jpmml(tmp_path):
    estimator, X, X_eval = _mixed_pipeline()
    document = pmmlkit.convert(estimator, X, verification=X_eval.head(5))
    text = document.to_string()
    fields = {f.get("field"): f.get("column") for f in document.root.iter(f"{{{NAMESPACE}}}VerificationField")}
    column = fields["probability_yes"]
    cell = document.root.find(f".//{{{NAMESPACE}}}row/{{{NAMESPACE}}}{column}")
    cell.text = repr(float(cell.text) + 0.01)
    path = document.save(tmp_path / "tampered.pmml")
    assert text != document.to_string()
    with pytest.raises(Exception, match="do not match"):
        jpmml_evaluator.make_evaluator(str(path)).verify()


def test_verify_reports_a_wrong_model(tmp_path):
    estimator, X, X_eval = _mixed_pipeline()
    path = pmmlkit.convert(estimator, X).save(tmp_path / "m.pmml")
    other, _, _ = _mixed_pipeline()
    other.steps[-1][1].intercept_ = other.steps[-1][1].intercept_ + 0.5
    report = pmmlkit.verify(other, path, X_eval)
    assert not report.ok
    assert report.rows == len(X_eval)
    assert report.differences["probability_yes"] > 1e-3
    assert any(issue.code == "mismatch" for issue in report.issues)


def _iris_model(estimator):
    X, y, _ = iris_named()
    return estimator.fit(X, y.cat.codes if hasattr(y, "cat") else y.factorize()[0]), X


def test_verify_with_a_model_that_lacks_an_output_is_refused(tmp_path):
    """A regressor checked against a classifier's PMML: no raw AttributeError 'predict_proba'."""
    classifier, X = _iris_model(LogisticRegression(max_iter=1000))
    path = pmmlkit.convert(classifier, X).save(tmp_path / "iris.pmml")
    regressor, _ = _iris_model(LinearRegression())
    with pytest.raises(pmmlkit.ConversionError, match=r"cannot compute the PMML's outputs.*AttributeError.*"
                                                      r"is this the model the PMML was converted from\?"):
        pmmlkit.verify(regressor, path, X)


@pytest.mark.parametrize(("estimator", "shown"), [
    (LinearRegression(), r"first at row \d+: model -?\d[\d.e+-]*, PMML -?\d[\d.e+-]*$"),
    (DecisionTreeClassifier(max_depth=2, random_state=0), r"first at row \d+: model \d, PMML \d$"),
], ids=["number", "label"])
def test_verify_mismatch_shows_plain_values(estimator, shown, tmp_path):
    model, X = _iris_model(estimator)
    path = pmmlkit.convert(model, X).save(tmp_path / "m.pmml")
    if hasattr(model, "tree_"):
        model.tree_.value[:] = model.tree_.value[:, :, ::-1]  # the same tree, its classes swapped
    else:
        model.intercept_ = model.intercept_ + 1.0
    report = pmmlkit.verify(model, path, X)
    messages = [issue.message for issue in report.issues if issue.code == "mismatch"]
    assert messages and all("np." not in m for m in messages)
    assert any(re.search(shown, m) for m in messages), messages


# -- one comparer ----------------------------------------------------------------------------------
# The three callers used to compare differently: the server took a score within ``precision`` of an
# expected zero (pmmlkit verify wanted it below zeroThreshold), and compared a target with the first
# output (pmmlkit verify, with the OutputField that predicts it).
NEAR_ZERO = VERIFIED.replace("<c0>2</c0><c1>EXPECTED</c1>", "<c0>-0.2499999995</c0><c1>0</c1>").replace(
    ' precision="1E-9"', "")  # the default precision, 1e-6: the server took 1e-9 as within it of 0
PREDICTED_SECOND = edit(VERIFIED_CLEAN.replace('field="predicted_y"', 'field="y"').replace(
    '<OutputField name="predicted_y"', '<OutputField name="pred"'), '<OutputField name="pred"',
    '<OutputField name="doubled" optype="continuous" dataType="double" feature="transformedValue">'
    '<Apply function="*"><FieldRef field="x"/><Constant>2</Constant></Apply></OutputField>\n      <OutputField name="pred"')
PREDICTED_SECOND_WRONG = PREDICTED_SECOND.replace("<c1>4.5</c1>", "<c1>9</c1>")


def _three_verdicts(document: str, tmp_path: Path) -> tuple[bool, bool, bool]:
    """Whether `pmmlkit verify FILE`, `validate --verify` and the server's load accept the rows."""
    from pmmlkit.cli import main
    from pmmlkit.serving.versions import load_version

    path = tmp_path / "model.pmml"
    path.write_text(document)
    cli = main(["verify", str(path)]) == 0
    validated = "verification-mismatch" not in {i.code for i in pmmlkit.validate(path, verify=True).errors}
    try:
        load_version("m", 1, path)
        served = True
    except pmmlkit.PMMLError as exc:
        assert "verification row" in str(exc)
        served = False
    return cli, validated, served


@pytest.mark.parametrize(("document", "accepted"), [(VERIFIED_CLEAN, True), (NEAR_ZERO, False),
                                                    (PREDICTED_SECOND, True), (PREDICTED_SECOND_WRONG, False)],
                         ids=["agrees", "score-near-an-expected-zero", "target-predicted-by-a-later-output",
                              "target-predicted-wrongly"])
def test_verify_validate_and_the_server_give_one_verdict(document: str, accepted: bool, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture) -> None:
    assert _three_verdicts(document, tmp_path) == (accepted, accepted, accepted)


@pytest.mark.parametrize(("expected", "actual", "tolerance", "agrees"), [
    ("2.5", 2.5 * (1 + 1e-7), Tolerance(1e-6), True),
    ("2.5", 2.5 * (1 + 1e-5), Tolerance(1e-6), False),
    ("0", 1e-17, Tolerance(1e-6), True),  # below the default zeroThreshold, 1e-16
    ("0", 1e-9, Tolerance(1e-6), False),  # within precision of zero is not zero
    ("1e-12", 3e-12, Tolerance(1e-9, 1e-9), True),  # both below zeroThreshold
    ("", None, Tolerance(), True),
    ("", 0.0, Tolerance(), False),
    ("1", None, Tolerance(), False),
    ("setosa", "setosa", Tolerance(), True),
    ("1", "1.0", Tolerance(), True),
    ("true", True, Tolerance(), True),
    ("virginica", "setosa", Tolerance(), False),
])
def test_the_one_tolerance_rule(expected: str, actual: object, tolerance: Tolerance, agrees: bool) -> None:
    assert agree(expected, actual, tolerance) is agrees
    if isinstance(actual, float) and expected:
        assert bool(agree_numbers(np.array([float(expected)]), np.array([actual]), tolerance)[0]) is agrees


def test_verify_and_the_embedded_rows_use_one_rule(tmp_path: Path) -> None:
    """pmmlkit.verify compares as the rows it embeds are compared: relative to 1e-9, a value below
    1e-9 counting as zero (an absolute 1e-9 would pass 0.001 scored as 0.0010000005)."""
    estimator, X, _ = _mixed_pipeline()
    document = pmmlkit.convert(estimator, X, verification=X.head(3))
    output = [f for f in document.root.iter(f"{{{NAMESPACE}}}VerificationField") if f.get("precision")]
    assert output and all(float(f.get("precision")) == float(f.get("zeroThreshold")) == 1e-9 for f in output)
    report = VerificationReport(source="<test>")
    compare(pd.DataFrame({"p": [0.001, 0.5]}), pd.DataFrame({"p": [0.0010000005, 0.5]}), report)
    assert not report.ok and "1 of 2 rows differ" in str(report)
    report = VerificationReport(source="<test>")
    compare(pd.DataFrame({"p": [1e-10, 0.5]}), pd.DataFrame({"p": [-5e-10, 0.5 * (1 + 1e-10)]}), report)
    assert report.ok, str(report)


def _imports(path: Path, package: str) -> set[str]:
    """The pmmlkit modules ``path`` imports (relative imports resolved against ``package``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("pmmlkit"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
                found.add(module)
                found.update(f"{module}.{a.name}" for a in node.names)
            elif (node.module or "").startswith("pmmlkit"):
                found.add(node.module or "")
    return found


def test_validation_never_scores() -> None:
    """Nothing pmmlkit.validation imports, directly or through other pmmlkit modules, is the scoring
    engine: re-scoring embedded rows is pmmlkit.verification's, one layer up."""
    root = Path(pmmlkit.__file__).resolve().parent

    def source(module: str) -> tuple[Path, str] | None:
        relative = Path(*module.split(".")[1:])
        if (root / relative).with_suffix(".py").is_file():
            return (root / relative).with_suffix(".py"), module.rsplit(".", 1)[0]
        if (root / relative / "__init__.py").is_file():
            return root / relative / "__init__.py", module
        return None

    todo = [f"pmmlkit.validation.{p.stem}" if p.stem != "__init__" else "pmmlkit.validation"
            for p in (root / "validation").glob("*.py")]
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module in seen or module == "pmmlkit":  # the package root re-exports everything
            continue
        seen.add(module)
        assert not module.startswith("pmmlkit.scoring") and module != "pmmlkit.verification", \
            f"pmmlkit.validation reaches {module}"
        found = source(module)
        if found is not None:
            todo.extend(_imports(*found))
    assert "pmmlkit.validation.gate" in seen


@pytest.mark.parametrize("expected", ["INF", "-INF", "1e400"])
def test_an_infinite_expected_value_matches_only_the_same_infinity(tmp_path, expected):
    """|x - inf| <= precision * inf holds for every x: an infinity must be compared as itself."""
    tolerance = Tolerance(1e-9, 1e-16)
    assert list(agree_numbers(np.array([np.inf, np.inf, -np.inf]), np.array([0.4, np.inf, np.inf]), tolerance)) == \
        [False, True, False]
    path = tmp_path / "m.pmml"
    path.write_text(VERIFIED_CLEAN.replace("<c1>4.5</c1>", f"<c1>{expected}</c1>"))
    from pmmlkit.cli import main  # as the other CLI tests in this file do

    assert main(["verify", str(path)]) == 1
    assert not pmmlkit.validate(path, verify=True).ok
