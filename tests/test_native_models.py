"""The models the native engine compiles beyond the converters' output, on hand-written documents
(tests/native_model_documents.py): SupportVectorMachineModel, NearestNeighborModel, Cox regression
and MiningModels over ClusteringModels.

One table, case x oracle. The oracles: PMML4S (pmmlkit's reference engine, at 1e-12 relative),
JPMML-Evaluator (the same tolerance, on the records it scores: it refuses records with a missing or
invalid value instead of scoring them) and the standard itself (values computed here from PMML 4.4's
formulas, where neither JVM engine scores the document). Where an engine departs from the standard
the case says so and leaves out what it gets wrong; the native engine follows the standard."""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import native_model_documents as docs
import numpy as np
import pandas as pd
import pytest
from harness import ENGINE_FLOOR, ENGINE_TOLERANCE, assert_engines_agree
from lxml import etree

import pmmlkit
from pmmlkit.errors import PMMLError, ValidationError
from pmmlkit.scoring.native.program import Program


@dataclass(frozen=True)
class Oracle:
    """What an engine is compared on: ``rows`` (None: every row), ``columns`` (None: every output
    column it gives), or ``skip``: why it is not compared at all."""

    rows: tuple[int, ...] | None = None
    columns: tuple[str, ...] | None = None
    skip: str | None = None


EVERYTHING = Oracle()


@dataclass(frozen=True)
class Case:
    id: str
    document: str
    rows: pd.DataFrame
    pmml4s: Oracle = EVERYTHING
    jpmml: Oracle = EVERYTHING
    standard: Callable[[pd.DataFrame], pd.DataFrame] | None = field(default=None)


# -- the standard, computed here ------------------------------------------------------------------
def cox_standard(strata: bool) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """H(t) = H0(t) exp(r - s), straight from PMML 4.4's definition."""
    s = sum(beta * ref for _, _, _, beta, ref in docs.COX_TERMS)

    def expected(rows: pd.DataFrame) -> pd.DataFrame:
        hazards = []
        for age, sex, group, t in rows[["age", "sex", "g", "time"]].itertuples(index=False):
            table = docs.COX_STRATA.get(group) if strata else (10.0, docs.COX_BASELINE)
            if t != t or table is None:
                hazards.append(np.nan)
                continue
            max_time, cells = table
            if t > max_time:
                hazards.append(np.nan)
            elif t < min(time for time, _ in cells):
                hazards.append(0.0)
            elif age != age or sex is None or sex != sex:
                hazards.append(np.nan)
            else:
                r = 0.03 * age - 0.4 * (sex == "m") + 0.0002 * age ** 2
                h0 = max((time, h) for time, h in cells if time <= t)[1]
                hazards.append(h0 * math.exp(r - s))
        hazard = np.array(hazards)
        return pd.DataFrame({"hazard": hazard, "survival": np.exp(-hazard)})
    return expected


