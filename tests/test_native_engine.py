"""The native engine (pmmlkit/scoring/native): engine choice, no Java, refusals, and hand-written
documents that reach what the converters do not write, checked against PMML4S (the fidelity
tables run every converter's row on it: tests/harness.py)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from harness import assert_engines_agree
from native_oracles import document as pmml_document
from sklearn.cluster import KMeans

import pmmlkit
from pmmlkit.errors import EvaluationError, ValidationError

REGRESSION = pmml_document("""<DataDictionary>
<DataField name="x" optype="continuous" dataType="double"/>
<DataField name="c" optype="categorical" dataType="string"><Value value="a"/><Value value="b"/></DataField>
<DataField name="y" optype="continuous" dataType="double"/>
</DataDictionary>
<RegressionModel functionName="regression">
<MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x" missingValueReplacement="2"/>
<MiningField name="c" invalidValueTreatment="asMissing"/></MiningSchema>
<Output><OutputField name="y_hat" optype="continuous" dataType="double" feature="predictedValue"/>
<OutputField name="twice" optype="continuous" dataType="double" feature="transformedValue">
<Apply function="*"><FieldRef field="y_hat"/><Constant dataType="double">2</Constant></Apply></OutputField>
</Output>
<RegressionTable intercept="0.5"><NumericPredictor name="x" coefficient="1.5"/>
<NumericPredictor name="x" exponent="2" coefficient="-0.25"/>
<CategoricalPredictor name="c" value="a" coefficient="3"/><CategoricalPredictor name="c" value="b" coefficient="-1"/>
</RegressionTable>
</RegressionModel>""")

TREE = pmml_document("""<DataDictionary>
<DataField name="x" optype="continuous" dataType="double"/>
<DataField name="c" optype="categorical" dataType="string"/>
<DataField name="y" optype="categorical" dataType="string"><Value value="p"/><Value value="q"/></DataField>
</DataDictionary>
<TreeModel functionName="classification" missingValueStrategy="{strategy}" noTrueChildStrategy="{no_true}">
<MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x"/><MiningField name="c"/></MiningSchema>
<Output><OutputField name="label" optype="categorical" dataType="string" feature="predictedValue"/>
<OutputField name="prob_p" optype="continuous" dataType="double" feature="probability" value="p"/>
<OutputField name="prob_q" optype="continuous" dataType="double" feature="probability" value="q"/></Output>
<Node id="0" score="p" defaultChild="2"><True/>
<ScoreDistribution value="p" recordCount="6"/><ScoreDistribution value="q" recordCount="4"/>
<Node id="1" score="q"><CompoundPredicate booleanOperator="and">
<SimplePredicate field="x" operator="lessOrEqual" value="1.5"/>
<SimpleSetPredicate field="c" booleanOperator="isIn"><Array n="2" type="string">a "b c"</Array></SimpleSetPredicate>
</CompoundPredicate>
<ScoreDistribution value="p" recordCount="1"/><ScoreDistribution value="q" recordCount="3"/></Node>
<Node id="2" score="p"><CompoundPredicate booleanOperator="surrogate">
<SimplePredicate field="x" operator="greaterThan" value="3"/><SimplePredicate field="c" operator="equal" value="d"/>
</CompoundPredicate>
<ScoreDistribution value="p" recordCount="5"/><ScoreDistribution value="q" recordCount="1"/></Node>
</Node>
</TreeModel>""")

ROWS = pd.DataFrame({"x": [0.5, 1.5, 2.0, 4.0, None, None, 1.0, 1.0],
                     "c": ["a", "b c", "zz", None, "d", None, "b", "a"]})


def _save(tmp_path: Path, text: str, name: str = "model.pmml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _both(path: Path, rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    native = pmmlkit.load(path, engine="native")
    assert native.engine == "native"
    got = native.predict(rows)
    assert [native.predict(r) for r in rows.to_dict("records")] == native.predict(rows.to_dict("records"))
    return pmmlkit.load(path).predict(rows), got


def test_regression_with_treatments_and_a_transformed_output(tmp_path):
    rows = pd.DataFrame({"x": [0.0, 1.25, -3.0, None], "c": ["a", "b", "other", None]})
    want, got = _both(_save(tmp_path, REGRESSION), rows)
    assert_engines_agree(want, got, "regression")


@pytest.mark.parametrize("strategy", ["none", "lastPrediction", "nullPrediction", "defaultChild"])
@pytest.mark.parametrize("no_true", ["returnNullPrediction", "returnLastPrediction"])
def test_tree_strategies_compound_and_set_predicates(strategy, no_true, tmp_path):
    want, got = _both(_save(tmp_path, TREE.format(strategy=strategy, no_true=no_true)), ROWS)
    if strategy == "nullPrediction":
        # Row 5 meets an UNKNOWN predicate (and(missing, missing)): the standard, and JPMML-Evaluator,
        # stop with a null prediction; PMML4S goes on to the noTrueChildStrategy.
        want.loc[5] = [None, np.nan, np.nan]
    assert_engines_agree(want, got, f"tree {strategy}/{no_true}")


_SEGMENT_TREE = """<TreeModel functionName="classification"><MiningSchema><MiningField name="x"/>
<MiningField name="y" usageType="target"/></MiningSchema>{nodes}</TreeModel>"""
PICKED = pmml_document("""<DataDictionary>
<DataField name="x" optype="continuous" dataType="double"/>
<DataField name="y" optype="categorical" dataType="string"><Value value="a"/><Value value="b"/></DataField>
</DataDictionary>
<MiningModel functionName="classification"><MiningSchema><MiningField name="x"/>
<MiningField name="y" usageType="target"/></MiningSchema><Segmentation multipleModelMethod="{method}">
<Segment id="1"><SimplePredicate field="x" operator="greaterThan" value="100"/>""" + _SEGMENT_TREE.format(
    nodes='<Node score="a"><True/><ScoreDistribution value="a" recordCount="3"/>'
          '<ScoreDistribution value="b" recordCount="1"/></Node>') + """</Segment>
