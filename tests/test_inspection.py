"""Seeing inside a model: summaries, importance, explanations (TreeSHAP), diffs and pictures.

Explanations are checked against shap.TreeExplainer on the source model (an independent oracle)
on 240 rows per model, and for additivity (base + contributions = the model's own raw score) on
every explained row. XGBoost's own figures are float32 (see _xgboost_tables): there the oracle is
shap's exact algorithm on the booster's tree tables, and the raw score its double-precision sum. Importance is checked against scikit-learn's feature_importances_, which is
defined the same way for trees fitted with the default criteria.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
import shap
import xgboost as xgb
from lxml import etree
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import pmmlkit
from pmmlkit.cli import main
from pmmlkit.inspection import plots
from pmmlkit.inspection.diff import INTERFACE_CHANGED, SCORES_MOVED

ROWS = 240
_rng = np.random.default_rng(7)
X = pd.DataFrame(_rng.normal(size=(ROWS, 4)), columns=["a", "b", "c", "d"])
# A few rows exactly on likely thresholds and at extremes.
X.iloc[:3] = [[0.0, 0.0, 0.0, 0.0], [5.0, -5.0, 1.0, -1.0], [-3.0, 3.0, -2.0, 2.0]]
Y = X.a * 2 + X.b ** 2 - X.c + _rng.normal(size=ROWS) * 0.1
YC = (Y > np.median(Y)).astype(int)


def _raw(model):
    if isinstance(model, (xgb.XGBModel,)):
        return _xgboost_margin(model)[0]
    if isinstance(model, lgb.LGBMModel):
        return model.predict(X, raw_score=True)
    if hasattr(model, "decision_function") and not isinstance(model, (RandomForestClassifier, DecisionTreeClassifier)):
        return model.decision_function(X)
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)[:, 1]
    return model.predict(X)


# shap.TreeExplainer(xgboost_model) hands the work to XGBoost's own pred_contribs, which runs
# TreeSHAP in float32, and XGBoost sums its margin in float32: those figures agree with pmmlkit's
# (double precision) to about 1e-6. The exact oracle is shap's own algorithm (its C extension, in
# double) on the booster's tree tables, given to shap.TreeExplainer as a model dict (shap's
# documented custom-tree format); the raw score is the double-precision sum of the leaves
# XGBoost's predict(pred_leaf=True) reaches.
EXACT, FLOAT32 = 1e-9, 2e-5


def _xgboost_json(model) -> dict:
    return json.loads(model.get_booster().save_raw("json"))


def _xgboost_tables(model) -> dict:
    """The booster's trees as shap's model dict: XGBoost goes left when x < split_condition (a
    float32), shap when x <= threshold: the threshold is the float32 below it, as shap's own
    XGBoost loader writes it. node_sample_weight is the cover (sum_hessian)."""
    trees = []
    for tree in _xgboost_json(model)["learner"]["gradient_booster"]["model"]["trees"]:
        left = np.asarray(tree["left_children"], dtype=np.int32)
        right = np.asarray(tree["right_children"], dtype=np.int32)
        leaf = left == -1
        condition = np.asarray(tree["split_conditions"], dtype=np.float32)
        trees.append({
            "children_left": left, "children_right": right,
            "children_default": np.where(np.asarray(tree["default_left"], dtype=bool), left, right).astype(np.int32),
            "features": np.where(leaf, -2, np.asarray(tree["split_indices"])).astype(np.int32),
            "thresholds": np.where(leaf, 0.0, np.nextafter(condition, np.float32(-np.inf)).astype(np.float64)),
            "values": np.where(leaf, condition.astype(np.float64), 0.0).reshape(-1, 1),
            "node_sample_weight": np.asarray(tree["sum_hessian"], dtype=np.float64),
        })
    return {"trees": trees, "base_offset": float(_xgboost_margin(model)[1])}


def _xgboost_margin(model) -> tuple[np.ndarray, np.float32]:
    """(the base margin plus the leaves each row reaches, summed in double; the base margin).
    The same sum in float32, in tree order, must be XGBoost's own output_margin, bit for bit."""
    learner = _xgboost_json(model)["learner"]
    base = np.float32(float(learner["learner_model_param"]["base_score"].strip("[]")))
    if learner["objective"]["name"] == "binary:logistic":  # the probability, in margin space, in float32
        base = np.float32(-np.log(np.float64(np.float32(np.float32(1.0) / base) - np.float32(1.0))))
    trees = learner["gradient_booster"]["model"]["trees"]
    reached = model.get_booster().predict(xgb.DMatrix(X), pred_leaf=True).astype(np.int64)
    leaves = np.stack([np.asarray(t["split_conditions"], dtype=np.float32)[reached[:, i]]
                       for i, t in enumerate(trees)], axis=1)
    single = np.full(len(X), base, dtype=np.float32)
    for i in range(leaves.shape[1]):
        single = single + leaves[:, i]
    np.testing.assert_array_equal(single, model.predict(X, output_margin=True))
    return float(base) + leaves.astype(np.float64).sum(axis=1), base


