"""NaiveBayesModels and AssociationModels on the native engine (pmmlkit/scoring/native/naive_bayes.py,
association.py): a table of hand-written documents x oracle engines (PMML4S, JPMML-Evaluator), with
missing values, invalid and unseen categories and values on the bins' boundaries; NaiveBayesModels
written from fitted scikit-learn GaussianNB and CategoricalNB equal their predict_proba."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from native_oracles import Case, check, document, ids, table
from sklearn.datasets import load_iris
from sklearn.naive_bayes import CategoricalNB, GaussianNB

import pmmlkit
from pmmlkit.errors import EvaluationError, ValidationError

NAIVE_BAYES = document("""<DataDictionary>
<DataField name="c" optype="categorical" dataType="string"><Value value="a"/><Value value="b"/><Value value="d"/></DataField>
<DataField name="x" optype="continuous" dataType="double"/>
<DataField name="z" optype="continuous" dataType="double"/>
<DataField name="y" optype="categorical" dataType="string"><Value value="p"/><Value value="q"/><Value value="r"/></DataField>
</DataDictionary>
<NaiveBayesModel functionName="classification" threshold="0.001">
<MiningSchema><MiningField name="c"/><MiningField name="x"/><MiningField name="z"/>
<MiningField name="y" usageType="target"/></MiningSchema>
{output}
<BayesInputs>
<BayesInput fieldName="c">
<PairCounts value="a"><TargetValueCounts><TargetValueCount value="p" count="10"/><TargetValueCount value="q" count="0"/>
<TargetValueCount value="r" count="3"/></TargetValueCounts></PairCounts>
<PairCounts value="b"><TargetValueCounts><TargetValueCount value="p" count="2"/><TargetValueCount value="q" count="7"/>
{b_r}</TargetValueCounts></PairCounts>
</BayesInput>
<BayesInput fieldName="x"><TargetValueStats>
<TargetValueStat value="p">{p}</TargetValueStat>
<TargetValueStat value="q">{q}</TargetValueStat>
<TargetValueStat value="r">{r}</TargetValueStat>
</TargetValueStats></BayesInput>
<BayesInput fieldName="z">
<DerivedField name="zbin" optype="categorical" dataType="string"><Discretize field="z">
<DiscretizeBin binValue="low"><Interval closure="openClosed" rightMargin="1"/></DiscretizeBin>
<DiscretizeBin binValue="high"><Interval closure="openOpen" leftMargin="1" rightMargin="10"/></DiscretizeBin>
</Discretize></DerivedField>
<PairCounts value="low"><TargetValueCounts><TargetValueCount value="p" count="4"/><TargetValueCount value="q" count="4"/>
<TargetValueCount value="r" count="1"/></TargetValueCounts></PairCounts>
<PairCounts value="high"><TargetValueCounts><TargetValueCount value="p" count="8"/><TargetValueCount value="q" count="3"/>
<TargetValueCount value="r" count="2"/></TargetValueCounts></PairCounts>
</BayesInput>
</BayesInputs>
<BayesOutput fieldName="y"><TargetValueCounts><TargetValueCount value="p" count="12"/><TargetValueCount value="q" count="7"/>
<TargetValueCount value="r" count="3"/></TargetValueCounts></BayesOutput>
</NaiveBayesModel>""")
GAUSSIAN = {"p": '<GaussianDistribution mean="1.5" variance="0.25"/>',
            "q": '<GaussianDistribution mean="-2" variance="4"/>', "r": '<GaussianDistribution mean="0.3" variance="1.1"/>'}
POISSON = {"p": '<PoissonDistribution mean="1.5"/>', "q": '<PoissonDistribution mean="4"/>',
           "r": '<PoissonDistribution mean="0.5"/>'}
PROBABILITIES = """<Output><OutputField name="label" optype="categorical" dataType="string" feature="predictedValue"/>
<OutputField name="pp" optype="continuous" dataType="double" feature="probability" value="p"/>
<OutputField name="pq" optype="continuous" dataType="double" feature="probability" value="q"/>
<OutputField name="pr" optype="continuous" dataType="double" feature="probability" value="r"/>
<OutputField name="winner" optype="continuous" dataType="double" feature="probability"/></Output>"""


def naive_bayes(output: str = PROBABILITIES, distributions: dict[str, str] = GAUSSIAN, omitted: bool = False) -> str:
    zero = "" if omitted else '<TargetValueCount value="r" count="0"/>'
    return NAIVE_BAYES.format(output=output, b_r=zero, **distributions)


# "d" is declared but no PairCounts names it (threshold for every class, which cancels out), "zz" is
# invalid (returnInvalid); z = 1 is the bins' common edge; x far out takes the threshold.
NB_ROWS = pd.DataFrame({"c": ["a", "b", "d", None, "a", "b", "a", None, "zz"],
                        "x": [1.5, -2.0, 0.0, 3.0, None, 100.0, -50.0, None, 1.0],
                        "z": [0.5, 1.0, 1.0000001, 5.0, 9.99, None, 0.0, None, 2.0]})
# A z outside every bin adds nothing (PMML4S takes the first PairCounts' instead).
OUT_OF_BIN = pd.DataFrame({"c": ["a", "b"], "x": [0.5, 1.0], "z": [10.0, 25.0]})
POISSON_ROWS = pd.DataFrame({"c": ["a", "b", None, "a"], "x": [0.0, 3.0, 7.0, None], "z": [0.5, 2.0, 3.0, None]})


def iris_gaussian_nb() -> tuple[str, pd.DataFrame, np.ndarray]:
    """A NaiveBayesModel with a fitted GaussianNB's class counts, means and variances."""
    X, y = load_iris(return_X_y=True)
    model = GaussianNB().fit(X, y)
    names = [f"x{j}" for j in range(X.shape[1])]
    inputs = "".join(
        f'<BayesInput fieldName="{name}"><TargetValueStats>' + "".join(
            f'<TargetValueStat value="{k}"><GaussianDistribution mean="{float(model.theta_[k, j])!r}" '
            f'variance="{float(model.var_[k, j])!r}"/></TargetValueStat>' for k in range(3))
        + "</TargetValueStats></BayesInput>" for j, name in enumerate(names))
    return _bayes_document(names, "double", "continuous", inputs, model.class_count_), \
        pd.DataFrame(X, columns=names), model.predict_proba(X)