<Segment id="2"><True/>""" + _SEGMENT_TREE.format(
    nodes='<Node score="b"><True/><Node score="a"><SimplePredicate field="x" operator="lessThan" value="0"/>'
          '<ScoreDistribution value="a" recordCount="2"/><ScoreDistribution value="b" recordCount="1"/></Node>'
          '<Node score="b"><True/><ScoreDistribution value="a" recordCount="1"/>'
          '<ScoreDistribution value="b" recordCount="4"/></Node></Node>') + """</Segment>
</Segmentation></MiningModel>""")


@pytest.mark.parametrize("method", ["selectFirst", "modelChain"])
@pytest.mark.parametrize("xs", [[-1.0, 1.0, 5.0], [-1.0, 1.0, 500.0], [500.0], []],
                         ids=["first-segment-takes-none", "first-segment-takes-one", "all", "empty"])
def test_segments_picked_per_row(method, xs, tmp_path):
    """selectFirst / modelChain where a segment's predicate holds for none of the batch's rows (the
    native engine failed on such a batch: its result column was typed by that empty segment)."""
    rows = pd.DataFrame({"x": pd.Series(xs, dtype=float)})
    want, got = _both(_save(tmp_path, PICKED.replace("{method}", method)), rows)
    assert_engines_agree(want, got, f"{method} over {xs}")


def test_a_tree_without_score_distributions_outputs_its_predicted_value_alone(tmp_path):
    document = pmml_document("""<DataDictionary><DataField name="x" optype="continuous" dataType="double"/>