def _shap_values(model) -> np.ndarray:
    source = _xgboost_tables(model) if isinstance(model, xgb.XGBModel) else model
    return np.asarray(shap.TreeExplainer(source).shap_values(X.to_numpy(dtype=np.float64)))

# (case, estimator, target, tolerance): every row is explained and compared with shap.TreeExplainer.
TREE_CASES = [
    ("decision-tree-regressor", lambda: DecisionTreeRegressor(max_depth=6, random_state=0), Y, EXACT),
    ("decision-tree-classifier", lambda: DecisionTreeClassifier(max_depth=5, random_state=0), YC, EXACT),
    ("random-forest-regressor", lambda: RandomForestRegressor(25, max_depth=6, random_state=0), Y, EXACT),
    ("random-forest-classifier", lambda: RandomForestClassifier(25, max_depth=6, random_state=0), YC, EXACT),
    ("gradient-boosting-regressor", lambda: GradientBoostingRegressor(n_estimators=30, random_state=0), Y, EXACT),
    ("gradient-boosting-classifier", lambda: GradientBoostingClassifier(n_estimators=30, random_state=0), YC, EXACT),
    ("lightgbm-regressor", lambda: lgb.LGBMRegressor(n_estimators=25, num_leaves=8, verbose=-1), Y, EXACT),
    ("lightgbm-classifier", lambda: lgb.LGBMClassifier(n_estimators=25, num_leaves=8, verbose=-1), YC, EXACT),
    ("xgboost-regressor", lambda: xgb.XGBRegressor(n_estimators=25, max_depth=3), Y, EXACT),
    ("xgboost-classifier", lambda: xgb.XGBClassifier(n_estimators=25, max_depth=3), YC, EXACT),
]


@pytest.mark.parametrize("case,make,target,tolerance", TREE_CASES, ids=[c[0] for c in TREE_CASES])
def test_treeshap_equals_shap_and_adds_up(case, make, target, tolerance):
    model = make().fit(X, target)
    explanation = pmmlkit.explain(pmmlkit.convert(model, X), X)
    expected = _shap_values(model)
    columns = [list(X.columns).index(name) for name in explanation.inputs]
    k = explanation.outputs.index("1") if "1" in explanation.outputs else 0
    ours = explanation.values[:, :, k]
    theirs = expected[:, columns, 1] if expected.ndim == 3 else expected[:, columns]
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=tolerance)
    # Additivity: base value plus contributions is the model's own raw score, on every row.
    np.testing.assert_allclose(explanation.totals()[:, k], _raw(model), rtol=0, atol=tolerance)
    # And exactly the sum of the contributions (the explanation's own promise).
    np.testing.assert_allclose(explanation.frame().filter(like="explained_value").to_numpy()[:, k],
                               explanation.base[k] + ours.sum(axis=1), rtol=0, atol=1e-12)


