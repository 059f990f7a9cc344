"""The schema test corpus: what the project's PMML 4.4 schema must accept and reject.

Three sources, each document with the verdict the PMML 4.4 standard gives it:
- files in tests/corpus/valid (hand-written documents, one or more per model type the project
  schema defines, plus the transformations, statistics and explanation elements) and
  tests/corpus/invalid (known-bad documents, each naming its fault in a comment);
- RULES: small documents that each pin one rule of the standard (a container that must not be
  empty, a child order, a choice between alternatives);
- documents pmmlkit's own converters write (CONVERTED, fitted and converted when asked for).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cases import all_cases
from lxml import etree

import pmmlkit

CORPUS = Path(__file__).resolve().parent / "corpus"
NAMESPACE = "http://www.dmg.org/PMML-4_4"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)


@dataclass(frozen=True)
class CorpusDocument:
    """``valid``: the standard's verdict. ``large``: mutate a compact copy (see ``compact``)."""

    name: str
    load: Callable[[], etree._ElementTree]
    valid: bool
    large: bool = False


def _from_file(path: Path) -> Callable[[], etree._ElementTree]:
    return lambda: etree.parse(str(path), PARSER)


def _from_text(text: str) -> Callable[[], etree._ElementTree]:
    return lambda: etree.fromstring(text.encode(), PARSER).getroottree()


def files() -> list[CorpusDocument]:
    return ([CorpusDocument(f"valid/{p.name}", _from_file(p), True) for p in sorted((CORPUS / "valid").glob("*.pmml"))]
            + [CorpusDocument(f"invalid/{p.name}", _from_file(p), False)
               for p in sorted((CORPUS / "invalid").glob("*.pmml"))])


# ---------------------------------------------------------------------------------------------
# RULES: one rule of the standard per document.

def _document(model: str = "", *, fields: str = "", transformations: str = "", header: str = "<Header/>") -> str:
    return (f'<PMML xmlns="{NAMESPACE}" version="4.4">{header}<DataDictionary>'
            f'<DataField name="a" optype="continuous" dataType="double"/>{fields}</DataDictionary>'
            f"{transformations}{model}</PMML>")


MINING_SCHEMA = '<MiningSchema><MiningField name="a"/></MiningSchema>'


def _regression(parts: str = "", table: str = '<RegressionTable intercept="0"/>', after: str = "") -> str:
    return f'<RegressionModel functionName="regression">{MINING_SCHEMA}{parts}{table}{after}</RegressionModel>'


def _derived(expression: str) -> str:
    return (f'<TransformationDictionary><DerivedField name="d" optype="continuous" dataType="double">{expression}'
            "</DerivedField></TransformationDictionary>")


def _verification(rows: str) -> str:
    return _regression(after='<ModelVerification><VerificationFields><VerificationField field="a"/>'
                             f"</VerificationFields><InlineTable>{rows}</InlineTable></ModelVerification>")


def _output_field(content: str) -> str:
    return _regression(f'<Output><OutputField name="o" dataType="double">{content}</OutputField></Output>')


def _stats(content: str) -> str:
    return _regression(f"<ModelStats><UnivariateStats>{content}</UnivariateStats></ModelStats>")


def _tree(node: str) -> str:
    return f'<TreeModel functionName="regression">{MINING_SCHEMA}{node}</TreeModel>'


def _mining(segmentation: str) -> str:
    return f'<MiningModel functionName="regression">{MINING_SCHEMA}{segmentation}</MiningModel>'


def _svm(dictionary: str = '<VectorDictionary><VectorFields><FieldRef field="a"/></VectorFields></VectorDictionary>',
         machine: str = "<Coefficients><Coefficient/></Coefficients>", kernel: str = "<LinearKernelType/>") -> str:
    return (f'<SupportVectorMachineModel functionName="regression">{MINING_SCHEMA}{kernel}{dictionary}'
            f"<SupportVectorMachine>{machine}</SupportVectorMachine></SupportVectorMachineModel>")


