"""The semantic rules (codes in :mod:`pmmlkit.validation.rules`), checked unit by unit as the
document streams past.

The driver (:mod:`pmmlkit.validation.scan`) calls :meth:`Checker.end` when a unit element is
complete: a DataField, a dictionary, a model, a Segment, an Extension or a verification row.
Everything a unit's checks need from elsewhere has been seen by then (PMML orders a model's
MiningSchema, Output, Targets and LocalTransformations before its body and Segmentation), so in
streaming mode the checker can drop each unit once checked, keeping memory bounded by the largest
single model (one tree of a forest), not by the document.

Field scope, as evaluators resolve it: a top-level model sees the DataDictionary and the
TransformationDictionary; a model's body sees its MiningSchema fields, its LocalTransformations
and the TransformationDictionary; a segment's MiningSchema draws from its parent model's fields,
plus, in a ``modelChain``, the Output fields of the segments before it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from ..pmml import MODEL_TAGS, is_own_extension
from ..report import Report
from . import rawtrees, treescreen
from .spans import covers, intersect, span
from .vocabulary import (
    ARITY,
    BODY_TAGS,
    BUILTINS_4_3,
    BUILTINS_4_4,
    CURRENT,
    FUNCTIONS,
    MAX_MODEL_DEPTH,
    MODEL_FUNCTIONS,
    NAMESPACES,
    NEW_IN_4_4,
    NO_TARGET_MODELS,
    NOT_BODY,
    NUMBERS,
    NUMERIC_TYPES,
    ORDER_OPERATORS,
    PREDICATES,
    PROBABILITY_TOLERANCE,
    REFERENCES,
    SINGLE_TARGET_MODELS,
    TARGET_IN_BODY_MODELS,
    TARGET_SCOPES,
    TOP_LEVEL,
    VALUE_OPERATORS,
    WRONG_METHODS,
    number,
)


def local(node: Any) -> str | None:
    tag = node.tag
    if not isinstance(tag, str):
        return None
    return tag[tag.index("}") + 1:] if tag[:1] == "{" else tag


def children(node: etree._Element, tag: str) -> list[etree._Element]:
    return [c for c in node if local(c) == tag]


def child(node: etree._Element, tag: str) -> etree._Element | None:
    for c in node:
        if local(c) == tag:
            return c
    return None


def walk(node: etree._Element, skip: Iterable[str] = ()) -> Iterator[etree._Element]:
    """Elements under ``node`` (itself excluded), not entering Extensions, nested models or ``skip``."""
    skipped = set(skip) | {"Extension"}
    stack = [c for c in reversed(node) if isinstance(c.tag, str)]
    while stack:
        current = stack.pop()
        tag = local(current)
        if tag in skipped or tag in MODEL_TAGS:
            continue
        yield current
        stack.extend(c for c in reversed(current) if isinstance(c.tag, str))


@dataclass(frozen=True)
class Field:
    """What a declaration says about a field: enough to check its uses."""

    name: str
    kind: str  # DataField, DerivedField, OutputField, ...
    optype: str | None
    data_type: str | None
    values: frozenset[str] | None  # the valid Values, when listed
    line: int | None

    @property
    def numeric(self) -> bool:
        return self.data_type in NUMERIC_TYPES

    @property
    def string(self) -> bool:
        return self.data_type == "string"


def _field(node: etree._Element) -> Field:
    values = frozenset(v.get("value") for v in node if local(v) == "Value"
                       and v.get("property", "valid") == "valid" and v.get("value") is not None)
    return Field(node.get("name") or "", local(node) or "", node.get("optype"), node.get("dataType"),
                 values or None, node.sourceline)


@dataclass
class _Context:
    """A model's scope, computed once (the first time the model or one of its segments needs it)."""

    model: etree._Element
    mining: dict[str, etree._Element]
    visible: set[str]
    fields: dict[str, Field]  # declarations of every name the body can see
    parent: set[str]  # what the enclosing scope offers
    depth: int
    outputs: dict[str, Field] = field(default_factory=dict)


@dataclass
class _Segments:
    """What the Segments of one Segmentation told us, as they streamed past."""

    count: int = 0
    ids: set[str] = field(default_factory=set)
    chain_outputs: dict[str, Field] = field(default_factory=dict)




