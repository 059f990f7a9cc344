"""The Scorecard rules: what each Attribute adds, the values its predicates name, the records its
Attributes match, and, with reason codes, the code and baseline each gives; and the RuleSet's rule
that records matching no rule need a defaultScore."""

from __future__ import annotations

from lxml import etree

from .base import CheckerBase
from .elements import ARRAY_ITEM, Field, Scope, child, children, local
from .models import _fits, _valid
from .vocabulary import PREDICATES, number, reads_as


class ScorecardRules(CheckerBase):
    def _scorecard_scores(self, model: etree._Element) -> None:
        """What each Attribute adds and, with reason codes (useReasonCodes is true by default), the
        code it gives and the baseline it is measured from: PMML4S refuses an Attribute without a
        score and fails on every record without the rest."""
        reasons = model.get("useReasonCodes", "true") != "false"  # PMML4S reads "0" as true
        characteristics = child(model, "Characteristics")
        for characteristic in children(characteristics, "Characteristic") if characteristics is not None else []:
            name = characteristic.get("name")
            if reasons and characteristic.get("baselineScore") is None and model.get("baselineScore") is None:
                self.error("scorecard-scores", f"Characteristic {name!r} has no baselineScore (nor has the Scorecard) "
                           "although the Scorecard uses reason codes", characteristic)
                return
            for attribute in children(characteristic, "Attribute"):
                if attribute.get("partialScore") is None and child(attribute, "ComplexPartialScore") is None:
                    self.error("scorecard-scores", f"an Attribute of Characteristic {name!r} has neither partialScore "
                               "nor ComplexPartialScore", attribute)
                    return
                if reasons and attribute.get("reasonCode") is None and characteristic.get("reasonCode") is None:
                    self.error("scorecard-scores", f"an Attribute of Characteristic {name!r} has no reasonCode (nor has "
                               "its Characteristic) although the Scorecard uses reason codes", attribute)
                    return
        if reasons and characteristics is not None:
            self._reason_code_types(model, characteristics)

    def _reason_code_types(self, model: etree._Element, characteristics: etree._Element) -> None:
        """A reasonCode OutputField gives the codes converted to its dataType: PMML4S fails on every
        record when a code is not an integer for an integer output, gives null when it is not a
        number for a real one (and pmmlkit's reason codes, which replace PMML4S's, would not fit)."""
        codes = {node.get("reasonCode") for node in characteristics.iter("{*}Characteristic", "{*}Attribute")}
        codes.discard(None)
        output = child(model, "Output")
        for field in children(output, "OutputField") if output is not None else []:
            unfit = next((c for c in sorted(codes) if not reads_as(c, field.get("dataType"))), None)
            if field.get("feature") == "reasonCode" and unfit is not None:
                self.error("output-feature", f"OutputField {field.get('name')!r} declares dataType="
                           f"\"{field.get('dataType')}\" for a reason code, but code {unfit!r} is not one: the engine "
                           "fails or gives null; declare it a string", field)
                return

    def _scorecard_values(self, model: etree._Element, context: Scope) -> None:
        """A Scorecard Attribute's equality predicate must name a value of its field: PMML4S looks the
        value up among the field's and fails on every record when it is not there."""
        for node in model.iter("{*}SimplePredicate"):
            declared = context.fields.get(node.get("field") or "")
            value = node.get("value")
            if node.get("operator") in ("equal", "notEqual") and declared is not None and value is not None \
                    and declared.values and declared.optype != "continuous" and not _fits(value, declared):
                self.error("invalid-value", f"<SimplePredicate field=\"{declared.name}\" value=\"{value}\"> in a "
                           f"Scorecard names a value that is not one of field {declared.name!r}'s "
                           f"{_valid(declared)}: every record fails", node)
                return

    def _scorecard_coverage(self, model: etree._Element, context: Scope) -> None:
        """Each Characteristic has an Attribute every record can match: PMML4S scores a record no
        Attribute matches null, and, with reason codes, fails on it (so on the whole batch)."""
        reasons = model.get("useReasonCodes", "true") != "false"
        characteristics = child(model, "Characteristics")
        for characteristic in children(characteristics, "Characteristic") if characteristics is not None else []:
            name = characteristic.get("name")
            what = f"Characteristic {name!r}" if name else "an unnamed Characteristic"
            predicates = [next((c for c in a if local(c) in PREDICATES), None)
                          for a in children(characteristic, "Attribute")]
            kinds = [local(p) if p is not None else None for p in predicates]
            if kinds and all(k == "False" for k in kinds):
                self.error("lost-records", f"every Attribute of {what} is <False/>, so no record matches one: "
                           "the engine scores every record null (or fails on it, with reason codes); give it an "
                           "Attribute records can match", characteristic)
                return
            gap = None if not reasons or "True" in kinds else _unmatched(predicates, context)
            if gap is not None:
                self.error("lost-records", f"no Attribute of {what} matches {gap}; the Scorecard uses "
                           "reason codes, so the engine fails on such a record (and on the batch it is in): add an "
                           "Attribute for it, or a last one with <True/>", characteristic)
                return

    def _rule_set(self, model: etree._Element) -> None:
        """A RuleSet without defaultScore scores null the records no rule matches: every record when
        no rule can fire (there is none, or each is <False/>)."""
        rules = child(model, "RuleSet")
        if rules is None or rules.get("defaultScore") is not None:
            return
        if not any(next((local(c) for c in rule if local(c) in PREDICATES), None) != "False"
                   for rule in rules.iter("{*}SimpleRule")):
            self.error("lost-records", "the RuleSet has no rule that can fire (none, or each is <False/>) and no "
                       "defaultScore, so every record scores null: give it a defaultScore or rules", rules)


def _unmatched(predicates: list[etree._Element | None], context: Scope) -> str | None:
    """A valid value of a categorical field that none of ``predicates`` (the Attributes' predicates,
    each testing that field) matches, as "field = value"; None when each is matched or it cannot be
    told (other predicates, a field without listed values)."""
    tested = [p for p in predicates if p is None or local(p) != "False"]
    if any(p is None or local(p) not in ("SimplePredicate", "SimpleSetPredicate") for p in tested):
        return None
    names = {p.get("field") for p in tested}
    declared = context.fields.get(names.pop() or "") if len(names) == 1 else None
    if declared is None or not declared.values or declared.optype == "continuous":
        return None
    every = {_value(v, declared) for v in declared.values}
    matched: set[object] = set()
    for predicate in tested:
        operator = predicate.get("operator") or predicate.get("booleanOperator")
        if local(predicate) == "SimpleSetPredicate":
            array = child(predicate, "Array")
            items = {_value(i.strip('"'), declared) for i in ARRAY_ITEM.findall(array.text or "")} \
                if array is not None else set()
        else:
            items = {_value(predicate.get("value") or "", declared)}
        if operator in ("equal", "isIn"):
            matched |= items
        elif operator in ("notEqual", "isNotIn"):
            matched |= every - items
        elif operator == "isNotMissing":
            return None
        elif operator != "isMissing":
            return None  # an order: which values it takes depends on how the engine orders them
    left = sorted(every - matched, key=str)
    return f"{declared.name} = {left[0]!r}" if left else None


def _value(text: str, declared: Field) -> object:
    """A categorical value as the engine compares it: a number for a numeric field ("1" is "1.0")."""
    read = number(text) if declared.numeric else None
    return read if read is not None else text
