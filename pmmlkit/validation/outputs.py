"""The output rules: what an OutputField may ask of its model (a feature it produces, a class its target
has, a segment that exists)."""

from __future__ import annotations

from lxml import etree

from .base import CheckerBase
from .elements import Field, Scope, Segments, child, children, is_class, local
from .vocabulary import BOOLEAN_WORDS, NUMERIC_TYPES, number

# Models that produce reason codes (a MiningModel passes on its segments').
REASON_CODE_MODELS = frozenset({"Scorecard", "MiningModel"})
# Features whose value is the OutputField's own expression, and the elements that are one.
EXPRESSION_FEATURES = frozenset({"transformedValue", "decision"})
# Features whose value is text (a label, a display value), never a number.
NUMBER_FREE_FEATURES = frozenset({"predictedValue", "predictedDisplayValue"})
# Features PMML4S produces only for some model types (a MiningModel passes on its segments'); an
# OutputField asking another model type for one is null in every record (PMML4S behaviour, found by
# the validate/load differential).
FEATURE_MODELS = {
    "clusterId": frozenset({"ClusteringModel", "NearestNeighborModel", "TreeModel", "MiningModel"}),
    "entityId": frozenset({"ClusteringModel", "NearestNeighborModel", "TreeModel", "MiningModel"}),
    "affinity": frozenset({"ClusteringModel", "NearestNeighborModel"}),
    "clusterAffinity": frozenset({"ClusteringModel", "NearestNeighborModel"}),
    "entityAffinity": frozenset({"ClusteringModel", "NearestNeighborModel"}),
    # An association rule's parts and measures (and a rule's confidence, which a rule set gives too:
    # PMML4S gives a tree's as null).
    **{feature: frozenset({"AssociationModel"})
       for feature in ("antecedent", "consequent", "rule", "ruleId", "support", "lift", "leverage")},
    "confidence": frozenset({"AssociationModel", "RuleSetModel"}),
}
# Features PMML4S never fills (null, or every record fails: ruleValue, the confidence interval and
# the standard deviation are not implemented).
UNFILLED_FEATURES = frozenset({"standardError", "warning", "ruleValue", "confidenceIntervalLower",
                               "confidenceIntervalUpper", "standardDeviation"})
EXPRESSIONS = frozenset({"Constant", "FieldRef", "NormContinuous", "NormDiscrete", "Discretize", "MapValues",
                         "TextIndex", "Apply", "Aggregate", "Lag"})