@pytest.mark.parametrize("make,target", [
    (lambda: xgb.XGBRegressor(n_estimators=25, max_depth=3), Y),
    (lambda: xgb.XGBClassifier(n_estimators=25, max_depth=3), YC),
], ids=["regressor", "classifier"])
def test_xgboost_own_float32_figures_agree_to_float32_precision(make, target):
    # What shap.TreeExplainer(model) returns for XGBoost: XGBoost's float32 pred_contribs.
    model = make().fit(X, target)
    explanation = pmmlkit.explain(pmmlkit.convert(model, X), X)
    columns = [list(X.columns).index(name) for name in explanation.inputs]
    float32_shap = np.asarray(shap.TreeExplainer(model).shap_values(X))
    np.testing.assert_allclose(explanation.values[:, :, 0], float32_shap[:, columns], rtol=0, atol=FLOAT32)
    np.testing.assert_allclose(explanation.totals()[:, 0], model.predict(X, output_margin=True), rtol=0, atol=FLOAT32)


def test_xgboost_split_nodes_carry_their_cover():
    # A split's cover is XGBoost's float32 sum of hessians, not always its children's sum: it is written.
    model = xgb.XGBClassifier(n_estimators=3, max_depth=3).fit(X, YC)
    text = pmmlkit.convert(model, X).to_string()
    covers = {float(h) for t in _xgboost_json(model)["learner"]["gradient_booster"]["model"]["trees"]
              for h, child in zip(t["sum_hessian"], t["left_children"]) if child != -1}
    written = {float(c) for c in re.findall(r'<Node recordCount="([^"]+)">', text)}
    assert covers and covers <= written


def test_logistic_contributions_are_coefficient_times_value():
    model = LogisticRegression().fit(X, YC)
    explanation = pmmlkit.explain(pmmlkit.convert(model, X), X)
    k = explanation.outputs.index("1")
    assert explanation.space == "logit"
    np.testing.assert_allclose(explanation.values[:, :, k], X[explanation.inputs].to_numpy() * model.coef_[0],
                               atol=1e-12)
    np.testing.assert_allclose(explanation.totals()[:, k], model.decision_function(X), atol=1e-12)
    frame = explanation.frame()
    assert "contribution(a, 1)" in frame.columns and "base_value(1)" in frame.columns


def test_pipeline_contributions_fold_onto_inputs(tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LinearRegression()).fit(X, Y)
    explanation = pmmlkit.explain(pmmlkit.convert(model, X), X)
    assert explanation.inputs == ["a", "b", "c", "d"]  # the scaled fields count for their inputs
    np.testing.assert_allclose(explanation.totals()[:, 0], model.predict(X), atol=1e-9)


def test_models_without_an_exact_method_are_refused():
    from sklearn.neural_network import MLPRegressor

    model = MLPRegressor(hidden_layer_sizes=(3,), max_iter=50, random_state=0).fit(X, Y)
    with pytest.raises(pmmlkit.PMMLError, match="NeuralNetwork"):
        pmmlkit.explain(pmmlkit.convert(model, X), X)


@pytest.mark.parametrize("make,target", [
    (lambda: RandomForestRegressor(15, max_depth=6, random_state=0), Y),
    (lambda: RandomForestClassifier(15, max_depth=6, random_state=0), YC),
    (lambda: DecisionTreeClassifier(max_depth=5, random_state=0), YC),
], ids=["forest-regressor", "forest-classifier", "tree-classifier"])
def test_gain_importance_equals_scikit_learn(make, target):
    model = make().fit(X, target)
    importance = pmmlkit.importance(pmmlkit.convert(model, X), kind="gain")
    np.testing.assert_allclose(importance.reindex(X.columns).fillna(0).to_numpy(), model.feature_importances_,
                               atol=1e-12)
    splits = pmmlkit.importance(pmmlkit.convert(model, X), kind="splits")
    internal = sum(int((e.tree_.children_left != -1).sum()) for e in getattr(model, "estimators_", [model]))
    assert splits.sum() == internal


def test_coefficient_and_permutation_importance_rank_the_strong_inputs_first():
    linear = (2 * X.a - 1.5 * X.b + 0.1 * X.c > 0).astype(int)
    model = LogisticRegression().fit(X, linear)
    document = pmmlkit.convert(model, X)
    coefficients = pmmlkit.importance(document, sample=X)
    assert coefficients.name == "coefficients"
    np.testing.assert_allclose(coefficients["a"], abs(model.coef_[0][0]) * X.a.std(ddof=0), rtol=1e-12)
    permuted = pmmlkit.importance(document, kind="permutation", sample=X)
    assert set(permuted.index[:2]) == set(coefficients.index[:2]) == {"a", "b"}