def vote_standard(predicates: tuple[Callable[[float, float], bool], ...], weights: tuple[float, ...]
                  ) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Each segment whose predicate holds votes (its weight) for its nearest center over the fields
    present; the most votes win, the cluster voted for first on a tie."""
    def expected(rows: pd.DataFrame) -> pd.DataFrame:
        out = []
        for x1, x2 in rows[["x1", "x2"]].itertuples(index=False):
            votes: dict[str, float] = {}
            for holds, weight, centers in zip(predicates, weights, docs.CLUSTER_CENTERS):
                if not holds(x1, x2) or (x1 != x1 and x2 != x2):
                    continue
                distance = {c: sum((v - m) ** 2 for v, m in zip((x1, x2), center) if v == v) for c, center in centers}
                nearest = min(distance, key=distance.get)
                votes[nearest] = votes.get(nearest, 0.0) + weight
            out.append(max(votes, key=votes.get) if votes else None)  # max keeps the first of a tie
        return pd.DataFrame({"cluster": out, "id": out})
    return expected


def _always(x1: float, x2: float) -> bool:
    return True


SOMETIMES = (lambda x1, x2: x1 == x1 and x1 > 1, lambda x1, x2: x2 == x2 and x2 < 2, _always)

# -- the table ------------------------------------------------------------------------------------
KNN_COMPLETE = (0, 1, 2, 3, 6, 7, 8)  # no KNNInput missing: PMML4S gives no prediction where one is
JPMML_RANK_1 = ("pred", "n1", "n2", "d3")  # JPMML-Evaluator reports the rank-1 affinity as infinity
# Row 2's c is invalid (returnInvalid): no prediction, as PMML4S gives; JPMML-Evaluator checks only
# the fields a model reads, and c is no KNNInput here.
JPMML_KNN = Oracle(rows=tuple(i for i in range(10) if i != 2), columns=JPMML_RANK_1)
NO_JPMML_FOR_TYPE_CHECK = "JPMML-Evaluator fails on every record (TypeCheckException: expects a HasEntityId result)"

CASES = [
    *[Case(f"svm-regression-{kernel}", docs.svm_regression(kernel), docs.SVM_ROWS) for kernel in docs.KERNELS],
    Case("svm-ovo-poly", docs.svm_one_against_one("poly"), docs.SVM_ROWS),
    Case("svm-ovo-rbf-threshold", docs.svm_one_against_one("rbf", "0.1"), docs.SVM_ROWS),
    Case("svm-ovo-linear-ties", docs.svm_one_against_one("linear", "0.3"), docs.SVM_ROWS),
    Case("svm-ova-rbf", docs.svm_one_against_all("rbf"), docs.SVM_ROWS),
    Case("svm-ova-maxwins-sigmoid", docs.svm_one_against_all("sigmoid", "true"), docs.SVM_ROWS,
         jpmml=Oracle(skip="JPMML-Evaluator does not support maxWins=\"true\"")),
    Case("svm-binary-linear", docs.svm_binary("linear"), docs.SVM_ROWS),
    Case("svm-binary-poly", docs.svm_binary("poly"), docs.SVM_ROWS),
    Case("svm-coefficients", docs.svm_coefficients(), docs.SVM_ROWS,
         jpmml=Oracle(skip="JPMML-Evaluator does not support svmRepresentation=\"Coefficients\"")),
    Case("knn-average-euclidean", docs.nearest_neighbors("regression", 3), docs.KNN_ROWS,
         pmml4s=Oracle(rows=KNN_COMPLETE), jpmml=JPMML_KNN),
    # PMML4S divides the weighted average by k once more: its neighbors and distances are right.
    Case("knn-weighted-average", docs.nearest_neighbors("regression", 3, method='continuousScoringMethod="weightedAverage"'),
         docs.KNN_ROWS, pmml4s=Oracle(rows=KNN_COMPLETE, columns=("n1", "n2", "d1", "d3")),
         jpmml=JPMML_KNN),
    Case("knn-median-squared-euclidean", docs.nearest_neighbors("regression", 4, "<squaredEuclidean/>",
                                                                'continuousScoringMethod="median"'),
         docs.KNN_ROWS, pmml4s=Oracle(rows=KNN_COMPLETE), jpmml=JPMML_KNN),
    # PMML4S mis-reads a categorical KNNInput (delta on a text field): only JPMML and the standard.
    Case("knn-vote-city-block-categorical-input",
         docs.nearest_neighbors("classification", 3, "<cityBlock/>", inputs=docs.KNN_MIXED_INPUTS), docs.KNN_ROWS,
         pmml4s=Oracle(skip="PMML4S mis-reads a categorical KNNInput (compareFunction=\"delta\" on a text field)"),
         jpmml=Oracle(columns=JPMML_RANK_1)),
    Case("knn-weighted-vote-minkowski", docs.nearest_neighbors("classification", 4, '<minkowski p-parameter="3"/>',
                                                               'categoricalScoringMethod="weightedMajorityVote"'),
         docs.KNN_ROWS, pmml4s=Oracle(rows=KNN_COMPLETE), jpmml=JPMML_KNN),
    # k=2: tied votes. The standard (and JPMML): the category with the most training instances
    # wins, then the smallest; PMML4S takes the nearest neighbor's.
    # Rank 3 of k=2 neighbors: no value (as PMML4S gives); JPMML-Evaluator ranks every training instance.
    Case("knn-vote-ties-chebychev", docs.nearest_neighbors("classification", 2, "<chebychev/>"), docs.KNN_ROWS,
         pmml4s=Oracle(rows=KNN_COMPLETE, columns=("n1", "n2", "d1", "d3")),
         jpmml=Oracle(rows=JPMML_KNN.rows, columns=("pred", "n1", "n2"))),
    *[Case(f"cox-{'strata' if strata else 'plain'}", docs.cox(strata), docs.COX_ROWS,
           pmml4s=Oracle(skip="PMML4S scores Cox regression as null (the gate refuses it for engine='pmml4s')"),
           standard=cox_standard(strata)) for strata in (False, True)],
    # The entityId of a clustering MiningModel is the chosen cluster's id on the native engine; JPMML
    # gives the chosen segment's id, PMML4S the cluster's distance (selectFirst) or "" (modelChain).
    Case("clusters-select-first", docs.cluster_ensemble("selectFirst", docs.SOMETIMES), docs.CLUSTER_ROWS,
         pmml4s=Oracle(columns=("cluster",)), jpmml=Oracle(columns=("cluster",))),
    Case("clusters-model-chain", docs.cluster_ensemble("modelChain", docs.SOMETIMES), docs.CLUSTER_ROWS,
         pmml4s=Oracle(columns=("cluster",)), jpmml=Oracle(columns=("cluster",))),
    Case("clusters-majority-vote", docs.cluster_ensemble("majorityVote"), docs.CLUSTER_ROWS,
         pmml4s=Oracle(skip="PMML4S scores a clustering vote as null"), jpmml=Oracle(skip=NO_JPMML_FOR_TYPE_CHECK),
         standard=vote_standard((_always, _always, _always), (1, 1, 1))),
    Case("clusters-weighted-vote", docs.cluster_ensemble("weightedMajorityVote", docs.SOMETIMES, (1, 2.5, 1)),
         docs.CLUSTER_ROWS, pmml4s=Oracle(skip="PMML4S scores a clustering vote as null"),
         jpmml=Oracle(skip=NO_JPMML_FOR_TYPE_CHECK), standard=vote_standard(SOMETIMES, (1, 2.5, 1))),
    Case("clusters-vote-ties", docs.cluster_ensemble("weightedMajorityVote", docs.ALWAYS, (1, 1, 2)),
         docs.CLUSTER_ROWS, pmml4s=Oracle(skip="PMML4S scores a clustering vote as null"),
         jpmml=Oracle(skip=NO_JPMML_FOR_TYPE_CHECK), standard=vote_standard((_always, _always, _always), (1, 1, 2))),
]


def _params():
    for case in CASES:
        for oracle in ("pmml4s", "jpmml", "standard"):
            marks = []
            spec = getattr(case, oracle, None) if oracle != "standard" else None
            if oracle == "standard" and case.standard is None:
                marks.append(pytest.mark.skip(reason="a JVM engine scores it as the standard says"))
            elif spec is not None and spec.skip:
                marks.append(pytest.mark.skip(reason=spec.skip))
            yield pytest.param(case, oracle, id=f"{case.id}-{oracle}", marks=marks)


def _native(case: Case, tmp_path: Path) -> pd.DataFrame:
    path = tmp_path / "model.pmml"
    path.write_text(case.document)
    model = pmmlkit.load(path, engine="native")
    assert model.engine == "native"
    got = model.predict(case.rows)
    singles = [model.predict(record) for record in case.rows.to_dict("records")]
    assert model.predict(case.rows.to_dict("records")) == singles
    return got


def _jpmml(text: str, tmp_path: Path, rows: pd.DataFrame) -> dict[int, dict]:
    """JPMML-Evaluator's results by row, for the rows it scores."""
    import jpmml_evaluator

    path = tmp_path / "jpmml.pmml"
    path.write_text(text)
    evaluator = jpmml_evaluator.make_evaluator(str(path)).verify()
    out = {}
    for i, record in enumerate(rows.astype(object).where(rows.notna(), None).to_dict("records")):
        try:
            out[i] = evaluator.evaluate(record)
        except Exception:  # noqa: BLE001 - a record JPMML refuses (missing or invalid value)
            continue
    return out


