"""A served model's signature: its inputs and outputs as the PMML declares them, the JSON each
input accepts, and TensorFlow Serving's shapes of requests and answers.

This module handles the request's shape only (row or columnar form, examples and their context, a
bare value for a single-input model). Names and values are the input contract's
(:class:`pmmlkit.scoring.contract.InputContract`, the one ``Model.predict`` and ``pmmlkit score``
apply): an absent input or a key the model does not know (neither an input nor an input it was
trained on but does not use) is refused, as TensorFlow Serving refuses unknown inputs, and a value
is accepted or refused with the library's own message, naming the instance. An input given as
``null`` is a missing value, which the PMML's missing-value treatment handles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lxml import etree

from ..errors import EvaluationError, PMMLError
from ..pmml import find_child, model_element, tag_of
from ..scoring.evaluator import FieldInfo, Model
from ..scoring.input_names import in_json_terms

SIGNATURE_NAME = "serving_default"


class RequestError(PMMLError):
    """A request the server refuses; ``status`` is the HTTP status code of the answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def refused(exc: EvaluationError) -> RequestError:
    """The input contract's refusal as the server's answer: the same message, its advice said for JSON."""
    return RequestError(in_json_terms(str(exc)))


# How a field's values are written in JSON, from how the input contract checks them (FieldInfo.java_kind).
def value_kind(field: FieldInfo) -> str:
    return {"double": "number", "whole": "whole", "integer": "integer", "boolean": "boolean", "date": "date",
            "string": "string", "auto": "any"}[field.java_kind]


_TF_DTYPE = {"number": "DT_DOUBLE", "whole": "DT_DOUBLE", "integer": "DT_INT64", "boolean": "DT_BOOL",
             "string": "DT_STRING", "any": "DT_STRING", "date": "DT_STRING"}
_JSON_TYPE = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number",
              float: "a number", type(None): "null"}
# The JSON Schema of one input value: what the contract accepts (pmmlkit.scoring.inputs.convert_cell).
# Booleans fit every input (1.0/0.0 in numeric fields, "true"/"false" in text ones), numbers fit text
# fields (as their PMML text), a boolean field takes true/false, 1/0 and their text, a date field
# takes no value (the engine cannot evaluate dates), and whole numbers have the engine's bounds.
_BOOLEAN_TEXT = r"^\s*([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|1|0)\s*$"
_INPUT_SCHEMA: dict[str, dict[str, Any]] = {
    "number": {"type": ["number", "boolean", "null"]},
    "whole": {"type": ["integer", "boolean", "null"], "minimum": -(2 ** 53), "maximum": 2 ** 53},
    "integer": {"type": ["integer", "boolean", "null"], "minimum": -(2 ** 63), "maximum": 2 ** 63 - 1},
    "boolean": {"anyOf": [{"type": ["boolean", "null"]}, {"enum": [0, 1]},
                          {"type": "string", "pattern": _BOOLEAN_TEXT}]},
    "string": {"type": ["string", "number", "boolean", "null"]},
    "any": {"type": ["string", "number", "boolean", "null"]},
    "date": {"type": "null"},
}


class Signature:
    """The inputs and outputs of one loaded model version."""

    def __init__(self, model: Model, root: etree._Element) -> None:
        self.function_name = model.function_name
        self.contract = model.contract
        self.inputs: list[FieldInfo] = list(model.input_fields)
        self.input_names = [f.name for f in self.inputs]
        #: Inputs the model was trained on but does not use: accepted and ignored.
        self.unused_inputs = sorted(self.contract.unused)
        self.kinds = {f.name: value_kind(f) for f in self.inputs}
        self.outputs: list[FieldInfo] = list(model.output_fields)
        self.output_names = [f.name for f in self.outputs]
        self.predicted, self.probabilities = _output_roles(root, self.outputs, model.target_fields)
        self._single_input = self.input_names[0] if len(self.input_names) == 1 else None

    # -- requests: their shape; names and values are the input contract's ------------------------
    def check_record(self, record: Any, where: str) -> dict[str, Any]:
        """One instance (an object, or a bare value for a single-input model) as a record."""
        if type(record) is not dict:
            if self._single_input is not None and type(record) is not list:
                return {self._single_input: record}
            raise RequestError(f"{where} is {_JSON_TYPE.get(type(record), 'a value')}; this model takes "
                               f"objects with its inputs {self._listed(self.input_names)}")
        return record

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
        try:
            self.contract.check_names(list(inputs), "error", "error", "'inputs' object")
        except EvaluationError as exc:
            raise refused(exc) from None
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
        return [{name: inputs[name][i] for name in names} for i in range(rows)]

    def records_from_examples(self, examples: Any, context: Any) -> list[dict[str, Any]]:
        """``:classify``/``:regress``: objects, each completed by the shared ``context`` features."""
        if type(examples) is not list:
            raise RequestError(f"'examples' must be an array of objects, not {_JSON_TYPE.get(type(examples), 'that')}")
        if context is not None and type(context) is not dict:
            raise RequestError("'context' must be an object of features shared by every example")
        if context:
            try:  # checked whole, even where examples override it
                self.contract.record(context, "allow", "error", "'context'")
            except EvaluationError as exc:
                raise refused(exc) from None
        records = []
        for i, example in enumerate(examples):
            if type(example) is not dict:
                raise RequestError(f"example {i} is {_JSON_TYPE.get(type(example), 'a value')}, not an object")
            records.append({**context, **example} if context else example)
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

    def refusal(self, api: str) -> str | None:
        """Why this model cannot answer ``:classify`` or ``:regress`` (None when it can): the server's
        refusal and the OpenAPI document's choice of operations both come from here."""
        if api == "classify":
            if self.function_name != "classification":
                return f"this is a {self.function_name} model: use :predict or :regress, not :classify"
            if not self.probabilities:
                return ("this classifier declares no probability outputs, so it has no class scores to classify "
                        "with: use :predict")
        elif api == "regress" and (self.function_name != "regression" or self.predicted is None):
            return f"this is a {self.function_name} model: use :predict or :classify, not :regress"
        return None

    def classify_results(self, results: Sequence[Mapping[str, Any]]) -> list[list[list[Any]]]:
        problem = self.refusal("classify")
        if problem is not None:
            raise RequestError(problem)
        return [[[label, r[name]] for name, label in self.probabilities] for r in results]

    def regress_results(self, results: Sequence[Mapping[str, Any]]) -> list[Any]:
        problem = self.refusal("regress")
        if problem is not None:
            raise RequestError(problem)
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
            "pmml": {"functionName": self.function_name, "unusedInputs": self.unused_inputs},
        }}}

    def input_schema(self, name: str) -> dict[str, Any]:
        """The JSON Schema (OpenAPI 3.1) of one value of input ``name``: what the input contract accepts."""
        return _INPUT_SCHEMA[self.kinds[name]]

    def output_schema(self, field: FieldInfo) -> dict[str, Any]:
        return _value_schema(value_kind(field))

    @staticmethod
    def _listed(names: Sequence[str]) -> str:
        shown = ", ".join(repr(n) for n in list(names)[:20])
        return shown + (f" and {len(names) - 20} more" if len(names) > 20 else "")


def _value_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of an output value (a non-finite number is answered as null: see the app)."""
    if kind == "any":
        return {"type": ["string", "number", "boolean", "null"]}
    return {"type": [{"whole": "integer", "date": "string"}.get(kind, kind), "null"]}


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
