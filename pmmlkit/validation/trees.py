"""The tree rules: a TreeModel's Nodes (root predicate, reachability, records lost, scores) on one walk,
and what a predicate compares."""

from __future__ import annotations

import math

from lxml import etree

from . import rawtrees, treescreen
from .base import CheckerBase
from .elements import Field, Scope, child, first_child, is_class, local, number_or_nan, usable_fields, valid_bounds
from .spans import Span, covers, intersect, span
from .vocabulary import NUMERIC_TYPES, ORDER_OPERATORS, PREDICATES, PROBABILITY_TOLERANCE, VALUE_OPERATORS, number


class TreeRules(CheckerBase):
    # -- trees -----------------------------------------------------------------------------------
    def _tree(self, model: etree._Element, context: Scope, target: Field | None, tags: list[str]) -> None:
        """Every check of a tree's Nodes on one walk (forests make this the hot loop: keep it lean)."""
        root = child(model, "Node")
        if root is None:
            return
        cut = self.tree_cut
        tree = cut.tree if cut is not None else None
        # What the screen needs from the model around the tree.
        usable, classes = usable_fields(context), target.values if target is not None and target.values else None
        # A regression's scores, and a classification's whose target is a number field, must be numbers.
        numeric_scores = model.get("functionName") == "regression" or (
            target is not None and target.data_type in NUMERIC_TYPES)
        # A regression Node's ScoreDistributions give it no score (a classification's give the class).
        distributions_score = model.get("functionName") != "regression"
        if cut is not None and cut.stood_in:
            # The parser got a stand-in for a tree the screen passed: only what needs the model
            # around it is left. If that fails, the tree takes the stand-in's place and is walked.
            screened = cut.tree.screened
            assert screened is not None
            if model.get("missingValueStrategy", "none") != "defaultChild" and \
                    screened.fits(usable, classes, numeric_scores, distributions_score):
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
        predicate = first_child(root, predicate_tags)
        if predicate is not None and predicate.tag not in ignored:
            for inner in predicate.iter(*tags):
                self._node(inner, context, "<TreeModel>", None, None)
        if root.get("score") is None and first_child(
                root, {node_tag, distribution_tag} if distributions_score else {node_tag}) is None:
            self.error("tree-score", "the tree is a single Node without a score: every record gets no score (give "
                       "the Node a score)", root)
        if predicate is not None and predicate.tag == true_tag \
                and model.get("missingValueStrategy", "none") != "defaultChild":
            # Most trees break no rule: prove it in C first, walk only when the proof fails.
            if treescreen.clean(root, usable, classes, tree, numeric_scores, distributions_score):
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
            [(root, valid_bounds(context), predicate)]
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
                    values = [number_or_nan(v) for v in probabilities]
                    if abs(sum(values) - 1) > PROBABILITY_TOLERANCE or not all(0 <= v <= 1 for v in values):
                        self._probabilities(node, "Node", distributions)
            if not nodes:
                if node is not root and node.get("score") is None and not (distributions and distributions_score):
                    self.error("tree-score", "this leaf Node has no score: records reaching it get none (give it a "
                               "score)", node)
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
                kid = first_child(item, predicate_tags)
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
                                       "ancestors' (or the field's valid Interval), so no record reaches it", item)
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
            # Only continuous fields (an integer one by the integers each span holds: x <= 1 and
            # x >= 2 cover every integer, x <= 1.5 and x > 2 miss 2), and the equal
            # children of a categorical field cover its listed values.
            declared = fields.get(span_field or "")
            if (spans and not after_true and no_true_child == "returnNullPrediction" and declared is not None
                    and declared.optype in (None, "continuous")
                    and not covers(*_as_integers(spans, bounds.get(span_field or "", whole),
                                                 declared.data_type == "integer"))):
                self.error("lost-records", f"this Node's children do not cover every value of {span_field!r} and "
                           "noTrueChildStrategy is returnNullPrediction: the records in the gap get no score", node)
        # Few distinct values: check them once; only a bad one sends us looking for its elements.
        numbers.discard(None)
        labels.discard(None)
        if any(not math.isfinite(number_or_nan(v)) for v in numbers):
            for node in model.iter(node_tag, distribution_tag):
                self._numbers(node)
        if target is not None and target.values and any(not is_class(v, target) for v in labels):
            for node in model.iter(node_tag, distribution_tag):
                self._classes(node, local(node) or "", target)
        if not self.target_reported:
            self._target_uses(model, context, [root])
        scores.discard(None)
        if numeric_scores and any(number(v) is None for v in scores):
            for node in model.iter(node_tag):
                score = node.get("score")
                if score is not None and number(score) is None:
                    self.error("tree-score", f"<Node score=\"{score}\"> in a regression tree (or one whose target is a "
                               "number) is not a number: records reaching it get no score", node)

    def _simple_predicate(self, node: etree._Element, context: Scope) -> None:
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
        elif declared.numeric and value is not None and not math.isfinite(number(value) or 0.0):
            # PMML4S matches no record against an infinite value (found by the validate/load differential).
            self.error("predicate-type", f"<SimplePredicate field=\"{declared.name}\" operator=\"{operator}\" "
                       f"value=\"{value}\"> compares a {declared.data_type} field with an infinite value, which "
                       "the engine never matches", node)
        elif declared.data_type == "boolean" and value is not None and value not in ("true", "false", "0", "1"):
            self.error("predicate-type", f"<SimplePredicate field=\"{declared.name}\" value=\"{value}\"> compares "
                       "a boolean field with a value that is not true or false", node)

    def _set_predicate(self, node: etree._Element, context: Scope) -> None:
        declared = context.fields.get(node.get("field") or "")
        array = child(node, "Array")
        if declared is None or array is None:
            return
        kind = array.get("type")
        if declared.numeric and kind == "string":
            self.error("predicate-type", f"<SimpleSetPredicate field=\"{declared.name}\"> tests a "
                       f"{declared.data_type} field against an Array of strings", node)
        elif kind in ("int", "real"):  # (of any field: the engine reads the Array as numbers and fails)
            bad = [v for v in (array.text or "").split() if number(v.strip('"')) is None]
            if bad:
                self.error("predicate-type", f"<SimpleSetPredicate field=\"{declared.name}\"> lists non-numbers "
                           f"{bad[:3]} in a type=\"{kind}\" Array", node)


def _as_integers(spans: list[Span], whole: Span, integer: bool) -> tuple[list[Span], Span]:
    """The spans (and the whole) as the integers they hold, each integer n standing for [n-0.5, n+0.5],
    so that integer coverage is real coverage; unchanged for a real field."""
    if not integer:
        return spans, whole

    def held(item: Span) -> Span | None:
        low, low_in, high, high_in = item
        first = low if low == -math.inf else (math.floor(low) + 1 if low == math.floor(low) and not low_in
                                             else math.ceil(low))
        last = high if high == math.inf else (math.ceil(high) - 1 if high == math.ceil(high) and not high_in
                                             else math.floor(high))
        if first > last:
            return None
        return (first - 0.5, True, last + 0.5, True)

    held_whole = held(whole)
    return [h for h in map(held, spans) if h is not None], held_whole if held_whole is not None else whole