def categorical_nb() -> tuple[str, pd.DataFrame, np.ndarray]:
    """A NaiveBayesModel with a fitted CategoricalNB's smoothed counts (count + alpha: the per-input
    totals are then scikit-learn's denominators)."""
    rng = np.random.default_rng(7)
    X = rng.integers(0, 4, size=(300, 3))
    y = (X[:, 0] + rng.integers(0, 3, size=300)) % 3
    model = CategoricalNB(alpha=0.7).fit(X, y)
    names = [f"k{j}" for j in range(X.shape[1])]
    inputs = "".join(
        f'<BayesInput fieldName="{name}">' + "".join(
            f'<PairCounts value="{v}"><TargetValueCounts>' + "".join(
                f'<TargetValueCount value="{k}" count="{float(model.category_count_[j][k, v] + model.alpha)!r}"/>'
                for k in range(3)) + "</TargetValueCounts></PairCounts>" for v in range(4))
        + "</BayesInput>" for j, name in enumerate(names))
    return _bayes_document(names, "integer", "categorical", inputs, model.class_count_), \
        pd.DataFrame(X, columns=names), model.predict_proba(X)


def _bayes_document(names: list[str], data_type: str, optype: str, inputs: str, counts: np.ndarray) -> str:
    values = "".join(f'<Value value="{v}"/>' for v in range(4)) if optype == "categorical" else ""
    fields = "".join(f'<DataField name="{n}" optype="{optype}" dataType="{data_type}">{values}</DataField>'
                     for n in names)
    probabilities = "".join(f'<OutputField name="p{k}" optype="continuous" dataType="double" feature="probability" '
                            f'value="{k}"/>' for k in range(3))
    return document(f"""<DataDictionary>{fields}
<DataField name="y" optype="categorical" dataType="string"><Value value="0"/><Value value="1"/><Value value="2"/>
</DataField></DataDictionary>
<NaiveBayesModel functionName="classification" threshold="0">
<MiningSchema>{"".join(f'<MiningField name="{n}"/>' for n in names)}<MiningField name="y" usageType="target"/>
</MiningSchema>
<Output><OutputField name="label" optype="categorical" dataType="string" feature="predictedValue"/>{probabilities}</Output>
<BayesInputs>{inputs}</BayesInputs>
<BayesOutput fieldName="y"><TargetValueCounts>{"".join(
        f'<TargetValueCount value="{k}" count="{float(c)!r}"/>' for k, c in enumerate(counts))}</TargetValueCounts></BayesOutput>
</NaiveBayesModel>""")


