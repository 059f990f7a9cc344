"""PMML vocabulary the semantic rules need: namespaces, which functionName fits which model, which
attributes name fields or hold model numbers, the built-in functions of each version."""

from __future__ import annotations

import re

from ..pmml import MODEL_TAGS

NAMESPACES = {f"http://www.dmg.org/PMML-{major}_{minor}": f"{major}.{minor}"
              for major, minor in ((3, 0), (3, 1), (3, 2), (4, 0), (4, 1), (4, 2), (4, 3), (4, 4))}
CURRENT = "http://www.dmg.org/PMML-4_4"

TOP_LEVEL = MODEL_TAGS | {"Header", "MiningBuildTask", "DataDictionary", "TransformationDictionary", "Extension"}
FUNCTIONS = {"regression", "classification", "clustering", "associationRules", "sequences", "timeSeries", "mixed"}
# Which functionName each model element can have (models not listed take any).
MODEL_FUNCTIONS = {
    "AssociationModel": {"associationRules"}, "SequenceModel": {"sequences"}, "ClusteringModel": {"clustering"},
    "TimeSeriesModel": {"timeSeries"}, "NaiveBayesModel": {"classification"}, "Scorecard": {"regression"},
    "RegressionModel": {"regression", "classification"}, "GeneralRegressionModel": {"regression", "classification"},
    "TreeModel": {"regression", "classification"}, "SupportVectorMachineModel": {"regression", "classification"},
    "RuleSetModel": {"regression", "classification"},
    "NeuralNetwork": {"regression", "classification"}, "MiningModel": {"regression", "classification", "clustering"},
}
# Models that score without a target field.
NO_TARGET_MODELS = {"AnomalyDetectionModel", "BaselineModel", "TextModel", "ClusteringModel", "AssociationModel",
                     "SequenceModel", "TimeSeriesModel"}
# multipleModelMethods that have no meaning for a functionName.
WRONG_METHODS = {
    "regression": {"majorityVote", "weightedMajorityVote", "max"},
    "classification": {"sum", "weightedSum", "median", "weightedMedian"},
    "clustering": {"average", "weightedAverage", "median", "weightedMedian", "sum", "weightedSum", "max"},
}
# Elements whose attribute names a field in scope (MiningField is checked against the parent).
REFERENCES = {
    "FieldRef": ("field",), "SimplePredicate": ("field",), "SimpleSetPredicate": ("field",),
    "NormContinuous": ("field",), "NormDiscrete": ("field",), "Discretize": ("field",),
    "FieldColumnPair": ("field",), "TextIndex": ("textField",), "Aggregate": ("field", "groupField"),
    "Lag": ("field",), "BlockIndicator": ("field",), "NumericPredictor": ("name",),
    "CategoricalPredictor": ("name",), "Predictor": ("name",), "BayesInput": ("fieldName",),
    "BayesOutput": ("fieldName",), "ClusteringField": ("field",), "KNNInput": ("field",),
    "Target": ("field",), "OutputField": ("targetField",), "VerificationField": ("field",),
    "PPCell": ("predictorName",), "VariableWeight": ("field",),
}
# Model numbers that must be finite: a NaN or infinite coefficient makes every score NaN.
NUMBERS = {
    "RegressionTable": ("intercept",), "NumericPredictor": ("coefficient", "exponent"),
    "CategoricalPredictor": ("coefficient",), "PredictorTerm": ("coefficient",), "Con": ("weight",),
    "Neuron": ("bias", "width", "altitude"), "Segment": ("weight",), "PCell": ("beta", "df"), "PCovCell": ("value",),
    "Coefficient": ("value",), "Coefficients": ("absoluteValue",), "Scorecard": ("initialScore",),
    "Characteristic": ("baselineScore",), "Attribute": ("partialScore",), "LinearNorm": ("orig", "norm"),
    "ScoreDistribution": ("probability", "recordCount", "confidence"), "TargetValue": ("priorProbability",),
    "Target": ("rescaleFactor", "rescaleConstant", "min", "max"), "Node": ("recordCount",),
}
NUMERIC_TYPES = {"double", "float", "integer", "real"}
# Built-in functions whose arguments are numbers: a Constant given to one must be a number.
ARITHMETIC = frozenset("+ - * / pow modulo log10 ln sqrt abs exp floor ceil round min max sum avg median product "
                       "expm1 ln1p hypot".split())
# The date and time dataTypes (PMML4S takes no values of them: scoring/inputs.DATE_TYPES).
DATE_DATA_TYPES = frozenset({"date", "time", "dateTime", "timeSeconds"} | {
    f"{kind}[{year}]" for kind in ("dateDaysSince", "dateTimeSecondsSince") for year in (0, 1960, 1970, 1980)})