<DataField name="y" optype="categorical" dataType="string"><Value value="a"/><Value value="b"/></DataField>
</DataDictionary>""" + _SEGMENT_TREE.format(
        nodes='<Node score="b"><True/><Node score="a"><SimplePredicate field="x" operator="lessThan" value="0"/>'
              '</Node><Node score="b"><True/></Node></Node>'))
    want, got = _both(_save(tmp_path, document), pd.DataFrame({"x": [-1.0, 1.0, None]}))
    assert list(got.columns) == list(want.columns) == ["predicted_y"]
    assert_engines_agree(want, got, "tree without ScoreDistribution")


_UNDISTRIBUTED = """<DataDictionary><DataField name="x" optype="continuous" dataType="double"/>
<DataField name="y" optype="categorical" dataType="string"><Value value="a"/><Value value="b"/></DataField>
</DataDictionary><MiningModel functionName="classification"><MiningSchema><MiningField name="x"/>
<MiningField name="y" usageType="target"/></MiningSchema><Output>
<OutputField name="label" optype="categorical" dataType="string" feature="predictedValue"/>
<OutputField name="prob_a" optype="continuous" dataType="double" feature="probability" value="a"/>
<OutputField name="prob" optype="continuous" dataType="double" feature="probability"/></Output>
<Segmentation multipleModelMethod="{method}">{segments}</Segmentation></MiningModel>"""


@pytest.mark.parametrize("method", ["average", "weightedAverage", "majorityVote", "weightedMajorityVote",
                                    "modelChain", "selectFirst"])
def test_trees_without_score_distributions_give_no_probabilities(method, tmp_path):
    """A tree node without ScoreDistribution has no probabilities: missing, not 1 for its score
    (votes still count its score; an average of missing probabilities has no winner). PMML4S agrees
    on majority votes and chains; it gives 0 for selectFirst and the first category as the average's winner."""
    segments = "".join(f'<Segment id="{i}" weight="{i}"><True/>' + _SEGMENT_TREE.format(
        nodes=f'<Node score="b"><True/><Node score="a"><SimplePredicate field="x" operator="lessThan" value="{t}"/>'
              '</Node><Node score="b"><True/></Node></Node>') + "</Segment>" for i, t in ((1, 0), (2, 0.7), (3, 0.8)))
    path = _save(tmp_path, pmml_document(_UNDISTRIBUTED.replace("{method}", method).replace("{segments}", segments)))
    want, got = _both(path, pd.DataFrame({"x": [-1.0, 0.5, 1.0, None]}))
    if "Vote" in method:
        assert got["prob_a"].tolist() == ([1.0, 2 / 3, 0.0, 0.0] if method == "majorityVote" else [1.0, 5 / 6, 0.0, 0.0])
    else:
        assert got[["prob_a", "prob"]].isna().all().all(), got
    if "Average" in method or method == "average":
        assert got["label"].isna().all(), got
    # (PMML4S divides weighted votes by the number of segments, not by their total weight: 2.0.)
    if method in ("majorityVote", "modelChain"):
        assert_engines_agree(want, got, f"{method} over trees without ScoreDistribution")


AGGREGATE = pmml_document("""<DataDictionary><DataField name="x" optype="continuous" dataType="double"/>
<DataField name="z" optype="continuous" dataType="double"/><DataField name="y" optype="continuous" dataType="double"/>
</DataDictionary><TransformationDictionary><DerivedField name="s" optype="continuous" dataType="double">
<Apply function="{function}"><FieldRef field="x"/><FieldRef field="z"/>{more}</Apply></DerivedField>
</TransformationDictionary><RegressionModel functionName="regression"><MiningSchema><MiningField name="x"/>
<MiningField name="z"/><MiningField name="y" usageType="target"/></MiningSchema>
<RegressionTable intercept="0"><NumericPredictor name="s" coefficient="1"/></RegressionTable></RegressionModel>""")


@pytest.mark.parametrize("more", ["", '<Constant dataType="double">2</Constant>'], ids=["fields", "and-a-constant"])
@pytest.mark.parametrize("function", ["sum", "avg", "min", "max", "product", "median"])
def test_aggregate_functions_leave_missing_arguments_out(function, more, tmp_path):
    """min, max, sum, avg, product and median over the arguments present (PMML4S and
    JPMML-Evaluator; nyoka's PCA writes its components as sums): missing only when all are."""
    path = _save(tmp_path, AGGREGATE.replace("{function}", function).replace("{more}", more))
    rows = pd.DataFrame({"x": [1.0, None, None, 4.0], "z": [3.0, 5.0, None, -2.0]})
    want, got = _both(path, rows)
    assert got["predicted_y"].notna().tolist() == [True, True, bool(more), True]
    assert_engines_agree(want, got, f"{function} with missing arguments")