def test_summary_of_a_converted_pipeline_lists_categories_and_sizes(tmp_path):
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    frame = X.assign(city=np.where(X.a > 0, "paris", np.where(X.b > 0, "lyon", "nice")))
    model = make_pipeline(ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore"), ["city"])],
                                            remainder="passthrough"),
                          RandomForestClassifier(5, max_depth=3, random_state=0)).fit(frame, YC)
    path = pmmlkit.convert(model, frame).save(tmp_path / "m.pmml")
    summary = pmmlkit.describe(path)
    city = next(f for f in summary["inputs"] if f["name"] == "city")
    assert sorted(city["values"]) == ["lyon", "nice", "paris"]
    assert summary["size"]["trees"] == 5 and summary["size"]["max_depth"] <= 3
    assert summary["structure"][0] == {"kind": "MiningModel", "depth": 0, "count": 1, "method": "average"}
    html = summary._repr_html_()
    assert "paris" in html and "<table>" in html
    out = subprocess.run([sys.executable, "-m", "pmmlkit", "info", str(path)], capture_output=True, text=True)
    assert out.returncode == 0 and "values: lyon, nice, paris" in out.stdout and "trees 5" in out.stdout
    as_json = json.loads(subprocess.run([sys.executable, "-m", "pmmlkit", "info", "--json", str(path)],
                                        capture_output=True, text=True).stdout)
    assert as_json["size"]["trees"] == 5


R_STYLE = """<?xml version="1.0"?>
<PMML version="4.2" xmlns="http://www.dmg.org/PMML-4_2">
 <Header copyright="Copyright (c) 2024" description="Generalized Linear Regression Model">
  <Application name="KNIME" version="5.2.0"/>
 </Header>
 <DataDictionary numberOfFields="3">
  <DataField name="y" optype="continuous" dataType="double"/>
  <DataField name="x" optype="continuous" dataType="double"><Interval closure="closedClosed" leftMargin="0" rightMargin="10"/></DataField>
  <DataField name="g" optype="categorical" dataType="string"><Value value="u"/><Value value="v"/></DataField>
 </DataDictionary>
 <RegressionModel modelName="lm" functionName="regression">
  <MiningSchema>
   <MiningField name="y" usageType="predicted"/>
   <MiningField name="x" missingValueReplacement="5"/>
   <MiningField name="g"/>
  </MiningSchema>
  <RegressionTable intercept="1.5">
   <NumericPredictor name="x" exponent="1" coefficient="2"/>
   <CategoricalPredictor name="g" value="u" coefficient="0"/>
   <CategoricalPredictor name="g" value="v" coefficient="-1"/>
  </RegressionTable>
 </RegressionModel>
</PMML>
"""


def test_summary_and_explanation_of_another_producers_file(tmp_path):
    path = tmp_path / "knime.pmml"
    path.write_text(R_STYLE)
    summary = pmmlkit.describe(path)
    assert summary["application"] == "KNIME 5.2.0"
    x = next(f for f in summary["inputs"] if f["name"] == "x")
    assert x["intervals"] == [{"left": 0.0, "right": 10.0, "closure": "closedClosed"}]
    assert x["missingValueReplacement"] == "5"
    assert summary["size"] == {"coefficients": 3}
    frame = pd.DataFrame({"x": [1.0, 2.5], "g": ["u", "v"]})
    explanation = pmmlkit.explain(path, frame)
    np.testing.assert_allclose(explanation.totals()[:, 0], [3.5, 5.5])
    np.testing.assert_allclose(explanation.values[:, explanation.inputs.index("g"), 0], [0.0, -1.0])


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("versions")
    frame = X.assign(city=np.where(X.a > 0, "paris", "lyon"))
    first = LinearRegression().fit(X, Y)
    paths = {
        "v1": pmmlkit.convert(first, X).save(folder / "v1.pmml"),
        "same": pmmlkit.convert(first, X).save(folder / "same.pmml"),
        "retrained": pmmlkit.convert(LinearRegression().fit(X.iloc[:120], Y.iloc[:120]), X).save(folder / "r.pmml"),
        "dropped": pmmlkit.convert(LinearRegression().fit(X[["a", "b", "c"]], Y), X[["a", "b", "c"]]
                                   ).save(folder / "dropped.pmml"),
    }
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    def with_city(cities):
        data = frame.assign(city=cities)
        pipe = make_pipeline(ColumnTransformer([("c", OneHotEncoder(handle_unknown="ignore"), ["city"])],
                                               remainder="passthrough"), LinearRegression()).fit(data, Y)
        return pmmlkit.convert(pipe, data)
    paths["two-cities"] = with_city(frame.city).save(folder / "two.pmml")
    paths["three-cities"] = with_city(np.where(X.b > 1, "nice", frame.city)).save(folder / "three.pmml")
    sample = folder / "sample.csv"
    frame.to_csv(sample, index=False)
    return paths, sample


