"""Every mistake a user can make while converting raises ConversionError naming the step and the fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cases import fit_quietly
from cases.data import iris, mixed, mixed_known
from harness import score
from lightgbm import LGBMClassifier
from sklearn.compose import ColumnTransformer
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from xgboost import XGBClassifier

import pmmlkit
from pmmlkit import ConversionError


def _preprocessor(encoder=None):
    return ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), ["age", "income"]),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                              encoder or OneHotEncoder(handle_unknown="ignore")), ["city", "plan"]),
    ])


def test_unfitted_pipeline_names_the_step():
    X, _, _ = iris()
    with pytest.raises(ConversionError, match=r"Pipeline > standardscaler: StandardScaler is not fitted.*fit\(\)"):
        pmmlkit.convert(make_pipeline(StandardScaler(), LogisticRegression()), X)


def test_unfitted_column_transformer():
    X, _, _ = mixed()
    with pytest.raises(ConversionError, match=r"Pipeline > columntransformer: ColumnTransformer is not fitted"):
        pmmlkit.convert(make_pipeline(_preprocessor(), LogisticRegression()), X)






def test_wrong_column_count():
    X, y, _ = iris()
    model = fit_quietly(LogisticRegression(max_iter=500), X.to_numpy(), y)  # no column names: counted, not named
    with pytest.raises(ConversionError, match=r"LogisticRegression: LogisticRegression was fitted on 4 features, "
                                              r"but 3 reach it.*columns the model was trained on"):
        pmmlkit.convert(model, X.iloc[:, :3].to_numpy())


def test_an_array_takes_the_names_the_model_was_fitted_on():
    """A model fitted on a DataFrame, converted with X.values: its inputs keep their names (they
    used to be x1, x2, ...: a selector made them x3, x4), and an array of another width is refused."""
    X, y = _iris_named()
    model = fit_quietly(make_pipeline(SelectKBest(f_classif, k=2), LogisticRegression(max_iter=500)), X, y)
    document = pmmlkit.convert(model, X.to_numpy(), verification=X.to_numpy()[:10])
    assert pmmlkit.load(document.to_bytes()).input_names == ["petal_length", "petal_width"]
    with pytest.raises(ConversionError, match=r"^X is an array of 3 columns without names, but the model was fitted "
                                              r"on 4 named columns \(sepal_length, sepal_width, petal_length, "
                                              r"petal_width\): pass a DataFrame with those columns$"):
        pmmlkit.convert(model, X.to_numpy()[:, :3])


def _iris_named():
    X, y, _ = iris()
    X = X.set_axis(["sepal_length", "sepal_width", "petal_length", "petal_width"], axis=1)
    return X, y


NAMED_MODELS = {
    "logistic": lambda: LogisticRegression(max_iter=500),
    "lightgbm": lambda: LGBMClassifier(n_estimators=5, verbose=-1),  # front ends built on scikit-learn's
    "xgboost": lambda: XGBClassifier(n_estimators=5),
}


@pytest.mark.parametrize("make", NAMED_MODELS.values(), ids=NAMED_MODELS.keys())
@pytest.mark.parametrize("evaluate", ["convert", "verification"])
def test_columns_are_matched_by_name_not_position(evaluate, make):
    """A reordered X (or verification sample) with extra columns converts exactly like X itself."""
    X, y = _iris_named()
    model = fit_quietly(make(), X, y)
    shuffled = X[X.columns[::-1]].assign(extra=1.0)
    if evaluate == "convert":
        document = pmmlkit.convert(model, shuffled)
    else:
        document = pmmlkit.convert(model, X, verification=shuffled.head(20))
    scored = pmmlkit.load(document.to_bytes()).predict(X)
    assert (scored["predicted_y"].to_numpy().astype(int) == model.predict(X)).all()


@pytest.mark.parametrize(("frame", "message"), [
    (lambda X: X.rename(columns={"sepal_length": "foo"}),
     r"X: the columns \['sepal_length'\], which the model was fitted on, are missing \(columns the model does not "
     r"know: \['foo'\]\)"),
    (lambda X: X.iloc[:, 1:], r"X: the columns \['sepal_length'\], which the model was fitted on, are missing; give"),
], ids=["renamed", "dropped"])
def test_columns_the_model_was_fitted_on_must_be_in_x(frame, message):
    X, y = _iris_named()
    model = fit_quietly(LogisticRegression(max_iter=500), X, y)
    with pytest.raises(ConversionError, match=message):
        pmmlkit.convert(model, frame(X))


@pytest.mark.parametrize(("change", "message"), [
    (dict(target="sepal_length"), r"target name 'sepal_length' is also an input column: pass target="),
    (dict(target=""), r"target='' is not a field name: pass target="),
    (dict(verification="two-columns"), r"the rows to score: the columns \['petal_length', 'petal_width'\]"),
    (dict(strings=True), r"would be refused when loaded: .*'sepal_length'.*string field.*\[type-conflict\]"),
], ids=["target-is-an-input", "empty-target", "verification-columns", "string-in-numeric-column"])
def test_convert_refuses_what_it_cannot_write_right(change, message):
    """Each of these used to write a document pmmlkit itself refuses to load, or to leak a raw error."""
    X, y = _iris_named()
    model = fit_quietly(LogisticRegression(max_iter=500), X, y)
    arguments = dict(change)
    if arguments.get("verification") == "two-columns":
        arguments["verification"] = X.iloc[:, :2]
    if arguments.pop("strings", False):
        X = X.astype({"sepal_length": str})
    with pytest.raises(ConversionError, match=message):
        pmmlkit.convert(model, X, **arguments)


def test_column_name_not_in_x():
    X, y, _ = mixed()
    pipeline = fit_quietly(make_pipeline(_preprocessor(), LogisticRegression(max_iter=1000)), X, y)
    with pytest.raises(ConversionError, match=r"X: the columns \['city'\], which the model was fitted on, are "
                                              r"missing \(columns the model does not know: \['town'\]\)"):
        pmmlkit.convert(pipeline, X.rename(columns={"city": "town"}))


def test_column_transformer_finds_columns_by_name_in_any_order(tmp_path):
    X, y, X_eval = mixed()
    pipeline = fit_quietly(make_pipeline(_preprocessor(), LogisticRegression(max_iter=1000)), X, y)
    shuffled = X[["plan", "income", "city", "age"]].assign(unused=1.0)
    path = pmmlkit.convert(pipeline, shuffled).save(tmp_path / "model.pmml")
    result = score("pmmlkit", path, X_eval)
    np.testing.assert_allclose(result["probability_yes"], pipeline.predict_proba(X_eval)[:, 1], rtol=0, atol=1e-9)


def test_infrequent_categories_with_drop_are_refused():
    X, y, _ = mixed()
    encoder = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=0.3, drop="first")
    pipeline = fit_quietly(make_pipeline(_preprocessor(encoder), LogisticRegression(max_iter=1000)), X, y)
    with pytest.raises(ConversionError, match=r"columntransformer > cat > onehotencoder: OneHotEncoder with "
                                              r"infrequent categories and drop=\.\.\. is not converted; fit it "
                                              r"with drop=None"):
        pmmlkit.convert(pipeline, X)




def test_multilabel_one_vs_rest_is_refused():
    X, y, _ = iris()
    labels = np.column_stack([y == 0, y == 1]).astype(int)
    model = fit_quietly(OneVsRestClassifier(LogisticRegression()), X, labels)
    with pytest.raises(ConversionError, match=r"multilabel"):
        pmmlkit.convert(model, X)


@pytest.mark.parametrize("imputed", [False, True], ids=["raw-column", "imputed-column"])
@pytest.mark.parametrize("evaluator", ["pmmlkit", "jpmml"])
def test_unseen_category_with_handle_unknown_error_is_not_scored(imputed, evaluator, tmp_path):
    """scikit-learn raises on an unseen category; the PMML must not score that row either."""
    X, y, _ = mixed_known()
    if imputed:
        model = make_pipeline(_preprocessor(OneHotEncoder()), LogisticRegression(max_iter=1000))
    else:
        X = X.fillna({"age": 40.0, "income": 2e4})
        model = make_pipeline(ColumnTransformer([("cat", OneHotEncoder(), ["city", "plan"])],
                                                remainder="passthrough"), LogisticRegression(max_iter=1000))
    model = fit_quietly(model, X, y)
    path = pmmlkit.convert(model, X).save(tmp_path / "model.pmml")
    rows = pd.DataFrame({"age": [30.0, 30.0], "income": [1e4, 1e4], "city": ["paris", "berlin"],
                         "plan": ["pro", "pro"]}).astype({"city": object, "plan": object})
    with pytest.raises(ValueError, match="unknown categor"):
        model.predict(rows.iloc[[1]])
    result = score(evaluator, path, rows)
    assert result["probability_yes"].iloc[0] == pytest.approx(model.predict_proba(rows.iloc[[0]])[0, 1], abs=1e-9)
    assert pd.isna(result["probability_yes"].iloc[1])
    assert pd.isna(result["predicted_y"].iloc[1])


def test_legacy_one_vs_rest_logistic_regression(tmp_path):
    """Releases before 1.8 fit multi_class="ovr" (liblinear's default); their predict_proba is
    expit(decision) normalised by its row sum. 1.9 cannot fit it, so mark a fitted model as such."""
    X, y, _ = iris()
    model = fit_quietly(LogisticRegression(max_iter=500), X, y)
    model.multi_class = "ovr"
    path = pmmlkit.convert(model, X).save(tmp_path / "model.pmml")
    expit = 1.0 / (1.0 + np.exp(-model.decision_function(X)))
    expected = expit / expit.sum(axis=1, keepdims=True)
    for evaluator in ("pmmlkit", "jpmml"):
        result = score(evaluator, path, X)
        actual = result[[f"probability_{c}" for c in model.classes_]].to_numpy(dtype=float)
        np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-9)
        assert (result["predicted_y"].astype(int).to_numpy() == model.classes_[expected.argmax(axis=1)]).all()
