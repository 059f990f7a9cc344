"""The Scorecard rules: what each Attribute adds, the values its predicates name, and, with reason
codes, the code and baseline each gives."""

from __future__ import annotations

from lxml import etree

from .base import CheckerBase
from .elements import Scope, child, children
from .models import _fits, _valid


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
