"""Scorecards and RuleSetModels on the native engine (pmmlkit/scoring/native/scorecard.py, ruleset.py):
a table of hand-written documents x oracle engines (PMML4S, JPMML-Evaluator), with missing values,
invalid categories and values on the predicates' boundaries."""

from __future__ import annotations

import pandas as pd
import pytest
from native_oracles import Case, check, document, ids, table

import pmmlkit
from pmmlkit.errors import EvaluationError, PMMLError

SCORECARD = document("""<DataDictionary>
<DataField name="x" optype="continuous" dataType="double"/>
<DataField name="c" optype="categorical" dataType="string"><Value value="a"/><Value value="b"/><Value value="d"/></DataField>
<DataField name="y" optype="continuous" dataType="double"/>
</DataDictionary>
<Scorecard functionName="regression" initialScore="1.5" reasonCodeAlgorithm="{algorithm}" baselineScore="3"
           baselineMethod="other">
<MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x"/>
<MiningField name="c" invalidValueTreatment="{invalid}"/></MiningSchema>
{output}
<Characteristics>
<Characteristic name="cx" reasonCode="RX" baselineScore="2.5">
<Attribute partialScore="1.25"><SimplePredicate field="x" operator="lessThan" value="0"/></Attribute>
<Attribute partialScore="4" reasonCode="RX2"><SimplePredicate field="x" operator="lessOrEqual" value="10"/></Attribute>
<Attribute><SimplePredicate field="x" operator="isNotMissing"/>
<ComplexPartialScore><Apply function="*"><FieldRef field="x"/><Constant>0.1</Constant></Apply></ComplexPartialScore>
</Attribute>
<Attribute partialScore="-1"><True/></Attribute>
</Characteristic>
<Characteristic name="cc" reasonCode="RC">
<Attribute partialScore="2"><SimplePredicate field="c" operator="equal" value="a"/></Attribute>
<Attribute partialScore="7.5"><SimpleSetPredicate field="c" booleanOperator="isIn"><Array type="string">b d</Array>
</SimpleSetPredicate></Attribute>
{fallback}
</Characteristic>
<Characteristic name="cz" baselineScore="0">
<Attribute partialScore="0.75" reasonCode="RZ"><SimplePredicate field="x" operator="greaterThan" value="-5"/></Attribute>
<Attribute partialScore="-0.5" reasonCode="RZ"><True/></Attribute>
</Characteristic>
</Characteristics>
</Scorecard>""")
REASONS = """<Output><OutputField name="score" optype="continuous" dataType="double" feature="predictedValue"/>
<OutputField name="r1" optype="categorical" dataType="string" feature="reasonCode" rank="1"/>
<OutputField name="r2" optype="categorical" dataType="string" feature="reasonCode" rank="2"/>
<OutputField name="r3" optype="categorical" dataType="string" feature="reasonCode" rank="3"/>
<OutputField name="r4" optype="categorical" dataType="string" feature="reasonCode" rank="4"/></Output>"""
TRUE_FALLBACK = '<Attribute partialScore="0.5"><True/></Attribute>'
# Boundaries (x = 0, 10, -5), a missing x (no ComplexPartialScore), a missing c, an invalid c; x = 25
# gives RX exactly 0 points (ranked, as JPMML-Evaluator ranks it; only negative points are left out).
SCORE_ROWS = pd.DataFrame({"x": [-1.0, 0.0, 10.0, 11.0, None, 50.0, -5.0, -7.5, 2.0, 25.0],
                           "c": ["a", "b", "d", None, "a", "b", "d", "a", "zz", "a"]})


def scorecard(algorithm: str = "pointsBelow", output: str = REASONS, fallback: str = TRUE_FALLBACK,
              invalid: str = "returnInvalid") -> str:
    return SCORECARD.format(algorithm=algorithm, output=output, fallback=fallback, invalid=invalid)


# PMML4S repeats the last positive reason code in the ranks beyond it and orders codes with equal
# points alphabetically, last first: the PMML4S engine's reasonCode columns are pmmlkit's own
# (pmmlkit/scoring/reasons.py), so every rank is compared on both oracles.