@pytest.mark.parametrize("old,new,interface,moved", [
    ("v1", "same", False, False),
    ("v1", "retrained", False, True),
    ("v1", "dropped", True, True),
    ("two-cities", "three-cities", False, True),
])
def test_diff_between_versions(versions, old, new, interface, moved):
    paths, sample = versions
    report = pmmlkit.diff(paths[old], paths[new], sample=pd.read_csv(sample))
    assert report["interface_changed"] is interface
    assert report["scores"]["scores_moved"] is moved
    code = subprocess.run([sys.executable, "-m", "pmmlkit", "diff", str(paths[old]), str(paths[new]), "--data",
                           str(sample)], capture_output=True, text=True)
    assert code.returncode == (INTERFACE_CHANGED if interface else 0) | (SCORES_MOVED if moved else 0), code.stderr
    if (old, new) == ("v1", "dropped"):
        assert report["inputs_removed"] == ["d"] and "inputs removed: d" in code.stdout
    if new == "three-cities":
        assert report["categories_changed"] == [{"name": "city", "added": ["nice"], "removed": []}]
    assert report["scores"]["inputs_not_in_sample"] == {"old": [], "new": []}
    # A sample without an input a version reads: scored as missing, and the report says so.
    partial = subprocess.run([sys.executable, "-m", "pmmlkit", "diff", str(paths[old]), str(paths[new]), "--data",
                              str(_without_column(sample, "a"))], capture_output=True, text=True)
    assert "new version's inputs not in the sample, scored as missing: a" in partial.stdout, partial.stdout
    assert "old version's inputs not in the sample, scored as missing: a" in partial.stdout


def _without_column(sample, name):
    path = sample.with_name(f"without-{name}.csv")
    pd.read_csv(sample).drop(columns=[name]).to_csv(path, index=False)
    return path