def test_k_means_has_no_cluster_where_every_distance_overflows(tmp_path):
    """Inputs near 1e154 and beyond make every squared distance infinite: no cluster is nearer than
    another, so there is no cluster (PMML4S agrees), not the first one."""
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(200, 2)), columns=["a", "b"])
    path = pmmlkit.convert(KMeans(3, n_init=3, random_state=0).fit(X), X).save(tmp_path / "k.pmml")
    rows = pd.DataFrame({"a": [1e200, 1e200, 0.5, 1e160, None], "b": [1e200, 0.0, 0.5, 1.0, 1.0]})
    want, got = _both(path, rows)
    assert got["predicted_y"].isna().tolist() == [True, True, False, True, False]
    assert_engines_agree(want, got, "k-means with overflowing distances")


def test_a_second_load_of_the_same_bytes_reuses_the_compiled_program(tmp_path):
    path = _save(tmp_path, REGRESSION)
    first = pmmlkit.load(path, engine="native", cache=False)
    second = pmmlkit.load(path.read_bytes(), engine="native")
    assert first._engine.program is second._engine.program


def test_a_native_model_pickles_with_its_engine(tmp_path):
    model = pmmlkit.load(_save(tmp_path, REGRESSION), engine="native")
    copy = pickle.loads(pickle.dumps(model))
    assert copy.engine == "native"
    rows = pd.DataFrame({"x": [1.0], "c": ["a"]})
    pd.testing.assert_frame_equal(copy.predict(rows), model.predict(rows))


# A BaselineModel: neither engine scores it (the native compiler names it; the gate refuses it for PMML4S).
UNSUPPORTED = pmml_document("""<DataDictionary>
<DataField name="x" optype="continuous" dataType="double"/>
</DataDictionary>
<BaselineModel functionName="regression">
<MiningSchema><MiningField name="x"/></MiningSchema>
<TestDistributions field="x" testStatistic="zValue"><Baseline><GaussianDistribution mean="0" variance="1"/></Baseline>
</TestDistributions>
</BaselineModel>""")
# A tree whose missingValueStrategy the native compiler does not compile, and PMML4S scores.
PMML4S_ONLY = TREE.format(strategy="aggregateNodes", no_true="returnNullPrediction")


def test_an_element_the_compiler_does_not_support_is_named_with_its_line(tmp_path):
    with pytest.raises(EvaluationError, match=r"does not compile <BaselineModel[^>]*> \(line \d+\), and PMML4S "
                                              r"cannot score it either"):
        pmmlkit.load(_save(tmp_path, UNSUPPORTED), engine="native")
    with pytest.raises(EvaluationError, match=r"does not compile missingValueStrategy='aggregateNodes' \(line \d+\); "
                                              r"score this document with engine='pmml4s'"):
        pmmlkit.load(_save(tmp_path, PMML4S_ONLY, "tree.pmml"), engine="native")


def test_auto_falls_back_to_pmml4s_where_native_does_not_compile(tmp_path):
    assert pmmlkit.load(_save(tmp_path, PMML4S_ONLY), engine="auto").engine == "pmml4s"
    assert pmmlkit.load(_save(tmp_path, REGRESSION, "other.pmml"), engine="auto").engine == "native"
    # Neither engine: auto has no engine to fall back to, and says why for both.
    with pytest.raises(ValidationError, match=r"\[unsupported\].*the native engine cannot score it either"):
        pmmlkit.load(_save(tmp_path, UNSUPPORTED, "baseline.pmml"), engine="auto")


def test_an_unknown_engine_is_refused(tmp_path):
    with pytest.raises(EvaluationError, match="engine='jvm'"):
        pmmlkit.load(_save(tmp_path, REGRESSION), engine="jvm")