def _sparse(content: str) -> str:
    return _svm('<VectorDictionary><VectorFields><FieldRef field="a"/></VectorFields><VectorInstance id="1">'
                f"<REAL-SparseArray>{content}</REAL-SparseArray></VectorInstance></VectorDictionary>")


def _network(layers: str, inputs: str | None = None) -> str:
    if inputs is None:
        inputs = ('<NeuralInputs><NeuralInput id="i"><DerivedField optype="continuous" dataType="double">'
                  '<FieldRef field="a"/></DerivedField></NeuralInput></NeuralInputs>')
    return f'<NeuralNetwork functionName="regression" activationFunction="identity">{MINING_SCHEMA}{inputs}{layers}</NeuralNetwork>'


def _clustering(measure: str = "<euclidean/>", clusters: str = "<Cluster/>", parts: str = "") -> str:
    return (f'<ClusteringModel functionName="clustering" modelClass="centerBased" numberOfClusters="1">{MINING_SCHEMA}'
            f'{parts}<ComparisonMeasure kind="distance">{measure}</ComparisonMeasure><ClusteringField field="a"/>'
            f"{clusters}</ClusteringModel>")


def _general(parts: str = "<ParameterList/><PPMatrix/><ParamMatrix/>", model_type: str = "regression") -> str:
    return (f'<GeneralRegressionModel functionName="regression" modelType="{model_type}">{MINING_SCHEMA}{parts}'
            "</GeneralRegressionModel>")


def _bayes(input_content: str) -> str:
    return (f'<NaiveBayesModel functionName="classification" threshold="0">{MINING_SCHEMA}<BayesInputs>'
            f'<BayesInput fieldName="a">{input_content}</BayesInput></BayesInputs><BayesOutput fieldName="a">'
            '<TargetValueCounts><TargetValueCount value="x" count="1"/></TargetValueCounts></BayesOutput>'
            "</NaiveBayesModel>")


_GAUSS_STATS = ('<TargetValueStats><TargetValueStat value="x"><GaussianDistribution mean="0" variance="1"/>'
                "</TargetValueStat></TargetValueStats>")
_DERIVED_INPUT = '<DerivedField optype="categorical" dataType="string"><FieldRef field="a"/></DerivedField>'
_PAIR = '<PairCounts value="v"><TargetValueCounts><TargetValueCount value="x" count="1"/></TargetValueCounts></PairCounts>'
_DECISIONS = '<Decisions><Decision value="x"/></Decisions>'
_ARRAY = '<Array type="int">1</Array>'
_COLUMNS = '<FieldColumnPair field="a" column="b"/>'
_ALL_PARTS = ('<Output><OutputField name="o" dataType="double"/></Output><ModelStats/><ModelExplanation/>'
              "<Targets><Target/></Targets><LocalTransformations/>")
_VERIFY = ('<ModelVerification><VerificationFields><VerificationField field="a"/></VerificationFields>'
           "<InlineTable/></ModelVerification>")


def _taxonomy(content: str) -> str:
    return f'<Taxonomy name="t"><ChildParent childField="c" parentField="p">{content}</ChildParent></Taxonomy>'


