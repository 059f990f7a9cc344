"""Documents the validate/load differential's shape mutations (PMMLKIT_DIFFERENTIAL=full) found
validate passing while load refused them, failed on every record or scored every record null: each
is now blocked by a named rule. Hand-written edits of the schema corpus's valid documents, as
(name, document, code, words of the message)."""

from __future__ import annotations

from pathlib import Path

from cases.validation import FOREST, NEURAL, REGRESSION, SCORECARD, SUPPORT_VECTORS, TREE, edit

VALID = Path(__file__).resolve().parent.parent / "corpus" / "valid"


def _valid(name: str) -> str:
    return (VALID / name).read_text()


GLM = _valid("general_regression_glm.pmml")
MLOGIT = _valid("general_regression_multinomial.pmml")
KMEANS = _valid("clustering_center.pmml")
CLUSTERS = _valid("clustering_measures.pmml")
ENSEMBLE = _valid("mining_segmentation.pmml")
NETWORK = _valid("neural_network.pmml")
LOGISTIC = _valid("regression_logistic.pmml")
LINEAR = _valid("regression_linear.pmml")
SVC = _valid("svm_classification.pmml")
SVR = _valid("svm_regression_linear.pmml")
RULESET = (VALID.parent / "models" / "ruleset_minimal.pmml").read_text()
NEIGHBORS = (VALID.parent / "models" / "nearest_neighbor.pmml").read_text()
ANOMALY = (VALID.parent / "models" / "anomaly_detection_cluster.pmml").read_text()
# The mlogit factor's contrast Matrix and its Categories, as written.
CATEGORIES = '<Category value="private"/>\n          <Category value="public"/>'
INNER = '<Segmentation multipleModelMethod="modelChain">\n            <Segment id="inner">'

