"""Validation case tables: small valid documents, and for each rule a document that triggers it
next to one that does not (the clean document differs only where the rule looks)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from documents import LINEAR


def edit(base: str, old: str, new: str) -> str:
    if old not in base:
        raise AssertionError(f"test table is stale: {old!r} not in the document")
    return base.replace(old, new, 1)


HEAD = '<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">\n  <Header/>\n'

# A classification tree with ScoreDistributions, an Interval and a string field.
TREE = HEAD + """  <DataDictionary numberOfFields="3">
    <DataField name="y" optype="categorical" dataType="string"><Value value="a"/><Value value="b"/></DataField>
    <DataField name="x" optype="continuous" dataType="double">
      <Interval closure="closedClosed" leftMargin="0" rightMargin="10"/>
    </DataField>
    <DataField name="s" optype="categorical" dataType="string"><Value value="u"/><Value value="v"/></DataField>
  </DataDictionary>
  <TreeModel functionName="classification" noTrueChildStrategy="returnNullPrediction">
    <MiningSchema>
      <MiningField name="y" usageType="target"/>
      <MiningField name="x"/>
      <MiningField name="s"/>
    </MiningSchema>
    <Output>
      <OutputField name="p_a" optype="continuous" dataType="double" feature="probability" value="a"/>
    </Output>
    <Node id="0" score="a">
      <True/>
      <Node id="1" score="a">
        <SimplePredicate field="x" operator="lessOrEqual" value="1.5"/>
        <ScoreDistribution value="a" recordCount="3" probability="0.75"/>
        <ScoreDistribution value="b" recordCount="1" probability="0.25"/>
      </Node>
      <Node id="2" score="b">
        <SimplePredicate field="x" operator="greaterThan" value="1.5"/>
        <Node id="3" score="b"><SimplePredicate field="s" operator="equal" value="u"/></Node>
        <Node id="4" score="a"><SimplePredicate field="s" operator="notEqual" value="u"/></Node>
      </Node>
    </Node>
  </TreeModel>
</PMML>
"""

# A multinomial regression classifier with Targets priors.
REGRESSION = HEAD + """  <DataDictionary numberOfFields="3">
    <DataField name="y" optype="categorical" dataType="string"><Value value="no"/><Value value="yes"/></DataField>
    <DataField name="x" optype="continuous" dataType="double"/>
    <DataField name="c" optype="categorical" dataType="string"><Value value="r"/><Value value="g"/></DataField>
  </DataDictionary>
  <RegressionModel functionName="classification" normalizationMethod="softmax">
    <MiningSchema>
      <MiningField name="y" usageType="target"/>
      <MiningField name="x"/>
      <MiningField name="c"/>
    </MiningSchema>
    <Output>
      <OutputField name="p_yes" optype="continuous" dataType="double" feature="probability" value="yes"/>
    </Output>
    <Targets>
      <Target field="y"><TargetValue value="no" priorProbability="0.4"/><TargetValue value="yes" priorProbability="0.6"/></Target>
    </Targets>
    <RegressionTable intercept="0.5" targetCategory="yes">
      <NumericPredictor name="x" coefficient="2"/>
      <CategoricalPredictor name="c" value="r" coefficient="0.3"/>
    </RegressionTable>
    <RegressionTable intercept="0" targetCategory="no"/>
  </RegressionModel>
</PMML>
"""

# A regression forest of two stumps, summed; a TransformationDictionary with a function.
FOREST = HEAD + """  <DataDictionary numberOfFields="2">
    <DataField name="y" optype="continuous" dataType="double"/>
    <DataField name="x" optype="continuous" dataType="double"/>
  </DataDictionary>
  <TransformationDictionary>
    <DefineFunction name="twice" optype="continuous" dataType="double">
      <ParameterField name="v"/>
      <Apply function="*"><FieldRef field="v"/><Constant>2</Constant></Apply>
    </DefineFunction>
    <DerivedField name="x2" optype="continuous" dataType="double"><Apply function="twice"><FieldRef field="x"/></Apply></DerivedField>
    <DerivedField name="x4" optype="continuous" dataType="double"><Apply function="twice"><FieldRef field="x2"/></Apply></DerivedField>
  </TransformationDictionary>
  <MiningModel functionName="regression">
    <MiningSchema>
      <MiningField name="y" usageType="target"/>
      <MiningField name="x"/>
    </MiningSchema>
    <Output>
      <OutputField name="first" optype="continuous" dataType="double" feature="predictedValue" segmentId="1"/>
    </Output>
    <Segmentation multipleModelMethod="sum">
      <Segment id="1" weight="1">
        <True/>
        <TreeModel functionName="regression">
          <MiningSchema><MiningField name="x"/></MiningSchema>
          <Node score="0"><True/><Node score="1"><SimplePredicate field="x4" operator="lessThan" value="1"/></Node><Node score="2"><SimplePredicate field="x4" operator="greaterOrEqual" value="1"/></Node></Node>
        </TreeModel>
      </Segment>
      <Segment id="2">
        <True/>
        <TreeModel functionName="regression">
          <MiningSchema><MiningField name="x"/></MiningSchema>
          <Node score="0"><True/><Node score="3"><SimplePredicate field="x" operator="lessThan" value="2"/></Node><Node score="4"><SimplePredicate field="x" operator="greaterOrEqual" value="2"/></Node></Node>
        </TreeModel>
      </Segment>
    </Segmentation>
  </MiningModel>