SKLEARN = {"gaussian-nb": iris_gaussian_nb(), "categorical-nb": categorical_nb()}

ASSOCIATION = document("""<DataDictionary>
<DataField name="bread" optype="categorical" dataType="boolean"/>
<DataField name="milk" optype="categorical" dataType="string"><Value value="yes"/><Value value="no"/></DataField>
<DataField name="fruit" optype="categorical" dataType="string"><Value value="apple"/><Value value="pear"/></DataField>
</DataDictionary>
<AssociationModel functionName="associationRules" numberOfTransactions="10" minimumSupport="0.1"
                  minimumConfidence="0.1" numberOfItems="4" numberOfItemsets="5" numberOfRules="4">
<MiningSchema><MiningField name="bread"/><MiningField name="milk" invalidValueTreatment="asMissing"/>
<MiningField name="fruit"/>{group}</MiningSchema>
<Output>
<OutputField name="rec1" optype="categorical" dataType="string" feature="ruleValue" ruleFeature="consequent"
             algorithm="recommendation" rank="1"/>
<OutputField name="rec2" optype="categorical" dataType="string" feature="ruleValue" algorithm="recommendation"
             rank="2"/>
<OutputField name="ant" optype="categorical" dataType="string" feature="ruleValue" ruleFeature="antecedent"
             algorithm="recommendation"/>
<OutputField name="rule" optype="categorical" dataType="string" feature="ruleValue" ruleFeature="rule"
             algorithm="ruleAssociation"/>
<OutputField name="rid" optype="categorical" dataType="string" feature="ruleValue" ruleFeature="ruleId"/>
<OutputField name="conf" optype="continuous" dataType="double" feature="ruleValue" ruleFeature="confidence"
             algorithm="ruleAssociation" rankBasis="lift"/>
<OutputField name="sup" optype="continuous" dataType="double" feature="ruleValue" ruleFeature="support"
             algorithm="recommendation" rankOrder="ascending"/>
<OutputField name="lift2" optype="continuous" dataType="double" feature="ruleValue" ruleFeature="lift"
             algorithm="recommendation" rank="2" rankBasis="support"/>
<OutputField name="lev" optype="continuous" dataType="double" feature="ruleValue" ruleFeature="leverage"
             algorithm="recommendation" rankBasis="affinity"{multi}/>
<OutputField name="aff" optype="continuous" dataType="double" feature="ruleValue" ruleFeature="affinity"
             algorithm="recommendation" rankBasis="leverage" rankOrder="ascending" rank="3"/>
</Output>
<Item id="1" value="bread"/>
<Item id="2" value="milk=yes"/>
<Item id="3" value="apple" field="fruit" category="apple"/>
<Item id="4" value="fruit=pear"/>
<Itemset id="1"><ItemRef itemRef="1"/></Itemset>
<Itemset id="2"><ItemRef itemRef="2"/></Itemset>
<Itemset id="3"><ItemRef itemRef="3"/></Itemset>
<Itemset id="4"><ItemRef itemRef="1"/><ItemRef itemRef="2"/></Itemset>
<Itemset id="5"><ItemRef itemRef="4"/></Itemset>
<AssociationRule id="r1" antecedent="1" consequent="2" support="0.4" confidence="0.8" lift="1.2" leverage="0.05" affinity="0.5"/>
<AssociationRule id="r2" antecedent="2" consequent="3" support="0.3" confidence="0.6" lift="1.5" leverage="0.04" affinity="0.4"/>
<AssociationRule id="r3" antecedent="4" consequent="3" support="0.2" confidence="0.9" lift="2.0" leverage="0.07" affinity="0.3"/>
<AssociationRule antecedent="1" consequent="5" support="0.1" confidence="0.8" lift="0.9" leverage="-0.01" affinity="0.2"/>
</AssociationModel>""")
# Missing items, an invalid milk (asMissing: no item), ties in confidence (document order).
BASKETS = pd.DataFrame({"bread": [True, True, False, True, None, True, False, True],
                        "milk": ["yes", "no", "yes", "yes", "yes", None, None, "maybe"],
                        "fruit": ["apple", None, "pear", "pear", "apple", "apple", None, "pear"]})