SHAPE_CASES = [
    # GeneralRegressionModel
    ("PCell names an undeclared parameter", edit(GLM, '<PCell parameterName="p0" beta="1.25"/>',
                                                 '<PCell parameterName="p9" beta="1.25"/>'),
     "regression-parameters", '"p9"'),
    ("PPCell names an undeclared parameter", edit(GLM, '<Parameter name="p1"/>', ""), "regression-parameters", '"p1"'),
    ("ParamMatrix without PCell", GLM[:GLM.index("  <GeneralRegressionModel")] + GLM[GLM.index(
        '  <GeneralRegressionModel functionName="classification"'):], "regression-parameters", "no PCell"),
    ("power link without linkParameter", edit(GLM, ' linkParameter="-1"', ""), "regression-parameters",
     "linkParameter"),
    ("linkParameter not finite", edit(GLM, 'linkParameter="-1"', 'linkParameter="INF"'), "non-finite", "linkParameter"),
    ("offsetVariable names no field", edit(GLM, 'offsetVariable="exposure"', 'offsetVariable="abc"'), "undefined-field",
     "offsetVariable"),
    ("covariate exponent not a number", edit(GLM, '<PPCell value="1" predictorName="x"', '<PPCell value="abc" '
                                                  'predictorName="x"'), "non-finite", "exponent"),
    ("covariate of a date field", edit(GLM, '<DataField name="x" optype="continuous" dataType="double"/>',
                                       '<DataField name="x" optype="continuous" dataType="date"/>'), "type-conflict",
     "covariate"),
    ("factor level not a field value", edit(MLOGIT, '<Value value="private"/>', '<Value value="privat"/>'),
     "invalid-value", "'private'"),
    ("PPCell level not a Category", edit(MLOGIT, '<Category value="private"/>', '<Category value="public"/>'),
     "regression-parameters", "twice"),
    ("factor Category dropped", edit(MLOGIT, CATEGORIES, '<Category value="public"/>'), "regression-parameters",
     "2 rows for 1"),
    ("PPCell level of no Category", edit(edit(MLOGIT, '<Value value="public"/>', '<Value value="public"/><Value '
                                              'value="other"/>'), '<PPCell value="private"', '<PPCell value="other"'),
     "invalid-value", 'value="other"'),
    ("contrast Matrix of integers", edit(MLOGIT, '<Array type="real">1</Array>', '<Array type="int">1</Array>'),
     "regression-parameters", "real Arrays"),
    ("contrast Matrix short of a row", edit(MLOGIT, CATEGORIES, CATEGORIES + '\n<Category value="other"/>').replace(
        '<Value value="public"/>', '<Value value="public"/><Value value="other"/>'), "regression-parameters",
     "2 rows for 3"),
    ("covariance not finite", edit(MLOGIT, 'value="0.01"', 'value="INF"'), "non-finite", "PCovCell"),
    # OutputField features
    ("confidence interval of a regression", edit(LINEAR, 'feature="predictedValue"', 'feature="confidenceIntervalLower"'),
     "output-feature", "confidenceIntervalLower"),
    ("association support of a regression", edit(LINEAR, 'feature="predictedValue"', 'feature="support"'),
     "output-feature", "support"),
    # SupportVectorMachineModel
    ("numberOfVectors disagrees", edit(SVC, 'numberOfVectors="2"', 'numberOfVectors="3"'), "svm-structure",
     "numberOfVectors"),
    ("SupportVector names no vector", edit(SVC, '<SupportVector vectorId="v2"/>', '<SupportVector vectorId="v9"/>'),
     "svm-structure", '"v9"'),
    ("vector of integers", edit(SVC, '<Array n="2" type="real">-0.5 0</Array>', '<Array n="2" type="int">-0.5 0</Array>'),
     "svm-structure", 'type="int"'),
    ("a Coefficient too many", edit(SVC, '<Coefficient value="-1.5"/>', '<Coefficient value="-1.5"/><Coefficient '
                                    'value="2"/>').replace('numberOfCoefficients="2"', 'numberOfCoefficients="3"'),
     "svm-structure", "3 Coefficients for 2"),
    ("classification machine without targetCategory", edit(SVC, 'targetCategory="a" alternateTargetCategory="b" ', ''),
     "svm-structure", "targetCategory"),
    ("support vector representation without vectors", edit(SVR, ' svmRepresentation="Coefficients"', ""),
     "svm-structure", "no SupportVectors"),
    ("confidence of a tree", edit(TREE, 'feature="probability" value="a"', 'feature="confidence" value="a"'),
     "output-feature", "confidence"),
    # numbers PMML4S never matches
    ("predicate compares with infinity", edit(TREE, 'operator="lessOrEqual" value="1.5"',
                                              'operator="lessOrEqual" value="INF"'), "predicate-type", "infinite"),
    ("Interval margin infinite", edit(TREE, 'rightMargin="10"', 'rightMargin="INF"'), "non-finite", "rightMargin"),
    # Scorecard
    ("Attribute without a partial score", edit(SCORECARD, '<Attribute partialScore="-9">', "<Attribute>"),
     "scorecard-scores", "neither partialScore"),
    ("reason codes without a reasonCode", edit(SCORECARD, 'name="departmentScore" reasonCode="RC1"',
                                               'name="departmentScore"'), "scorecard-scores", "no reasonCode"),
    ("reason codes without a baselineScore", edit(edit(SCORECARD, 'reasonCode="RC1" baselineScore="19"',
                                                       'reasonCode="RC1"'), ' baselineScore="0"', ""),
     "scorecard-scores", "no baselineScore"),
    ("boolean Constant of a number", edit(LINEAR, '<Constant dataType="double">2</Constant>',
                                                '<Constant dataType="boolean">2</Constant>'),
     "value-type", "not true or false"),
    # fields, targets and transformations
    ("no version attribute", edit(LINEAR, ' version="4.4"', ""), "missing-version", "no version"),
    ("asValue without a replacement", edit(LINEAR, 'invalidValueTreatment="asValue" invalidValueReplacement="red"',
                                           'invalidValueTreatment="asValue"'), "value-type", "asValue"),
    ("infinite outlier bound", edit(LINEAR, 'highValue="1000"', 'highValue="INF"'), "outlier-bounds", "infinite"),
    ("two Targets for one field", edit(LINEAR, '<Target field="y"', '<Target field="y"/><Target field="y"'),
     "multiple-targets", "two <Target>"),
    ("class label declared boolean", edit(LOGISTIC, 'dataType="string" feature="predictedValue"',
                                          'dataType="boolean" feature="predictedValue"'), "output-feature", "boolean"),
    ("date target", edit(RULESET, 'dataType="string"', 'dataType="dateDaysSince[1970]"'), "type-conflict", "date"),
    ("RuleSet default of no class", edit(RULESET, 'defaultScore="a"', 'defaultScore="b"'), "unknown-class",
     "defaultScore"),
    ("RuleSetModel functionName mixed", edit(RULESET, '<RuleSetModel functionName="classification"',
                                             '<RuleSetModel functionName="mixed"'), "function-name", "mixed"),
    ("DefineFunction applied to too few arguments", edit(FOREST, '<Apply function="twice"><FieldRef field="x"/></Apply>',
                                                         '<Apply function="twice"/>'), "function-arity", "takes 1"),
    ("ParameterField twice", edit(FOREST, '<ParameterField name="v"/>', '<ParameterField name="v"/><ParameterField '
                                  'name="v"/>'), "duplicate-field", "ParameterField twice"),
    ("radialBasis without a width", edit(NEURAL, 'activationFunction="logistic"', 'activationFunction="radialBasis"'),
     "neural-wiring", "width"),
    ("regression normalized by simplemax", edit(LINEAR, 'normalizationMethod="none"',
                                                'normalizationMethod="simplemax"'), "unsupported", "simplemax"),
    ("table comparison", KMEANS[:KMEANS.index("      <Covariances>")] + KMEANS[KMEANS.index("    </Cluster>"):],
     "unsupported", '"table"'),
    ("InstanceField without a column", edit(NEIGHBORS, '<InstanceField field="width" column="w"/>',
                                            '<InstanceField field="width"/>'), "table-column", "width"),
    ("training row without a value", NEIGHBORS.replace("<w>", "<w><Bogus/>", 1), "table-column", "'w'"),
    ("instanceIdVariable of no instance field", edit(NEIGHBORS, 'instanceIdVariable="id"', 'instanceIdVariable="abc"'),
     "undefined-field", "instanceIdVariable"),
    ("numeric Array of words", edit(TREE, '<SimplePredicate field="s" operator="equal" value="u"/>',
                                    '<SimpleSetPredicate field="s" booleanOperator="isIn"><Array type="int" n="1">u'
                                    '</Array></SimpleSetPredicate>'), "predicate-type", "non-numbers"),
    ("MapValues without its table", FOREST.replace("</TransformationDictionary>", '<DerivedField name="m" '
                                                   'optype="categorical" dataType="string"><MapValues outputColumn="o">'
                                                   '<FieldColumnPair field="x" column="i"/></MapValues></DerivedField>'
                                                   '</TransformationDictionary>'), "table-column", "no InlineTable"),
    ("Constant of text in arithmetic", edit(FOREST, "<Constant>2</Constant>", "<Constant>abc</Constant>"),
     "value-type", "abc"),
    ("string Constant in arithmetic", edit(FOREST, "<Constant>2</Constant>", '<Constant dataType="string">abc</Constant>'),
     "value-type", "abc"),
    # ClusteringModel
    ("numberOfClusters beyond the Clusters", edit(ANOMALY, 'numberOfClusters="2"', 'numberOfClusters="99999999999"'),
     "cluster-structure", "numberOfClusters"),
    ("ClusteringField twice", edit(ANOMALY, '<ClusteringField field="x2" compareFunction="absDiff"/>',
                                   '<ClusteringField field="x1" compareFunction="absDiff"/>'), "cluster-structure",
     "twice"),
    ("anomaly clusters without MeanClusterDistances", ANOMALY[:ANOMALY.index("    <MeanClusterDistances>")]
     + ANOMALY[ANOMALY.index("</MeanClusterDistances>") + len("</MeanClusterDistances>\n"):], "cluster-structure",
     "MeanClusterDistances"),
    ("cluster centre of strings", edit(CLUSTERS, '<Array type="int">1 0</Array>', '<Array type="string">1 0</Array>'),
     "unsupported", 'type="string"'),
    ("distribution cluster without its Array", edit(CLUSTERS, '<Array type="int">1 0</Array>', ""), "unsupported",
     "centre"),
    ("ClusteringField with Comparisons", edit(KMEANS[:KMEANS.index("      <Covariances>")]  # (no MatCell Matrix)
                                              + KMEANS[KMEANS.index("    </Cluster>"):], ' compareFunction="table"', ""),
     "unsupported", "Comparisons"),
    # MiningModel and NeuralNetwork
    ("MiningModel functionName mixed", edit(ENSEMBLE, 'functionName="regression" algorithmName',
                                            'functionName="mixed" algorithmName'), "function-name", "mixed"),
    ("NeuralNetwork functionName clustering", edit(NETWORK, 'modelName="mlp" functionName="classification"',
                                                   'modelName="mlp" functionName="clustering"'), "function-name",
     "clustering"),
    ("max of a regression ensemble", edit(ENSEMBLE, 'multipleModelMethod="weightedSum"', 'multipleModelMethod="max"'),
     "multiple-model-method", "max"),
    ("classifying segment without a target", edit(ENSEMBLE, '<RegressionModel functionName="regression">\n'
                                                  '          <MiningSchema>\n            <MiningField name="b"/>',
                                                  '<RegressionModel functionName="classification">\n'
                                                  '          <MiningSchema>\n            <MiningField name="b"/>'),
     "regression-tables", "targetCategory"),
    ("classification RegressionTable without targetCategory", edit(LOGISTIC, ' targetCategory="yes"', ""),
     "regression-tables", "targetCategory"),
    # Spark MLlib's own export writes its classifiers so (tests/test_producer_spark_mllib.py).
    ("binary logit classifier whose target lists no categories",
     edit(LOGISTIC, '>\n      <Value value="yes"/>\n      <Value value="no"/>\n    </DataField>', "/>"),
     "unsupported", "whose target DataField lists no categories"),
    ("MiningModel without a target averages", edit(ENSEMBLE, INNER, INNER.replace("modelChain", "average")),
     "unsupported", "average"),
    ("VariableWeight names no field", edit(ENSEMBLE, '<VariableWeight field="a"/>', '<VariableWeight field="abc"/>'),
     "undefined-field", "abc"),
    ("Apply of an empty function name", edit(ENSEMBLE, '<Apply function="+">', '<Apply function="">'),
     "unknown-function", "''"),
]


