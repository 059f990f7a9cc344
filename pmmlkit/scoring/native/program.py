"""A whole document compiled: its fields, transformations and model into one program over columns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...pmml import MODEL_TAGS, tag_of
from .association import association_model
from .cluster_ensemble import clustering_ensemble
from .clustering import clustering_defaults, clustering_model
from .cox import cox_model
from .expressions import Compiler
from .fields import (
    INPUT_USAGES,
    DataField,
    apply_schema,
    data_dictionary,
    elements,
    first,
    mining_fields,
    needs_treatment,
)
from .ir import Column, Env, Prediction, unsupported
from .mining import mining_model
from .naive_bayes import naive_bayes_model
from .nearest import nearest_neighbor_model
from .neural import neural_network
from .output import OutputField, compute_outputs, default_outputs, invalidate, output_fields, targets
from .regression import general_regression_model, regression_model
from .rows import row_function
from .ruleset import ruleset_defaults, ruleset_model
from .scorecard import default_reason_codes, scorecard
from .svm import svm_model
from .trees import tree_model

# Elements of a model that say nothing about its scores.
_INERT = ("MiningSchema", "Output", "ModelStats", "ModelExplanation", "Targets", "LocalTransformations",
          "ModelVerification")


@dataclass
class CompiledModel:
    function: str
    run: Callable[[Env], Prediction]
    outputs: list[OutputField] = field(default_factory=list)


class Program:
    """Compiles ``root`` (a gated PMML document) on construction; :meth:`score` runs it."""

    def __init__(self, root: Any) -> None:
        self.dictionary: dict[str, DataField] = data_dictionary(root)
        types: dict[str, str | None] = {name: f.data_type for name, f in self.dictionary.items()}
        transformations = first(root, "TransformationDictionary")
        functions = {f.get("name"): f for f in elements(transformations, "DefineFunction")} \
            if transformations is not None else {}
        self.compiler = Compiler(types, functions)
        self.global_derived = self.compiler.derived_fields(transformations)
        models = [c for c in elements(root) if tag_of(c) in MODEL_TAGS]
        if not models:
            raise unsupported(root, "a document without a model")
        top = models[0]
        if top.get("isScorable") == "false":
            raise unsupported(top, "a model marked isScorable=\"false\"")
        fields = mining_fields(top, self.dictionary, types)
        self.input_names = [m.name for m in fields if m.usage in ("active",) and m.name in self.dictionary]
        self.target_names = [m.name for m in fields if m.usage in ("target", "predicted")]
        self.function_name = top.get("functionName")
        self._bodies: dict[Any, Any] = {}  # model element -> compiled body, while compiling (rows.py reads them)
        self.top = self.model(top, derived=self.global_derived, top=True)
        self.outputs = self.top.outputs
        #: One record as one Python function (rows.py), or None: records take the column program.
        self.row = row_function(self, root, self._bodies)
        del self._bodies  # (they hold the document's elements)

    def model(self, node: Any, derived: dict[str, Any] | None = None, top: bool = False) -> CompiledModel:
        tag = tag_of(node)
        function = node.get("functionName")
        types = self.compiler.types
        fields = mining_fields(node, self.dictionary, types)
        targets_of = [m.name for m in fields if m.usage in ("target", "predicted")]
        target = targets_of[0] if targets_of else None
        target_field = self.dictionary.get(target or "")
        categories = list(target_field.valid) if target_field is not None else []
        local = dict(derived or {})
        local.update(self.compiler.derived_fields(first(node, "LocalTransformations")))

        def numeric(name: str) -> bool:
            return self.compiler.is_numeric(name)

        if tag == "RegressionModel":
            body = regression_model(node, numeric)
        elif tag == "GeneralRegressionModel" and node.get("modelType") == "CoxRegression":
            body = cox_model(node, numeric)
        elif tag == "GeneralRegressionModel":
            body = general_regression_model(node, numeric)
        elif tag == "TreeModel":
            body = tree_model(node, numeric, categories)
        elif tag == "MiningModel" and function == "clustering":
            body = clustering_ensemble(node, self.model, numeric)
        elif tag == "MiningModel":
            body = mining_model(node, self.model, numeric, categories)
        elif tag == "NeuralNetwork":
            body = neural_network(node, self.compiler, categories)
        elif tag == "ClusteringModel":
            body = clustering_model(node, numeric)
        elif tag == "Scorecard":
            body = scorecard(node, self.compiler, numeric)
        elif tag == "RuleSetModel":
            body = ruleset_model(node, numeric, categories)
        elif tag == "AssociationModel":
            body = association_model(node, self.dictionary, {m.name: m.usage for m in fields})
        elif tag == "NaiveBayesModel":
            body = naive_bayes_model(node, self.compiler, categories)
        elif tag == "SupportVectorMachineModel":
            body = svm_model(node, numeric)
        elif tag == "NearestNeighborModel":
            body = nearest_neighbor_model(node, numeric, target, target_field.data_type if target_field else None,
                                          set(self.dictionary))
        else:
            raise unsupported(node)
        self._bodies[node] = body
        rescale = targets(node, function)
        outputs = output_fields(node, self.compiler, target_field.data_type if target_field else None)
        if top and not outputs and tag == "ClusteringModel":
            outputs = clustering_defaults(node)
        elif top and not outputs:
            outputs = default_outputs(function, target, target_field.data_type if target_field else None,
                                      categories, node, getattr(body, "gives_probabilities", True))
            if tag == "Scorecard":
                outputs += default_reason_codes(node)
            elif tag == "RuleSetModel":
                outputs = ruleset_defaults(outputs)
        dictionary = self.dictionary
        treated_fields = [m for m in fields if needs_treatment(m, dictionary)]

        def run(env: Env) -> Prediction:
            treated, invalid = apply_schema(env, treated_fields, dictionary) if treated_fields else (env, None)
            scope = treated.child(derived=local) if local else treated
            prediction = rescale(body(scope))
            if invalid is not None and invalid.any():
                prediction.value = prediction.value.copy()
                prediction.value[invalid] = np.nan if prediction.value.dtype != object else None
                for column in prediction.probabilities.values():
                    column[invalid] = np.nan
            prediction.outputs = invalidate(compute_outputs(outputs, scope, prediction), invalid)
            return prediction
        return CompiledModel(function, run, outputs)

    def score(self, columns: dict[str, Column], rows: int, parallel: bool = False) -> list[Column]:
        prediction = self.top.run(Env(rows, dict(columns), parallel=parallel))
        return [prediction.outputs[f.name] for f in self.outputs]


__all__ = ["INPUT_USAGES", "Program"]
