"""A served model's signature: its inputs and outputs as the PMML declares them, the JSON each
input accepts, and TensorFlow Serving's shapes of requests and answers.

Requests are checked here, at the HTTP layer, before anything reaches the engine: an unknown
input name, a missing input or a value of the wrong JSON type is a 400 whose message says which
row and which input (TensorFlow Serving refuses unknown inputs the same way). An input given as
``null`` is a missing value, which the PMML's missing-value treatment handles.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from lxml import etree

from ..errors import PMMLError
from ..pmml import find_child, model_element, tag_of
from ..scoring.evaluator import FieldInfo, Model

SIGNATURE_NAME = "serving_default"


class RequestError(PMMLError):
    """A request the server refuses; ``status`` is the HTTP status code of the answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


# How a PMML dataType is written in JSON, as a "kind" of value.
def value_kind(field: FieldInfo) -> str:
    if field.data_type in ("double", "float", "real"):
        return "number"
    if field.data_type == "integer":
        return "number" if field.optype == "continuous" else "integer"
    if field.data_type == "boolean":
        return "boolean"
    return "any" if field.data_type is None else "string"


_KIND_TEXT = {"number": "a number, a boolean", "integer": "a whole number, a boolean",
              "boolean": "true or false (or 1/0, or their text)",
              "string": "a string, a boolean", "any": "a string, a number or a boolean"}
_TF_DTYPE = {"number": "DT_DOUBLE", "integer": "DT_INT64", "boolean": "DT_BOOL", "string": "DT_STRING",
             "any": "DT_STRING"}
_JSON_TYPE = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number",
              float: "a number", type(None): "null"}


_LONG = 2 ** 63
_TAKES_FLOAT = frozenset({"number", "any"})


def _fits(kind: str, value: Any) -> bool:
    kind_of_value = type(value)
    if kind_of_value is bool:  # as on every other path: 1.0/0.0 (1/0) in numeric fields, "true"/"false" in text
        return True
    if kind == "boolean":  # true/false, 1/0 and their text, as on every other path (the model checks which)
        return kind_of_value in (int, float, str)
    if kind_of_value is float:
        return math.isfinite(value) and (kind in ("number", "any") or (kind == "integer" and value.is_integer()))
    if kind_of_value is int:  # JSON integers are unbounded: a categorical integer must fit a 64-bit long
        return kind in ("number", "any") or (kind == "integer" and -_LONG <= value < _LONG)
    if kind_of_value is str:
        return kind in ("string", "any")
    return False