class OutputRules(CheckerBase):
    def _outputs(self, model: etree._Element, context: Scope, state: Segments | None, target: Field | None,
                 tag: str, function: str | None) -> dict[str, Field]:
        """The model's OutputFields: declared in their own scope, each checked against the model."""
        outputs: dict[str, Field] = {}
        output = child(model, "Output")
        if output is not None:
            for item in children(output, "OutputField"):
                declared = self._declare(outputs, item, "the Output")
                if declared is not None and not context.depth and declared.name in self.fields:
                    self.error("duplicate-field", f"OutputField {declared.name!r} has the name of a field in the "
                               "DataDictionary", item)
            scope_fields = dict(context.fields)
            scope_fields.update(outputs)
            if state is not None:
                scope_fields.update(state.chain_outputs)
            names = [item.get("name") for item in children(output, "OutputField")]
            for position, item in enumerate(children(output, "OutputField")):
                # An OutputField reads the OutputFields before it, not itself or later ones (PMML4S
                # meets those with a NullPointerException while scoring).
                later = set(names[position:]) - set(names[:position]) - set(context.fields)
                for ref in item.iter("{*}FieldRef"):
                    if ref.get("field") in later:
                        self.error("undefined-field", f"OutputField {item.get('name')!r} refers to OutputField "
                                   f"{ref.get('field')!r}, which is {'itself' if ref.get('field') == item.get('name') else 'after it'}"
                                   ": an OutputField can use only the OutputFields before it", ref)
                self._uses(item, set(scope_fields), scope_fields, f"OutputField {item.get('name')!r}",
                           include_self=True)
                segment = item.get("segmentId")
                if segment is not None and state is not None and segment not in state.ids:
                    self.error("undefined-segment", f"OutputField {item.get('name')!r} refers to segment "
                               f"{segment!r}, which does not exist", item)
                elif segment is not None and state is None:
                    self.error("undefined-segment", f"OutputField {item.get('name')!r} refers to segment {segment!r}, "
                               f"but <{tag}> has no Segmentation", item)
                self._output_class(item, target, context)
                self._output_feature(item, tag, function, target)
        return outputs

    def _scored(self, node: etree._Element) -> bool:
        """Whether ``node``'s model is the one the engine scores: the first top-level model (counted
        by the engine rules when it ends), or a model inside it (which ends before it)."""
        model = node.getparent().getparent() if node.getparent() is not None else None
        top = model is not None and local(model.getparent()) == "PMML"
        return self.top_models == 0 or (top and self.top_models == 1)

    def _output_class(self, node: etree._Element, target: Field | None, context: Scope) -> None:
        if node.get("feature") not in ("probability", "affinity", "confidence") or node.get("value") is None:
            return
        named = node.get("targetField")
        model = node.getparent().getparent() if node.getparent() is not None else None
        if named is None and model is not None and local(model) == "RegressionModel":
            # The classes a classification RegressionModel scores are its tables' targetCategory values.
            categories = {t.get("targetCategory") for t in children(model, "RegressionTable")} - {None}
            value = node.get("value")
            if categories and value not in categories and (number(value or "") is None or number(value or "") not in {
                    number(c or "") for c in categories}):
                self.error("unknown-class", f"OutputField {node.get('name')!r} asks for the {node.get('feature')} of "
                           f"class {node.get('value')!r}, which no RegressionTable scores (its targetCategory values "
                           f"are {sorted(categories)})", node)
                return
        declared = context.fields.get(named) if named else target
        if declared is None or not declared.values or declared.optype == "continuous":
            return
        if not is_class(node.get("value"), declared):
            self.error("unknown-class", f"OutputField {node.get('name')!r} asks for the {node.get('feature')} of "
                       f"class {node.get('value')!r}, which target {declared.name!r} does not have", node)

    def _output_feature(self, node: etree._Element, tag: str, function: str | None, target: Field | None
                        ) -> None:
        feature = node.get("feature", "predictedValue")
        if feature == "decision" and not any(local(c) in EXPRESSIONS for c in node):
            self.error("output-expression", f"OutputField {node.get('name')!r} has feature=\"decision\" but no "
                       "expression to compute it from", node)
            return
        if node.get("segmentId") is not None:
            # PMML4S gives a regression segment's predicted value only; the rest of what a segment
            # produces is its model's business.
            computed = feature in EXPRESSION_FEATURES and any(local(c) in EXPRESSIONS for c in node)
            if function == "regression" and feature != "predictedValue" and not computed and self._scored(node):
                self.error("output-feature", f"OutputField {node.get('name')!r} asks segment "
                           f"{node.get('segmentId')!r} of a regression <{tag}> for a {feature}: pmmlkit's engine "
                           "(PMML4S) gives only a segment's predictedValue, so it is null", node)
            return
        labels = target.values if target is not None and target.values else None
        boolean_label = node.get("dataType") == "boolean" and feature in NUMBER_FREE_FEATURES and (
            feature == "predictedDisplayValue" or (function == "classification" and labels is not None
                                                   and not labels <= BOOLEAN_WORDS))
        if boolean_label or feature in NUMBER_FREE_FEATURES and node.get("dataType") in NUMERIC_TYPES and (
                feature == "predictedDisplayValue" or (function == "classification" and target is not None
                                                       and target.data_type == "string")):
            what = "a display text" if feature == "predictedDisplayValue" else "a class label"
            self.error("output-feature", f"OutputField {node.get('name')!r} declares dataType=\"{node.get('dataType')}\""
                       f" for {what}: the engine scores it null", node)
        elif function == "regression" and feature == "probability":
            self.error("output-feature", f"OutputField {node.get('name')!r} asks a regression <{tag}> for a "
                       "probability, which it does not produce", node)
        elif not self._scored(node):
            return  # what the engine fills matters only in the model it scores (the document's first)
        elif feature in UNFILLED_FEATURES:
            # An AssociationModel's ruleValue is what the model is for: PMML4S cannot score the model
            # (an engine limit, "unsupported", which the native engine lifts), not a wrong request.
            code = "unsupported" if (tag, feature) == ("AssociationModel", "ruleValue") else "output-feature"
            self.error(code, f"OutputField {node.get('name')!r} asks <{tag}> for a {feature}, which "
                       "pmmlkit's engine (PMML4S) never computes: remove it", node)
        elif feature in FEATURE_MODELS and (tag not in FEATURE_MODELS[feature] or (
                tag == "MiningModel" and feature not in ("clusterId", "entityId") and function == "regression")):
            self.error("output-feature", f"OutputField {node.get('name')!r} asks <{tag}> for a {feature}, which it "
                       "does not produce (only " + ", ".join(sorted(FEATURE_MODELS[feature])) + " do)", node)
        elif feature == "predictedDisplayValue" and function == "regression":
            self.error("output-feature", f"OutputField {node.get('name')!r} asks a regression <{tag}> for a "
                       "predictedDisplayValue, which it does not produce: use predictedValue", node)
        elif feature == "reasonCode" and tag not in REASON_CODE_MODELS:
            self.error("output-feature", f"OutputField {node.get('name')!r} asks <{tag}> for a reasonCode; only a "
                       "Scorecard produces reason codes", node)
        elif feature in EXPRESSION_FEATURES and not any(local(c) in EXPRESSIONS for c in node):
            self.error("output-expression", f"OutputField {node.get('name')!r} has feature=\"{feature}\" but no "
                       "expression to compute it from", node)