def test_native_scoring_needs_no_java(tmp_path):
    """In a fresh process with no Java to be found, the native engine loads and scores, and the
    JVM never starts (the CLI's `score --engine native` too)."""
    path = _save(tmp_path, REGRESSION)
    rows = tmp_path / "rows.csv"
    rows.write_text("x,c\n1.0,a\n2.5,b\n")
    script = textwrap.dedent(f"""
        import jpype, pmmlkit
        model = pmmlkit.load({str(path)!r}, engine="native")
        print(model.predict({{"x": 1.0, "c": "a"}}))
        from pmmlkit.cli import main
        code = main(["score", "--engine", "native", {str(rows)!r}.replace("rows.csv", "model.pmml"), {str(rows)!r},
                     "-o", {str(tmp_path / "out.csv")!r}])
        assert code in (0, None), code
        assert not jpype.isJVMStarted()
        print("no JVM")
    """)
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "JDK_HOME", "JRE_HOME")}
    env["PATH"] = "/nonexistent"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "no JVM" in done.stdout
    out = pd.read_csv(tmp_path / "out.csv")
    assert np.allclose(out["y_hat"], [0.5 + 1.5 - 0.25 + 3, 0.5 + 3.75 - 0.25 * 6.25 - 1])


def test_serving_loads_versions_on_the_configured_engine(tmp_path):
    pytest.importorskip("starlette")
    from pmmlkit.serving.config import ModelSource, ServingConfig
    from pmmlkit.serving.versions import load_version

    path = _save(tmp_path, REGRESSION)
    config = ServingConfig(models=(ModelSource("m", str(path), engine="native"),))
    source = ServingConfig.from_json(config.to_json()).models[0]  # the form workers receive
    assert source.engine == "native"
    loaded = load_version(source.name, 1, path, engine=source.engine)
    assert loaded.model.engine == "native"


def test_cli_score_takes_an_engine(tmp_path, capsys):
    from pmmlkit.cli import main

    path = _save(tmp_path, REGRESSION)
    rows = tmp_path / "rows.csv"
    rows.write_text("x,c\n1.0,a\n,b\n")
    for engine in ("native", "pmml4s"):
        out = tmp_path / f"{engine}.csv"
        assert main(["score", "--engine", engine, str(path), str(rows), "-o", str(out)]) in (0, None)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "native.csv"), pd.read_csv(tmp_path / "pmml4s.csv"))


@pytest.mark.parametrize(("attributes", "message"), [
    ('modelType="generalizedLinear" functionName="regression"', "without linkFunction"),
    ('modelType="multinomialLogistic" functionName="regression"', "functionName='regression'"),
])
def test_what_only_pmml4s_refuses_is_still_refused_where_the_standard_is_unclear(attributes, message, tmp_path):
    """The gate lets a document PMML4S cannot score through to the native compiler ("unsupported"
    rules), which must then refuse what it would have to guess."""
    document = pmml_document(f"""<DataDictionary>
<DataField name="x" optype="continuous" dataType="double"/><DataField name="y" optype="continuous" dataType="double"/>
</DataDictionary>
<GeneralRegressionModel {attributes}>
<MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x"/></MiningSchema>
<Output><OutputField name="y_hat" optype="continuous" dataType="double" feature="predictedValue"/></Output>
<ParameterList><Parameter name="p0"/><Parameter name="p1"/></ParameterList>
<CovariateList><Predictor name="x"/></CovariateList>
<PPMatrix><PPCell value="1" predictorName="x" parameterName="p1"/></PPMatrix>
<ParamMatrix><PCell parameterName="p0" beta="0.5"/><PCell parameterName="p1" beta="2"/></ParamMatrix>
</GeneralRegressionModel>""")
    path = _save(tmp_path, document)
    with pytest.raises(ValidationError, match=r"\[unsupported\]"):
        pmmlkit.load(path)
    with pytest.raises(EvaluationError, match=message):
        pmmlkit.load(path, engine="native")