class Signature:
    """The inputs and outputs of one loaded model version."""

    def __init__(self, model: Model, root: etree._Element) -> None:
        self.function_name = model.function_name
        self.inputs: list[FieldInfo] = list(model.input_fields)
        self.input_names = [f.name for f in self.inputs]
        self.kinds = {f.name: value_kind(f) for f in self.inputs}
        self.outputs: list[FieldInfo] = list(model.output_fields)
        self.output_names = [f.name for f in self.outputs]
        self.predicted, self.probabilities = _output_roles(root, self.outputs, model.target_fields)
        self._single_input = self.input_names[0] if len(self.input_names) == 1 else None

    # -- requests ------------------------------------------------------------------------------
    def check_record(self, record: Any, where: str) -> dict[str, Any]:
        """One instance (an object, or a bare value for a single-input model) as a checked record."""
        if type(record) is not dict:
            if self._single_input is not None and type(record) is not list:
                record = {self._single_input: record}
            else:
                raise RequestError(f"{where} is {_JSON_TYPE.get(type(record), 'a value')}; this model takes "
                                   f"objects with its inputs {self._listed(self.input_names)}")
        kinds = self.kinds
        if len(record) != len(kinds) or any(name not in kinds for name in record):
            self._refuse_names(record, where)
        for name, value in record.items():
            # The common case first, cheaply: a finite float (x - x is 0.0 only when x is finite).
            if value is None or (type(value) is float and kinds[name] in _TAKES_FLOAT and value - value == 0.0):
                continue
            self._check_value(name, value, where)
        return record

    def _check_value(self, name: str, value: Any, where: str) -> None:
        kind = self.kinds[name]
        if value is not None and not _fits(kind, value):
            if type(value) in (int, float) and kind in ("number", "integer", "any") and (
                    type(value) is int or not math.isfinite(value)):
                raise RequestError(f"{where}: input {name!r} is out of range ({_shown(value)}); numbers must be "
                                   "finite doubles, and whole numbers for a categorical integer must fit in 64 "
                                   "bits")
            raise RequestError(f"{where}: input {name!r} must be {_KIND_TEXT[kind]} or null, "
                               f"not {_JSON_TYPE.get(type(value), 'that')} ({_shown(value)})")

    def _refuse_names(self, record: Mapping[str, Any], where: str) -> None:
        unknown = [name for name in record if name not in self.kinds]
        if unknown:
            raise RequestError(f"{where} has unknown input(s) {self._listed(unknown)}; the model's inputs are "
                               f"{self._listed(self.input_names)}")
        missing = [name for name in self.input_names if name not in record]
        raise RequestError(f"{where} lacks input(s) {self._listed(missing)} (give null for a missing value)")

    def records_from_instances(self, instances: Any) -> list[dict[str, Any]]:
        if type(instances) is not list:
            raise RequestError(f"'instances' must be an array of rows, not {_JSON_TYPE.get(type(instances), 'that')}")
        return [self.check_record(row, f"instance {i}") for i, row in enumerate(instances)]

    def records_from_columns(self, inputs: Any) -> list[dict[str, Any]]:
        if type(inputs) is list and self._single_input is not None:
            inputs = {self._single_input: inputs}
        if type(inputs) is not dict:
            raise RequestError(f"'inputs' must be an object with one array per input "
                               f"{self._listed(self.input_names)}")
        if len(inputs) != len(self.kinds) or any(name not in self.kinds for name in inputs):
            self._refuse_names(inputs, "'inputs'")
        lengths = set()
        for name, column in inputs.items():
            if type(column) is not list:
                raise RequestError(f"'inputs': {name!r} must be an array (one value per row), "
                                   f"not {_JSON_TYPE.get(type(column), 'that')}")
            lengths.add(len(column))
        if len(lengths) > 1:
            sizes = ", ".join(f"{name}: {len(column)}" for name, column in inputs.items())
            raise RequestError(f"'inputs': the arrays differ in length ({sizes})")
        rows = lengths.pop() if lengths else 0
        names = list(inputs)
        return [self.check_record({name: inputs[name][i] for name in names}, f"'inputs' row {i}")
                for i in range(rows)]

    def records_from_examples(self, examples: Any, context: Any) -> list[dict[str, Any]]:
        """``:classify``/``:regress``: objects, each completed by the shared ``context`` features."""
        if type(examples) is not list:
            raise RequestError(f"'examples' must be an array of objects, not {_JSON_TYPE.get(type(examples), 'that')}")
        if context is not None and type(context) is not dict:
            raise RequestError("'context' must be an object of features shared by every example")
        for name, value in (context or {}).items():  # checked whole, even where examples override it
            if name not in self.kinds:
                raise RequestError(f"'context' has unknown input {name!r}; the model's inputs are "
                                   f"{self._listed(self.input_names)}")
            self._check_value(name, value, "'context'")
        records = []
        for i, example in enumerate(examples):
            if type(example) is not dict:
                raise RequestError(f"example {i} is {_JSON_TYPE.get(type(example), 'a value')}, not an object")
            records.append(self.check_record({**context, **example} if context else example, f"example {i}"))
        return records

    # -- answers -------------------------------------------------------------------------------
    def predictions(self, results: Sequence[Mapping[str, Any]]) -> list[Any]:
        """Row form: one value per row for a single-output model, else one object per row."""
        if len(self.output_names) == 1:
            name = self.output_names[0]
            return [r[name] for r in results]
        return list(results)

    def outputs_columns(self, results: Sequence[Mapping[str, Any]]) -> Any:
        """Columnar form: an array for a single-output model, else an object of arrays."""
        if len(self.output_names) == 1:
            return self.predictions(results)
        return {name: [r[name] for r in results] for name in self.output_names}

    def classify_results(self, results: Sequence[Mapping[str, Any]]) -> list[list[list[Any]]]:
        if self.function_name != "classification":
            raise RequestError(f"this is a {self.function_name} model: use :predict or :regress, not :classify")
        if not self.probabilities:
            raise RequestError("this classifier declares no probability outputs, so it has no class scores to "
                               "classify with: use :predict")
        return [[[label, r[name]] for name, label in self.probabilities] for r in results]

    def regress_results(self, results: Sequence[Mapping[str, Any]]) -> list[Any]:
        if self.function_name != "regression" or self.predicted is None:
            raise RequestError(f"this is a {self.function_name} model: use :predict or :classify, not :regress")
        return [r[self.predicted] for r in results]

    # -- description ---------------------------------------------------------------------------
    def signature_def(self) -> dict[str, Any]:
        """TensorFlow Serving's signature_def, with the PMML's own types beside its dtypes."""
        def tensor(field: FieldInfo, kind: str) -> dict[str, Any]:
            return {"name": field.name, "dtype": _TF_DTYPE[kind],
                    "tensor_shape": {"dim": [{"size": "-1", "name": ""}], "unknown_rank": False},
                    "pmml": {"dataType": field.data_type, "optype": field.optype, "values": list(field.values)}}

        return {"signature_def": {SIGNATURE_NAME: {
            "inputs": {f.name: tensor(f, self.kinds[f.name]) for f in self.inputs},
            "outputs": {f.name: tensor(f, value_kind(f)) for f in self.outputs},
            "method_name": "tensorflow/serving/predict",
            "pmml": {"functionName": self.function_name},
        }}}

    def input_schema(self, name: str) -> dict[str, Any]:
        """The JSON Schema (OpenAPI 3.1) of one value of input ``name``: booleans fit every input (see _fits)."""
        kind = self.kinds[name]
        return {"type": [kind, "boolean", "null"]} if kind in ("number", "integer", "string") else _value_schema(kind)

    def output_schema(self, field: FieldInfo) -> dict[str, Any]:
        return _value_schema(value_kind(field))

    @staticmethod
    def _listed(names: Sequence[str]) -> str:
        shown = ", ".join(repr(n) for n in list(names)[:20])
        return shown + (f" and {len(names) - 20} more" if len(names) > 20 else "")


