"""Scorecard reason codes (PMML 4.4 "Scorecard"): the score and the ranked reasonCode outputs of a
hand-written Scorecard, per the standard, cross-checked on JPMML-Evaluator.

PMML4S scores the score and the first reason code right but repeats the last code with positive
points in the ranks beyond it (where the standard and JPMML answer missing): pmmlkit computes the
reason codes from the document (pmmlkit/inspection/scorecard.py), for explain and, in place of
PMML4S's, for predict (pmmlkit/scoring/reasons.py).
"""

from __future__ import annotations

from pathlib import Path

import jpmml_evaluator
import numpy as np
import pandas as pd
import pytest
from documents import pmml

import pmmlkit


def scorecard(algorithm: str, derived: bool = False) -> str:
    """The scorecard; ``derived``: income read through a derived field (in thousands) and a missing
    age replaced by 50 in the MiningSchema, so the reason codes need the engine's values."""
    return pmml(f"""  <DataDictionary numberOfFields="4">
    <DataField name="age" optype="continuous" dataType="double"/>
    <DataField name="income" optype="continuous" dataType="double"/>
    <DataField name="city" optype="categorical" dataType="string">
      <Value value="paris"/><Value value="lyon"/><Value value="nice"/>
    </DataField>
    <DataField name="score" optype="continuous" dataType="double"/>
  </DataDictionary>
  <Scorecard functionName="regression" useReasonCodes="true" reasonCodeAlgorithm="{algorithm}" initialScore="100"
             baselineMethod="other">
    <MiningSchema>
      <MiningField name="age"{' missingValueReplacement="50"' if derived else ''}/><MiningField name="income"/>
      <MiningField name="city"/>
      <MiningField name="score" usageType="target"/>
    </MiningSchema>
    <Output>
      <OutputField name="final_score" optype="continuous" dataType="double" feature="predictedValue"/>
      <OutputField name="reason_1" optype="categorical" dataType="string" feature="reasonCode" rank="1"/>
      <OutputField name="reason_2" optype="categorical" dataType="string" feature="reasonCode" rank="2"/>
      <OutputField name="reason_3" optype="categorical" dataType="string" feature="reasonCode" rank="3"/>
    </Output>{INCOME_IN_THOUSANDS if derived else ''}
    <Characteristics>
      <Characteristic name="age_points" reasonCode="AGE" baselineScore="20">
        <Attribute partialScore="5"><SimplePredicate field="age" operator="lessThan" value="30"/></Attribute>
        <Attribute partialScore="25"><SimplePredicate field="age" operator="lessThan" value="60"/></Attribute>
        <Attribute partialScore="12"><True/></Attribute>
      </Characteristic>
      <Characteristic name="income_points" reasonCode="INCOME" baselineScore="30">
        <Attribute partialScore="2"><SimplePredicate field="{'income_k' if derived else 'income'}" operator="lessThan" value="{1 if derived else 1000}"/></Attribute>
        <Attribute partialScore="18" reasonCode="MIDDLE_INCOME"><SimplePredicate field="{'income_k' if derived else 'income'}" operator="lessThan" value="{5 if derived else 5000}"/></Attribute>
        <Attribute partialScore="40"><True/></Attribute>
      </Characteristic>
      <Characteristic name="city_points" reasonCode="CITY" baselineScore="10">
        <Attribute partialScore="3"><SimplePredicate field="city" operator="equal" value="nice"/></Attribute>
        <Attribute partialScore="11"><True/></Attribute>
      </Characteristic>
    </Characteristics>
  </Scorecard>""", "a hand-written scorecard with reason codes", declaration=True)


INCOME_IN_THOUSANDS = """
    <LocalTransformations>
      <DerivedField name="income_k" optype="continuous" dataType="double">
        <Apply function="/"><FieldRef field="income"/><Constant dataType="double">1000</Constant></Apply>
      </DerivedField>
    </LocalTransformations>"""

