"""One record without numpy: the program compiled a second time, into one Python function over floats and
strings, for the documents converters write.

The column program (:mod:`.program`) pays about a microsecond for every numpy call on a one-row column,
and a StandardScaler + LogisticRegression document makes a hundred of them. For one record, the
constructs listed below are turned into Python source (one statement per derived field, term and
output; constants passed by name, never printed) and compiled once at load. Where the document uses
anything else, :func:`row_function` gives None and every record takes the column program.

Each statement computes what the column program computes, in the same order, with the same double
operations: + - * / are IEEE in Python as in numpy; exp is the C library's ``exp`` in both (numba calls it
from :mod:`.mathlib`; ``math.exp`` gives the same bits). Where Python and numpy part ways (a division by
zero, an exp that overflows: Python raises, numpy gives inf or NaN), the function raises and the
caller scores that record with the column program; so do inputs of a kind the function was not
compiled for. The tests compare both paths bit for bit over a table of documents and records.

Covered: FieldRef, Constant, Apply of + - * / and exp, NormDiscrete, DerivedFields of matching types;
RegressionModel (numeric and categorical predictors; none, logit, exp and softmax normalizations),
TreeModel and forests of plain trees (binary threshold forests through binary.record_values /
record_classes), NeuralNetwork (the compiled loops on one record), MiningModel
modelChain of segments under <True/>; predictedValue and probability outputs. Models with MiningSchema
treatments, Targets or other outputs are left to the column program.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ...pmml import MODEL_TAGS, tag_of
from . import binary as B
from . import kernels as K
from .expressions import _constant_value
from .fields import NUMERIC, elements, first, mining_fields, needs_treatment, parse_value
from .output import MODEL_FEATURES

RowFunction = Callable[..., list[Any]]
Var = tuple[str, str]  # (variable name, kind): kind "num" (float, NaN missing) or "text" (str or None)
_OUTPUT_TYPES = ("double", "float", "integer", "real", "string")
_BINARY = {"+": "+", "-": "-", "*": "*", "/": "/"}


class NoRowPath(Exception):
    """The document uses something the row compiler does not cover (internal)."""


def _num(value: Any) -> float:
    """A numeric input as the column program's input columns hold it."""
    if value is None:
        return math.nan
    if type(value) is str:  # a boolean field's "true"/"false"
        return parse_value(value, True)
    return float(value)


def _parsed(value: Any) -> float:
    """A label (text or None) as a numeric output holds it (fields.cast)."""
    return math.nan if value is None else parse_value(value, True) if isinstance(value, str) else float(value)


class _Scope:
    """The fields one model sees, as Env does: computed values, then derived fields (each computed once,
    in the scope that defines it), then the enclosing model's scope."""

    def __init__(self, parent: _Scope | None, derived: dict[str, Any] | None = None) -> None:
        self.parent = parent
        self.values: dict[str, Var] = {}
        self.derived = derived or {}

    def get(self, rows: RowCompiler, name: str) -> Var:
        found = self.values.get(name)
        if found is not None:
            return found
        node = self.derived.get(name)
        if node is not None:
            var = rows.derived_field(node, self)
            self.values[name] = var
            return var
        if self.parent is not None:
            return self.parent.get(rows, name)
        raise NoRowPath(name)


class _RowPrediction:
    def __init__(self, value: Var, probabilities: dict[str, str] | None = None) -> None:
        self.value = value
        self.probabilities = probabilities or {}  # category -> variable, in the model's order
        self.outputs: dict[str, Var] = {}