ORDER_OPERATORS = {"lessThan", "lessOrEqual", "greaterThan", "greaterOrEqual"}
VALUE_OPERATORS = ORDER_OPERATORS | {"equal", "notEqual"}
PREDICATES = {"SimplePredicate", "CompoundPredicate", "SimpleSetPredicate", "True", "False"}
# Built-in PMML functions; "x-" prefixed names are vendor extensions and are not flagged.
BUILTINS_4_3 = set("""
+ - * / min max sum avg median product log10 ln sqrt abs exp pow threshold floor ceil round modulo
isMissing isNotMissing isValid isNotValid equal notEqual lessThan lessOrEqual greaterThan greaterOrEqual
and or not isIn isNotIn if uppercase lowercase stringLength substring trimBlanks concat replace matches
formatNumber formatDatetime dateDaysSinceYear dateSecondsSinceYear dateSecondsSinceMidnight erf normalCDF
normalPDF normalIDF stdNormalCDF stdNormalIDF stdNormalPDF
""".split())
BUILTINS_4_4 = set("expm1 hypot ln1p rint sin cos tan asin acos atan atan2 sinh cosh tanh weekday".split())
# How many arguments a built-in function takes (least, most; None: no limit), as the standard
# defines them; PMML4S refuses an Apply outside these bounds when it scores. Functions not listed
# (concat, weekday) are not checked.
_UNARY = """log10 ln sqrt abs exp floor ceil round isMissing isNotMissing isValid isNotValid not uppercase lowercase
stringLength trimBlanks dateSecondsSinceMidnight erf stdNormalCDF stdNormalIDF stdNormalPDF expm1 ln1p rint sin cos
tan asin acos atan sinh cosh tanh"""
_BINARY = """+ - * / pow threshold modulo equal notEqual lessThan lessOrEqual greaterThan greaterOrEqual matches
formatNumber formatDatetime dateDaysSinceYear dateSecondsSinceYear hypot atan2"""
ARITY: dict[str, tuple[int, int | None]] = {
    **{name: (1, 1) for name in _UNARY.split()}, **{name: (2, 2) for name in _BINARY.split()},
    **{name: (1, None) for name in "min max sum avg median product".split()},
    **{name: (2, None) for name in "and or isIn isNotIn".split()},
    "if": (2, 3), "substring": (3, 3), "replace": (3, 3), "normalCDF": (3, 3), "normalPDF": (3, 3),
    "normalIDF": (3, 3),
}
# Model types that predict a single field: a second target leaves PMML4S without inputs or scores.
# (PMML lets a NeuralNetwork predict several fields, but PMML4S then scores every record null.)
SINGLE_TARGET_MODELS = {"RegressionModel", "GeneralRegressionModel", "TreeModel", "SupportVectorMachineModel",
                        "NaiveBayesModel", "Scorecard", "RuleSetModel", "NeuralNetwork"}
# Elements in (or by) which a field reference may name the model's own target: what it predicts,
# not an input (a NeuralNetwork maps its output neurons onto the target in NeuralOutputs).
TARGET_SCOPES = {"Target", "Targets", "OutputField", "VerificationField", "BayesOutput", "NeuralOutputs"}
# Model types whose body legitimately reads the target's history or structure.
TARGET_IN_BODY_MODELS = {"TimeSeriesModel", "BayesianNetworkModel"}
NEW_IN_4_4 = {"AnomalyDetectionModel": None, "Segmentation": ("missingPredictionTreatment", "missingThreshold"),
               "MiningField": ("invalidValueReplacement",)}
# What a model body's walk looks at; the rest (Node structure, arrays, ...) needs no check.
BODY_TAGS = tuple(sorted(set(REFERENCES) | set(NUMBERS) | {"Apply", "Interval", "DerivedField", "RegressionTable",
                                                             "SimpleRule", "CompoundRule", "Targets", "Constant", "RuleSet",
                                                             "MapValues", "Array", "TableLocator"}))
# MiningField usage types that are not inputs: a model body that uses one computes with a missing value.
BOOLEAN_WORDS = frozenset({"true", "false", "0", "1"})
# PMML4S takes only active (and group) fields as inputs: analysisWeight and order fields are
# withheld too (found by the validate/load differential).
INACTIVE_USAGE = frozenset({"supplementary", "frequencyWeight", "analysisWeight", "order"})
NOT_BODY = {"MiningSchema", "LocalTransformations", "Output", "ModelVerification", "Segmentation", "Extension"}
PROBABILITY_TOLERANCE = 1e-6
MAX_MODEL_DEPTH = 200


_JAVA_SUFFIXED = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]")


def number(text: str | bytes | None) -> float | None:
    """``text`` read as a number the way both engines read it (Java's Double.parseDouble), or None.

    Python's float is close but accepts more: digit-group underscores ("4_0") and digits of other
    scripts, which Java refuses (PMML4S then fails or scores the value as missing); Java accepts an
    "f"/"d" type suffix ("4.25f"), which Python refuses. The rules read every number through here."""
    if text is None:
        return None
    if isinstance(text, bytes):
        if not text.isascii():
            return None
        text = text.decode("ascii")
    elif not text.isascii():
        return None
    if "_" in text:
        return None
    body = text.strip()
    if _JAVA_SUFFIXED.fullmatch(body):
        body = body[:-1]
    try:
        return float(body)
    except ValueError:
        return None


_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*")
# The dataTypes an output value (a reason code, an entity id) is converted to that can fail.
CONVERTED_TYPES = ("integer", "double", "float", "real", "boolean")


def reads_as(text: str, data_type: str | None) -> bool:
    """Whether PMML4S converts ``text`` to a value of ``data_type``: an integer is written as one
    (Java's Long.parseLong: "1.5" fails), a boolean as true or false in any case (Scala's toBoolean:
    "1" fails), a real as a number; any other type takes the text."""
    if data_type == "integer":
        return _INTEGER.fullmatch(text) is not None
    if data_type == "boolean":
        return text.strip().lower() in ("true", "false")
    if data_type in NUMERIC_TYPES:
        return number(text) is not None
    return True