# A misplaced Extension (tolerated: engines ignore it) made libxml2 skip the rest of its parent's
# content, so the schema errors after it went unreported, in validate (streaming) and load (a tree).
MISSPELT = (VALID.parent / "invalid" / "datatype_misspelt.pmml").read_text()
SHAPE_CASES += [
    ("misplaced Extension hides a dataType error", edit(MISSPELT, "<Header/>", "<Extension/><Header/>"), "schema",
     "dubble"),
    ("misplaced Extension hides an unknown element", edit((VALID.parent / "invalid" / "unknown_element.pmml")
                                                          .read_text(), "</MiningSchema>",
                                                          "</MiningSchema><Extension/>"), "schema", "Weights"),
]


# A tree whose leaf has no score: the tree screen called it clean, so validate (streaming) passed it
# while load's walk refused the single-Node case, and both passed the leaf of a larger tree.
SCORELESS = ('<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/><DataDictionary>'
             '<DataField name="a" optype="continuous" dataType="double"/><DataField name="y" optype="continuous" '
             'dataType="double"/></DataDictionary><TreeModel functionName="regression"><MiningSchema><MiningField '
             'name="a"/><MiningField name="y" usageType="target"/></MiningSchema><Node score="1"><True/><Node>'
             '<SimplePredicate field="a" operator="lessThan" value="1"/></Node><Node score="2"><True/></Node></Node>'
             '</TreeModel></PMML>')