RULE_DOCUMENTS: list[tuple[str, str, bool]] = [
    # Root, header, dictionaries
    ("minimal document", _document(), True),
    ("no Header", _document(header=""), False),
    ("no version", _document().replace(' version="4.4"', ""), False),
    ("Extension between Header and DataDictionary", _document(header="<Header/><Extension/>"), False),
    ("models then trailing Extensions", _document(_regression() + _regression() + "<Extension/>"), True),
    ("schema location attributes on the root", _document().replace(
        'version="4.4"', 'version="4.4" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                         'xsi:schemaLocation="http://www.dmg.org/PMML-4_4 pmml-4-4.xsd"'), True),
    ("an attribute from another namespace", _document(_regression().replace(
        "<RegressionModel ", '<RegressionModel xmlns:x="urn:x" x:note="1" ')), False),
    ("functionName anomalyDetection (not a 4.4 mining function)",
     _document(_regression().replace('functionName="regression"', 'functionName="anomalyDetection"')), False),
    ("Lag of zero records", _document(transformations=_derived('<Lag field="a" n="0"/>')), False),
    ("MiningBuildTask holds Extensions only", _document(header="<Header/><MiningBuildTask><Foo/></MiningBuildTask>"),
     False),
    ("Interval without closure", _document(fields='<DataField name="b" optype="continuous" dataType="double">'
                                           "<Interval/></DataField>"), False),
    ("Value before Interval", _document(fields='<DataField name="b" optype="continuous" dataType="double">'
                                        '<Value value="1"/><Interval closure="openOpen"/></DataField>'), False),
    ("Taxonomy without ChildParent", _document(fields='<Taxonomy name="t"/>'), False),
    ("ChildParent with a table locator", _document(fields=_taxonomy("<TableLocator/>")), True),
    ("ChildParent with two column pairs", _document(fields=_taxonomy(_COLUMNS * 2 + "<TableLocator/>")), True),
    ("ChildParent without a table", _document(fields=_taxonomy(_COLUMNS)), False),
    ("ChildParent with two tables", _document(fields=_taxonomy("<TableLocator/><InlineTable/>")), False),
    # Transformations
    ("empty TransformationDictionary", _document(transformations="<TransformationDictionary/>"), True),
    ("Apply without arguments", _document(transformations=_derived('<Apply function="x"/>')), True),
    ("Discretize without bins", _document(transformations=_derived('<Discretize field="a"/>')), True),
    ("MapValues without a table", _document(transformations=_derived('<MapValues outputColumn="o"/>')), True),
    ("MapValues with an empty InlineTable",
     _document(transformations=_derived('<MapValues outputColumn="o"><InlineTable/></MapValues>')), True),
    ("NormDiscrete has no method attribute",
     _document(transformations=_derived('<NormDiscrete field="a" value="1" method="indicator"/>')), False),
    ("Constant with an element inside", _document(transformations=_derived("<Constant><Extension/></Constant>")),
     False),
    ("DerivedField without a name", _document(
        transformations='<TransformationDictionary><DerivedField optype="continuous" dataType="double">'
                        '<FieldRef field="a"/></DerivedField></TransformationDictionary>'), True),
    ("DefineFunction without parameters", _document(
        transformations='<TransformationDictionary><DefineFunction name="f" optype="continuous"><Constant>1</Constant>'
                        "</DefineFunction></TransformationDictionary>"), False),
    ("ParameterField is empty", _document(
        transformations='<TransformationDictionary><DefineFunction name="f" optype="continuous"><ParameterField name="p">'
                        "<Extension/></ParameterField><Constant>1</Constant></DefineFunction></TransformationDictionary>"),
     False),
    ("empty LocalTransformations", _document(_regression("<LocalTransformations/>")), True),
    # Tables
    ("row with no cells", _document(_verification("<row/>")), False),
    ("row with one cell", _document(_verification("<row><a>1</a></row>")), False),
    ("row with two cells", _document(_verification("<row><a>1</a><b>2</b></row>")), True),
    ("row with text and cells", _document(_verification("<row>t<a>1</a><b>2</b></row>")), True),
    ("row cells are not checked", _document(_verification("<row><Value/><b/></row>")), True),
    ("row cells from another namespace", _document(_verification('<row><x:a xmlns:x="urn:x"/><b/></row>')), True),
    ("ModelVerification without its table", _document(_regression(
        after='<ModelVerification><VerificationFields><VerificationField field="a"/></VerificationFields>'
              "</ModelVerification>")), False),
    ("empty VerificationFields", _document(_regression(
        after="<ModelVerification><VerificationFields/><InlineTable/></ModelVerification>")), False),
    # Output
    ("OutputField with nothing inside", _document(_output_field("")), True),
    ("OutputField with Decisions only", _document(_output_field(_DECISIONS)), False),
    ("OutputField with Decisions and an expression", _document(_output_field(_DECISIONS + "<Constant>1</Constant>")),
     True),
    ("OutputField with Values only", _document(_output_field('<Value value="1"/>')), False),
    ("OutputField with an expression and Values", _document(_output_field('<Constant>1</Constant><Value value="1"/>')),
     True),
    ("empty Decisions", _document(_output_field("<Decisions/><Constant>1</Constant>")), False),
    ("empty Output", _document(_regression("<Output/>")), False),
    # Model parts
    ("empty Targets", _document(_regression("<Targets/>")), False),
    ("Target without a field", _document(_regression("<Targets><Target/></Targets>")), True),
    ("empty ModelStats", _document(_regression("<ModelStats/>")), True),
    ("empty ModelExplanation", _document(_regression("<ModelExplanation/>")), True),
    ("empty MultivariateStats", _document(_regression("<ModelStats><MultivariateStats/></ModelStats>")), False),
    ("empty Anova", _document(_stats("<Anova/>")), False),
    ("UnivariateStats parts out of order", _document(_stats('<NumericInfo/><Counts totalFreq="1"/>')), False),
    *[(f"ContStats with {n} arrays", _document(_stats(f"<ContStats>{_ARRAY * n}</ContStats>")), n <= 3)
      for n in range(5)],
    *[(f"DiscrStats with {n} arrays", _document(_stats(f"<DiscrStats>{_ARRAY * n}</DiscrStats>")), n <= 2)
      for n in range(4)],
    ("ContStats Interval after an Array", _document(_stats(f'<ContStats>{_ARRAY}<Interval closure="openOpen"/>'
                                                          "</ContStats>")), False),
    ("empty MiningSchema", _document('<RegressionModel functionName="regression"><MiningSchema/>'
                                     '<RegressionTable intercept="0"/></RegressionModel>'), False),
    ("RegressionModel without a table", _document(_regression(table="")), False),
    ("PredictorTerm without fields", _document(_regression(
        table='<RegressionTable intercept="0"><PredictorTerm coefficient="1"/></RegressionTable>')), False),
    ("empty Matrix", _document(_regression(
        '<ModelExplanation><PredictiveModelQuality targetField="a"><ConfusionMatrix><ClassLabels>'
        '<Array type="string">a</Array></ClassLabels><Matrix/></ConfusionMatrix></PredictiveModelQuality>'
        "</ModelExplanation>")), True),
    ("Matrix with both rows and cells", _document(_regression(
        '<ModelExplanation><PredictiveModelQuality targetField="a"><ConfusionMatrix><ClassLabels>'
        '<Array type="string">a</Array></ClassLabels><Matrix><Array type="int">1</Array>'
        '<MatCell row="1" col="1">1</MatCell></Matrix></ConfusionMatrix></PredictiveModelQuality>'
        "</ModelExplanation>")), False),
    # Trees and segmentation
    ("Node without a predicate", _document(_tree("<Node/>")), False),
    ("Node with Partition after ScoreDistribution", _document(_tree(
        '<Node><True/><ScoreDistribution value="a" recordCount="1"/><Partition name="p"/></Node>')), False),
    ("ScoreDistribution without recordCount", _document(_tree(
        '<Node><True/><ScoreDistribution value="a"/></Node>')), False),
    ("Node with Extensions before its embedded model", _document(_tree(
        '<Node><True/><Extension/><Extension/><Regression functionName="regression"><RegressionTable intercept="0"/>'
        "</Regression></Node>")), True),
    ("MiningModel with an Extension before an embedded model", _document(_mining(
        '<Extension/><Regression functionName="regression"><RegressionTable intercept="0"/></Regression>')), False),
    ("Node with a trailing Extension", _document(_tree("<Node><True/><Extension/></Node>")), False),
    ("CompoundPredicate with one predicate", _document(_tree(
        '<Node><CompoundPredicate booleanOperator="and"><True/></CompoundPredicate></Node>')), False),
    ("empty Segmentation", _document(_mining('<Segmentation multipleModelMethod="sum"/>')), False),
    ("Segment without a model", _document(_mining(
        '<Segmentation multipleModelMethod="sum"><Segment><True/></Segment></Segmentation>')), False),
    ("MiningModel with embedded models and a Segmentation", _document(_mining(
        '<Regression functionName="regression"><RegressionTable intercept="0"/></Regression>'
        f'<Segmentation multipleModelMethod="sum"><Segment><True/>{_regression()}</Segment></Segmentation>')), True),
    ("MiningModel with nothing but its MiningSchema", _document(_mining("")), True),
    # Every model type with every optional part, in order
    *[(f"{name} with every optional part", _document(model.replace(MINING_SCHEMA, "<Extension/>" + MINING_SCHEMA + parts)
                                                     .replace(f"</{name}>", f"{_VERIFY}<Extension/></{name}>")), valid)
      for name, model, parts, valid in [
          ("RegressionModel", _regression(), _ALL_PARTS, True),
          ("TreeModel", _tree("<Node><True/></Node>"), _ALL_PARTS, True),
          ("MiningModel", _mining(""), _ALL_PARTS, True),
          ("GeneralRegressionModel", _general(), _ALL_PARTS, True),
          ("SupportVectorMachineModel", _svm(), _ALL_PARTS, True),
          ("NaiveBayesModel", _bayes(_GAUSS_STATS), _ALL_PARTS, True),
          ("NeuralNetwork", _network('<NeuralLayer><Neuron id="n"><Con from="i" weight="1"/></Neuron></NeuralLayer>'),
           _ALL_PARTS, True),
          ("ClusteringModel", _clustering(), _ALL_PARTS, False),  # no Targets in a ClusteringModel
          ("ClusteringModel", _clustering(), _ALL_PARTS.replace("<Targets><Target/></Targets>", ""), True),
      ]],
    # SupportVectorMachineModel
    ("empty SupportVectors", _document(_svm(machine="<SupportVectors/><Coefficients><Coefficient/></Coefficients>")),
     False),
    ("empty Coefficients", _document(_svm(machine="<Coefficients/>")), False),
    ("empty VectorFields", _document(_svm("<VectorDictionary><VectorFields/></VectorDictionary>")), False),
    ("two kernels", _document(_svm(kernel="<LinearKernelType/><LinearKernelType/>")), False),
    ("empty sparse array", _document(_sparse("")), True),
    ("sparse array with entries only", _document(_sparse("<REAL-Entries>1 2</REAL-Entries>")), True),
    ("sparse index not an int", _document(_sparse("<Indices>1 x</Indices><REAL-Entries>1 2</REAL-Entries>")), False),
    ("sparse index beyond an int", _document(_sparse("<Indices>99999999999</Indices>")), False),
    ("sparse entry not a number", _document(_sparse("<Indices>1 2</Indices><REAL-Entries>1 z</REAL-Entries>")), False),
    ("sparse entries INF and NaN", _document(_sparse("<Indices>1 -2</Indices><REAL-Entries>INF NaN</REAL-Entries>")),
     True),
    # NeuralNetwork
    ("Neuron without connections", _document(_network('<NeuralLayer><Neuron id="n"/></NeuralLayer>')), False),
    ("empty NeuralLayer", _document(_network("<NeuralLayer/>")), False),
    ("empty NeuralInputs", _document(_network('<NeuralLayer><Neuron id="n"><Con from="i" weight="1"/></Neuron>'
                                              "</NeuralLayer>", inputs="<NeuralInputs/>")), False),
    ("empty NeuralOutputs", _document(_network('<NeuralLayer><Neuron id="n"><Con from="i" weight="1"/></Neuron>'
                                               "</NeuralLayer><NeuralOutputs/>")), False),
    # ClusteringModel
    ("Cluster parts out of order", _document(_clustering(clusters=f"<Cluster>{_ARRAY}<KohonenMap/></Cluster>")), False),
    ("ComparisonMeasure without a measure", _document(_clustering(measure="")), False),
    ("ComparisonMeasure with two measures", _document(_clustering(measure="<euclidean/><euclidean/>")), False),
    ("ClusteringModel without ClusteringField", _document(_clustering().replace('<ClusteringField field="a"/>', "")),
     False),
    # GeneralRegressionModel
    ("empty Categories", _document(_general('<ParameterList/><FactorList><Predictor name="a"><Categories/></Predictor>'
                                            "</FactorList><PPMatrix/><ParamMatrix/>")), False),
    ("empty PCovMatrix", _document(_general("<ParameterList/><PPMatrix/><PCovMatrix/><ParamMatrix/>")), False),
    ("empty BaseCumHazardTables", _document(_general("<ParameterList/><PPMatrix/><ParamMatrix/><BaseCumHazardTables/>",
                                                     "CoxRegression")), False),
    ("EventValues Interval before Value", _document(_general(
        '<ParameterList/><PPMatrix/><ParamMatrix/><EventValues><Interval closure="openOpen"/><Value value="1"/>'
        "</EventValues>", "CoxRegression")), False),
    ("GeneralRegressionModel without modelType",
     _document(_general().replace(' modelType="regression"', "")), False),
    # NaiveBayesModel
    ("BayesInput with nothing", _document(_bayes("")), False),
    ("BayesInput with distributions", _document(_bayes(_GAUSS_STATS)), True),
    ("BayesInput with a DerivedField only", _document(_bayes(_DERIVED_INPUT)), False),
    ("BayesInput with pair counts", _document(_bayes(_PAIR)), True),
    ("BayesInput with a DerivedField and pair counts", _document(_bayes(_DERIVED_INPUT + _PAIR + _PAIR)), True),
    ("BayesInput with distributions and a DerivedField", _document(_bayes(_GAUSS_STATS + _DERIVED_INPUT)), False),
    ("BayesInput with distributions and pair counts", _document(_bayes(_GAUSS_STATS + _PAIR)), False),
    ("empty TargetValueStats", _document(_bayes("<TargetValueStats/>")), False),
    ("TargetValueStat without a distribution",
     _document(_bayes('<TargetValueStats><TargetValueStat value="x"/></TargetValueStats>')), False),
    ("TargetValueStat with an Extension after its distribution", _document(_bayes(
        '<TargetValueStats><TargetValueStat value="x"><GaussianDistribution mean="0" variance="1"/><Extension/>'
        "</TargetValueStat></TargetValueStats>")), False),
]


def rules() -> list[CorpusDocument]:
    return [CorpusDocument(f"rule: {name}", _from_text(text), valid) for name, text, valid in RULE_DOCUMENTS]


# ---------------------------------------------------------------------------------------------
# What pmmlkit's converters write: one case per kind of output (linear and logistic tables,
# one-hot and ordinal encodings, imputation, scaling, discretization, polynomial terms,
# functions, trees, forests, boosting), fitted from the fidelity tables (cases that fit in a
# fraction of a second, to keep this test quick).

CONVERTED = ("ct-string-labels-multinomial", "min-max-scaler-clip-nan", "onehot-drop-first", "tree-classifier-nan",
             "forest-classifier-string-labels", "linear-svc-multiclass", "kbins-onehot-uniform",
             "ordinal-encoder-nan-codes", "polynomial-degree-2", "function-log1p", "normalizer-l2", "gb-regressor",
             "gb-classifier-multiclass", "robust-scaler-nan", "binarizer")


@functools.cache
def _converted(case_id: str) -> bytes:
    (case,) = [c for c in all_cases("sklearn") if c.id == case_id]
    X, y, _ = case.data()
    return pmmlkit.convert(case.estimator().fit(X, y), X).to_bytes()


def converted() -> list[CorpusDocument]:
    return [CorpusDocument(f"converted: {case_id}", lambda c=case_id: etree.fromstring(_converted(c), PARSER)
                           .getroottree(), True, large=True) for case_id in CONVERTED]


def compact(tree: etree._ElementTree, keep: int = 3) -> etree._ElementTree:
    """A copy of ``tree`` with at most ``keep`` consecutive same-named siblings (a forest keeps three
    trees, a node three children): the same kinds of elements, small enough to mutate quickly."""
    root = etree.fromstring(etree.tostring(tree))
    for parent in list(root.iter(etree.Element)):
        run: list[etree._Element] = []
        for child in list(parent):
            if run and child.tag == run[-1].tag:
                run.append(child)
                if len(run) > keep:
                    parent.remove(child)
            else:
                run = [child]
    return root.getroottree()