X = pd.DataFrame({"age": [25.0, 45.0, 70.0, 45.0, None], "income": [500.0, 3000.0, 9000.0, 9000.0, 500.0],
                  "city": ["nice", "paris", "lyon", "nice", "paris"]})
# Points per row (age, income, city): pointsBelow is baseline - partial, pointsAbove partial - baseline.
# Row 4's age is missing: no lessThan is true, the True attribute (12 points) is chosen.
EXPECTED = {
    "pointsBelow": [["INCOME", "AGE", "CITY"], ["MIDDLE_INCOME", None, None], ["AGE", None, None],
                    ["CITY", None, None], ["INCOME", "AGE", None]],
    "pointsAbove": [[None, None, None], ["AGE", "CITY", None], ["INCOME", "CITY", None], ["INCOME", "AGE", None],
                    ["CITY", None, None]],
}
SCORES = [110.0, 154.0, 163.0, 168.0, 125.0]  # 100 + the partial scores


@pytest.mark.parametrize("algorithm", ["pointsBelow", "pointsAbove"])
def test_scorecard_reason_codes_follow_the_standard(tmp_path: Path, algorithm: str) -> None:
    path = tmp_path / "scorecard.pmml"
    path.write_text(scorecard(algorithm), encoding="utf-8")
    explanation = pmmlkit.explain(path, X)
    reasons = explanation.reasons[["reason_1", "reason_2", "reason_3"]]
    assert reasons.to_numpy().tolist() == EXPECTED[algorithm]
    np.testing.assert_allclose(explanation.totals()[:, 0], SCORES)  # additive: initialScore + partial scores
    assert explanation.inputs == ["age", "income", "city"]
    np.testing.assert_allclose(explanation.values[0, :, 0], [5.0, 2.0, 3.0])
    assert list(explanation.frame().columns[-3:]) == ["reason_1", "reason_2", "reason_3"]
    np.testing.assert_allclose(pmmlkit.load(path).predict(X)["final_score"], SCORES)
    # The oracle agrees on the score and every rank.
    oracle = jpmml_evaluator.make_evaluator(str(path)).verify().evaluateAll(X.astype(object).where(X.notna(), None))
    np.testing.assert_allclose(oracle["final_score"], SCORES)
    got = oracle[["reason_1", "reason_2", "reason_3"]].astype(object)
    assert got.where(got.notna(), None).to_numpy().tolist() == EXPECTED[algorithm]


def _codes(frame: pd.DataFrame) -> list[list[str | None]]:
    return [[v if isinstance(v, str) else None for v in row] for row in frame.to_numpy().tolist()]


@pytest.mark.parametrize("derived", [False, True], ids=["inputs", "derived-and-replaced"])
@pytest.mark.parametrize("algorithm", ["pointsBelow", "pointsAbove"])
def test_predict_gives_every_reason_code_rank_right(tmp_path: Path, algorithm: str, derived: bool) -> None:
    # Model.predict scores on PMML4S, whose ranks above 1 repeat codes: pmmlkit's replace them.
    path = tmp_path / "scorecard.pmml"
    path.write_text(scorecard(algorithm, derived), encoding="utf-8")
    ranks = ["reason_1", "reason_2", "reason_3"]
    oracle = jpmml_evaluator.make_evaluator(str(path)).verify().evaluateAll(X.astype(object).where(X.notna(), None))
    expected = _codes(oracle[ranks].astype(object))
    if not derived:
        assert expected == EXPECTED[algorithm]
    model = pmmlkit.load(path, engine="pmml4s")
    scored = model.predict(X)
    assert _codes(scored[ranks]) == expected
    np.testing.assert_allclose(scored["final_score"], oracle["final_score"].astype(float))
    records = X.astype(object).where(X.notna(), None).to_dict("records")
    assert [[r[name] for name in ranks] for r in model.predict(records)] == expected  # one by one
    assert _codes(pd.DataFrame(model.predict_records(records * 20))[ranks]) == expected * 20  # the column path