def test_importance_and_tree_pictures_show_the_model(tmp_path):
    model = RandomForestRegressor(5, max_depth=3, random_state=0).fit(X, Y)
    document = pmmlkit.convert(model, X)
    importance = pmmlkit.importance(document)
    figure = plots.importance_figure(importance)
    bars = figure.axes[0].patches
    assert len(bars) == len(importance) >= 3
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels[-1] == importance.index[0]  # the largest at the top
    assert max(b.get_width() for b in bars) == pytest.approx(importance.iloc[0])
    path = document.save(tmp_path / "forest.pmml")
    out = tmp_path / "tree.svg"
    result = subprocess.run([sys.executable, "-m", "pmmlkit", "plot", str(path), "--kind", "tree", "--depth", "2",
                             "-o", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert text.startswith("<?xml") and "otherwise" in text
    png = tmp_path / "imp.png"
    assert subprocess.run([sys.executable, "-m", "pmmlkit", "plot", str(path), "--kind", "importance", "-o", str(png)],
                          capture_output=True).returncode == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = subprocess.run([sys.executable, "-m", "pmmlkit", "plot", str(path), "--kind", "scores", "-o", str(png)],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--data" in bad.stderr


def test_explanations_refuse_what_they_cannot_do_exactly(tmp_path):
    text = R_STYLE.replace('<NumericPredictor name="x" exponent="1"', '<NumericPredictor name="x" exponent="2"')
    with pytest.raises(pmmlkit.PMMLError, match="exponent"):
        pmmlkit.explain(text, pd.DataFrame({"x": [1.0], "g": ["u"]}))
    assert Path(plots.__file__).name == "plots.py"


ROUTED = """<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">
 <DataDictionary>
  <DataField name="x" optype="continuous" dataType="double"/>
  <DataField name="g" optype="categorical" dataType="string"/>
  <DataField name="y" optype="continuous" dataType="double"/>
 </DataDictionary>
 <TreeModel functionName="regression">
  <MiningSchema><MiningField name="x"/><MiningField name="g"/><MiningField name="y" usageType="target"/></MiningSchema>
  <Node><True/>
   <Node><SimplePredicate field="x" operator="lessThan" value="0"/>
    <Node score="1"><SimplePredicate field="g" operator="equal" value="u"/></Node>
    <Node score="2"><SimpleSetPredicate field="g" booleanOperator="isIn"><Array type="string">v w</Array></SimpleSetPredicate></Node>
    <Node score="3"><True/></Node>
   </Node>
   <Node><SimplePredicate field="x" operator="equal" value="1"/>
    <Node score="4"><SimplePredicate field="x" operator="greaterOrEqual" value="1"/></Node>
   </Node>
   <Node><CompoundPredicate booleanOperator="or"><SimplePredicate field="x" operator="greaterThan" value="5"/>
     <SimplePredicate field="x" operator="isMissing"/></CompoundPredicate>
    <Node score="5"><SimplePredicate field="x" operator="notEqual" value="7"/></Node>
    <Node score="6"><SimplePredicate field="x" operator="lessOrEqual" value="7"/></Node>
   </Node>
   <Node score="7"><False/></Node>
   <Node score="8"><SimplePredicate field="x" operator="lessOrEqual" value="5"/></Node>
  </Node>
 </TreeModel>
</PMML>"""


def test_routes_evaluate_numeric_predicates_in_bulk_as_one_by_one():
    # routes() compares numeric SimplePredicates for many nodes at once; every other predicate goes
    # through evaluate(): the child each record takes is the first whose predicate evaluate() says is true.
    from pmmlkit.inspection.trees import evaluate, flatten, routes

    flat = flatten(etree.fromstring(ROUTED.encode()).find("{*}TreeModel"))
    x = np.array([-1.0, 0.0, 1.0, 3.0, 5.0, 6.0, 7.0, np.nan, -2.0, -3.0])
    g = np.array(["u", "v", None, "w", "u", "z", "v", None, "z", "w"], dtype=object)
    values = {"x": x, "g": g}
    got = routes(flat, values, len(x))
    for j in range(flat.size):
        kids = flat.children[flat.child_start[j]:flat.child_start[j + 1]]
        expected = np.full(len(x), -1)
        for position, child in enumerate(kids):
            true, _ = evaluate(flat.predicates[child], values, len(x))
            expected = np.where((expected == -1) & true, position, expected)
        np.testing.assert_array_equal(got[:, j], expected)
    assert got[:, 0].tolist() == [0, 4, 1, 4, 4, 2, 2, 2, 0, 0]


def _tree_with_colors(colors: list[str]) -> str:
    values = "".join(f'<Value value="{c}"/>' for c in colors)
    return f"""<PMML version="4.4" xmlns="http://www.dmg.org/PMML-4_4"><Header/>
<DataDictionary><DataField name="x" optype="continuous" dataType="double"/>
<DataField name="color" optype="categorical" dataType="string">{values}</DataField>
<DataField name="y" optype="continuous" dataType="double"/></DataDictionary>
<TreeModel functionName="regression"><MiningSchema><MiningField name="x"/><MiningField name="color"/>
<MiningField name="y" usageType="target"/></MiningSchema>
<Node score="5"><True/><Node score="1"><SimplePredicate field="color" operator="equal" value="red"/></Node>
<Node score="2"><SimplePredicate field="x" operator="lessThan" value="1.5"/></Node><Node score="3"><True/></Node>
</Node></TreeModel></PMML>"""


def test_diff_counts_rows_scored_by_one_version_apart(tmp_path):
    # A category added: a row invalid before (no score) gets one. Its difference has no size: the max and
    # mean were inf and NaN (and --json printed Infinity/NaN, which is not JSON).
    old, new = tmp_path / "old.pmml", tmp_path / "new.pmml"
    old.write_text(_tree_with_colors(["red", "blue"]))
    new.write_text(_tree_with_colors(["red", "blue", "green"]).replace('score="3"', 'score="3.5"'))
    sample = pd.DataFrame({"x": [1.0, 1.0, 2.0, 2.0], "color": ["red", "blue", "blue", "green"]})
    report = pmmlkit.diff(old, new, sample=sample)
    facts = report["scores"]["outputs"]["predicted_y"]
    assert facts == {"max_abs_diff": 0.5, "mean_abs_diff": pytest.approx(0.5 / 3, rel=1e-12),
                     "rows_scored_by_one": 1, "rows_beyond_tolerance": 2}
    assert report["scores"]["scores_moved"] and report["scores"]["most_changed_rows"][0] == 3
    sample.to_csv(tmp_path / "sample.csv", index=False)
    run = subprocess.run([sys.executable, "-m", "pmmlkit", "diff", str(old), str(new), "--data",
                          str(tmp_path / "sample.csv"), "--json"], capture_output=True, text=True)
    assert run.returncode == SCORES_MOVED, run.stderr
    json.loads(run.stdout, parse_constant=lambda name: pytest.fail(f"{name} in the JSON report"))


def test_explanations_read_inputs_after_the_mining_schema_treatments(tmp_path):
    # KNIME-style: the MiningSchema replaces a missing x and treats an out-of-range z as missing, then
    # replaces it. The model scores the treated values; the explanation read the raw ones (NaN, 54).
    path = tmp_path / "treated.pmml"
    path.write_text("""<PMML version="4.4" xmlns="http://www.dmg.org/PMML-4_4"><Header>
<Application name="KNIME" version="4"/></Header><DataDictionary>
<DataField name="x" optype="continuous" dataType="double"/>
<DataField name="z" optype="continuous" dataType="double"><Interval closure="closedClosed" leftMargin="0"
 rightMargin="10"/></DataField><DataField name="y" optype="continuous" dataType="double"/></DataDictionary>
<RegressionModel functionName="regression"><MiningSchema><MiningField name="x" missingValueReplacement="2"/>
<MiningField name="z" invalidValueTreatment="asMissing" missingValueReplacement="5"/>
<MiningField name="y" usageType="target"/></MiningSchema><RegressionTable intercept="1">
<NumericPredictor name="x" coefficient="3"/><NumericPredictor name="z" coefficient="1"/></RegressionTable>
</RegressionModel></PMML>""")
    frame = pd.DataFrame({"x": [1.0, None, 1.0], "z": [1.0, 1.0, 50.0]})
    scores = pmmlkit.load(path).predict(frame)["predicted_y"].tolist()
    assert scores == [5.0, 8.0, 9.0]
    explained = pmmlkit.explain(path, frame).frame()
    assert explained["explained_value"].tolist() == scores
    assert explained["contribution(x)"].tolist() == [3.0, 6.0, 3.0]
    assert explained["contribution(z)"].tolist() == [1.0, 1.0, 5.0]
    out = tmp_path / "explained.csv"
    frame.to_csv(tmp_path / "rows.csv", index=False)
    assert main(["score", str(path), str(tmp_path / "rows.csv"), "-o", str(out), "--explain"]) == 0
    assert pd.read_csv(out)["explained_value"].tolist() == scores


def test_a_record_that_reaches_no_leaf_has_no_contributions(tmp_path):
    # missingValueStrategy="none": a missing x or color makes every child's predicate not true, so the record
    # stops at a split and gets no score (returnNullPrediction); the explanation said 0.0 (no leaf's value).
    path = tmp_path / "stops.pmml"
    path.write_text("""<PMML version="4.4" xmlns="http://www.dmg.org/PMML-4_4"><Header>
<Application name="Rattle/PMML" version="2.5"/></Header><DataDictionary>
<DataField name="x" optype="continuous" dataType="double"/>
<DataField name="color" optype="categorical" dataType="string"><Value value="red"/><Value value="blue"/></DataField>
<DataField name="y" optype="continuous" dataType="double"/></DataDictionary>
<TreeModel functionName="regression"><MiningSchema><MiningField name="x"/><MiningField name="color"/>
<MiningField name="y" usageType="target"/></MiningSchema>
<Node score="5" recordCount="10"><True/>
 <Node score="2" recordCount="6"><SimplePredicate field="x" operator="lessThan" value="1.5"/>
  <Node score="1" recordCount="3"><SimplePredicate field="color" operator="equal" value="red"/></Node>
  <Node score="3" recordCount="3"><SimplePredicate field="color" operator="notEqual" value="red"/></Node></Node>
 <Node score="9.5" recordCount="4"><SimplePredicate field="x" operator="greaterOrEqual" value="1.5"/></Node>
</Node></TreeModel></PMML>""")
    frame = pd.DataFrame({"x": [1.0, 1.0, 2.0, None, 1.0], "color": ["red", "blue", "red", "red", None]})
    scores = pmmlkit.load(path).predict(frame)["predicted_y"]
    assert scores.isna().tolist() == [False, False, False, True, True]
    explained = pmmlkit.explain(path, frame).frame()
    np.testing.assert_allclose(explained["explained_value"][:3], scores[:3], rtol=1e-12)
    assert explained["explained_value"][3:].isna().all()
    assert explained[["contribution(x)", "contribution(color)"]][3:].isna().all().all()


INVALID_VALUES = """<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/><DataDictionary>
<DataField name="color" optype="categorical" dataType="string"><Value value="red"/><Value value="blue"/></DataField>
<DataField name="x" optype="continuous" dataType="double"><Interval closure="closedClosed" leftMargin="0" rightMargin="10"/>
</DataField><DataField name="y" optype="continuous" dataType="double"/></DataDictionary>
<RegressionModel functionName="regression"><MiningSchema><MiningField name="color"/><MiningField name="x"/>
<MiningField name="y" usageType="target"/></MiningSchema><RegressionTable intercept="1">
<NumericPredictor name="x" coefficient="2"/><CategoricalPredictor name="color" value="red" coefficient="1"/>
<CategoricalPredictor name="color" value="blue" coefficient="-1"/></RegressionTable></RegressionModel></PMML>"""


@pytest.mark.parametrize("how", ["explain", "Model.explain", "score --explain"])
def test_a_record_with_an_invalid_value_has_no_contributions(tmp_path, how):
    # An unknown category ("green") or a value outside the declared interval (x=11) leaves the
    # record without a score (returnInvalid); the explanation gave it numbers (3.0 for "green").
    frame = pd.DataFrame({"color": ["red", "green", "blue", "red"], "x": [1.0, 1.0, 11.0, 10.0]})
    path = tmp_path / "invalid.pmml"
    path.write_text(INVALID_VALUES)
    scores = pmmlkit.load(path).predict(frame)["predicted_y"]
    assert scores.isna().tolist() == [False, True, True, False]
    if how == "explain":
        explained = pmmlkit.explain(path, frame).frame()
    elif how == "Model.explain":
        explained = pmmlkit.load(path).explain(frame).frame()
    else:
        frame.to_csv(tmp_path / "in.csv", index=False)
        assert main(["score", str(path), str(tmp_path / "in.csv"), "-o", str(tmp_path / "out.csv"), "--explain"]) == 0
        explained = pd.read_csv(tmp_path / "out.csv")
    np.testing.assert_allclose(explained["explained_value"][[0, 3]], scores[[0, 3]], rtol=1e-12)
    assert explained.loc[[1, 2], ["contribution(color)", "contribution(x)", "explained_value"]].isna().all().all()


def test_plot_importance_of_a_model_without_trees_asks_for_data(tmp_path, capsys):
    # The error named the Python API's argument ("sample=...") instead of the command's --data.
    model = pmmlkit.convert(LinearRegression().fit(X, Y), X).save(tmp_path / "linear.pmml")
    assert main(["plot", str(model), "--kind", "importance", "-o", str(tmp_path / "imp.png")]) == 2
    error = capsys.readouterr().err
    assert "--data SAMPLE" in error and "sample=" not in error
    X.head(50).to_csv(tmp_path / "sample.csv", index=False)
    assert main(["plot", str(model), "--kind", "importance", "--data", str(tmp_path / "sample.csv"),
                 "-o", str(tmp_path / "imp.png")]) == 0