def _same(want: object, got: object) -> bool:
    if want is None or want != want:
        return got is None or got != got
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        if got is None or got != got:
            return False
        return abs(float(want) - float(got)) <= ENGINE_TOLERANCE * max(abs(float(want)), abs(float(got))) + ENGINE_FLOOR
    return str(want) == str(got)


@pytest.mark.parametrize("case,oracle", list(_params()))
def test_native_scores_as_the_standard_says(case, oracle, tmp_path):
    got = _native(case, tmp_path)
    if oracle == "pmml4s":
        spec: Oracle = case.pmml4s
        want = pmmlkit.load(case.document.encode()).predict(case.rows)
        rows = list(spec.rows) if spec.rows is not None else list(range(len(case.rows)))
        columns = list(spec.columns or want.columns)
        if spec.rows is None and spec.columns is None:
            assert_engines_agree(want, got, case.id)
        else:
            assert_engines_agree(want.loc[rows, columns].reset_index(drop=True),
                                 got.loc[rows, columns].reset_index(drop=True), case.id)
    elif oracle == "jpmml":
        spec = case.jpmml
        results = _jpmml(case.document, tmp_path, case.rows)
        if spec.rows is not None:
            results = {i: r for i, r in results.items() if i in spec.rows}
        assert len(results) >= 4, f"{case.id}: JPMML-Evaluator scored only rows {sorted(results)}"
        compared = 0
        for i, result in results.items():
            for column in spec.columns or got.columns:
                key = column.removeprefix("predicted_") if column not in result else column
                if key not in result:
                    continue  # an output JPMML does not give (PMML4S's default probability columns)
                assert _same(result[key], got[column].iloc[i]), \
                    f"{case.id}, row {i}, {column}: native {got[column].iloc[i]!r}, JPMML {result[key]!r}"
                compared += 1
        assert compared >= len(results), f"{case.id}: nothing compared with JPMML-Evaluator"
    else:
        want = case.standard(case.rows)
        for column in want.columns:
            for i, (a, b) in enumerate(zip(want[column], got[column])):
                assert _same(a, b), f"{case.id}, row {i}, {column}: native {b!r}, the standard {a!r}"