</PMML>
"""

NEURAL = HEAD + """  <DataDictionary numberOfFields="2">
    <DataField name="y" optype="continuous" dataType="double"/>
    <DataField name="x" optype="continuous" dataType="double"/>
  </DataDictionary>
  <NeuralNetwork functionName="regression" activationFunction="logistic" numberOfLayers="2">
    <MiningSchema>
      <MiningField name="y" usageType="target"/>
      <MiningField name="x"/>
    </MiningSchema>
    <NeuralInputs numberOfInputs="1">
      <NeuralInput id="i0"><DerivedField optype="continuous" dataType="double"><FieldRef field="x"/></DerivedField></NeuralInput>
    </NeuralInputs>
    <NeuralLayer numberOfNeurons="1">
      <Neuron id="h0" bias="0.1"><Con from="i0" weight="0.5"/></Neuron>
    </NeuralLayer>
    <NeuralLayer numberOfNeurons="1" activationFunction="identity">
      <Neuron id="o0" bias="0"><Con from="h0" weight="2"/></Neuron>
    </NeuralLayer>
    <NeuralOutputs numberOfOutputs="1">
      <NeuralOutput outputNeuron="o0"><DerivedField optype="continuous" dataType="double"><FieldRef field="y"/></DerivedField></NeuralOutput>
    </NeuralOutputs>
  </NeuralNetwork>
</PMML>
"""

# y = 0.5 + 2 x with two embedded verification rows (the second one's expected value is given).
VERIFIED = edit(LINEAR, "  </RegressionModel>", """    <ModelVerification recordCount="2" fieldCount="2">
      <VerificationFields>
        <VerificationField field="x" column="c0"/>
        <VerificationField field="predicted_y" column="c1" precision="1E-9"/>
      </VerificationFields>
      <InlineTable>
        <row><c0>1</c0><c1>2.5</c1></row>
        <row><c0>2</c0><c1>EXPECTED</c1></row>
      </InlineTable>
    </ModelVerification>
  </RegressionModel>""")

VERIFIED_CLEAN = VERIFIED.replace("EXPECTED", "4.5")
BASES = {"tree": TREE, "regression": REGRESSION, "forest": FOREST, "neural": NEURAL, "verified": VERIFIED_CLEAN}

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header description="&lol3;"/></PMML>
"""


@dataclass(frozen=True)
class RuleCase:
    code: str
    trigger: Callable[[], str | bytes]
    clean: Callable[[], str | bytes]

    @property
    def id(self) -> str:
        return self.code


def case(code: str, base: str, old: str, new: str) -> RuleCase:
    return RuleCase(code, lambda: edit(base, old, new), lambda: base)


def pair(code: str, base: str, old: str, clean: str, trigger: str) -> RuleCase:
    """A rule whose clean document also needs the construct it looks at (e.g. an ascending NormContinuous
    next to a descending one)."""
    return RuleCase(code, lambda: edit(base, old, trigger), lambda: edit(base, old, clean))


def deep(levels: int) -> str:
    return '<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">' + "<a>" * levels + "</a>" * levels + "</PMML>"


