"""AssociationModel (PMML 4.4 "Association Rules") over items read from fields, one basket a row.

A row's basket is the set of Items it holds: an Item with ``field`` and ``category`` where that
field equals the category; an Item whose ``value`` names a field (a true/false field) where the
field is true; an Item whose ``value`` is ``field=category`` where the field equals the category
(the forms JPMML-Evaluator reads; a missing value holds no item). An Itemset is in the basket when
all its Items are; a rule's antecedent and consequent are Itemsets.

Outputs are ``feature="ruleValue"`` fields. ``algorithm`` selects a row's rules:
``recommendation`` (the antecedent is in the basket), ``exclusiveRecommendation`` (the
antecedent is, the consequent is not; the default) or ``ruleAssociation`` (both are). The
selected rules are ranked by ``rankBasis`` (confidence, support, lift, leverage or affinity;
default confidence) in ``rankOrder`` (default descending), rules with equal values in document
order; ``rank`` N (default 1) takes the N-th, missing when fewer are selected. ``ruleFeature``
says what of it: ``consequent`` (the default) or ``antecedent`` (one item: its value; several:
``{a,b}``), ``rule`` (``{a,b}->{c}``, as JPMML-Evaluator writes it), ``ruleId`` (its ``id``, else
its 1-based position) or one of its measures.

Not compiled (refused at load): transactional data, where a basket spans several rows grouped by
a ``usageType="group"`` field (pmmlkit scores each row on its own; PMML4S scores no
AssociationModel and JPMML-Evaluator takes such a basket as one collection value), and
``isMultiValued="1"`` outputs (a list per row).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .fields import DataField, elements, first, parse_value
from .ir import Column, Env, Prediction, unsupported

_ALGORITHMS = ("recommendation", "exclusiveRecommendation", "ruleAssociation")
_MEASURES = ("confidence", "support", "lift", "leverage", "affinity")
_FEATURES = ("antecedent", "consequent", "rule", "ruleId", *_MEASURES)

Present = Callable[[Env], np.ndarray]


def _item(node: Any, fields: dict[str, DataField], active: list[str]) -> tuple[Present, str]:
    """Where the Item is in a row's basket, and the text that names it."""
    value = node.get("value")
    if value is None:
        raise unsupported(node, "an <Item> without value")
    name, category = node.get("field"), node.get("category")
    if name is not None and category is None:
        raise unsupported(node, "an <Item field=...> without category")
    if name is None and value in active:
        field = fields.get(value)
        if field is None or not (field.data_type == "boolean" or set(field.valid) <= {"true", "false"} and field.valid):
            raise unsupported(node, f"an <Item> named after field {value!r}, which is not a true/false field")
        name, category = value, "true"
    elif name is None:
        prefix, equals, rest = value.partition("=")
        if not equals or prefix not in active:
            raise unsupported(node, f"an <Item value={value!r}> that names no active field (write field=... "
                                    "category=...)")
        name, category = prefix, rest
    if name not in active:
        raise unsupported(node, f"an <Item> of field {name!r}, which is not an active field of the model")
    field = fields.get(name)
    numeric = field is not None and field.numeric
    wanted = parse_value(category, numeric)

    def present(env: Env) -> np.ndarray:
        values = env.get(name)
        return np.asarray(values == wanted, dtype=bool)  # object arrays compare element by element
    return present, value


def _itemset_text(names: list[str]) -> str:
    return names[0] if len(names) == 1 else "{" + ",".join(names) + "}"