def test_cox_regression_is_refused_on_pmml4s_and_compiled_by_native_and_auto():
    """PMML4S scores Cox regression as null, so the gate refuses it for engine='pmml4s'; the native
    engine compiles it, and 'auto' takes the native engine (the JVM one cannot score it)."""
    data = docs.cox(False).encode()
    with pytest.raises(ValidationError, match="CoxRegression"):
        pmmlkit.load(data)
    model = pmmlkit.load(data, engine="auto")
    assert model.engine == "native"
    assert pmmlkit.load(data, engine="native").engine == "native"
    copy = pickle.loads(pickle.dumps(model))  # a worker's copy loads it natively again
    pd.testing.assert_frame_equal(copy.predict(docs.COX_ROWS), model.predict(docs.COX_ROWS))


REFUSED = [
    ("svm-ovo-max-wins", docs.svm_one_against_one("rbf").replace('threshold="0"', 'threshold="0" maxWins="true"'),
     r"maxWins=\"true\" with classificationMethod=\"OneAgainstOne\" \(line \d+\)"),
    # An R-style OneAgainstOne document without classificationMethod: OneAgainstAll (the default)
    # with pairs, which PMML4S and JPMML both score by letting later machines overwrite earlier ones.
    ("svm-ova-with-pairs", docs.svm_one_against_one("rbf").replace('classificationMethod="OneAgainstOne" ', ""),
     r"OneAgainstAll SupportVectorMachine .* alternateTargetCategory .*\(line \d+\)"),
    # Refused by the gate already (a table outside the document).
    ("knn-table-locator", docs.nearest_neighbors("regression", 3).replace(
        docs.nearest_neighbors("regression", 3).split("<InlineTable>")[1].split("</InlineTable>")[0], "").replace(
        "<InlineTable></InlineTable>", "<TableLocator/>"), r"line \d+: <TableLocator>"),
    ("knn-similarity", docs.nearest_neighbors("regression", 3).replace(
        '<ComparisonMeasure kind="distance"><euclidean/>', '<ComparisonMeasure kind="similarity"><jaccard/>'),
     r"<ComparisonMeasure> other than a distance"),
    ("cox-without-max-time", docs.cox(False).replace('<BaseCumHazardTables maxTime="10">', "<BaseCumHazardTables>"),
     r"<BaseCumHazardTables> without maxTime \(line \d+\)"),
    ("clusters-average", docs.cluster_ensemble("average"), r"line \d+: multipleModelMethod=\"average\" has no meaning"),
    ("clusters-select-all", docs.cluster_ensemble("selectAll"), r"multipleModelMethod='selectAll' for functionName='clustering' \(line \d+\)"),
]