RULESET = document("""<DataDictionary>
<DataField name="BP" optype="categorical" dataType="string"><Value value="HIGH"/><Value value="LOW"/>
<Value value="NORMAL"/></DataField>
<DataField name="K" optype="continuous" dataType="double"/>
<DataField name="Age" optype="continuous" dataType="double"/>
<DataField name="Drug" optype="categorical" dataType="string"><Value value="drugA"/><Value value="drugB"/>
<Value value="drugC"/></DataField>
</DataDictionary>
<RuleSetModel functionName="classification">
<MiningSchema><MiningField name="BP"/><MiningField name="K"/><MiningField name="Age"/>
<MiningField name="Drug" usageType="target"/></MiningSchema>
{output}
<RuleSet defaultScore="drugA" defaultConfidence="0.25">
<RuleSelectionMethod criterion="{criterion}"/>
<RuleSelectionMethod criterion="firstHit"/>
<SimpleRule id="R1" score="drugB" confidence="0.9" weight="0.8">
<CompoundPredicate booleanOperator="and"><SimplePredicate field="BP" operator="equal" value="HIGH"/>
<SimplePredicate field="K" operator="greaterThan" value="0.045"/></CompoundPredicate>
<ScoreDistribution value="drugB" recordCount="9"/><ScoreDistribution value="drugA" recordCount="1"/></SimpleRule>
<CompoundRule><SimplePredicate field="BP" operator="equal" value="LOW"/>
<SimpleRule id="R2" score="drugC" confidence="0.6" weight="0.6"><SimplePredicate field="Age" operator="lessOrEqual" value="50"/>
</SimpleRule>
<CompoundRule><True/>
<SimpleRule id="R3" score="drugA" confidence="0.3" weight="0.2"><SimplePredicate field="K" operator="lessThan" value="0.5"/>
</SimpleRule>
<SimpleRule id="R3b" score="drugA" confidence="0.35" weight="0.3"><SimplePredicate field="Age" operator="greaterThan" value="20"/>
</SimpleRule>
</CompoundRule>
</CompoundRule>
<SimpleRule id="R4" score="drugC" confidence="0.95" weight="0.95"><SimplePredicate field="Age" operator="greaterThan" value="60"/>
</SimpleRule>
</RuleSet>
</RuleSetModel>""")
DRUG_OUTPUT = """<Output><OutputField name="drug" optype="categorical" dataType="string" feature="predictedValue"/>
<OutputField name="conf" optype="continuous" dataType="double" feature="confidence"/></Output>"""
# Boundaries (K = 0.045, 0.5; Age = 50, 60), missing values (an UNKNOWN predicate does not fire),
# no rule firing (the default score), an invalid BP.
RULE_ROWS = pd.DataFrame({"BP": ["HIGH", "HIGH", "LOW", "LOW", "LOW", "NORMAL", None, "LOW", "zz", "LOW", "NORMAL"],
                          "K": [0.05, 0.045, 0.1, 0.6, None, 0.1, 0.1, 0.4, 0.1, 0.5, 0.2],
                          "Age": [70.0, 30.0, 40.0, 25.0, 65.0, 80.0, None, 10.0, 1.0, 50.0, 60.0]})

CASES = [
    Case("scorecard-points-below", scorecard(), SCORE_ROWS, ("pmml4s", "jpmml")),
    Case("scorecard-points-above", scorecard("pointsAbove"), SCORE_ROWS, ("pmml4s", "jpmml")),
    Case("scorecard-invalid-as-missing", scorecard(invalid="asMissing"), SCORE_ROWS, ("pmml4s", "jpmml")),
    # No Attribute of cc is true for a missing or unknown c: no score (PMML4S, which fails such a row
    # when it ranks reason codes).
    Case("scorecard-no-attribute-true",
         scorecard(fallback="", invalid="asIs", output=REASONS.split("\n")[0] + "</Output>").replace(
             'initialScore="1.5"', 'initialScore="1.5" useReasonCodes="false"'), SCORE_ROWS, ("pmml4s",)),
    Case("scorecard-without-output", scorecard(output=""), SCORE_ROWS, ("pmml4s",),
         {"pmml4s": ("reason_code_2", "reason_code_3", "reason_code_4")}),
    # useReasonCodes="false": reason code outputs are missing (JPMML-Evaluator fails such a record).
    Case("scorecard-without-reason-codes",
         scorecard(output=REASONS).replace('initialScore="1.5"', 'initialScore="1.5" useReasonCodes="false"'),
         SCORE_ROWS, ("pmml4s",)),
    *[Case(f"ruleset-{criterion}", RULESET.format(output=DRUG_OUTPUT, criterion=criterion), RULE_ROWS,
           ("pmml4s", "jpmml")) for criterion in ("firstHit", "weightedMax", "weightedSum")],
    *[Case(f"ruleset-{criterion}-without-output", RULESET.format(output="", criterion=criterion), RULE_ROWS,
           ("pmml4s",)) for criterion in ("firstHit", "weightedMax", "weightedSum")],
]
PARAMS = table(CASES)