def association_model(node: Any, fields: dict[str, DataField], usages: dict[str, str]) -> Callable[[Env], Prediction]:
    if "group" in usages.values():
        raise unsupported(node, "an AssociationModel over transactions (a usageType=\"group\" field: a basket spans "
                                "several rows, and pmmlkit scores each row on its own; write the items as fields, "
                                "<Item field=... category=...>)")
    active = [name for name, usage in usages.items() if usage == "active"]
    items: dict[str, tuple[Present, str]] = {}
    for item in elements(node, "Item"):
        items[item.get("id")] = _item(item, fields, active)
    itemsets: dict[str, list[str]] = {}
    for itemset in elements(node, "Itemset"):
        refs = [r.get("itemRef") for r in elements(itemset, "ItemRef")]
        unknown = [r for r in refs if r not in items]
        if unknown:
            raise unsupported(itemset, f"an <Itemset> referring to the unknown Item {unknown[0]!r}")
        itemsets[itemset.get("id")] = refs
    rules = elements(node, "AssociationRule")
    for rule in rules:
        for side in ("antecedent", "consequent"):
            if rule.get(side) not in itemsets:
                raise unsupported(rule, f"an <AssociationRule> whose {side} is not an Itemset")
    set_ids = list(itemsets)
    antecedent = np.array([set_ids.index(r.get("antecedent")) for r in rules], dtype=np.int64)
    consequent = np.array([set_ids.index(r.get("consequent")) for r in rules], dtype=np.int64)

    def side_text(rule: Any, side: str) -> str:
        return _itemset_text([items[ref][1] for ref in itemsets[rule.get(side)]])

    texts = {
        "antecedent": [side_text(r, "antecedent") for r in rules],
        "consequent": [side_text(r, "consequent") for r in rules],
        "rule": ["{" + ",".join(items[i][1] for i in itemsets[r.get("antecedent")]) + "}->{" +
                 ",".join(items[i][1] for i in itemsets[r.get("consequent")]) + "}" for r in rules],
        "ruleId": [r.get("id") or str(k + 1) for k, r in enumerate(rules)],
    }
    measures = {m: np.array([float(r.get(m, "nan")) for r in rules] + [np.nan]) for m in _MEASURES}
    values = {k: np.array(v + [None], dtype=object) for k, v in texts.items()}
    values.update(measures)
    output = first(node, "Output")
    plans: dict[int, tuple[str, np.ndarray, int, str]] = {}
    for field in elements(output, "OutputField") if output is not None else []:
        if field.get("feature") != "ruleValue":
            raise unsupported(field, f"<OutputField feature={field.get('feature')!r}> of an AssociationModel (it "
                                     "gives ruleValue outputs)")
        plans[field.get("name")] = _plan(field, rules, measures)
    members = [items[ref][0] for ref in items]
    index = {ref: k for k, ref in enumerate(items)}

    def run(env: Env) -> Prediction:
        held = np.vstack([m(env) for m in members]) if members else np.zeros((0, env.rows), dtype=bool)
        in_basket = np.ones((len(set_ids), env.rows), dtype=bool)
        for s, refs in enumerate(itemsets.values()):
            for ref in refs:
                in_basket[s] &= held[index[ref]]
        has_antecedent = in_basket[antecedent] if len(rules) else np.zeros((0, env.rows), dtype=bool)
        has_consequent = in_basket[consequent] if len(rules) else np.zeros((0, env.rows), dtype=bool)
        selected = {"recommendation": has_antecedent, "exclusiveRecommendation": has_antecedent & ~has_consequent,
                    "ruleAssociation": has_antecedent & has_consequent}

        def feature(field: Any, rows: int) -> Column:
            algorithm, order, rank, what = plans[field.get("name")]
            chosen = selected[algorithm][order]  # rules in rank order
            reached = chosen & (np.cumsum(chosen, axis=0) == rank)
            found = reached.any(axis=0)
            rule = np.where(found, order[np.argmax(reached, axis=0)] if len(rules) else 0, len(rules))
            return values[what][rule]
        prediction = Prediction(np.full(env.rows, None, dtype=object))
        prediction.extra["feature"] = feature
        return prediction
    return run


def _plan(field: Any, rules: list[Any], measures: dict[str, np.ndarray]) -> tuple[str, np.ndarray, int, str]:
    """(algorithm, the rules' ranking order, rank, ruleFeature) of a ruleValue OutputField."""
    if field.get("isMultiValued", "0") not in ("0", "false"):
        raise unsupported(field, "an isMultiValued ruleValue <OutputField> (a list of rules per row; name one rank "
                                 "per OutputField)")
    algorithm = field.get("algorithm", "exclusiveRecommendation")
    basis = field.get("rankBasis", "confidence")
    order_name = field.get("rankOrder", "descending")
    what = field.get("ruleFeature", "consequent")
    rank = int(field.get("rank", "1"))
    if algorithm not in _ALGORITHMS:
        raise unsupported(field, f"algorithm={algorithm!r}")
    if basis not in _MEASURES or order_name not in ("descending", "ascending"):
        raise unsupported(field, f"rankBasis={basis!r} rankOrder={order_name!r}")
    if what not in _FEATURES:
        raise unsupported(field, f"ruleFeature={what!r}")
    if rank < 1:
        raise unsupported(field, f"rank={rank}")
    keys = measures[basis][:-1]
    if np.isnan(keys).any():
        raise unsupported(field, f"rankBasis={basis!r} over rules that do not all state their {basis}")
    order = np.argsort(-keys if order_name == "descending" else keys, kind="stable")
    return algorithm, order, rank, what