class RowCompiler:
    """Writes the row function of one document; ``bodies`` maps model elements to the column program's
    compiled bodies (whose tree arrays the row function shares)."""

    def __init__(self, program: Any, root: Any, bodies: dict[Any, Any]) -> None:
        self.program = program
        self.root = root
        self.bodies = bodies
        self.lines: list[str] = []
        self.names: dict[str, Any] = {"nan": math.nan, "exp": math.exp, "_num": _num, "_parsed": _parsed,
                                      "_Fallback": NoRowPath, "np": np}
        self.count = 0

    # -- plumbing --------------------------------------------------------------------------------
    def constant(self, value: Any) -> str:
        name = f"k{len(self.names)}"
        self.names[name] = value
        return name

    def assign(self, code: str, kind: str) -> Var:
        self.count += 1
        name = f"t{self.count}"
        self.lines.append(f"{name} = {code}")
        return name, kind

    def is_numeric(self, name: str | None) -> bool:
        return bool(self.program.compiler.is_numeric(name))

    def function(self) -> RowFunction:
        dictionary = self.program.dictionary
        inputs = list(self.program.input_names)
        scope = _Scope(None)
        prologue = []
        for i, name in enumerate(inputs):
            field = dictionary.get(name)
            if field is None:
                raise NoRowPath(name)
            if field.numeric:
                prologue.append(f"a{i} = v{i} if type(v{i}) is float else _num(v{i})")
                scope.values[name] = (f"a{i}", "num")
            else:
                prologue.append(f"if not (v{i} is None or type(v{i}) is str): raise _Fallback()")
                scope.values[name] = (f"v{i}", "text")
        transformations = first(self.root, "TransformationDictionary")
        globals_ = {node.get("name"): node for node in elements(transformations, "DerivedField")} \
            if transformations is not None else {}
        top = [c for c in elements(self.root) if tag_of(c) in MODEL_TAGS][0]
        outputs = self.model(top, scope, globals_, top=True)
        wanted = [(f.name, f.data_type) for f in self.program.outputs]
        if [name for name, _ in wanted] != list(outputs):
            raise NoRowPath("outputs")
        results = [self.finish(outputs[name], data_type) for name, data_type in wanted]
        body = "\n    ".join(prologue + self.lines + [f"return [{', '.join(results)}]"])
        source = f"def row({', '.join(f'v{i}' for i in range(len(inputs)))}):\n    {body}\n"
        namespace = dict(self.names)
        exec(compile(source, "<pmmlkit row function>", "exec"), namespace)  # noqa: S102 - our own source
        return namespace["row"]  # type: ignore[no-any-return]

    def finish(self, var: Var, data_type: str | None) -> str:
        """An output as the column path's last steps leave it (output.cast_output, NativeEngine._finish)."""
        name, kind = var
        if data_type not in _OUTPUT_TYPES:
            raise NoRowPath(str(data_type))
        if data_type == "string":
            if kind != "text":
                raise NoRowPath("a number as text")
            return name
        return name if kind == "num" else f"_parsed({name})"

    # -- models ----------------------------------------------------------------------------------
    def model(self, node: Any, parent: _Scope, derived: dict[str, Any] | None = None,
              top: bool = False) -> dict[str, Var]:
        """A model's outputs in the column program's order (its Output, or the defaults at the top)."""
        dictionary = self.program.dictionary
        fields = mining_fields(node, dictionary, self.program.compiler.types)
        if any(needs_treatment(m, dictionary) for m in fields):
            raise NoRowPath("MiningSchema treatments")
        function = node.get("functionName")
        block = first(node, "Targets")
        if function == "regression" and block is not None and elements(block, "Target"):
            raise NoRowPath("Targets")
        local = dict(derived or {})
        transformations = first(node, "LocalTransformations")
        for item in elements(transformations, "DerivedField") if transformations is not None else []:
            local[item.get("name")] = item
        scope = _Scope(parent, local) if local else parent
        tag = tag_of(node)
        body = self.bodies.get(node)
        if tag == "RegressionModel" and body is not None and hasattr(body, "tables"):
            prediction = self.regression(body, scope)
        elif tag == "TreeModel" and hasattr(body, "flat"):
            prediction = self.trees(body, scope)
        elif tag == "MiningModel" and hasattr(body, "flat"):
            prediction = self.trees(body, scope)
        elif tag == "NeuralNetwork" and hasattr(body, "record"):
            prediction = self.network(node, body, scope)
        elif tag == "MiningModel" and function in ("regression", "classification"):
            prediction = self.chain(node, scope)
        else:
            raise NoRowPath(tag)
        targets = [m.name for m in fields if m.usage in ("target", "predicted")]
        target_field = dictionary.get(targets[0]) if targets else None
        target_type = target_field.data_type if target_field is not None else None
        outputs: dict[str, Var] = {}
        out = first(node, "Output")
        items = elements(out, "OutputField") if out is not None else []
        for item in items:
            feature = item.get("feature", "predictedValue")
            if feature in MODEL_FEATURES or item.get("segmentId") is not None:
                raise NoRowPath(feature)
            data_type = item.get("dataType") or (target_type or "string" if feature == "predictedValue" else "double")
            outputs[item.get("name")] = self.output(feature, item.get("value"), prediction, data_type)
        if top and not items:
            categories = list(target_field.valid) if target_field is not None else []
            if not targets or (function == "classification" and not categories):
                raise NoRowPath("default outputs")
            value_type = target_type or ("double" if function == "regression" else "string")
            outputs[f"predicted_{targets[0]}"] = self.output("predictedValue", None, prediction, value_type)
            if function == "classification":
                outputs["probability"] = self.output("probability", None, prediction, "real")
                for category in categories:
                    outputs[f"probability_{category}"] = self.output("probability", category, prediction, "real")
        prediction.outputs = outputs
        self.last = prediction
        return outputs

    def output(self, feature: str, value: str | None, p: _RowPrediction, data_type: str) -> Var:
        if feature == "predictedValue":
            name, kind = p.value
            if data_type in NUMERIC and kind == "text":
                return self.assign(f"_parsed({name})", "num")
            if data_type not in NUMERIC and kind == "num":
                raise NoRowPath("a number as text")
            return p.value
        if feature != "probability" or p.value[1] != "text":
            raise NoRowPath(feature)
        if value is not None:  # output._probability_of: the category, or one whose number is the same
            if value in p.probabilities:
                return p.probabilities[value], "num"
            for label, var in p.probabilities.items():
                try:
                    if float(label) == float(value):
                        return var, "num"
                except ValueError:
                    pass
            if not p.probabilities:
                return self.assign("nan", "num")
            any_var = next(iter(p.probabilities.values()))
            return self.assign(f"nan if {any_var} != {any_var} else 0.0", "num")
        winner = self.assign("nan", "num")[0]  # output._winner_probability: the predicted category's
        for label, var in p.probabilities.items():
            self.lines.append(f"if {p.value[0]} == {self.constant(label)}: {winner} = {var}")
        return winner, "num"

    def regression(self, body: Any, scope: _Scope) -> _RowPrediction:
        """regression.regression_model, term by term in document order."""
        scores = []
        for _, intercept, numbers, categories, terms in body.tables:
            if terms:
                raise NoRowPath("PredictorTerm")
            total = self.assign(self.constant(float(intercept)), "num")[0]
            for name, exponent, coefficient in numbers:
                values, kind = scope.get(self, name)
                if exponent != 1.0 or kind != "num":
                    raise NoRowPath("a NumericPredictor")
                self.lines.append(f"{total} = {total} + {self.constant(coefficient)} * {values}")
            for name, value, coefficient in categories:
                values, _ = scope.get(self, name)
                self.lines.append(f"{total} = {total} + ({self.constant(coefficient)} if {values} == "
                                  f"{self.constant(value)} else 0.0)")
            scores.append(total)
        method = body.method
        if body.function == "regression":
            method = "logit" if method == "softmax" else method
            if method not in ("none", "logit", "exp"):
                raise NoRowPath(method)
            return _RowPrediction((self.inverse(method, scores[0]), "num"))
        return self.classify(scores, body.labels, method)

    def inverse(self, method: str, score: str) -> str:
        if method == "logit":
            return self.assign(f"1.0 / (1.0 + exp(-{score}))", "num")[0]
        if method == "exp":
            return self.assign(f"exp({score})", "num")[0]
        if method == "none":
            return score
        raise NoRowPath(method)

    def classify(self, scores: list[str], labels: list[str], method: str) -> _RowPrediction:
        """regression.classify: probabilities, then the first most probable category (None where any is NaN)."""
        if method == "softmax":
            exps = [self.assign(f"exp({s})", "num")[0] for s in scores]
            total = self.assign(exps[0], "num")[0]
            for e in exps[1:]:
                self.lines.append(f"{total} = {total} + {e}")
            probabilities = [self.assign(f"{e} / {total}", "num")[0] for e in exps]
        elif method in ("logit", "exp", "none"):
            probabilities = [self.inverse(method, s) for s in scores[:-1]]
            rest = self.assign("1.0", "num")[0]
            for p in probabilities:
                self.lines.append(f"{rest} = {rest} - {p}")
            probabilities.append(rest)
        else:
            raise NoRowPath(method)
        return self.decide(probabilities, labels)

    def decide(self, probabilities: list[str], labels: list[str]) -> _RowPrediction:
        """regression._argmax: the first most probable category; None where any probability is NaN."""
        best = self.assign("0", "index")[0]
        top = self.assign(probabilities[0], "num")[0]
        for k, p in enumerate(probabilities[1:], 1):
            self.lines.append(f"if {p} > {top}: {best}, {top} = {k}, {p}")
        unknown = " or ".join(f"{p} != {p}" for p in probabilities)
        label = self.assign(f"None if {unknown} else {self.constant(list(labels))}[{best}]", "text")
        return _RowPrediction(label, dict(zip(labels, probabilities)))

    def trees(self, body: Any, scope: _Scope) -> _RowPrediction:
        """One row through the compiled tree loops (mining._forest, trees.tree_model)."""
        flat = body.flat
        cells = []
        for j, name in enumerate(flat.fields):
            values, kind = scope.get(self, name)
            vocabulary = flat.vocabularies.get(j)
            if vocabulary is not None:
                if kind != "text":
                    raise NoRowPath("a number in a text split")
                cells.append(f"(nan if {values} is None else {self.constant(vocabulary)}.get({values}, -1.0))")
            elif kind == "num":
                cells.append(values)
            else:
                raise NoRowPath("text in a numeric split")
        if flat.binary is not None and body.kind != "tree":  # binary.record_values / record_classes
            record = self.assign(f"np.array([{', '.join(cells) or '0.0'}])", "row")[0]
            arrays = ", ".join(self.constant(a) for a in (*flat.binary, flat.levels))
            weights = self.constant(body.weights)
            if not body.classification:
                return _RowPrediction(self.assign(f"{self.constant(B.record_values)}({record}, {arrays}, "
                                                  f"{self.constant(flat.node_value)}, {weights}, {body.average})", "num"))
            table = self.assign(f"{self.constant(B.record_classes)}({record}, {arrays}, "
                                f"{self.constant(flat.node_probs)}, {self.constant(flat.node_label)}, {weights}, "
                                f"{body.vote}).tolist()", "list")[0]
            probabilities = [self.assign(f"{table}[{k}]", "num")[0] for k in range(len(flat.categories))]
            return self.decide(probabilities, flat.categories)
        matrix = self.assign(f"np.array([[{', '.join(cells) or '0.0'}]])", "matrix")[0]
        arrays = self.constant(flat.arrays)
        if body.kind == "tree":
            leaf = self.assign(f"int({self.constant(K.tree_leaves)}({matrix}, *{arrays})[0, 0])", "index")[0]
            if not body.classification:
                return _RowPrediction(self.assign(f"nan if {leaf} < 0 else float({self.constant(flat.node_value)}"
                                                  f"[{leaf}])", "num"))
            labels = self.constant(flat.categories + [None])
            node_label = self.constant(flat.node_label)
            value = self.assign(f"None if {leaf} < 0 or {node_label}[{leaf}] < 0 else {labels}[{node_label}[{leaf}]]",
                                "text")
            row = self.assign(f"{self.constant(flat.node_probs)}[{leaf}].tolist() if {leaf} >= 0 else None", "list")[0]
            probabilities = {c: self.assign(f"nan if {row} is None else {row}[{k}]", "num")[0]
                             for k, c in enumerate(flat.categories)}
            return _RowPrediction(value, probabilities)
        if not body.classification:
            value = self.assign(f"float({self.constant(flat.values)}({matrix}, {self.constant(body.weights)}, "
                                f"{body.average})[0])", "num")
            return _RowPrediction(value)
        table = self.assign(f"{self.constant(flat.classes)}({matrix}, {self.constant(body.weights)}, {body.vote})"
                            "[0].tolist()", "list")[0]
        probabilities = [self.assign(f"{table}[{k}]", "num")[0] for k in range(len(flat.categories))]
        return self.decide(probabilities, flat.categories)

    def network(self, node: Any, body: Any, scope: _Scope) -> _RowPrediction:
        """neural.neural_network: the inputs' derived fields here, the layers in the compiled loop."""
        inputs = []
        for item in elements(first(node, "NeuralInputs"), "NeuralInput"):
            name, kind = self.derived_field(first(item, "DerivedField"), scope)
            if kind != "num":
                raise NoRowPath("a text NeuralInput")
            inputs.append(name)
        column = self.assign(f"{self.constant(body.record)}([{', '.join(inputs)}])", "list")[0]
        values = [self.assign(f"{column}[{i}]", "num")[0] for i in body.output_neurons]
        if body.labels is None:
            return _RowPrediction((values[0], "num"))
        return self.decide(values, body.labels)

    def chain(self, node: Any, scope: _Scope) -> _RowPrediction:
        """A modelChain of segments under <True/>: each segment's outputs are fields of the next; the last
        segment's value and probabilities (mining._combine), NaN for categories only earlier ones give."""
        segmentation = first(node, "Segmentation")
        if segmentation is None or segmentation.get("multipleModelMethod") != "modelChain":
            raise NoRowPath("segmentation")
        predictions = []
        for segment in elements(segmentation, "Segment"):
            children = elements(segment)
            if len(children) != 2 or tag_of(children[0]) != "True":
                raise NoRowPath("a segment predicate")
            outputs = self.model(children[1], scope)
            scope.values.update(outputs)
            predictions.append(self.last)
        if not predictions:
            raise NoRowPath("no segment")
        last = predictions[-1]
        probabilities = dict(last.probabilities)
        for earlier in reversed(predictions[:-1]):
            for category in earlier.probabilities:
                if category not in probabilities:
                    probabilities[category] = self.assign("nan", "num")[0]
        return _RowPrediction(last.value, probabilities)

    # -- expressions -----------------------------------------------------------------------------
    def derived_field(self, node: Any, scope: _Scope) -> Var:
        """expressions.Compiler.derived_field: the expression, then the cast to its dataType."""
        children = [c for c in elements(node) if tag_of(c) != "Value"]
        if len(children) != 1:
            raise NoRowPath("a DerivedField")
        var = self.expression(children[0], scope)
        data_type = node.get("dataType")
        if data_type is None or (data_type in NUMERIC and data_type != "integer" and var[1] == "num") \
                or (data_type == "string" and var[1] == "text"):
            return var
        raise NoRowPath(f"a {data_type} DerivedField")

    def expression(self, node: Any, scope: _Scope) -> Var:
        tag = tag_of(node)
        if tag == "FieldRef":
            name, kind = scope.get(self, node.get("field"))
            replacement = node.get("mapMissingTo")
            if replacement is None:
                return name, kind
            value = self.constant(parse_value(replacement, self.is_numeric(node.get("field"))))
            missing = f"{name} != {name}" if kind == "num" else f"{name} is None"
            if kind == "num" and isinstance(self.names[value], str):
                raise NoRowPath("text for a missing number")
            return self.assign(f"{value} if {missing} else {name}", kind)
        if tag == "Constant":
            data_type = node.get("dataType")
            value = None if node.get("missing") == "true" else _constant_value(node.text or "", data_type)
            if not isinstance(value, float) or (data_type is not None and data_type not in NUMERIC):
                raise NoRowPath("a Constant")
            return self.constant(value), "num"
        if tag == "Apply":
            return self.apply(node, scope)
        if tag == "NormDiscrete":
            name, kind = scope.get(self, node.get("field"))
            target = parse_value(node.get("value"), self.is_numeric(node.get("field")))
            if (kind == "text") != isinstance(target, str):
                raise NoRowPath("a NormDiscrete across types")
            mapped = node.get("mapMissingTo")
            replacement = self.constant(math.nan if mapped is None else float(mapped))
            missing = f"{name} != {name}" if kind == "num" else f"{name} is None"
            return self.assign(f"{replacement} if {missing} else (1.0 if {name} == {self.constant(target)} else 0.0)",
                               "num")
        raise NoRowPath(tag)

    def apply(self, node: Any, scope: _Scope) -> Var:
        function = node.get("function")
        if node.get("mapMissingTo") is not None or node.get("defaultValue") is not None \
                or node.get("invalidValueTreatment") not in (None, "returnInvalid") \
                or function in self.program.compiler.functions:
            raise NoRowPath("an Apply")
        args = [self.expression(c, scope) for c in elements(node)]
        if any(kind != "num" for _, kind in args):
            raise NoRowPath("text arguments")
        if function in _BINARY and len(args) == 2:
            return self.assign(f"{args[0][0]} {_BINARY[function]} {args[1][0]}", "num")
        if function == "exp" and len(args) == 1:
            return self.assign(f"exp({args[0][0]})", "num")
        raise NoRowPath(f"the function {function!r}")


def row_function(program: Any, root: Any, bodies: dict[Any, Any]) -> RowFunction | None:
    """The row function of a compiled program (None: its records take the column program)."""
    try:
        return RowCompiler(program, root, bodies).function()
    except NoRowPath:
        return None
    except Exception as exc:  # noqa: BLE001 - never refuse a document the column program scores: it scores every record
        logging.getLogger("pmmlkit").debug("no row function for this document: %s: %s", type(exc).__name__, exc)
        return None


__all__ = ["NoRowPath", "RowFunction", "row_function"]