SHAPE_CASES += [
    ("a scoreless leaf", SCORELESS, "tree-score", "leaf Node has no score"),
    ("a single scoreless Node", SCORELESS[:SCORELESS.index('<Node score="1">')] + "<Node><True/></Node>"
     + SCORELESS[SCORELESS.index("</TreeModel>"):], "tree-score", "single Node"),
]


def _without_outputs(document: str) -> str:
    start = document.index("    <NeuralOutputs")
    return document[:start] + document[document.index("</NeuralOutputs>") + len("</NeuralOutputs>\n"):]


SHAPE_CASES.append(("NeuralNetwork without NeuralOutputs", _without_outputs(NETWORK), "neural-wiring",
                    "NeuralOutputs"))


# The last full run's remaining gaps: nearest-neighbour counts and output types, Apply argument
# types, Scorecards and RuleSets whose records match no Attribute or rule, a regression leaf with
# only a ScoreDistribution (the "Partition" rule document with its parts reordered).
NEAREST = 'name="nearest" optype="categorical" dataType="string"'
DEPARTMENT = '<SimplePredicate field="department" operator="equal" value="marketing"/>'
CONDITION = LOGISTIC[LOGISTIC.index('<Apply function="greaterThan">'):LOGISTIC.index("<Constant>call</Constant>")]
POINTS = (VALID.parent / "models" / "scorecard_points_above.pmml").read_text()
SET_ATTRIBUTE = POINTS[POINTS.index("        <Attribute>\n"):POINTS.index('        <Attribute partialScore="1">')]
SHAPE_CASES += [
    ("DataField with an empty name", edit(edit(NEIGHBORS, '<DataField name="id"', '<DataField name=""'),
                                          'instanceIdVariable="id"', 'instanceIdVariable=""'), "missing-name",
     "empty name"),
    ("numberOfNeighbors beyond a 32-bit int", edit(NEIGHBORS, 'numberOfNeighbors="3"', 'numberOfNeighbors="99999999999"'),
     "value-type", "32-bit"),
    ("entity ids declared integers", edit(NEIGHBORS, NEAREST, NEAREST.replace('"string"', '"integer"')),
     "output-feature", "entity id"),
    ("entity ids declared booleans", edit(NEIGHBORS, NEAREST, NEAREST.replace('"string"', '"boolean"')),
     "output-feature", "entity id"),
    ("reason codes declared integers", edit(SCORECARD, 'rank="1" feature="reasonCode" dataType="string"',
                                            'rank="1" feature="reasonCode" dataType="integer"'), "output-feature",
     "'RC1'"),
    ("reason codes in a double output", edit(SCORECARD, 'name="Final Score" feature="predictedValue"',
                                             'name="Final Score" feature="reasonCode"'), "output-feature", "'RC1'"),
    ("a value no Attribute matches (isMissing)", edit(SCORECARD, DEPARTMENT, DEPARTMENT.replace("equal", "isMissing")),
     "lost-records", "'marketing'"),
    ("a value no Attribute matches (notEqual)", edit(SCORECARD, DEPARTMENT, DEPARTMENT.replace("equal", "notEqual")),
     "lost-records", "'marketing'"),
    ("a Characteristic of False Attributes", edit(POINTS, SET_ATTRIBUTE, ""), "lost-records", "<False/>"),
    ("a RuleSet without rules or defaultScore", edit(RULESET, ' defaultScore="a"', ""), "lost-records",
     "defaultScore"),
    ("if of a text condition", edit(LOGISTIC, CONDITION, ""), "value-type", "<Constant>call</Constant>"),
    ("if of the condition 1", edit(LOGISTIC, CONDITION, "<Constant>1</Constant>"), "value-type", "condition"),
    ("a regression leaf with a ScoreDistribution only", edit(SCORELESS, "</Node><Node score=\"2\">",
                                                             '<ScoreDistribution value="a" recordCount="1"/></Node>'
                                                             '<Node score="2">'), "tree-score", "leaf Node has no score"),
    ("a regression root with a ScoreDistribution only", SCORELESS[:SCORELESS.index('<Node score="1">')]
     + '<Node><True/><ScoreDistribution value="a" recordCount="1"/></Node>' + SCORELESS[SCORELESS.index("</TreeModel>"):],
     "tree-score", "single Node"),
]


