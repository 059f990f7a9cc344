"""The model rules: functionName, targets, segments, numbers, classes and probabilities, regression
tables, neural network wiring and the ModelVerification block's counts."""

from __future__ import annotations

import math

from lxml import etree

from ..pmml import MODEL_TAGS
from .base import CheckerBase
from .elements import (
    NAMING,
    Field,
    Scope,
    Segments,
    child,
    children,
    declared_field,
    drop_previous,
    is_class,
    local,
    targets_of,
    walk,
)
from .engine import EMBEDDED_MODELS
from .regressions import MODEL_FIELD_ATTRIBUTES
from .vocabulary import (
    BODY_TAGS,
    CURRENT,
    DATE_DATA_TYPES,
    FUNCTIONS,
    INACTIVE_USAGE,
    MAX_MODEL_DEPTH,
    MODEL_FUNCTIONS,
    NEW_IN_4_4,
    NO_TARGET_MODELS,
    NOT_BODY,
    NUMBERS,
    PREDICATES,
    PROBABILITY_TOLERANCE,
    REFERENCES,
    SINGLE_TARGET_MODELS,
    TARGET_IN_BODY_MODELS,
    TARGET_SCOPES,
    WRONG_METHODS,
    number,
)


class ModelRules(CheckerBase):
    def _model_end(self, model: etree._Element) -> None:
        tag = local(model) or ""
        context = self._context(model)
        if context.depth > MAX_MODEL_DEPTH:
            self.error("depth", f"models are nested more than {MAX_MODEL_DEPTH} levels deep", model)
            return
        function = model.get("functionName")
        if function is None:
            self.error("function-name", f"<{tag}> has no functionName", model)
        elif function not in FUNCTIONS:
            self.error("function-name", f"<{tag}> has an unknown functionName=\"{function}\"", model)
        elif tag in MODEL_FUNCTIONS and function not in MODEL_FUNCTIONS[tag]:
            allowed = " or ".join(sorted(MODEL_FUNCTIONS[tag]))
            self.error("function-name", f"<{tag}> cannot have functionName=\"{function}\" (it is {allowed})", model)
        if model.get("x-mathContext") == "float":
            self.warning("interop-float", f"<{tag}> has x-mathContext=\"float\": JPMML-Evaluator computes it in float, "
                         "PMML4S in double (it ignores the attribute), so their scores can differ", model)
        if tag in NEW_IN_4_4 and NEW_IN_4_4[tag] is None and self.namespace == CURRENT:
            self.warning("interop-4.4", f"<{tag}> is new in PMML 4.4; older evaluators reject it", model)
        target = self._target(model, context, function)
        self.target_reported = self._target_uses(model, context)
        self._inactive_inputs(model, context)
        self._unsupported_model(model)
        if tag == "Scorecard":
            self._scorecard_values(model, context)
            self._scorecard_scores(model)
            self._scorecard_coverage(model, context)
        elif tag == "RuleSetModel":
            self._rule_set(model)
        elif tag == "GeneralRegressionModel":
            self._general_regression(model, context)
        elif tag == "SupportVectorMachineModel":
            self._support_vector_machines(model)
        elif tag == "NearestNeighborModel":
            self._nearest_neighbors(model)

        # The body, element by element; the tags worth a look are found by lxml (in C), and a
        # TreeModel's Nodes are left to _tree, which checks them on its single walk.
        namespace = etree.QName(model).namespace
        tags = [f"{{{namespace}}}{t}" for t in BODY_TAGS] if namespace else list(BODY_TAGS)
        # Named DerivedFields inside a body (e.g. a BayesianNetwork ContinuousNode's) are in its scope.
        inner = {n.get("name"): declared_field(n) for part in model if local(part) not in NOT_BODY | MODEL_TAGS
                 for n in part.iter(tags[BODY_TAGS.index("DerivedField")]) if n.get("name")}
        if inner:
            context = Scope(model, context.mining, context.visible | set(inner), {**context.fields, **inner},
                               context.parent, context.depth, context.outputs)
        for part in model:
            name = local(part)
            if name is None or name in NOT_BODY or name in MODEL_TAGS or (name == "Node" and tag == "TreeModel"):
                continue
            for node in part.iter(*tags):
                self._node(node, context, f"<{tag}>", target, function)
        if tag == "TreeModel":
            self._tree(model, context, target if function == "classification" else None, tags)
        elif tag == "NeuralNetwork":
            self._neural_network(model)
        elif tag == "RegressionModel":
            self._regression_tables(model, function)

        segmentation = child(model, "Segmentation")
        state = self.segmentations.pop(segmentation, Segments()) if segmentation is not None else None
        if segmentation is not None and state is not None:
            self._segmentation(model, segmentation, state, function)
        elif tag == "MiningModel" and not any(local(c) in EMBEDDED_MODELS for c in model):
            self.error("empty-segmentation", "this <MiningModel> has no Segmentation, so it scores nothing", model)

        outputs = self._outputs(model, context, state, target, tag, function)
        context.outputs = outputs

        verification = child(model, "ModelVerification")
        if verification is not None:
            scope = dict(context.fields)
            scope.update(outputs)
            self._verification(verification, scope)

        holder = model.getparent()
        if holder is not None and local(holder) == "Segment":
            segmentation_of = holder.getparent()
            if segmentation_of is not None:
                parent_state = self.segmentations.setdefault(segmentation_of, Segments())
                parent_state.chain_outputs.update(outputs)
        self.contexts.pop(model, None)
        if self.drop and (holder is None or local(holder) != "Segment"):
            model.clear(keep_tail=True)

    def _segment_end(self, segment: etree._Element) -> None:
        segmentation = segment.getparent()
        if segmentation is None:
            return
        state = self.segmentations.setdefault(segmentation, Segments())
        state.count += 1
        if segment.get("id") is not None:
            state.ids.add(segment.get("id"))
        else:
            state.ids.add(str(state.count))  # segments are numbered from 1 when they have no id
        state.functions.update(node.get("functionName") for node in segment if local(node) in MODEL_TAGS)
        enclosing = segmentation.getparent()
        if enclosing is not None and local(enclosing) in MODEL_TAGS:
            context = self._context(enclosing)
            fields = dict(context.fields)
            if segmentation.get("multipleModelMethod") == "modelChain":
                fields.update(state.chain_outputs)
            scope = Scope(enclosing, context.mining, set(fields), fields, context.parent, context.depth)
            for node in segment:
                if local(node) == "VariableWeight":  # its field weighs the segment: it must be in scope
                    self._node(node, scope, "a Segment's VariableWeight", None, None)
                if local(node) in PREDICATES:
                    self._node(node, scope, "a Segment predicate", None, None)
                    for inner in walk(node):
                        self._node(inner, scope, "a Segment predicate", None, None)
        self._numbers(segment)
        if not any(local(c) in MODEL_TAGS for c in segment):
            self.error("no-model", "a <Segment> has no model element", segment)
        if self.drop:
            # By position, without holding the model's element: libxml2 then frees the subtree at
            # once, instead of first moving it to a new document for a proxy that still refers to it.
            models = [i for i, node in enumerate(segment) if local(node) in MODEL_TAGS]
            for i in reversed(models):
                del segment[i]
            drop_previous(segment)

    def _segmentation(self, model: etree._Element, segmentation: etree._Element, state: Segments,
                      function: str | None) -> None:
        if state.count == 0:
            self.error("empty-segmentation", f"the Segmentation of <{local(model)}> has no Segment, so it scores "
                       "nothing", segmentation)
        method = segmentation.get("multipleModelMethod")
        if method and function in WRONG_METHODS and method in WRONG_METHODS[function]:
            self.error("multiple-model-method", f"multipleModelMethod=\"{method}\" has no meaning for a "
                       f"{function} model", segmentation)
        elif function == "clustering" and method in ("majorityVote", "weightedMajorityVote") and \
                state.functions - {"clustering"}:
            self.error("multiple-model-method", f"a clustering model takes a {method} of its segments' clusters, but "
                       "some segments are not clustering models: the engine scores every record null", segmentation)
        if self.namespace == CURRENT:
            for attribute in NEW_IN_4_4["Segmentation"] or ():
                if segmentation.get(attribute) is not None:
                    self.warning("interop-4.4", f"Segmentation {attribute} is new in PMML 4.4; older evaluators "
                                 "reject it", segmentation)

    def _target(self, model: etree._Element, context: Scope, function: str | None) -> Field | None:
        tag = local(model)
        targets = targets_of(context)
        top = local(model.getparent()) == "PMML"
        if top and function in ("regression", "classification") and tag not in NO_TARGET_MODELS:
            declared_elsewhere = child(model, "Targets") is not None or child(model, "Output") is not None
            if not targets and not declared_elsewhere:
                self.warning("target", f"<{tag}> ({function}) has no target field in its MiningSchema and no "
                             "Output or Targets", model)
            elif len(targets) > 1 and tag != "MiningModel" and tag not in SINGLE_TARGET_MODELS:
                self.warning("target", f"<{tag}> ({function}) has {len(targets)} target fields: {targets}", model)
        if len(targets) > 1 and tag in SINGLE_TARGET_MODELS:
            self.error("multiple-targets", f"<{tag}> predicts one field but its MiningSchema has {len(targets)} "
                       f"targets {targets}: evaluators score it without inputs or not at all", context.mining[targets[1]])
        holder = child(model, "Targets")
        named = [t.get("field") for t in children(holder, "Target")] if holder is not None else []
        twice = next((n for i, n in enumerate(named) if n is not None and n in named[:i]), None)
        if twice is not None:
            self.error("multiple-targets", f"<{tag}> has two <Target> elements for field {twice!r}: the engine "
                       "scores it null", holder)
        found = None
        for name in targets:
            declared = context.fields.get(name) or self.fields.get(name)
            if declared is None:
                continue
            found = found or declared
            if declared.data_type in DATE_DATA_TYPES:
                self.error("type-conflict", f"target {name!r} has dataType=\"{declared.data_type}\": the engine "
                           "produces no date or time score (it scores every record null)", context.mining[name])
            optype = context.mining[name].get("optype") or declared.optype
            if function == "classification" and optype == "continuous":
                self.error("target-optype", f"classification target {name!r} is continuous; a class label must be "
                           "categorical or ordinal", context.mining[name])
            elif function == "regression" and optype in ("categorical", "ordinal"):
                self.error("target-optype", f"regression target {name!r} is {optype}; a regression predicts a "
                           "continuous value", context.mining[name])
        return found

    def _verification(self, verification: etree._Element, scope: dict[str, Field]) -> None:
        fields = child(verification, "VerificationFields")
        listed = [] if fields is None else children(fields, "VerificationField")
        for node in listed:
            self._node(node, Scope(verification, {}, set(scope), scope, set(), 0), "ModelVerification", None,
                       None)
        declared = verification.get("fieldCount")
        if declared is not None and declared.strip() != str(len(listed)):
            self.warning("verification-count", f"ModelVerification fieldCount=\"{declared}\" but it lists "
                         f"{len(listed)} fields", verification)
        table = child(verification, "InlineTable")
        rows = 0 if table is None else self.rows.pop(table, 0)
        declared = verification.get("recordCount")
        if declared is not None and table is not None and declared.strip() != str(rows):
            self.warning("verification-count", f"ModelVerification recordCount=\"{declared}\" but its table has "
                         f"{rows} rows", verification)

    def _numbers(self, node: etree._Element) -> None:
        for attribute in NUMBERS.get(local(node) or "", ()):
            text = node.get(attribute)
            if text is None:
                continue
            value = number(text)
            if value is None:
                self.error("non-finite", f"<{local(node)}> {attribute}=\"{text}\" is not a number", node)
            elif not math.isfinite(value):
                self.error("non-finite", f"<{local(node)}> {attribute}=\"{text}\" is not finite, so every score "
                           "it enters is NaN or infinite", node)

    def _classes(self, node: etree._Element, tag: str, target: Field) -> None:
        attribute = {"RegressionTable": "targetCategory", "Node": "score", "ScoreDistribution": "value",
                     "SimpleRule": "score", "RuleSet": "defaultScore"}.get(tag)
        value = node.get(attribute) if attribute else None
        if value is not None and not is_class(value, target):
            self.error("unknown-class", f"<{tag} {attribute}=\"{value}\"> names a class that target "
                       f"{target.name!r} does not have ({', '.join(sorted(target.values or ()))})", node)

    def _probabilities(self, node: etree._Element, tag: str, distributions: list[etree._Element] | None = None
                       ) -> None:
        if tag == "Targets":
            groups = [children(t, "TargetValue") for t in children(node, "Target")]
            attribute = "priorProbability"
        else:
            groups = [distributions if distributions is not None else children(node, "ScoreDistribution")]
            attribute = "probability"
        for group in groups:
            values = [number(n.get(attribute)) for n in group if n.get(attribute) is not None]
            if not values or any(v is None or not math.isfinite(v) for v in values):
                continue  # non-finite numbers are reported by their own rule
            if any(v < 0 or v > 1 for v in values):
                self.error("probability-sum", f"<{tag}> has a {attribute} outside [0, 1]", node)
            elif len(values) == len(group) and abs(sum(values) - 1) > PROBABILITY_TOLERANCE:
                self.error("probability-sum", f"<{tag}>'s {attribute} values sum to {sum(values):.9g}, not 1", node)

    def _target_uses(self, model: etree._Element, context: Scope, parts: list[etree._Element] | None = None
                     ) -> bool:
        """A target used as an input: it is never given when scoring, so the score is missing or wrong.

        Looks in ``parts`` (default: the model's body, but for a TreeModel's Nodes: the tree rules
        leave target fields out of the fields predicates may use, and look here only when they walk
        the tree). Returns whether it reported one (once per model)."""
        targets = targets_of(context)
        if not targets or local(model) in TARGET_IN_BODY_MODELS:
            return False
        tree = local(model) == "TreeModel"
        for part in parts if parts is not None else model:
            name = local(part)
            if name in NOT_BODY | MODEL_TAGS | TARGET_SCOPES or not isinstance(part.tag, str) or \
                    (parts is None and tree and name == "Node"):
                continue
            # XPath finds the few elements naming a target in C.
            for inner in NAMING(part, t=sorted(targets)[0]) if len(targets) == 1 else \
                    [e for t in sorted(targets) for e in NAMING(part, t=t)]:
                tag = local(inner)
                if tag is None or tag in TARGET_SCOPES:
                    continue
                for attribute in REFERENCES.get(tag, ()):
                    if inner.get(attribute) in targets:
                        self.error("target-as-predictor", f"<{tag} {attribute}=\"{inner.get(attribute)}\"> uses "
                                   "the model's target as an input; it is never given when scoring", inner)
                        return True
        return False

    def _regression_tables(self, model: etree._Element, function: str | None) -> None:
        tables = children(model, "RegressionTable")
        if function == "regression" and len(tables) > 1:
            self.error("regression-tables", f"a regression RegressionModel has {len(tables)} RegressionTables; "
                       "evaluators use the first or fail", tables[1])
        elif function == "classification":
            unnamed = next((t for t in tables if t.get("targetCategory") is None), None)
            if unnamed is not None:
                self.error("regression-tables", "a classification RegressionModel has a RegressionTable without a "
                           "targetCategory: the class it scores is unknown (PMML4S fails)", unnamed)

    # -- neural networks -------------------------------------------------------------------------
    def _neural_network(self, model: etree._Element) -> None:
        known: set[str] = set()
        inputs = child(model, "NeuralInputs")
        listed_inputs = children(inputs, "NeuralInput") if inputs is not None else []
        for node in listed_inputs:
            self._neuron_id(node, known)
        if inputs is not None and inputs.get("numberOfInputs") not in (None, str(len(listed_inputs))):
            self.warning("neuron-count", f"numberOfInputs=\"{inputs.get('numberOfInputs')}\" but "
                         f"{len(listed_inputs)} NeuralInput elements are listed", inputs)
        layers = children(model, "NeuralLayer")
        later = {n.get("id") for layer in layers for n in children(layer, "Neuron")}
        for layer in layers:
            neurons = children(layer, "Neuron")
            if layer.get("numberOfNeurons") not in (None, str(len(neurons))):
                self.warning("neuron-count", f"numberOfNeurons=\"{layer.get('numberOfNeurons')}\" but the layer "
                             f"has {len(neurons)} Neuron elements", layer)
            for neuron in neurons:
                for con in children(neuron, "Con"):
                    source = con.get("from")
                    if source not in known:
                        where = "a neuron of this or a later layer" if source in later else "no neuron or input"
                        self.error("neural-wiring", f"Neuron {neuron.get('id')!r} takes input from {source!r}, "
                                   f"which is {where}", con)
            for neuron in neurons:
                self._neuron_id(neuron, known)
        if model.get("numberOfLayers") not in (None, str(len(layers))):
            self.warning("neuron-count", f"numberOfLayers=\"{model.get('numberOfLayers')}\" but the network has "
                         f"{len(layers)} NeuralLayer elements", model)
        radial = next((n for n in [model, *layers] if n.get("activationFunction") == "radialBasis"), None)
        if radial is not None and model.get("width") is None and not all(
                layer.get("width") is not None or all(n.get("width") is not None for n in children(layer, "Neuron"))
                for layer in layers if layer.get("activationFunction", model.get("activationFunction")) == "radialBasis"):
            self.error("neural-wiring", "a radialBasis activation without a width (on the network, its layer or each "
                       "neuron): the engine fails on every record", radial)
        outputs = child(model, "NeuralOutputs")
        if outputs is None and self.model_scored:  # valid PMML, and the engine never scores later models
            self.error("neural-wiring", "the NeuralNetwork has no NeuralOutputs: no neuron is read as its score "
                       "(PMML4S fails on every record)", model)
        if outputs is not None and model.get("functionName") == "classification" and \
                next(outputs.iter("{*}NormDiscrete"), None) is None:
            self.error("neural-wiring", "the NeuralOutputs of a classification NeuralNetwork map no class (none holds a "
                       "NormDiscrete): the engine fails on every record; map each class's neuron with one", outputs)
        for node in children(outputs, "NeuralOutput") if outputs is not None else []:
            if node.get("outputNeuron") not in known:
                self.error("neural-wiring", f"NeuralOutput reads neuron {node.get('outputNeuron')!r}, which does "
                           "not exist", node)

    def _neuron_id(self, node: etree._Element, known: set[str]) -> None:
        ident = node.get("id")
        if ident in known:
            self.error("neural-wiring", f"neuron id {ident!r} is used twice", node)
        known.add(ident)

    # -- what the model's inputs may be ----------------------------------------------------------
    def _inactive_inputs(self, model: etree._Element, context: Scope) -> None:
        """A field the MiningSchema marks supplementary (or frequencyWeight, analysisWeight, order), used as an input: the
        engine takes only active fields as inputs, so it computes with a missing value (every score
        null). Used in the model's body, through a DerivedField of the TransformationDictionary, or
        by a segment's model (checked when that model ends: streaming frees it before this one does)."""
        inactive = {n: item.get("usageType") for n, item in context.mining.items()
                    if item.get("usageType") in INACTIVE_USAGE}
        holder = model.getparent()
        enclosing = holder if holder is not None and local(holder) in MODEL_TAGS else None  # an inner model
        if holder is not None and local(holder) == "Segment" and holder.getparent() is not None:
            enclosing = holder.getparent().getparent()
        if enclosing is not None:  # what the enclosing model withholds
            if local(enclosing) in MODEL_TAGS:
                outer = self._context(enclosing).mining
                for name, item in context.mining.items():
                    if outer.get(name) is not None and outer[name].get("usageType") in INACTIVE_USAGE and \
                            item.get("usageType", "active") == "active":
                        self.error("inactive-input", f"this segment's model takes field {name!r} as an input, "
                                   f"which the enclosing model marks usageType=\"{outer[name].get('usageType')}\":"
                                   " it is never an input, so every score is null", item)
                        return
                    if outer.get(name) is not None and outer[name].get("usageType") in ("target", "predicted") and \
                            item.get("usageType", "active") == "active":
                        self.error("target-as-predictor", f"this segment's model takes field {name!r} as an input, "
                                   "which the enclosing model predicts (its target): it is never given when scoring, "
                                   "so every score is null", item)
                        return
        if not inactive:
            return
        for attribute in MODEL_FIELD_ATTRIBUTES:
            if model.get(attribute) in inactive:
                self.error("inactive-input", f"{attribute}=\"{model.get(attribute)}\" names a field the MiningSchema "
                           f"marks usageType=\"{inactive[model.get(attribute)]}\": it is never an input, so every "
                           "score is null", model)
                return
        # Inner models are checked when they end (streaming frees them before this model ends).
        skipped = NOT_BODY - {"LocalTransformations"} | TARGET_SCOPES | MODEL_TAGS
        for part in model:
            if not isinstance(part.tag, str) or local(part) in skipped:
                continue
            for inner in part.iter():
                tag = local(inner)
                if tag is None or tag in TARGET_SCOPES:
                    continue
                for attribute in REFERENCES.get(tag, ()):
                    name = _through(inner.get(attribute), inactive, self.derived_uses)
                    if name is not None:
                        self.error("inactive-input", f"<{tag} {attribute}=\"{inner.get(attribute)}\"> uses "
                                   f"field {name!r}, which the MiningSchema marks usageType=\"{inactive[name]}\": it "
                                   "is never an input, so every score is null", inner)
                        return
        text = self.tree_cut.tree.text if self.tree_cut is not None and self.tree_cut.stood_in else b""
        for name in sorted(inactive):
            if f'field="{name}"'.encode() in text:
                self.error("inactive-input", f"this tree's predicates use field {name!r}, which the MiningSchema "
                           f"marks usageType=\"{inactive[name]}\": it is never an input, so every score is null",
                           model)
                return

    def _categorical_value(self, node: etree._Element, context: Scope) -> None:
        declared = context.fields.get(node.get("name") or "")
        value = node.get("value")
        if declared is not None and value is not None and not _fits(value, declared):
            self.error("invalid-value", f"<CategoricalPredictor name=\"{declared.name}\" value=\"{value}\"> names a "
                       f"value that is not one of field {declared.name!r}'s {_valid(declared)}",
                       node)

    def _pair_values(self, node: etree._Element, context: Scope) -> None:
        """A BayesInput's PairCounts values must be values of its field (unless it derives its own)."""
        declared = context.fields.get(node.get("fieldName") or "")
        if declared is None or child(node, "DerivedField") is not None:
            return
        for pair in children(node, "PairCounts"):
            value = pair.get("value")
            if value is not None and not _fits(value, declared):
                self.error("invalid-value", f"<PairCounts value=\"{value}\"> of BayesInput {declared.name!r} names a "
                           f"value that is not one of the field's {_valid(declared)}", pair)
                return


def _fits(value: str, declared: Field) -> bool:
    """Whether ``value`` can be a value of the field: one of its valid Values when it lists them,
    a number when it is numeric (PMML4S refuses the document otherwise)."""
    if declared.values:
        return is_class(value, declared)
    return not declared.numeric or number(value) is not None


def _valid(declared: Field) -> str:
    if declared.values:
        return f"valid values ({', '.join(sorted(declared.values))})"
    return f"{declared.data_type} values"


def _through(name: str | None, inactive: dict[str, str | None], derived: dict[str, set[str]]) -> str | None:
    """The inactive field ``name`` is, or uses through DerivedFields of the TransformationDictionary."""
    seen: set[str] = set()
    todo = [name] if name is not None else []
    while todo:
        current = todo.pop()
        if current in inactive:
            return current
        if current in seen:
            continue
        seen.add(current)
        todo.extend(derived.get(current, ()))
    return None