# Issue 15, item 4: validate said OK for these; load refused them or scored every record null, and
# JPMML refuses them. Each is a blocking rule now (the differential test checks the rest).
MAPVALUES_MISSING_COLUMN = edit(FOREST, "  </TransformationDictionary>",
                                '<DerivedField name="m" optype="continuous" dataType="double"><MapValues '
                                'outputColumn="out"><FieldColumnPair field="x" column="in"/><InlineTable><row><in>1</in>'
                                '<other>2</other></row></InlineTable></MapValues></DerivedField>\n'
                                "  </TransformationDictionary>")
REASON_CODE_OF_A_REGRESSION = edit(VERIFIED_CLEAN, 'feature="predictedValue"/>', 'feature="predictedValue"/>\n      '
                                   '<OutputField name="r" optype="categorical" dataType="string" feature="reasonCode" '
                                   'rank="1"/>')
SEGMENT_OF_A_PLAIN_MODEL = edit(VERIFIED_CLEAN, 'feature="predictedValue"/>', 'feature="predictedValue"/>\n      '
                                '<OutputField name="s1" optype="continuous" dataType="double" feature="predictedValue" '
                                'segmentId="1"/>')
PREDICTOR_VALUE_NOT_LISTED = edit(REGRESSION, '<CategoricalPredictor name="c" value="r"',
                                  '<CategoricalPredictor name="c" value="blue"')
TRANSFORMED_VALUE_WITHOUT_EXPRESSION = edit(VERIFIED_CLEAN, 'feature="predictedValue"/>', 'feature="predictedValue"/>\n'
                                            '      <OutputField name="t" optype="continuous" dataType="double" '
                                            'feature="transformedValue"/>')
SUPPLEMENTARY_PREDICTOR = edit(VERIFIED_CLEAN, '<MiningField name="x"/>', '<MiningField name="x" '
                               'usageType="supplementary"/>')
# Found by trying issue 15's fixes as a user (each scored null, or failed inside the engine, after an OK).
ANALYSIS_WEIGHT_PREDICTOR = edit(VERIFIED_CLEAN, '<MiningField name="x"/>', '<MiningField name="x" '
                                 'usageType="analysisWeight"/>')
ORDER_PREDICTOR = edit(VERIFIED_CLEAN, '<MiningField name="x"/>', '<MiningField name="x" usageType="order"/>')
OUTPUT_READS_A_LATER_OUTPUT = edit(VERIFIED_CLEAN, '<OutputField name="predicted_y"',
                                   '<OutputField name="t" optype="continuous" dataType="double" '
                                   'feature="transformedValue"><FieldRef field="predicted_y"/></OutputField>\n      '
                                   '<OutputField name="predicted_y"')
ENTITY_OF_A_REGRESSION = edit(VERIFIED_CLEAN, 'feature="predictedValue"/>', 'feature="predictedValue"/>\n      '
                              '<OutputField name="e" optype="categorical" dataType="string" feature="entityId"/>')
ISSUE_15_CASES = [
    ("MapValues InlineTable lacks its outputColumn", MAPVALUES_MISSING_COLUMN, "table-column", "outputColumn"),
    ("reasonCode OutputField on a regression", REASON_CODE_OF_A_REGRESSION, "output-feature", "reasonCode"),
    ("segmentId on a model without segments", SEGMENT_OF_A_PLAIN_MODEL, "undefined-segment", "no Segmentation"),
    ("CategoricalPredictor value outside the field's values", PREDICTOR_VALUE_NOT_LISTED, "invalid-value", "blue"),
    ("transformedValue OutputField without an expression", TRANSFORMED_VALUE_WITHOUT_EXPRESSION, "output-expression",
     "no expression"),
    ("predictor uses a supplementary MiningField", SUPPLEMENTARY_PREDICTOR, "inactive-input", "supplementary"),
    ("predictor uses an analysisWeight MiningField", ANALYSIS_WEIGHT_PREDICTOR, "inactive-input", "analysisWeight"),
    ("predictor uses an order MiningField", ORDER_PREDICTOR, "inactive-input", '"order"'),
    ("OutputField reads a later OutputField", OUTPUT_READS_A_LATER_OUTPUT, "undefined-field", "after it"),
    ("entityId OutputField on a regression", ENTITY_OF_A_REGRESSION, "output-feature", "entityId"),
]

