"""The field rules: declarations (DataDictionary, TransformationDictionary, LocalTransformations,
Output), a model's scope (its MiningSchema), cycles among derived fields and functions, and what a
MiningField's replacement values and outlier bounds must be."""

from __future__ import annotations

import math

from lxml import etree

from ..pmml import MODEL_TAGS
from .base import CheckerBase
from .elements import Field, Scope, Segments, child, children, declared_field, drop_previous, local, walk
from .vocabulary import BOOLEAN_WORDS, CURRENT, REFERENCES, number


class FieldRules(CheckerBase):
    # -- dictionaries ----------------------------------------------------------------------------
    def _declare(self, table: dict[str, Field], node: etree._Element, what: str) -> Field | None:
        name = node.get("name")
        if name is None:
            self.error("missing-name", f"a <{local(node)}> in {what} has no name", node)
            return None
        if not name and local(node) == "DataField":  # (an empty OutputField or DerivedField name loads)
            self.error("missing-name", f"a <DataField> in {what} has an empty name, which the engine refuses to "
                       "load: name the field", node)
            return None
        declared = declared_field(node)
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
        if declared is not None:
            self._value_types(declared, node)
        if self.drop:
            drop_previous(node)

    def _value_types(self, declared: Field, node: etree._Element) -> None:
        """A DataField's listed Values must be of its dataType (PMML4S refuses the document or scores
        null: a class "red" of an integer field)."""
        for value in declared.values or ():
            if (declared.numeric and number(value) is None) or \
                    (declared.data_type == "boolean" and value.strip().lower() not in BOOLEAN_WORDS):
                self.error("value-type", f"DataField {declared.name!r} lists the value {value!r}, which is not a "
                           f"{declared.data_type}: records with it get no score", node)
                return

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
        for item in derived:  # what each uses, for the rules that follow a field through them
            self.derived_uses[item.get("name") or ""] = {inner.get(a) for inner in walk(item)
                                                         for a in REFERENCES.get(local(inner) or "", ())
                                                         if inner.get(a) is not None}
        for item in derived:
            declared = self._declare(self.fields, item, "the DataDictionary and TransformationDictionary")
            if declared is not None:
                self._type_conflict(declared, item)
        for function in children(node, "DefineFunction"):
            listed = [p.get("name") for p in children(function, "ParameterField")]
            parameters = set(listed)
            if len(parameters) != len(listed):
                self.error("duplicate-field", f"function {function.get('name')!r} names a ParameterField twice",
                           function)
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
        infinite = next((m for m, v in (("leftMargin", left), ("rightMargin", right)) if v is not None and
                         not math.isfinite(v)), None)
        if infinite is not None:  # an open side is written by leaving the margin out
            self.error("non-finite", f"Interval {infinite}=\"{node.get(infinite)}\" is not finite (leave the margin out "
                       "for an open side): PMML4S then finds no value valid", node)
            return
        if left is None or right is None:
            return
        closure = node.get("closure", "")
        if left > right or (left == right and closure != "closedClosed"):
            self.error("reversed-interval", f"Interval [{node.get('leftMargin')}, {node.get('rightMargin')}] "
                       f"({closure or 'no closure'}) contains no value", node)

    # -- models ----------------------------------------------------------------------------------
    def _context(self, model: etree._Element) -> Scope:
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
                state = self.segmentations.setdefault(segmentation, Segments())
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
                if name is None:
                    self.error("missing-name", f"a <MiningField> in the MiningSchema of <{local(model)}> has no "
                               "name: name the field it lists", item)
                    continue
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
        context = Scope(model, mining, set(fields), fields, parent, depth)
        self.contexts[model] = context
        return context

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
        if node.get("invalidValueTreatment") == "asValue" and node.get("invalidValueReplacement") is None:
            self.error("value-type", f"MiningField {name!r} has invalidValueTreatment=\"asValue\" without an "
                       "invalidValueReplacement: the engine fails on an invalid value", node)
        if node.get("outliers") not in ("asExtremeValues", "asMissingValues"):
            return
        low, high = node.get("lowValue"), node.get("highValue")
        if low is None or high is None:
            self.error("outlier-bounds", f"MiningField {name!r} has outliers=\"{node.get('outliers')}\" without "
                       + ("lowValue and highValue" if low is None and high is None else
                          "lowValue" if low is None else "highValue") + ": the engine cannot score it", node)
            return
        low_number, high_number = number(low), number(high)
        if any(v is not None and not math.isfinite(v) for v in (low_number, high_number)):
            self.error("outlier-bounds", f"MiningField {name!r} has an infinite outlier bound (lowValue=\"{low}\", "
                       f"highValue=\"{high}\"): the engine fails", node)
            return
        if low_number is not None and high_number is not None and low_number > high_number:
            self.error("outlier-bounds", f"MiningField {name!r} has lowValue=\"{low}\" above highValue=\"{high}\": "
                       "its outliers are replaced by the wrong bound", node)