class Checker:
    """Semantic checks; ``drop=True`` removes checked units from the tree (streaming)."""

    def __init__(self, report: Report, drop: bool, empty_extensions: bool = False) -> None:
        self.report = report
        self.drop = drop
        # The tree is the scan's own (not a caller's): an Extension's content, which no engine
        # reads, is dropped once checked even where the tree is kept for the engine.
        self.empty_extensions = empty_extensions
        self.tree_cut: rawtrees.Cut | None = None  # what end() is given for a TreeModel
        self.target_reported = False  # the model being ended already has its target-as-predictor issue
        self.fields: dict[str, Field] = {}  # DataFields and TransformationDictionary DerivedFields
        self.data_fields = 0
        self.functions: dict[str, etree._Element] = {}
        self.contexts: dict[etree._Element, _Context] = {}
        self.segmentations: dict[etree._Element, _Segments] = {}
        self.rows: dict[etree._Element, int] = {}
        self.extensions: list[int | None] = []
        self.floats: list[Field] = []
        self.namespace = CURRENT
        self.seen: set[str] = set()

    # -- reporting -------------------------------------------------------------------------------
    def error(self, code: str, message: str, node: etree._Element | None = None) -> None:
        self.report.add("error", code, message, node.sourceline if node is not None else None)

    def warning(self, code: str, message: str, node: etree._Element | None = None) -> None:
        self.report.add("warning", code, message, node.sourceline if node is not None else None)

    # -- the document ----------------------------------------------------------------------------
    def start(self, namespace: str | None, version: str | None, line: int | None) -> bool:
        """Check the root's namespace and version; False when nothing else can be checked."""
        if namespace not in NAMESPACES:
            if namespace is None:
                hint = f"no namespace (expected xmlns=\"{CURRENT}\")"
            elif namespace.startswith("http://www.dmg.org/PMML-"):
                hint = (f"namespace {namespace!r}, a PMML version pmmlkit does not read (3.0 to 4.4 are "
                        "supported)")
            else:
                hint = f"unknown namespace {namespace!r}"
            self.report.add("error", "namespace", f"<PMML> has {hint}", line)
            return False
        self.namespace = namespace
        expected = NAMESPACES[namespace]
        if version is None:
            self.report.add("warning", "version", f"<PMML> has no version attribute (expected "
                            f"version=\"{expected}\")", line)
        elif version != expected and not version.startswith(expected + "."):
            self.report.add("warning", "version", f"version=\"{version}\" does not match the namespace "
                            f"{namespace!r} (PMML {expected})", line)
        return True

    def end(self, node: etree._Element, tree_cut: rawtrees.Cut | None = None) -> None:
        """A unit element is complete: check it (and, streaming, drop what is no longer needed).

        ``tree_cut``: for a TreeModel, its root Node's bytes as the document has them, when the scan
        could cut them out (the tree screen then reads them, screened at most once, instead of
        serializing the Node again), and whether the parser got a stand-in in their place (see
        ``rawtrees``)."""
        self.tree_cut = tree_cut
        tag = local(node)
        self.seen.add(tag or "")
        if tag == "DataField":
            self._data_field(node)
        elif tag == "DataDictionary":
            self._data_dictionary(node)
        elif tag == "TransformationDictionary":
            self._transformation_dictionary(node)
        elif tag in MODEL_TAGS:
            self._model_end(node)
        elif tag == "Segment":
            self._segment_end(node)
        elif tag == "Extension":
            if not is_own_extension(node):  # pmmlkit's own change no score: nothing is lost
                self.extensions.append(node.sourceline)
            if self.drop:
                node.clear(keep_tail=True)
            elif self.empty_extensions:
                _empty(node)
        elif tag == "row":
            table = node.getparent()
            if table is not None:
                self.rows[table] = self.rows.get(table, 0) + 1
                if self.drop:
                    _drop_previous(node)

    def finish(self, root: etree._Element) -> None:
        """The root element is complete: document-level checks."""
        namespace = etree.QName(root).namespace
        for node in root:
            tag = local(node)
            if tag is None:
                continue
            if etree.QName(node).namespace != namespace:
                self.error("namespace", f"<{tag}> is in namespace {etree.QName(node).namespace!r}, not the "
                           f"document's {namespace!r}", node)
            elif tag not in TOP_LEVEL:
                self.warning("unknown-element", f"unexpected element <{tag}> under <PMML>", node)
        if child(root, "Header") is None:
            self.error("missing-header", "the document has no <Header> (required by PMML)", root)
        if child(root, "DataDictionary") is None:
            self.error("missing-data-dictionary", "the document has no <DataDictionary>", root)
        if not any(local(c) in MODEL_TAGS for c in root):
            self.error("no-model", "the document contains no model element (e.g. <RegressionModel>, <TreeModel>)",
                       root)
        if self.extensions:
            more = f" (and {len(self.extensions) - 1} more)" if len(self.extensions) > 1 else ""
            self.report.add("warning", "interop-extension", f"the document has Extension elements{more}: "
                            "evaluators ignore them, so any meaning they carry is lost", self.extensions[0])
        if self.floats:
            first = self.floats[0]
            more = f" (and {len(self.floats) - 1} more)" if len(self.floats) > 1 else ""
            self.report.add("warning", "interop-float", f"field {first.name!r} has dataType=\"float\"{more}: "
                            "PMML4S computes it in double precision, JPMML-Evaluator in float, so their scores "
                            "can differ", first.line)

    # -- dictionaries ----------------------------------------------------------------------------
    def _declare(self, table: dict[str, Field], node: etree._Element, what: str) -> Field | None:
        name = node.get("name")
        if name is None:
            self.error("missing-name", f"a <{local(node)}> in {what} has no name", node)
            return None
        declared = _field(node)
        if name in table:
            other = table[name].line
            self.error("duplicate-field", f"field {name!r} is defined twice in {what}"
                       + (f" (first on line {other})" if other else ""), node)
            return None
        table[name] = declared
        if declared.data_type == "float":
            self.floats.append(declared)
        return declared

    def _data_field(self, node: etree._Element) -> None:
        if local(node.getparent()) != "DataDictionary":
            return
        self.data_fields += 1
        declared = self._declare(self.fields, node, "the DataDictionary")
        if node.get("optype") is None or node.get("dataType") is None:
            self.error("field-type", f"DataField {node.get('name')!r} needs both optype and dataType", node)
        if declared is not None:
            self._type_conflict(declared, node)
        for interval in children(node, "Interval"):
            self._interval(interval)
        if self.drop:
            _drop_previous(node)

    def _data_dictionary(self, dictionary: etree._Element) -> None:
        declared = dictionary.get("numberOfFields")
        if declared is not None and declared.strip() != str(self.data_fields):
            self.warning("number-of-fields", f"DataDictionary numberOfFields=\"{declared}\" but it holds "
                         f"{self.data_fields} DataField elements", dictionary)
        if self.drop:
            dictionary.clear(keep_tail=True)

    def _transformation_dictionary(self, node: etree._Element) -> None:
        for function in children(node, "DefineFunction"):
            name = function.get("name")
            if name in self.functions:
                self.error("duplicate-function", f"function {name!r} is defined twice", function)
            else:
                self.functions[name] = function
        derived = children(node, "DerivedField")
        for item in derived:
            declared = self._declare(self.fields, item, "the DataDictionary and TransformationDictionary")
            if declared is not None:
                self._type_conflict(declared, item)
        for function in children(node, "DefineFunction"):
            parameters = {p.get("name") for p in children(function, "ParameterField")}
            self._uses(function, parameters, dict(self.fields), f"function {function.get('name')!r}")
        everything = set(self.fields)
        for item in derived:
            self._uses(item, everything, self.fields, f"DerivedField {item.get('name')!r}")
        self._cycles(derived, "cyclic-field", "derived field")
        self._cycles(children(node, "DefineFunction"), "cyclic-function", "function")

    def _cycles(self, nodes: list[etree._Element], code: str, what: str) -> None:
        """Report one cycle among ``nodes`` (fields referring to fields, functions calling functions)."""
        # A name that is also a DataField refers to the DataField (the duplicate is reported apart).
        names = {n.get("name"): n for n in nodes if n.get("name") is not None
                 and (code == "cyclic-function" or getattr(self.fields.get(n.get("name")), "kind", "") != "DataField")}
        attribute = "function" if code == "cyclic-function" else None
        edges: dict[str, list[str]] = {}
        for name, node in names.items():
            if attribute:
                used = [a.get("function") for a in walk(node) if local(a) == "Apply"]
            else:
                used = [inner.get(attr) for inner in walk(node) for attr in REFERENCES.get(local(inner) or "", ())]
            edges[name] = [u for u in used if u in names]
        state: dict[str, int] = {}  # 1 = on the path, 2 = done
        for start in names:
            if start in state:
                continue
            path = [start]
            stack = [iter(edges[start])]
            state[start] = 1
            while stack:
                step = next(stack[-1], None)
                if step is None:
                    state[path.pop()] = 2
                    stack.pop()
                    continue
                if state.get(step) == 1:
                    cycle = path[path.index(step):] + [step]
                    self.error(code, f"{what}s refer to each other in a cycle: {' -> '.join(cycle)}", names[step])
                    return
                if step not in state:
                    state[step] = 1
                    path.append(step)
                    stack.append(iter(edges[step]))

    def _type_conflict(self, declared: Field, node: etree._Element) -> None:
        if declared.optype == "continuous" and declared.data_type in ("string", "boolean"):
            self.error("type-conflict", f"{declared.kind} {declared.name!r} is continuous but its dataType is "
                       f"{declared.data_type}", node)

    def _interval(self, node: etree._Element) -> None:
        left, right = number(node.get("leftMargin")), number(node.get("rightMargin"))
        if left is None or right is None:
            return
        closure = node.get("closure", "")
        if left > right or (left == right and closure != "closedClosed"):
            self.error("reversed-interval", f"Interval [{node.get('leftMargin')}, {node.get('rightMargin')}] "
                       f"({closure or 'no closure'}) contains no value", node)

    # -- models ----------------------------------------------------------------------------------
    def _context(self, model: etree._Element) -> _Context:
        """The model's scope; its MiningSchema and LocalTransformations are checked here, once."""
        known = self.contexts.get(model)
        if known is not None:
            return known
        holder = model.getparent()
        if holder is not None and local(holder) == "Segment":
            segmentation = holder.getparent()
            enclosing = segmentation.getparent() if segmentation is not None else None
            if enclosing is None or local(enclosing) not in MODEL_TAGS:
                parent_fields, depth = dict(self.fields), 0
            else:
                outer = self._context(enclosing)
                parent_fields = dict(outer.fields)
                state = self.segmentations.setdefault(segmentation, _Segments())
                if segmentation.get("multipleModelMethod") == "modelChain":
                    parent_fields.update(state.chain_outputs)
                depth = outer.depth + 1
            top = False
        else:
            parent_fields, depth, top = dict(self.fields), 0, True
        parent = set(parent_fields)
        mining: dict[str, etree._Element] = {}
        schema = child(model, "MiningSchema")
        if schema is not None:
            for item in children(schema, "MiningField"):
                name = item.get("name")
                if name in mining:
                    self.error("duplicate-field", f"MiningField {name!r} is listed twice", item)
                mining[name] = item
                # A nested model's own target (a member of a model chain) is declared in the
                # DataDictionary; it is what that model predicts, not an input from the parent.
                declared = self.fields.get(name)
                own_target = not top and item.get("usageType") in ("target", "predicted") \
                    and declared is not None and declared.kind == "DataField"
                if name not in parent:
                    if not own_target:
                        where = "DataDictionary" if top else "enclosing model"
                        self.error("undefined-field", f"MiningField {name!r} is not defined in the {where}", item)
                elif item.get("optype") == "continuous" and parent_fields[name].data_type in ("string", "boolean"):
                    self.error("type-conflict", f"MiningField {name!r} says optype=\"continuous\" but the field is "
                               f"{parent_fields[name].data_type}", item)
                self._mining_field(item, parent_fields.get(name))
                if self.namespace == CURRENT and item.get("invalidValueReplacement") is not None:
                    self.warning("interop-4.4", "MiningField invalidValueReplacement is new in PMML 4.4; older "
                                 "evaluators reject it", item)
        global_derived = {n: f for n, f in self.fields.items() if f.kind == "DerivedField"}
        fields = {n: parent_fields[n] for n in mining if n in parent_fields}
        fields.update(global_derived)
        local_table: dict[str, Field] = {}
        transformations = child(model, "LocalTransformations")
        if transformations is not None:
            derived = children(transformations, "DerivedField")
            for item in derived:
                declared = self._declare(local_table, item, "LocalTransformations")
                if declared is None:
                    continue
                self._type_conflict(declared, item)
                if declared.name in fields:
                    self.error("duplicate-field", f"DerivedField {declared.name!r} in LocalTransformations has the "
                               "name of a field already in scope", item)
            fields.update(local_table)
            for item in derived:
                self._uses(item, set(fields), fields, f"DerivedField {item.get('name')!r}", parent)
            self._cycles(derived, "cyclic-field", "derived field")
        context = _Context(model, mining, set(fields), fields, parent, depth)
        self.contexts[model] = context
        return context

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

        # The body, element by element; the tags worth a look are found by lxml (in C), and a
        # TreeModel's Nodes are left to _tree, which checks them on its single walk.
        namespace = etree.QName(model).namespace
        tags = [f"{{{namespace}}}{t}" for t in BODY_TAGS] if namespace else list(BODY_TAGS)
        # Named DerivedFields inside a body (e.g. a BayesianNetwork ContinuousNode's) are in its scope.
        inner = {n.get("name"): _field(n) for part in model if local(part) not in NOT_BODY | MODEL_TAGS
                 for n in part.iter(tags[BODY_TAGS.index("DerivedField")]) if n.get("name")}
        if inner:
            context = _Context(model, context.mining, context.visible | set(inner), {**context.fields, **inner},
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
        state = self.segmentations.pop(segmentation, _Segments()) if segmentation is not None else None
        if segmentation is not None and state is not None:
            self._segmentation(model, segmentation, state, function)

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
            for item in children(output, "OutputField"):
                self._uses(item, set(scope_fields), scope_fields, f"OutputField {item.get('name')!r}",
                           include_self=True)
                segment = item.get("segmentId")
                if segment is not None and state is not None and segment not in state.ids:
                    self.error("undefined-segment", f"OutputField {item.get('name')!r} refers to segment "
                               f"{segment!r}, which does not exist", item)
                self._output_class(item, target, context)
                self._output_feature(item, tag, function)
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
                parent_state = self.segmentations.setdefault(segmentation_of, _Segments())
                parent_state.chain_outputs.update(outputs)
        self.contexts.pop(model, None)
        if self.drop and (holder is None or local(holder) != "Segment"):
            model.clear(keep_tail=True)

    def _segment_end(self, segment: etree._Element) -> None:
        segmentation = segment.getparent()
        if segmentation is None:
            return
        state = self.segmentations.setdefault(segmentation, _Segments())
        state.count += 1
        if segment.get("id") is not None:
            state.ids.add(segment.get("id"))
        else:
            state.ids.add(str(state.count))  # segments are numbered from 1 when they have no id
        enclosing = segmentation.getparent()
        if enclosing is not None and local(enclosing) in MODEL_TAGS:
            context = self._context(enclosing)
            fields = dict(context.fields)
            if segmentation.get("multipleModelMethod") == "modelChain":
                fields.update(state.chain_outputs)
            scope = _Context(enclosing, context.mining, set(fields), fields, context.parent, context.depth)
            for node in segment:
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
            _drop_previous(segment)

    def _segmentation(self, model: etree._Element, segmentation: etree._Element, state: _Segments,
                      function: str | None) -> None:
        if state.count == 0:
            self.error("empty-segmentation", f"the Segmentation of <{local(model)}> has no Segment, so it scores "
                       "nothing", segmentation)
        method = segmentation.get("multipleModelMethod")
        if method and function in WRONG_METHODS and method in WRONG_METHODS[function]:
            self.error("multiple-model-method", f"multipleModelMethod=\"{method}\" has no meaning for a "
                       f"{function} model", segmentation)
        if self.namespace == CURRENT:
            for attribute in NEW_IN_4_4["Segmentation"] or ():
                if segmentation.get(attribute) is not None:
                    self.warning("interop-4.4", f"Segmentation {attribute} is new in PMML 4.4; older evaluators "
                                 "reject it", segmentation)

    def _target(self, model: etree._Element, context: _Context, function: str | None) -> Field | None:
        tag = local(model)
        targets = _targets(context)
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
        found = None
        for name in targets:
            declared = context.fields.get(name) or self.fields.get(name)
            if declared is None:
                continue
            found = found or declared
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
            self._node(node, _Context(verification, {}, set(scope), scope, set(), 0), "ModelVerification", None,
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

    # -- references and values -------------------------------------------------------------------
    def _uses(self, node: etree._Element, scope: set[str], fields: dict[str, Field], where: str,
              parent: set[str] | None = None, include_self: bool = False) -> None:
        context = _Context(node, {}, scope, fields, parent or set(), 0)
        if include_self:
            self._node(node, context, where, None, None)
        for inner in walk(node):
            self._node(inner, context, where, None, None)

    def _node(self, node: etree._Element, context: _Context, where: str, target: Field | None,
              function: str | None) -> None:
        """Every check of one element of a model body (or of a transformation)."""
        tag = local(node) or ""
        if tag == "Apply":
            name = node.get("function")
            if name and not name.startswith("x-") and name not in self.functions:
                if name in BUILTINS_4_4:
                    if self.namespace == CURRENT:
                        self.warning("interop-4.4", f"{where} applies {name!r}, a function new in PMML 4.4 that "
                                     "older evaluators reject", node)
                elif name not in BUILTINS_4_3:
                    self.error("unknown-function", f"{where} applies function {name!r}, which is neither built "
                               "in nor defined in the TransformationDictionary", node)
                    return
                self._arity(node, name, where)
            return
        for attribute in REFERENCES.get(tag, ()):
            name = node.get(attribute)
            if name is None or name in context.visible:
                continue
            if name in context.parent or name in self.fields:
                self.error("not-in-mining-schema", f"{where}: <{tag}> uses field {name!r}, which is defined but "
                           "not listed in this model's MiningSchema", node)
            else:
                self.error("undefined-field", f"{where}: <{tag} {attribute}=\"{name}\"> refers to a field that "
                           "is not defined", node)
        if tag in NUMBERS:
            self._numbers(node)
        if tag == "SimplePredicate":
            self._simple_predicate(node, context)
        elif tag == "SimpleSetPredicate":
            self._set_predicate(node, context)
        elif tag == "NumericPredictor":
            declared = context.fields.get(node.get("name") or "")
            if declared is not None and declared.data_type in ("string", "boolean"):
                self.error("type-conflict", f"NumericPredictor {declared.name!r} multiplies a {declared.data_type} "
                           "field by a coefficient", node)
        elif tag == "Interval":
            self._interval(node)
        elif tag in ("Constant", "Discretize", "MapValues"):
            self._expression_values(node, tag)
        elif tag == "NormContinuous":
            self._linear_norms(node)
        elif tag == "Array":
            self._array_count(node)
        elif tag == "DerivedField":
            declared = _field(node)
            if declared.data_type == "float":
                self.floats.append(declared)
        if target is not None and target.values and function == "classification":
            self._classes(node, tag, target)
        if tag in ("Node", "SimpleRule", "CompoundRule") or tag == "Targets":
            self._probabilities(node, tag)

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

    def _simple_predicate(self, node: etree._Element, context: _Context) -> None:
        self._predicate_type(node, context.fields.get(node.get("field") or ""), node.get("operator"), node.get("value"))

    def _predicate_type(self, node: etree._Element, declared: Field | None, operator: str | None,
                        value: str | None) -> None:
        if value is None and operator in VALUE_OPERATORS:
            self.error("predicate-value", f"<SimplePredicate field=\"{node.get('field')}\" operator=\"{operator}\"> "
                       "has no value to compare with", node)
            return
        if declared is None or operator not in VALUE_OPERATORS:
            return
        if declared.string and operator in ORDER_OPERATORS:
            self.error("predicate-type", f"<SimplePredicate field=\"{declared.name}\" operator=\"{operator}\"> "
                       "orders a string field; evaluators compare strings differently or not at all", node)
        elif declared.numeric and value is not None and number(value) is None:
            self.error("predicate-type", f"<SimplePredicate field=\"{declared.name}\" operator=\"{operator}\" "
                       f"value=\"{value}\"> compares a {declared.data_type} field with a non-number", node)
        elif declared.data_type == "boolean" and value is not None and value not in ("true", "false", "0", "1"):
            self.error("predicate-type", f"<SimplePredicate field=\"{declared.name}\" value=\"{value}\"> compares "
                       "a boolean field with a value that is not true or false", node)

    def _set_predicate(self, node: etree._Element, context: _Context) -> None:
        declared = context.fields.get(node.get("field") or "")
        array = child(node, "Array")
        if declared is None or array is None:
            return
        kind = array.get("type")
        if declared.numeric and kind == "string":
            self.error("predicate-type", f"<SimpleSetPredicate field=\"{declared.name}\"> tests a "
                       f"{declared.data_type} field against an Array of strings", node)
        elif declared.numeric and kind in ("int", "real"):
            bad = [v for v in (array.text or "").split() if number(v.strip('"')) is None]
            if bad:
                self.error("predicate-type", f"<SimpleSetPredicate field=\"{declared.name}\"> lists non-numbers "
                           f"{bad[:3]} for a {declared.data_type} field", node)

    def _classes(self, node: etree._Element, tag: str, target: Field) -> None:
        attribute = {"RegressionTable": "targetCategory", "Node": "score", "ScoreDistribution": "value",
                     "SimpleRule": "score"}.get(tag)
        value = node.get(attribute) if attribute else None
        if value is not None and not _is_class(value, target):
            self.error("unknown-class", f"<{tag} {attribute}=\"{value}\"> names a class that target "
                       f"{target.name!r} does not have ({', '.join(sorted(target.values or ()))})", node)

    def _output_class(self, node: etree._Element, target: Field | None, context: _Context) -> None:
        if node.get("feature") not in ("probability", "affinity", "confidence") or node.get("value") is None:
            return
        named = node.get("targetField")
        declared = context.fields.get(named) if named else target
        if declared is None or not declared.values or declared.optype == "continuous":
            return
        if not _is_class(node.get("value"), declared):
            self.error("unknown-class", f"OutputField {node.get('name')!r} asks for the {node.get('feature')} of "
                       f"class {node.get('value')!r}, which target {declared.name!r} does not have", node)

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

    # -- trees -----------------------------------------------------------------------------------
    def _tree(self, model: etree._Element, context: _Context, target: Field | None, tags: list[str]) -> None:
        """Every check of a tree's Nodes on one walk (forests make this the hot loop: keep it lean)."""
        root = child(model, "Node")
        if root is None:
            return
        cut = self.tree_cut
        tree = cut.tree if cut is not None else None
        # What the screen needs from the model around the tree.
        usable, classes = _usable(context), target.values if target is not None and target.values else None
        numeric_scores = model.get("functionName") == "regression"
        if cut is not None and cut.stood_in:
            # The parser got a stand-in for a tree the screen passed: only what needs the model
            # around it is left. If that fails, the tree takes the stand-in's place and is walked.
            screened = cut.tree.screened
            assert screened is not None
            if model.get("missingValueStrategy", "none") != "defaultChild" and \
                    screened.fits(usable, classes, numeric_scores):
                return
            root = rawtrees.put_back(root, cut.tree.text)
        prefix = root.tag[: root.tag.index("}") + 1] if root.tag[:1] == "{" else ""
        node_tag, distribution_tag, simple_tag = prefix + "Node", prefix + "ScoreDistribution", prefix + "SimplePredicate"
        true_tag, false_tag = prefix + "True", prefix + "False"
        predicate_tags = {prefix + t for t in PREDICATES}
        ignored = {prefix + "Extension", true_tag, false_tag}
        numbers: set[str | None] = set()  # distinct numbers and labels, checked once at the end
        labels: set[str | None] = set()
        scores: set[str | None] = set()
        predicate = _first(root, predicate_tags)
        if predicate is not None and predicate.tag not in ignored:
            for inner in predicate.iter(*tags):
                self._node(inner, context, "<TreeModel>", None, None)
        if predicate is not None and predicate.tag == true_tag \
                and model.get("missingValueStrategy", "none") != "defaultChild":
            # Most trees break no rule: prove it in C first, walk only when the proof fails.
            if treescreen.clean(root, usable, classes, tree, numeric_scores):
                return
        if predicate is None or predicate.tag != true_tag:
            shown = local(predicate) if predicate is not None else "nothing"
            self.error("root-predicate", f"the root Node's predicate is <{shown}>, not <True/>: records it does not "
                       "match get no score", root)
        no_true_child = model.get("noTrueChildStrategy", "returnNullPrediction")
        default_child = model.get("missingValueStrategy", "none") == "defaultChild"
        fields, visible = context.fields, context.visible
        whole = (-math.inf, False, math.inf, False)
        stack: list[tuple[etree._Element, dict[str, tuple[float, bool, float, bool]], etree._Element | None]] = \
            [(root, {}, predicate)]
        while stack:
            node, bounds, predicate = stack.pop()
            nodes: list[etree._Element] = []
            distributions: list[etree._Element] = []
            for item in node:
                item_tag = item.tag
                if item_tag == node_tag:
                    nodes.append(item)
                elif item_tag == distribution_tag:
                    distributions.append(item)
                elif item is predicate or item_tag in ignored or not isinstance(item_tag, str):
                    continue
                else:
                    for inner in item.iter(*tags):
                        self._node(inner, context, "<TreeModel>", target, "classification" if target else None)
            numbers.add(node.get("recordCount"))
            labels.add(node.get("score"))
            scores.add(node.get("score"))
            if distributions:
                probabilities = []
                for item in distributions:
                    probability = item.get("probability")
                    probabilities.append(probability)
                    numbers.add(probability)
                    numbers.add(item.get("recordCount"))
                    labels.add(item.get("value"))
                if None not in probabilities:
                    values = [_number_or_nan(v) for v in probabilities]
                    if abs(sum(values) - 1) > PROBABILITY_TOLERANCE or not all(0 <= v <= 1 for v in values):
                        self._probabilities(node, "Node", distributions)
            if not nodes:
                continue
            if default_child:
                default = node.get("defaultChild")
                if default is None or default not in {n.get("id") for n in nodes}:
                    self.error("lost-records", "missingValueStrategy=\"defaultChild\" but this Node "
                               + ("has no defaultChild" if default is None else f"names defaultChild={default!r}, "
                                  "which is not one of its children")
                               + ": records with a missing value get no score", node)
            after_true = False
            spans: list[tuple[float, bool, float, bool]] | None = []
            span_field = None
            for item in nodes:
                kid = _first(item, predicate_tags)
                kid_tag = kid.tag if kid is not None else None
                limits = bounds
                if after_true:
                    self.error("unreachable-node", "this Node follows a sibling whose predicate is <True/>, so no "
                               "record reaches it", item)
                elif kid_tag == false_tag:
                    self.error("unreachable-node", "this Node's predicate is <False/>, so no record reaches it", item)
                if kid_tag == true_tag:
                    after_true = True
                    spans = None
                elif kid_tag == simple_tag:
                    # The predicate's checks and the values it accepts, from one read of its attributes.
                    name = kid.get("field")
                    declared = fields.get(name) if name in visible else None
                    if declared is None:
                        self._node(kid, context, "<TreeModel>", None, None)
                        accepted = None
                    else:
                        operator, value = kid.get("operator"), kid.get("value")
                        self._predicate_type(kid, declared, operator, value)
                        accepted = span(declared.numeric, operator, value)
                    if accepted is None:
                        spans = None
                    else:
                        joined = intersect(bounds[name], accepted) if name in bounds else accepted
                        if joined is None and not after_true:
                            self.error("unreachable-node", f"this Node's predicate on {name!r} contradicts its "
                                       "ancestors', so no record reaches it", item)
                        limits = dict(bounds)  # each child narrows its own copy
                        limits[name] = joined or accepted
                        if spans is not None and span_field in (None, name):
                            span_field = name
                            spans.append(accepted)
                        else:
                            spans = None
                else:
                    spans = None
                    if kid is not None and kid_tag not in ignored:
                        for inner in kid.iter(*tags):
                            self._node(inner, context, "<TreeModel>", None, None)
                stack.append((item, limits, kid))
            # Only continuous real fields: x <= 1 and x >= 2 cover every integer, and the equal
            # children of a categorical field cover its listed values.
            declared = fields.get(span_field or "")
            if (spans and not after_true and no_true_child == "returnNullPrediction" and declared is not None
                    and declared.data_type != "integer" and declared.optype in (None, "continuous")
                    and not covers(spans, bounds.get(span_field or "", whole))):
                self.error("lost-records", f"this Node's children do not cover every value of {span_field!r} and "
                           "noTrueChildStrategy is returnNullPrediction: the records in the gap get no score", node)
        # Few distinct values: check them once; only a bad one sends us looking for its elements.
        numbers.discard(None)
        labels.discard(None)
        if any(not math.isfinite(_number_or_nan(v)) for v in numbers):
            for node in model.iter(node_tag, distribution_tag):
                self._numbers(node)
        if target is not None and target.values and any(not _is_class(v, target) for v in labels):
            for node in model.iter(node_tag, distribution_tag):
                self._classes(node, local(node) or "", target)
        if not self.target_reported:
            self._target_uses(model, context, [root])
        scores.discard(None)
        if numeric_scores and any(number(v) is None for v in scores):
            for node in model.iter(node_tag):
                score = node.get("score")
                if score is not None and number(score) is None:
                    self.error("tree-score", f"<Node score=\"{score}\"> in a regression tree is not a number: records "
                               "reaching it get no score", node)

    # -- values that must fit their type, counts that must agree ---------------------------------
    def _mining_field(self, node: etree._Element, declared: Field | None) -> None:
        """A MiningField's replacement values and outlier bounds."""
        name = node.get("name")
        if declared is not None and declared.numeric:
            for attribute in ("missingValueReplacement", "invalidValueReplacement"):
                text = node.get(attribute)
                if text is not None and number(text) is None:
                    self.error("value-type", f"MiningField {name!r} has {attribute}=\"{text}\", not a number for "
                               f"a {declared.data_type} field: the records it replaces get no score", node)
        if node.get("outliers") not in ("asExtremeValues", "asMissingValues"):
            return
        low, high = node.get("lowValue"), node.get("highValue")
        if low is None or high is None:
            self.error("outlier-bounds", f"MiningField {name!r} has outliers=\"{node.get('outliers')}\" without "
                       + ("lowValue and highValue" if low is None and high is None else
                          "lowValue" if low is None else "highValue") + ": the engine cannot score it", node)
            return
        low_number, high_number = number(low), number(high)
        if low_number is not None and high_number is not None and low_number > high_number:
            self.error("outlier-bounds", f"MiningField {name!r} has lowValue=\"{low}\" above highValue=\"{high}\": "
                       "its outliers are replaced by the wrong bound", node)

    def _expression_values(self, node: etree._Element, tag: str) -> None:
        """Constant, Discretize and MapValues values that cannot be the number their result must be."""
        data_type = node.get("dataType")
        parent = node.getparent()
        if data_type is None and parent is not None and local(parent) == "DerivedField":
            data_type = parent.get("dataType")  # the expression's value is the field's
        if data_type not in NUMERIC_TYPES:
            return
        if tag == "Constant":
            values = [] if node.get("missing") == "true" or not (node.text or "").strip() else \
                [("value", node, node.text)]
        else:
            values = [(a, node, node.get(a)) for a in ("mapMissingTo", "defaultValue")]
            values += [("binValue", b, b.get("binValue")) for b in children(node, "DiscretizeBin")]
        for attribute, where, text in values:
            if text is not None and number(text) is None:
                what = f"<Constant>{text.strip()}</Constant>" if tag == "Constant" else f"<{local(where)} " \
                    f"{attribute}=\"{text}\">"
                self.error("value-type", f"{what} is not a number, but its value is a {data_type}: records it "
                           "reaches get no score", where)
                return

    def _linear_norms(self, node: etree._Element) -> None:
        origins = [number(n.get("orig")) for n in children(node, "LinearNorm")]
        if None in origins:
            return  # reported as non-finite
        for before, after in zip(origins, origins[1:]):
            if not before < after:  # type: ignore[operator]
                self.error("linear-norm-order", f"<NormContinuous field=\"{node.get('field')}\">'s LinearNorm orig "
                           f"values are not strictly ascending ({before:g} then {after:g}): the "
                           "interpolation is undefined", node)
                return

    def _array_count(self, node: etree._Element) -> None:
        declared = node.get("n")
        if declared is None:
            return
        text = node.text or ""
        count = len(_ARRAY_ITEM.findall(text)) if '"' in text else len(text.split())
        if declared.strip() != str(count):
            self.error("array-count", f"<Array n=\"{declared}\"> holds {count} values", node)

    def _arity(self, node: etree._Element, name: str, where: str) -> None:
        bounds = ARITY.get(name)
        if bounds is None:
            return
        count = sum(1 for c in node if isinstance(c.tag, str) and local(c) != "Extension")
        least, most = bounds
        if count < least or (most is not None and count > most):
            wanted = str(least) if least == most else f"{least} to {most}" if most else f"at least {least}"
            self.error("function-arity", f"{where} applies {name!r} to {count} argument(s); it takes {wanted}",
                       node)

    def _target_uses(self, model: etree._Element, context: _Context, parts: list[etree._Element] | None = None
                     ) -> bool:
        """A target used as an input: it is never given when scoring, so the score is missing or wrong.

        Looks in ``parts`` (default: the model's body, but for a TreeModel's Nodes: the tree rules
        leave target fields out of the fields predicates may use, and look here only when they walk
        the tree). Returns whether it reported one (once per model)."""
        targets = _targets(context)
        if not targets or local(model) in TARGET_IN_BODY_MODELS:
            return False
        tree = local(model) == "TreeModel"
        for part in parts if parts is not None else model:
            name = local(part)
            if name in NOT_BODY | MODEL_TAGS | TARGET_SCOPES or not isinstance(part.tag, str) or \
                    (parts is None and tree and name == "Node"):
                continue
            # XPath finds the few elements naming a target in C.
            for inner in _NAMING(part, t=sorted(targets)[0]) if len(targets) == 1 else \
                    [e for t in sorted(targets) for e in _NAMING(part, t=t)]:
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

    def _output_feature(self, node: etree._Element, tag: str, function: str | None) -> None:
        if function == "regression" and node.get("feature") == "probability" and node.get("segmentId") is None:
            self.error("output-feature", f"OutputField {node.get('name')!r} asks a regression <{tag}> for a "
                       "probability, which it does not produce", node)

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
        outputs = child(model, "NeuralOutputs")
        for node in children(outputs, "NeuralOutput") if outputs is not None else []:
            if node.get("outputNeuron") not in known:
                self.error("neural-wiring", f"NeuralOutput reads neuron {node.get('outputNeuron')!r}, which does "
                           "not exist", node)

    def _neuron_id(self, node: etree._Element, known: set[str]) -> None:
        ident = node.get("id")
        if ident in known:
            self.error("neural-wiring", f"neuron id {ident!r} is used twice", node)
        known.add(ident)


# -- helpers -------------------------------------------------------------------------------------
# Elements with an attribute (of those that name fields, vocabulary.REFERENCES) equal to $t.
_NAMING = etree.XPath("descendant-or-self::*[" + " or ".join(
    f"@{a}=$t" for a in sorted({a for names in REFERENCES.values() for a in names})) + "]")
# One value of an Array: a quoted string (with \" escapes) or a run of non-blank characters.
_ARRAY_ITEM = re.compile(r'"(?:[^"\\]|\\.)*"|[^\s"]+')


def _drop_previous(node: etree._Element) -> None:
    """Streaming: free the siblings before ``node`` (already checked)."""
    parent = node.getparent()
    while node.getprevious() is not None:
        del parent[0]


def _empty(node: etree._Element) -> None:
    """Drop an element's content (children and text), keeping its attributes and its tail."""
    del node[:]
    node.text = None


def _targets(context: _Context) -> list[str]:
    """The model's target fields, in MiningSchema order (usageType target, or 4.1's predicted)."""
    return [n for n, item in context.mining.items() if item.get("usageType") in ("target", "predicted")]


def _usable(context: _Context) -> list[str]:
    """The fields a tree's SimplePredicates may order without a word from the rules: visible,
    declared numeric, not a target (a tree that orders one is walked, and the walk reports it)."""
    targets = _targets(context)
    return [n for n in context.visible if getattr(context.fields.get(n), "numeric", False) and n not in targets]


def _number_or_nan(text: str) -> float:
    value = number(text)
    return math.nan if value is None else value


def _first(node: etree._Element, tags: set[str]) -> etree._Element | None:
    for item in node:
        if item.tag in tags:
            return item
    return None




def _is_class(value: str, target: Field) -> bool:
    if value in (target.values or ()):
        return True
    if target.numeric:
        read = number(value)
        return read is not None and any(number(v) == read for v in target.values or ())
    return False