@pytest.mark.parametrize(("case", "oracle"), PARAMS, ids=ids(PARAMS))
def test_native_scores_as_the_oracle(case: Case, oracle: str, tmp_path) -> None:
    check(case, oracle, tmp_path)


def test_reason_codes_follow_the_standard(tmp_path) -> None:
    """Worked by hand (pointsBelow): x = -1 takes cx's first Attribute (RX: 2.5 - 1.25 = 1.25), c = a
    takes cc's (RC: 3 - 2 = 1) and cz's first (RZ: 0 - 0.75 < 0): RX, RC, then nothing."""
    got = pmmlkit.load(scorecard().encode(), engine="native").predict(SCORE_ROWS)
    assert got.loc[0, "score"] == 1.25 + 2 + 0.75 + 1.5
    assert got.loc[0, ["r1", "r2"]].tolist() == ["RX", "RC"]
    assert got.loc[0, ["r3", "r4"]].isna().all()
    # x = -7.5, c = a: cz's second Attribute, RZ gets 0 - (-0.5) = 0.5: RX 1.25, RC 1, RZ 0.5.
    assert got.loc[7, ["r1", "r2", "r3"]].tolist() == ["RX", "RC", "RZ"]
    assert got.loc[8].isna().all()  # an invalid c: returnInvalid


def test_equal_points_rank_the_code_met_first(tmp_path) -> None:
    # cx's RX (2.5 - 1.25) and cc's RC (3 - 1.75) tie at 1.25: RX's Characteristic comes first.
    tied = scorecard().replace('partialScore="2">', 'partialScore="1.75">')
    got = pmmlkit.load(tied.encode(), engine="native").predict({"x": -1.0, "c": "a"})
    assert [got["r1"], got["r2"]] == ["RX", "RC"]


@pytest.mark.parametrize(("change", "message"), [
    (('baselineScore="3"', ""), "no baselineScore"),
    (('<Characteristic name="cc" reasonCode="RC">', '<Characteristic name="cc">'), "no reasonCode"),
    (('<Attribute partialScore="-1">', "<Attribute>"), "neither partialScore nor ComplexPartialScore"),
])
def test_scorecards_that_cannot_give_their_reason_codes_are_refused(change, message) -> None:
    # The gate refuses them first (rule scorecard-scores); the native compiler refuses them too.
    with pytest.raises(PMMLError, match=message):
        pmmlkit.load(scorecard().replace(*change).encode(), engine="native")


def test_weighted_sum_confidence_is_the_total_weight_over_the_firing_rules() -> None:
    # BP=LOW, K=0.1, Age=40: R2 (drugC, 0.6), R3 (drugA, 0.2), R3b (drugA, 0.3) fire: drugC 0.6 beats
    # drugA 0.5, confidence 0.6 / 3.
    model = pmmlkit.load(RULESET.format(output=DRUG_OUTPUT, criterion="weightedSum").encode(), engine="native")
    got = model.predict({"BP": "LOW", "K": 0.1, "Age": 40.0})
    assert got["drug"] == "drugC" and got["conf"] == pytest.approx(0.6 / 3, rel=1e-15)
    assert model.predict({"BP": "HIGH", "K": 0.01, "Age": 30.0}) == {"drug": "drugA", "conf": 0.25}  # no rule fires


def test_a_confidence_of_a_given_value_is_refused() -> None:
    output = DRUG_OUTPUT.replace('feature="confidence"', 'feature="confidence" value="drugA"')
    with pytest.raises(EvaluationError, match="confidence of a given value"):
        pmmlkit.load(RULESET.format(output=output, criterion="firstHit").encode(), engine="native")