def association(group: str = "", multi: str = "") -> str:
    return ASSOCIATION.format(group=group, multi=multi)


CASES = [
    Case("naive-bayes", naive_bayes(), NB_ROWS, ("pmml4s", "jpmml")),
    Case("naive-bayes-without-output", naive_bayes(output=""), NB_ROWS, ("pmml4s",)),
    # A count of zero may be omitted (the standard): the threshold stands in for it, as on PMML4S
    # (JPMML-Evaluator leaves the class's likelihood unchanged instead).
    Case("naive-bayes-omitted-count", naive_bayes(omitted=True), NB_ROWS, ("pmml4s",)),
    Case("naive-bayes-out-of-bin", naive_bayes(), OUT_OF_BIN, ("jpmml",)),
    # PMML4S divides by digamma(x + 1) where the standard has x!.
    Case("naive-bayes-poisson", naive_bayes(distributions=POISSON), POISSON_ROWS, ("jpmml",)),
    *[Case(name, doc, X, ("pmml4s", "jpmml")) for name, (doc, X, _) in SKLEARN.items()],
    # PMML4S scores no AssociationModel.
    Case("association", association(), BASKETS, ("jpmml",)),
]
PARAMS = table(CASES)


@pytest.mark.parametrize(("case", "oracle"), PARAMS, ids=ids(PARAMS))
def test_native_scores_as_the_oracle(case: Case, oracle: str, tmp_path) -> None:
    check(case, oracle, tmp_path)


@pytest.mark.parametrize("name", list(SKLEARN))
def test_naive_bayes_equals_scikit_learn(name: str) -> None:
    doc, X, want = SKLEARN[name]
    got = pmmlkit.load(doc.encode(), engine="native").predict(X)
    assert np.allclose(got[["p0", "p1", "p2"]].to_numpy(), want, rtol=1e-9, atol=1e-15)
    assert (got["label"].astype(int).to_numpy() == want.argmax(axis=1)).all()


def test_an_association_model_loads_natively_and_auto_but_not_on_pmml4s() -> None:
    data = association().encode()
    assert pmmlkit.load(data, engine="auto").engine == "native"
    with pytest.raises(ValidationError, match=r"<AssociationModel> is valid PMML that pmmlkit's engine cannot score"):
        pmmlkit.load(data)
    got = pmmlkit.load(data, engine="native").predict({"bread": True, "milk": "yes", "fruit": "apple"})
    # Basket {bread, milk=yes, apple}: r3 (0.9) then r1 and the unnamed rule (0.8, document order).
    assert (got["rec1"], got["rec2"], got["ant"]) == ("apple", "milk=yes", "{bread,milk=yes}")
    assert got["rid"] == "4"  # exclusiveRecommendation: only the unnamed 4th rule's consequent is absent


@pytest.mark.parametrize(("change", "message"), [
    ({"group": '<MiningField name="basket" usageType="group"/>'}, "over transactions"),
    ({"multi": ' isMultiValued="1"'}, "isMultiValued"),
])
def test_association_models_the_native_engine_does_not_score_are_refused(change, message) -> None:
    data = association(**change)
    if "group" in change:
        data = data.replace("<DataDictionary>", '<DataDictionary><DataField name="basket" optype="categorical" '
                                                'dataType="string"/>')
    with pytest.raises(EvaluationError, match=message):
        pmmlkit.load(data.encode(), engine="native")


def test_naive_bayes_without_a_stat_for_a_class_is_refused() -> None:
    data = naive_bayes().replace('<TargetValueStat value="r">', '<TargetValueStat value="p">')
    with pytest.raises(EvaluationError, match="without a TargetValueStat for the class 'r'"):
        pmmlkit.load(data.encode(), engine="native")