@pytest.mark.parametrize("name,text,message", REFUSED, ids=[r[0] for r in REFUSED])
def test_what_native_does_not_compile_is_named_with_its_line(name, text, message):
    with pytest.raises(PMMLError, match=message):
        pmmlkit.load(text.encode(), engine="native")


def test_alternate_binary_target_category():
    """PMML 4.4.1's alternateBinaryTargetCategory (LibSVM-style binary documents): the value rounded
    half up is 1 for targetCategory, 0 for the alternate; any other rounded value gives no
    prediction (JPMML-Evaluator fails on the record). The project's PMML 4.4 schema does not have
    the attribute, so the gate refuses such a document: the compiler is checked on its own."""
    text = docs.svm_alternate_binary()
    with pytest.raises(ValidationError, match="alternateBinaryTargetCategory"):
        pmmlkit.load(text.encode(), engine="native")
    program = Program(etree.fromstring(text.encode()))
    rows = docs.SVM_ROWS.iloc[[0, 1, 3, 7, 8, 9]].reset_index(drop=True)
    columns = {"x1": rows["x1"].to_numpy(float), "x2": rows["x2"].to_numpy(float),
               "c": rows["c"].to_numpy(object)}
    labels = list(program.score(columns, len(rows))[0])
    # Values by hand: 0.4 K(x,v1) - 0.3 K(x,v2) + 0.35 K(x,v4) + 0.5, K the dot product.
    x = rows[["x1", "x2"]].to_numpy(float)
    c = (rows["c"] == "a").to_numpy(float)
    value = (0.4 * (x @ [1.0, 0.5] + c) - 0.3 * (x @ [-0.5, 2.0]) + 0.35 * (x @ [0.25, -0.75] + c) + 0.5)
    rounded = np.floor(value + 0.5)
    assert labels == [{1.0: "p", 0.0: "q"}.get(r) for r in rounded]
    assert None in labels and "p" in labels and "q" in labels  # every branch taken


def test_clustering_leaves_a_missing_field_out_as_pmml4s_does():
    """Regression: a ClusteringModel record with a missing field had no cluster on the native engine;
    PMML4S (and the standard) leave the field out and scale the distance by fields/present."""
    for measure in ("<squaredEuclidean/>", "<euclidean/>", "<cityBlock/>", "<chebychev/>", '<minkowski p-parameter="3"/>'):
        text = f"""{docs.HEAD}<DataDictionary><DataField name="x1" optype="continuous" dataType="double"/>
<DataField name="x2" optype="continuous" dataType="double"/><DataField name="x3" optype="continuous" dataType="double"/>
</DataDictionary><ClusteringModel functionName="clustering" modelClass="centerBased" numberOfClusters="3">
<MiningSchema><MiningField name="x1"/><MiningField name="x2"/><MiningField name="x3"/></MiningSchema>
<Output><OutputField name="c" optype="categorical" dataType="string" feature="predictedValue"/>
<OutputField name="a" optype="continuous" dataType="double" feature="affinity" value="2"/>
<OutputField name="b" optype="continuous" dataType="double" feature="entityAffinity"/></Output>
<ComparisonMeasure kind="distance">{measure}</ComparisonMeasure>
<ClusteringField field="x1" fieldWeight="1.5"/><ClusteringField field="x2"/><ClusteringField field="x3" fieldWeight="0.5"/>
<Cluster id="1"><Array n="3" type="real">0 0 1</Array></Cluster><Cluster id="2"><Array n="3" type="real">3 3 -1</Array>
</Cluster><Cluster id="3"><Array n="3" type="real">0 4 2.5</Array></Cluster></ClusteringModel></PMML>"""
        rows = pd.DataFrame({"x1": [0.1, None, 2.0, None, 1.3, None], "x2": [0.2, 3.1, None, None, 2.0, 1.0],
                             "x3": [1.0, 0.5, -2.0, None, None, None]})
        native = pmmlkit.load(text.encode(), engine="native").predict(rows)
        assert native["c"].notna().sum() == 5  # only the record with every field missing has no cluster
        assert_engines_agree(pmmlkit.load(text.encode()).predict(rows), native, measure)
