"""The rule table: every issue validation can report, with its stable code, severity and whether it
blocks loading. ``pmmlkit validate --rules`` prints it; the README renders it (``markdown()``).

"Blocks loading" means :func:`pmmlkit.validation.gate` (used by ``pmmlkit.load``, ``score``,
``info``, ``verify``, the Spark scorer and the server) refuses the document: its fault makes a
score wrong or undefined. A schema error blocks unless it is a known deviation with one unambiguous
reading (``gate.TOLERATED_SCHEMA_DEVIATIONS``); such a deviation, like a non-blocking error, is still
an error for ``validate``, and ``load`` logs it as a warning and scores, unless ``strict=True``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str  # "error" or "warning"
    blocks: bool  # whether the gate refuses a document that has it
    summary: str


def _r(code: str, severity: str, blocks: bool, summary: str) -> Rule:
    return Rule(code, severity, blocks, summary)


E, W = "error", "warning"

RULES: tuple[Rule, ...] = (
    # -- reading --------------------------------------------------------------------------------
    _r("io", E, True, "the source cannot be read: missing, a folder, a FIFO or device, or not a path/bytes/text"),
    _r("too-large", E, True, "the document exceeds the size limit (checked before reading)"),
    _r("memory", E, True, "the document could not be read within the available memory"),
    _r("empty", E, True, "the file is empty or whitespace only"),
    _r("xml-syntax", E, True, "the document is not well-formed XML"),
    _r("doctype", E, True, "a DOCTYPE is present (DTDs and entities are refused, never expanded)"),
    _r("depth", E, True, "elements or models are nested deeper than pmmlkit reads safely"),
    _r("root", E, True, "the root element is not <PMML>"),
    _r("namespace", E, True, "no PMML namespace, an unknown one, or elements outside the document's namespace"),
    _r("missing-version", E, True, "the root has no version attribute (required: PMML4S refuses the document)"),
    _r("version", W, False, "the version attribute does not match the namespace"),
    # -- schema ---------------------------------------------------------------------------------
    _r("schema", E, True, "the document does not conform to the XML Schema; load refuses it, except a known "
                          "deviation with one unambiguous reading (an OutputField without dataType, a misplaced "
                          "Extension): load warns and scores that, strict refuses"),
    _r("schema-skipped", W, False, "the schema step was skipped (the schema file is absent)"),
    # -- structure ------------------------------------------------------------------------------
    _r("missing-header", E, True, "the document has no <Header> (PMML4S cannot load it)"),
    _r("missing-data-dictionary", E, True, "the document has no <DataDictionary>"),
    _r("no-model", E, True, "the document, or a Segment, contains no model element"),
    _r("unknown-element", W, False, "an element PMML does not define appears under <PMML>"),
    _r("number-of-fields", W, False, "a numberOfFields count disagrees with the fields listed"),
    # -- fields ---------------------------------------------------------------------------------
    _r("missing-name", E, True, "a field declaration or a MiningField has no name (or a DataField an empty one)"),
    _r("duplicate-field", E, True, "a field name is declared twice in one scope"),
    _r("undefined-field", E, True, "a reference names a field that is not defined in scope"),
    _r("cyclic-field", E, True, "derived fields (or functions) refer to each other in a cycle"),
    _r("not-in-mining-schema", E, True, "a model uses a field that is defined but not listed in its MiningSchema"),
    _r("field-type", E, True, "a DataField lacks optype or dataType (engines guess it differently)"),
    _r("type-conflict", E, True, "a field's use contradicts its declared type (e.g. continuous optype on a string, "
                                 "NumericPredictor on a string field, a GeneralRegression covariate that is not a number, "
                                 "a date or time target)"),
    _r("inactive-input", E, True, "a model uses a field its MiningSchema marks supplementary (or frequencyWeight, "
                                  "analysisWeight, order), directly or through a DerivedField: the engine never takes it as an input, so every score is null"),
    _r("invalid-value", E, True, "a CategoricalPredictor, PairCounts, Scorecard SimplePredicate or GeneralRegression "
                                 "factor level (PPCell, Category) names a value its field does not list as valid "
                                 "(the engines refuse the document or never match it)"),
    _r("duplicate-function", E, True, "a DefineFunction name is defined twice"),
    _r("cyclic-function", E, True, "a DefineFunction calls itself, directly or through others"),
    _r("unknown-function", E, True, "an Apply names a function that is neither built in nor defined"),
    _r("function-arity", E, True, "an Apply gives a function the wrong number of arguments (\"/\" with one, a "
                                  "DefineFunction fewer than its ParameterFields)"),
    _r("value-type", E, True, "a value does not fit the dataType it goes into (a DataField's Value, missingValueReplacement, "
                              "invalidValueReplacement, Constant, DiscretizeBin binValue, mapMissingTo, "
                              "defaultValue, an if's text condition other than true/false, a numberOfNeighbors "
                              "beyond a 32-bit integer), or invalidValueTreatment=\"asValue\" has no "
                              "invalidValueReplacement"),
    _r("outlier-bounds", E, True, "outliers=\"asExtremeValues\"/\"asMissingValues\" without both lowValue and "
                                  "highValue, with lowValue above highValue, or with an infinite bound"),
    _r("linear-norm-order", E, True, "a NormContinuous's LinearNorm orig values are not strictly ascending"),
    _r("array-count", E, True, "an Array's n disagrees with the number of values it holds"),
    # -- predicates and trees -------------------------------------------------------------------
    _r("table-column", E, True, "a MapValues (or FieldColumnPair) names a column its InlineTable does not have: "
                                "every lookup misses, or has no table at all; or a NearestNeighborModel's "
                                "InstanceField names no column, or a training row lacks a value for it"),
    _r("predicate-value", E, True, "a comparison SimplePredicate (equal, lessThan, ...) has no value"),
    _r("predicate-type", E, True, "a predicate's operator or value does not fit its field's type (lessThan on a "
                                  "string, a non-number compared with a number field)"),
    _r("root-predicate", E, True, "a tree's root Node predicate is not <True/>"),
    _r("unreachable-node", E, True, "a Node no record can reach (after a <True/> sibling, <False/>, or a range "
                                    "its ancestors or its field's valid Interval exclude)"),
    _r("lost-records", E, True, "noTrueChildStrategy/missingValueStrategy leave some records without a score "
                                "(children that do not cover their parent, defaultChild missing or unknown); a "
                                "Scorecard Characteristic whose Attributes are all <False/> or, with reason codes, "
                                "match no record with one of its field's values; a RuleSet with no rule that can "
                                "fire and no defaultScore"),
    _r("tree-score", E, True, "a Node score in a regression TreeModel (or one whose target is a number) is not a "
                              "number, or a leaf Node has no score (in a regression, ScoreDistributions give it "
                              "none): records reaching it get no score (PMML4S) or fail (JPMML)"),
    # -- numbers --------------------------------------------------------------------------------
    _r("non-finite", E, True, "a coefficient, intercept, weight or other model number is not a finite number"),
    _r("reversed-interval", E, True, "an Interval whose left margin is above its right (or empty)"),
    _r("probability-sum", E, True, "probabilities (ScoreDistribution, priorProbability) outside [0, 1] or not "
                                   "summing to 1 (within 1e-6)"),
    # -- targets and models ---------------------------------------------------------------------
    _r("target", W, False, "a model has no target, or several where one is usually expected"),
    _r("multiple-targets", E, True, "a model type that predicts one field (Regression, GeneralRegression, Tree, "
                                    "SupportVectorMachine, NaiveBayes, Scorecard, RuleSet; a NeuralNetwork, which PMML4S "
                                    "then scores null) has several targets, or two Target elements name one field"),
    _r("target-as-predictor", E, True, "a model's target field is also used as an input (it is never given when "
                                       "scoring)"),
    _r("output-feature", E, True, "an OutputField asks for a feature the model cannot produce (a probability "
                                  "from a regression, a reasonCode from a model other than a Scorecard, a cluster or "
                                  "entity feature from a model without clusters or entities, an association rule's feature "
                                  "from another model, a standardError, warning, ruleValue, confidence interval or "
                                  "standardDeviation, which PMML4S never fills, a class label or display text declared numeric, an "
                                  "entity id or reason code declared a type it is not)"),
    _r("output-expression", E, True, "a transformedValue or decision OutputField has no expression to compute"),
    _r("regression-parameters", E, True, "a GeneralRegressionModel's parameters do not fit together: a PCell, PPCell "
                                         "or PCovCell names a parameter the ParameterList does not declare, the "
                                         "ParamMatrix has no PCell, a factor lists a Category twice or its contrast "
                                         "Matrix has not one real row per Category, or a power or oddspower link has no "
                                         "linkParameter"),
    _r("scorecard-scores", E, True, "a Scorecard Attribute has neither partialScore nor ComplexPartialScore, or the "
                                    "Scorecard uses reason codes (useReasonCodes, true by default) and an Attribute has "
                                    "no reasonCode (nor its Characteristic) or a Characteristic no baselineScore (nor "
                                    "the Scorecard)"),
    _r("cluster-structure", E, True, "a ClusteringModel's parts disagree: numberOfClusters differs from its Clusters, "
                                     "a field is compared twice, a Cluster centre holds a value that is not a finite "
                                     "number or not one per ClusteringField, or an AnomalyDetectionModel over clusters "
                                     "lacks MeanClusterDistances as a real Array of one distance per Cluster"),
    _r("svm-structure", E, True, "a SupportVectorMachineModel's parts disagree: a count (numberOfVectors, "
                                 "numberOfFields, numberOfSupportVectors, numberOfAttributes, numberOfCoefficients, a "
                                 "vector's n) differs from what is listed, a SupportVector names no VectorInstance, a "
                                 "vector is not real numbers, the Coefficients do not match the SupportVectors, a "
                                 "classification machine has no targetCategory, or svmRepresentation=\"SupportVectors\" "
                                 "without them (PMML4S refuses it)"),
    _r("regression-tables", E, True, "a regression RegressionModel has more than one RegressionTable, or a "
                                     "classification one has a RegressionTable without a targetCategory"),
    _r("unknown-class", E, True, "an OutputField, targetCategory, score or ScoreDistribution names a class the "
                                 "target does not have"),
    _r("function-name", E, True, "functionName is missing, unknown, or does not fit the model element"),
    _r("target-optype", E, True, "functionName does not fit the target's optype (classification of a continuous "
                                 "target, regression of a categorical one)"),
    _r("empty-segmentation", E, True, "a Segmentation has no Segment, or a MiningModel has no Segmentation"),
    _r("multiple-model-method", E, True, "multipleModelMethod does not fit the model's functionName (or a "
                                         "clustering model votes over segments that are not clustering models)"),
    _r("undefined-segment", E, True, "an OutputField names a segmentId that does not exist, or a segmentId in a "
                                     "model without a Segmentation"),
    _r("neural-wiring", E, True, "a NeuralNetwork connection, output or id refers to a neuron that does not exist "
                                 "(or to a later layer), an id is reused, there are no NeuralOutputs (or, in a "
                                 "classification, none maps a class with a NormDiscrete), or a radialBasis activation "
                                 "has no width"),
    _r("neuron-count", W, False, "a numberOfNeurons/numberOfLayers count disagrees with the neurons listed"),
    # -- ModelVerification ----------------------------------------------------------------------
    _r("verification-count", W, False, "a ModelVerification's recordCount/fieldCount disagrees with its table"),
    _r("verification-mismatch", E, False, "an embedded verification row scores differently from its expected "
                                          "value beyond the block's precision/zeroThreshold (--verify)"),
    _r("verification-skipped", W, False, "--verify could not re-score the embedded rows (no block, no engine)"),
    # -- interoperability -----------------------------------------------------------------------
    _r("interop-float", W, False, "dataType=\"float\" arithmetic: PMML4S computes in double, JPMML in float, so "
                                  "the engines' scores differ"),
    _r("interop-extension", W, False, "Extension elements: evaluators ignore them, so vendor semantics are lost"),
    _r("interop-4.4", W, False, "a PMML 4.4 construct older evaluators (PMML 4.3 and before) reject"),
    _r("unsupported", E, True, "a model type or element pmmlkit's engine cannot score (BaselineModel, "
                               "TimeSeriesModel, TableLocator, ...), or a model it cannot score as written (a "
                               "GeneralRegression, SupportVectorMachine or NeuralNetwork model without a target, an "
                               "AnomalyDetectionModel whose inner model has no target, a Target without a field, a "
                               "Matrix of MatCells, a Cluster centre missing or not a real Array, a ClusteringField with a "
                               "Comparisons matrix, a model embedded in a tree Node, a MiningModel without a target that "
                               "does not chain its segments, a classification RegressionModel normalized by exp, or "
                               "by logit, probit, cloglog, loglog or cauchit over more than two classes): valid PMML, "
                               "but load refuses it"),
    _r("internal", E, False, "validation stopped early on an unexpected document shape (please report it)"),
)

BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}


def rule(code: str) -> Rule:
    return BY_CODE[code]


def text() -> str:
    """The table as plain text (``pmmlkit validate --rules``)."""
    width = max(len(r.code) for r in RULES)
    lines = [f"{'code':<{width}}  severity  blocks loading  summary"]
    lines += [f"{r.code:<{width}}  {r.severity:<8}  {'yes' if r.blocks else 'no':<14}  {r.summary}" for r in RULES]
    return "\n".join(lines)


def markdown() -> str:
    """The table as Markdown (the README's rule table)."""
    lines = ["| code | severity | blocks loading | what it means |", "|---|---|---|---|"]
    lines += [f"| `{r.code}` | {r.severity} | {'yes' if r.blocks else 'no'} | {r.summary} |" for r in RULES]
    return "\n".join(lines)