# A GeneralRegressionModel: y = 0.5 + 2 x.
GENERAL_REGRESSION = HEAD + """  <DataDictionary>
    <DataField name="x" optype="continuous" dataType="double"/>
    <DataField name="y" optype="continuous" dataType="double"/>
  </DataDictionary>
  <GeneralRegressionModel functionName="regression" modelType="regression">
    <MiningSchema><MiningField name="x"/><MiningField name="y" usageType="target"/></MiningSchema>
    <ParameterList><Parameter name="p0"/><Parameter name="p1"/></ParameterList>
    <CovariateList><Predictor name="x"/></CovariateList>
    <PPMatrix><PPCell value="1" predictorName="x" parameterName="p1"/></PPMatrix>
    <ParamMatrix><PCell parameterName="p0" beta="0.5"/><PCell parameterName="p1" beta="2"/></ParamMatrix>
  </GeneralRegressionModel>
</PMML>
"""

# A linear support vector regression: y = 0.5 + 2 x (one support vector, x = 1).
SUPPORT_VECTORS = HEAD + """  <DataDictionary>
    <DataField name="x" optype="continuous" dataType="double"/>
    <DataField name="y" optype="continuous" dataType="double"/>
  </DataDictionary>
  <SupportVectorMachineModel functionName="regression">
    <MiningSchema><MiningField name="x"/><MiningField name="y" usageType="target"/></MiningSchema>
    <LinearKernelType/>
    <VectorDictionary numberOfVectors="1">
      <VectorFields numberOfFields="1"><FieldRef field="x"/></VectorFields>
      <VectorInstance id="1"><Array n="1" type="real">1</Array></VectorInstance>
    </VectorDictionary>
    <SupportVectorMachine>
      <SupportVectors><SupportVector vectorId="1"/></SupportVectors>
      <Coefficients absoluteValue="-0.5"><Coefficient value="2"/></Coefficients>
    </SupportVectorMachine>
  </SupportVectorMachineModel>
</PMML>
"""

# A Scorecard with reason codes (the corpus's).
SCORECARD = (Path(__file__).resolve().parent.parent / "corpus" / "models" / "scorecard.pmml").read_text()
# An AnomalyDetectionModel over two clusters (the corpus's).
ANOMALY_CLUSTERS = (Path(__file__).resolve().parent.parent / "corpus" / "models" /
                    "anomaly_detection_cluster.pmml").read_text()