def _value_schema(kind: str) -> dict[str, Any]:
    if kind == "any":
        return {"type": ["string", "number", "boolean", "null"]}
    if kind == "boolean":
        return {"type": ["boolean", "integer", "number", "string", "null"]}
    return {"type": [kind, "null"]}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _output_roles(root: etree._Element, outputs: list[FieldInfo],
                  targets: list[FieldInfo]) -> tuple[str | None, list[tuple[str, str]]]:
    """Which output holds the predicted value, and which hold each class's probability."""
    names = [f.name for f in outputs]
    model = model_element(root)
    declared = find_child(model, "Output") if model is not None else None
    predicted: str | None = None
    probabilities: list[tuple[str, str]] = []
    if declared is not None:
        for node in declared:
            if not isinstance(node.tag, str) or tag_of(node) != "OutputField" or node.get("name") not in names:
                continue
            feature = node.get("feature", "predictedValue")
            if feature == "predictedValue" and predicted is None:
                predicted = node.get("name")
            elif feature == "probability" and node.get("value") is not None:
                probabilities.append((node.get("name"), node.get("value")))
    else:  # PMML4S's own outputs: predicted_<target>, probability_<class>
        predicted = next((n for n in names if n.startswith("predicted_")), None)
        labels = [v for target in targets for v in target.values]
        probabilities = [(f"probability_{v}", v) for v in labels if f"probability_{v}" in names]
    return predicted, probabilities