# Found by the full mode on the rule cases (tests/cases/validation.py) and their mutations.
THIRD_CLASS = edit(edit(REGRESSION, '<Value value="yes"/>', '<Value value="yes"/><Value value="maybe"/>'),
                   '<RegressionTable intercept="0" targetCategory="no"/>',
                   '<RegressionTable intercept="0" targetCategory="no"/><RegressionTable intercept="0.1" '
                   'targetCategory="maybe"/>')
SHAPE_CASES += [
    ("a valid Interval no Node's records fit", edit(TREE, 'leftMargin="0" rightMargin="10"',
                                                    'leftMargin="2" rightMargin="10"'), "unreachable-node",
     "valid Interval"),
    ("a support vector component not a number", edit(SUPPORT_VECTORS, '<Array n="1" type="real">1</Array>',
                                                     '<Array n="1" type="real">abc</Array>'), "svm-structure",
     "not a number"),
    ("fewer MeanClusterDistances than Clusters", edit(edit(ANOMALY, 'numberOfClusters="2"', 'numberOfClusters="3"'),
                                                      '<Cluster id="2"', '<Cluster id="3" name="mid"><Array n="2" '
                                                      'type="real">2 2</Array></Cluster><Cluster id="2"'),
     "cluster-structure", "2 distances for 3 Clusters"),
    ("exp normalization of a classification", edit(REGRESSION, 'normalizationMethod="softmax"',
                                                   'normalizationMethod="exp"'), "unsupported", '"exp"'),
    ("logit normalization of three classes", edit(THIRD_CLASS, 'normalizationMethod="softmax"',
                                                  'normalizationMethod="logit"'), "unsupported", '"logit"'),
    ("a classifying network without class outputs", edit(edit(NETWORK, '<NormDiscrete field="class" value="a"/>',
                                                              '<FieldRef field="class"/>'),
                                                         '<NormDiscrete field="class" value="b"/>',
                                                         '<FieldRef field="class"/>'), "neural-wiring", "map no class"),
    ("a clustering vote over regression segments", edit(edit(FOREST, 'multipleModelMethod="sum"',
                                                             'multipleModelMethod="majorityVote"'),
                                                        '<MiningModel functionName="regression"',
                                                        '<MiningModel functionName="clustering"'),
     "multiple-model-method", "not clustering models"),
]

# A target MiningField without a name beside another target: the rules sorted the target names
# with None among them and validate raised a TypeError (the full mode on "two targets").
SHAPE_CASES.append(("an unnamed target beside another", edit(edit(TREE, '<MiningField name="x"/>',
                                                                  '<MiningField name="x" usageType="target"/>'),
                                                             '<MiningField name="y" usageType="target"/>',
                                                             '<MiningField usageType="target"/>'), "missing-name",
                    "a <MiningField> in the MiningSchema of <TreeModel> has no name"))