RULE_CASES = [
    # reading
    RuleCase("empty", lambda: b"  \n", lambda: TREE),
    case("xml-syntax", TREE, "</TreeModel>", "</TreeModl>"),
    RuleCase("doctype", lambda: BILLION_LAUGHS, lambda: TREE),
    RuleCase("depth", lambda: deep(3000), lambda: TREE),
    RuleCase("root", lambda: "<model><Header/></model>", lambda: TREE),
    case("namespace", TREE, ' xmlns="http://www.dmg.org/PMML-4_4"', ""),
    case("version", TREE, 'version="4.4"', 'version="4.2"'),
    case("missing-version", TREE, ' version="4.4"', ""),
    # structure
    case("missing-header", TREE, "<Header/>", ""),
    RuleCase("missing-data-dictionary", lambda: HEAD + NEURAL[NEURAL.index("  <NeuralNetwork"):], lambda: NEURAL),
    RuleCase("no-model", lambda: TREE[:TREE.index("  <TreeModel")] + "</PMML>", lambda: TREE),
    case("unknown-element", TREE, "<Header/>", "<Header/><Bogus/>"),
    case("number-of-fields", TREE, 'numberOfFields="3"', 'numberOfFields="4"'),
    # fields
    case("missing-name", TREE, '<DataField name="s" ', "<DataField "),
    case("missing-name", TREE, '<MiningField name="x"/>', "<MiningField/>"),
    case("duplicate-field", TREE, '<DataField name="s" ', '<DataField name="x" '),
    case("undefined-field", TREE, 'field="x" operator="lessOrEqual"', 'field="z" operator="lessOrEqual"'),
    case("cyclic-field", FOREST, '<FieldRef field="x"/></Apply></DerivedField>',
         '<FieldRef field="x4"/></Apply></DerivedField>'),
    case("not-in-mining-schema", FOREST, '<MiningSchema><MiningField name="x"/></MiningSchema>\n          '
         '<Node score="0"><True/><Node score="3">', '<MiningSchema><MiningField name="y"/></MiningSchema>\n          '
         '<Node score="0"><True/><Node score="3">'),
    case("field-type", NEURAL, '<DataField name="x" optype="continuous" dataType="double"/>',
         '<DataField name="x" optype="continuous"/>'),
    case("type-conflict", REGRESSION, '<NumericPredictor name="x"', '<NumericPredictor name="c"'),
    case("duplicate-function", FOREST, "<DerivedField name=\"x2\"",
         '<DefineFunction name="twice" optype="continuous" dataType="double"><ParameterField name="v"/>'
         '<FieldRef field="v"/></DefineFunction><DerivedField name="x2"'),
    case("cyclic-function", FOREST, '<Apply function="*">', '<Apply function="twice">'),
    case("unknown-function", FOREST, '<Apply function="*">', '<Apply function="times">'),
    case("function-arity", FOREST, '<FieldRef field="v"/><Constant>2</Constant>', '<FieldRef field="v"/>'),
    case("value-type", VERIFIED_CLEAN, '<MiningField name="x"/>', '<MiningField name="x" missingValueReplacement="abc"/>'),
    case("outlier-bounds", VERIFIED_CLEAN, '<MiningField name="x"/>', '<MiningField name="x" outliers="asExtremeValues"/>'),
    pair("linear-norm-order", FOREST, "  </TransformationDictionary>",
         '<DerivedField name="n" optype="continuous" dataType="double"><NormContinuous field="x"><LinearNorm orig="0" '
         'norm="0"/><LinearNorm orig="5" norm="1"/></NormContinuous></DerivedField>\n  </TransformationDictionary>',
         '<DerivedField name="n" optype="continuous" dataType="double"><NormContinuous field="x"><LinearNorm orig="5" '
         'norm="0"/><LinearNorm orig="0" norm="1"/></NormContinuous></DerivedField>\n  </TransformationDictionary>'),
    pair("array-count", TREE, '<SimplePredicate field="s" operator="equal" value="u"/>',
         '<SimpleSetPredicate field="s" booleanOperator="isIn"><Array type="string" n="1">"u"</Array>'
         '</SimpleSetPredicate>',
         '<SimpleSetPredicate field="s" booleanOperator="isIn"><Array type="string" n="2">"u"</Array>'
         '</SimpleSetPredicate>'),
    # predicates and trees
    case("predicate-value", TREE, 'operator="equal" value="u"', 'operator="equal"'),
    case("predicate-type", TREE, '<SimplePredicate field="s" operator="equal"', '<SimplePredicate field="s" '
         'operator="lessThan"'),
    case("root-predicate", TREE, '<Node id="0" score="a">\n      <True/>',
         '<Node id="0" score="a">\n      <SimplePredicate field="x" operator="greaterThan" value="0"/>'),
    case("unreachable-node", TREE, '<Node id="3" score="b"><SimplePredicate field="s" operator="equal" value="u"/>'
         '</Node>', '<Node id="3" score="b"><SimplePredicate field="x" operator="lessThan" value="1"/></Node>'),
    case("lost-records", TREE, 'field="x" operator="greaterThan" value="1.5"', 'field="x" operator="greaterThan" '
         'value="2"'),
    # numbers
    case("non-finite", REGRESSION, 'coefficient="2"', 'coefficient="NaN"'),
    case("reversed-interval", TREE, 'leftMargin="0" rightMargin="10"', 'leftMargin="10" rightMargin="0"'),
    case("probability-sum", TREE, 'probability="0.25"', 'probability="0.35"'),
    # targets and models
    # a classification without a target (or Output, or Targets) is a warning; a second target is an
    # error (a NeuralNetwork may predict several fields in PMML, but PMML4S scores it null)
    RuleCase("target", lambda: edit(edit(edit(REGRESSION, '<MiningField name="y" usageType="target"/>', ''),
                                         REGRESSION[REGRESSION.index("    <Output>"):REGRESSION.index("    <Targets>")],
                                         ''),
                                    REGRESSION[REGRESSION.index("    <Targets>"):REGRESSION.index("    <RegressionTable")],
                                    ''),
             lambda: REGRESSION),
    case("multiple-targets", TREE, '<MiningField name="s"/>', '<MiningField name="s" usageType="target"/>'),
    case("target-as-predictor", VERIFIED_CLEAN, '<NumericPredictor name="x"', '<NumericPredictor name="y"'),
    case("output-feature", VERIFIED_CLEAN, 'feature="predictedValue"/>', 'feature="predictedValue"/>\n      '
         '<OutputField name="p" optype="continuous" dataType="double" feature="probability"/>'),
    case("regression-parameters", GENERAL_REGRESSION, '<PCell parameterName="p1"', '<PCell parameterName="p9"'),
    case("scorecard-scores", SCORECARD, '<Characteristic name="departmentScore" reasonCode="RC1"',
         '<Characteristic name="departmentScore"'),
    RuleCase("cluster-structure", lambda: edit(ANOMALY_CLUSTERS, 'numberOfClusters="2"', 'numberOfClusters="3"'),
             lambda: ANOMALY_CLUSTERS),
    case("svm-structure", SUPPORT_VECTORS, '<SupportVector vectorId="1"/>', '<SupportVector vectorId="2"/>'),
    case("regression-tables", VERIFIED_CLEAN, "</RegressionTable>", '</RegressionTable>\n    <RegressionTable '
         'intercept="1"/>'),
    case("unknown-class", REGRESSION, 'feature="probability" value="yes"', 'feature="probability" value="maybe"'),
    case("function-name", TREE, '<TreeModel functionName="classification"', '<TreeModel functionName="clustering"'),
    case("target-optype", TREE, '<DataField name="y" optype="categorical" dataType="string"',
         '<DataField name="y" optype="continuous" dataType="double"'),
    RuleCase("empty-segmentation", lambda: FOREST[:FOREST.index("      <Segment id=\"1\"")]
             + FOREST[FOREST.index("    </Segmentation>"):].replace('segmentId="1"', ""), lambda: FOREST),
    case("multiple-model-method", FOREST, 'multipleModelMethod="sum"', 'multipleModelMethod="majorityVote"'),
    case("undefined-segment", FOREST, 'segmentId="1"', 'segmentId="9"'),
    case("neural-wiring", NEURAL, '<Con from="h0"', '<Con from="h9"'),
    case("neuron-count", NEURAL, '<NeuralLayer numberOfNeurons="1">', '<NeuralLayer numberOfNeurons="3">'),
    case("tree-score", FOREST, '<Node score="3">', '<Node score="abc">'),
    RuleCase("table-column", lambda: MAPVALUES_MISSING_COLUMN, lambda: MAPVALUES_MISSING_COLUMN.replace(
        "<other>2</other>", "<out>2</out>")),
    RuleCase("output-expression", lambda: TRANSFORMED_VALUE_WITHOUT_EXPRESSION, lambda: VERIFIED_CLEAN),
    RuleCase("invalid-value", lambda: PREDICTOR_VALUE_NOT_LISTED, lambda: REGRESSION),
    RuleCase("inactive-input", lambda: SUPPLEMENTARY_PREDICTOR, lambda: VERIFIED_CLEAN),
    case("unsupported", NEURAL, "<NeuralNetwork functionName", '<BaselineModel functionName="regression"><MiningSchema>'
         '<MiningField name="x"/></MiningSchema><TestDistributions field="x" testStatistic="zValue"><Baseline>'
         '<GaussianDistribution mean="0" variance="1"/></Baseline></TestDistributions></BaselineModel>\n  '
         '<NeuralNetwork functionName'),
    # ModelVerification
    case("verification-count", BASES["verified"], 'recordCount="2"', 'recordCount="3"'),
    # interoperability
    case("interop-float", NEURAL, '<DataField name="x" optype="continuous" dataType="double"/>',
         '<DataField name="x" optype="continuous" dataType="float"/>'),
    case("interop-extension", TREE, "<Header/>", '<Header><Extension name="vendor" value="1"/></Header>'),
    case("interop-4.4", FOREST, '<Apply function="*">', '<Apply function="hypot">'),
]

