"""verify() and the embedded ModelVerification block."""

from __future__ import annotations

import re
import warnings

import jpmml_evaluator
import pytest
from cases.data import iris_named, mixed
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