def test_reason_codes_of_a_complex_partial_score_and_treated_inputs():
    # The corpus scorecard: a ComplexPartialScore (0.5 x age), invalidValueTreatment="asMissing",
    # CompoundPredicates, isMissing; every rank equals JPMML-Evaluator's.
    path = Path(__file__).parent / "corpus" / "models" / "scorecard.pmml"
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"department": rng.choice(["engineering", "marketing", "business", None], 60),
                          "age": rng.choice([np.nan, 10, 18, 25, 29, 35, 50, 70], 60),
                          "income": rng.choice([np.nan, 500.0, 1000.0, 1500.0, 4000.0], 60)}).astype(object)
    frame = frame.where(frame.notna(), None)
    ranks = ["Reason Code 1", "Reason Code 2"]
    oracle = jpmml_evaluator.make_evaluator(str(path)).verify().evaluateAll(frame)
    scored = pmmlkit.load(path, engine="pmml4s").predict(frame)
    assert _codes(scored[ranks]) == _codes(oracle[ranks].astype(object))
    np.testing.assert_allclose(scored["Final Score"], oracle["Final Score"].astype(float))


ZERO_POINTS = pmml("""<DataDictionary><DataField name="a" optype="continuous" dataType="double"/>
<DataField name="b" optype="continuous" dataType="double"/><DataField name="s" optype="continuous" dataType="double"/>
</DataDictionary>
<Scorecard functionName="regression" useReasonCodes="true" reasonCodeAlgorithm="pointsBelow" baselineMethod="other"
  initialScore="0">
<MiningSchema><MiningField name="a"/><MiningField name="b"/><MiningField name="s" usageType="target"/></MiningSchema>
<Output><OutputField name="score" optype="continuous" dataType="double" feature="predictedValue"/>
<OutputField name="r1" optype="categorical" dataType="string" feature="reasonCode" rank="1"/>
<OutputField name="r2" optype="categorical" dataType="string" feature="reasonCode" rank="2"/></Output>
<Characteristics>
<Characteristic name="constant" reasonCode="A" baselineScore="10"><Attribute partialScore="10"><True/></Attribute>
</Characteristic>
<Characteristic name="by_b" reasonCode="B" baselineScore="10">
<Attribute partialScore="5"><SimplePredicate field="b" operator="lessThan" value="0"/></Attribute>
<Attribute partialScore="12"><True/></Attribute></Characteristic>
</Characteristics></Scorecard>""")


@pytest.mark.parametrize("engine", ["pmml4s", "native", "explain"])
def test_a_code_with_zero_points_is_ranked_and_a_constant_characteristic_explained(tmp_path: Path,
                                                                                   engine: str) -> None:
    # A constant Characteristic (it reads no field) gives code A exactly 0 points: JPMML-Evaluator
    # ranks it (only negative points are left out); the native engine left it out, and explain
    # refused a Characteristic that reads no field. Its score is part of the base value.
    path = tmp_path / "zero.pmml"
    path.write_text(ZERO_POINTS)
    rows = pd.DataFrame({"a": [1.0, 1.0], "b": [-1.0, 1.0]})
    oracle = jpmml_evaluator.make_evaluator(str(path)).verify().evaluateAll(rows)
    assert list(oracle["r1"]) == ["B", "A"] and [oracle["r2"][0]] == ["A"] and pd.isna(oracle["r2"][1])
    if engine == "explain":
        explanation = pmmlkit.explain(path, rows)
        got = explanation.reasons
        assert explanation.base[0] == 10.0  # the constant Characteristic's 10 points
        assert np.allclose(explanation.base[0] + explanation.values[:, :, 0].sum(axis=1), oracle["score"])
    else:
        got = pmmlkit.load(path, engine=engine).predict(rows)
    for rank in ("r1", "r2"):
        assert [None if pd.isna(v) else v for v in got[rank]] == \
            [None if pd.isna(v) else v for v in oracle[rank]], (engine, rank)