# The silent-wrong-score documents of issue 8: load must refuse each (a blocking rule).
SILENT_WRONG_SCORES = [
    ("regression tree score not a number", edit(FOREST, '<Node score="3">', '<Node score="abc">'), "tree-score"),
    ("wrong namespace", edit(TREE, "http://www.dmg.org/PMML-4_4", "http://example.com/pmml"), "namespace"),
    ("no namespace", edit(TREE, ' xmlns="http://www.dmg.org/PMML-4_4"', ""), "namespace"),
    ("unsupported PMML version", edit(TREE, "PMML-4_4", "PMML-9_9"), "namespace"),
    ("duplicate DataField", edit(TREE, '<DataField name="s" ', '<DataField name="x" '), "duplicate-field"),
    ("classification with a continuous target", edit(TREE, '<DataField name="y" optype="categorical" dataType="string">'
                                                     '<Value value="a"/><Value value="b"/></DataField>',
                                                     '<DataField name="y" optype="continuous" dataType="double"/>'),
     "target-optype"),
    ("regression with a categorical target", edit(NEURAL, '<DataField name="y" optype="continuous"',
                                                  '<DataField name="y" optype="categorical"'), "target-optype"),
    # issue 8, QA report defects 6-8: validate passed these; the engine scored None or a wrong value,
    # or failed with raw Java text
    ("target used as a predictor", edit(VERIFIED_CLEAN, '<NumericPredictor name="x"', '<NumericPredictor name="y"'),
     "target-as-predictor"),
    ("two targets", edit(TREE, '<MiningField name="x"/>', '<MiningField name="x" usageType="target"/>'),
     "multiple-targets"),
    ("probability of a regression", edit(VERIFIED_CLEAN, 'feature="predictedValue"/>', 'feature="predictedValue"/>'
                                         '<OutputField name="p" optype="continuous" dataType="double" '
                                         'feature="probability" value="x"/>'), "output-feature"),
    ("missingValueReplacement not a number", edit(VERIFIED_CLEAN, '<MiningField name="x"/>',
                                                  '<MiningField name="x" missingValueReplacement="abc"/>'), "value-type"),
    ("Constant not a number", edit(FOREST, "<Constant>2</Constant>", '<Constant dataType="double">abc</Constant>'),
     "value-type"),
    ("DiscretizeBin binValue not a number", edit(FOREST, "  </TransformationDictionary>",
                                                 '<DerivedField name="d" optype="continuous" dataType="double">'
                                                 '<Discretize field="x"><DiscretizeBin binValue="abc"><Interval '
                                                 'closure="closedOpen" leftMargin="0" rightMargin="10"/></DiscretizeBin>'
                                                 '</Discretize></DerivedField></TransformationDictionary>'), "value-type"),
    ("outlier bounds reversed", edit(VERIFIED_CLEAN, '<MiningField name="x"/>', '<MiningField name="x" '
                                     'outliers="asExtremeValues" lowValue="10" highValue="0"/>'), "outlier-bounds"),
    ("outlier bounds missing", edit(VERIFIED_CLEAN, '<MiningField name="x"/>', '<MiningField name="x" '
                                    'outliers="asExtremeValues"/>'), "outlier-bounds"),
    ("LinearNorm orig descending", edit(FOREST, "  </TransformationDictionary>",
                                        '<DerivedField name="n" optype="continuous" dataType="double"><NormContinuous '
                                        'field="x"><LinearNorm orig="5" norm="0"/><LinearNorm orig="1" norm="1"/>'
                                        '</NormContinuous></DerivedField></TransformationDictionary>'),
     "linear-norm-order"),
    ("two RegressionTables in a regression", edit(VERIFIED_CLEAN, "</RegressionTable>",
                                                  '</RegressionTable><RegressionTable intercept="5"/>'),
     "regression-tables"),
    ("comparison without a value", edit(TREE, 'operator="lessOrEqual" value="1.5"', 'operator="lessOrEqual"'),
     "predicate-value"),
    ("Array n disagrees", edit(TREE, '<SimplePredicate field="s" operator="equal" value="u"/>',
                               '<SimpleSetPredicate field="s" booleanOperator="isIn"><Array type="string" n="5">u v'
                               '</Array></SimpleSetPredicate>'), "array-count"),
    ("division with one argument", edit(FOREST, '<Apply function="*"><FieldRef field="v"/><Constant>2</Constant>',
                                        '<Apply function="/"><FieldRef field="v"/>'), "function-arity"),
    ("unknown function", edit(FOREST, '<Apply function="*">', '<Apply function="bogus">'), "unknown-function"),
    # schema errors without one unambiguous reading
    ("second DataDictionary", edit(TREE, "  <TreeModel", '  <DataDictionary numberOfFields="0"/>\n  <TreeModel'),
     "schema"),
    ("foreign element in a model", edit(TREE, "    <Output>", '    <x:Foo xmlns:x="urn:x"/>\n    <Output>'), "schema"),
    ("unknown OutputField feature", edit(TREE, 'feature="probability"', 'feature="bogus"'), "schema"),
    ("unknown normalizationMethod", edit(REGRESSION, 'normalizationMethod="softmax"', 'normalizationMethod="bogus"'),
     "schema"),
]
SILENT_WRONG_SCORES += [(name, document, code) for name, document, code, _ in ISSUE_15_CASES]
