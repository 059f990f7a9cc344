"""Explanations and reason codes of a Scorecard (PMML 4.4 "Scorecard"), read from the document.

A Scorecard's score is ``initialScore`` plus, per Characteristic, the ``partialScore`` of its first
Attribute whose predicate is true: exactly additive, so each Characteristic's partial score is the
contribution of the one input its predicates read, and ``initialScore`` is the base value.

Reason codes (``useReasonCodes``, OutputFields ``feature="reasonCode" rank="N"``): each chosen
Attribute's code (its own ``reasonCode``, else its Characteristic's) gets the points
``baselineScore - partialScore`` (``pointsBelow``, the default) or ``partialScore - baselineScore``
(``pointsAbove``), the baseline being the Characteristic's ``baselineScore`` or else the
Scorecard's; points are summed per code, codes with points of 0 or more are ranked largest first
(ties in document order), and rank N is the N-th code or missing when there are fewer. This is what
JPMML-Evaluator answers (tested); PMML4S repeats the last code in the ranks beyond the codes that
are ranked, so pmmlkit computes reason codes here rather than take the engine's. (A code with
negative points explains nothing and is left out; one with 0 points is ranked, as JPMML does.)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from lxml import etree

from ..errors import PMMLError
from ..pmml import find_child, tag_of
from .trees import PREDICATES, evaluate


def characteristics(model: etree._Element) -> list[etree._Element]:
    holder = find_child(model, "Characteristics")
    return [c for c in ([] if holder is None else holder) if isinstance(c.tag, str) and tag_of(c) == "Characteristic"]


def complex_score_name(characteristic: int, attribute: int) -> str:
    """The name :func:`reason_codes` reads the value of the ComplexPartialScore of Attribute
    ``attribute`` of Characteristic ``characteristic`` (both counted from 0) under."""
    return f"pmmlkit-partialScore({characteristic},{attribute})"


def chosen_attributes(model: etree._Element, values: Mapping[str, np.ndarray], rows: int, complex_scores: bool = False
                      ) -> list[tuple[etree._Element, list[etree._Element], np.ndarray]]:
    """Per Characteristic: (characteristic, its attributes, index of the first true one per row, -1
    when none is). A ComplexPartialScore is refused unless ``complex_scores`` (its values are given)."""
    found = []
    for characteristic in characteristics(model):
        attributes = [a for a in characteristic if isinstance(a.tag, str) and tag_of(a) == "Attribute"]
        chosen = np.full(rows, -1, dtype=np.int64)
        for i, attribute in enumerate(attributes):
            if not complex_scores and find_child(attribute, "ComplexPartialScore") is not None:
                raise PMMLError(f"line {attribute.sourceline}: an Attribute with a ComplexPartialScore has no "
                                "exact explanation here")
            predicate = next((c for c in attribute if isinstance(c.tag, str) and tag_of(c) in PREDICATES), None)
            true, _ = evaluate(predicate, values, rows)
            chosen[(chosen < 0) & true] = i
        found.append((characteristic, attributes, chosen))
    return found


def partial_scores(model: etree._Element, values: Mapping[str, np.ndarray], rows: int) -> np.ndarray:
    """``(rows, characteristics)``: each chosen Attribute's partialScore (NaN when none is true)."""
    columns = []
    for _, attributes, chosen in chosen_attributes(model, values, rows):
        scores = np.array([float(a.get("partialScore", "nan")) for a in attributes] + [np.nan])
        columns.append(scores[chosen])  # index -1 is the NaN appended
    return np.column_stack(columns) if columns else np.zeros((rows, 0))


def reason_codes(model: etree._Element, values: Mapping[str, np.ndarray], rows: int) -> pd.DataFrame | None:
    """The reasonCode OutputFields' values (one column per field, by name), or None when the model
    declares none or does not use reason codes. An Attribute's ComplexPartialScore is read from
    ``values`` under :func:`complex_score_name` (else refused)."""
    output = find_child(model, "Output")
    fields = [f for f in ([] if output is None else output)
              if isinstance(f.tag, str) and f.get("feature") == "reasonCode"]
    if not fields or model.get("useReasonCodes", "true") != "true":
        return None
    below = model.get("reasonCodeAlgorithm", "pointsBelow") == "pointsBelow"
    default_baseline = model.get("baselineScore")
    ranked: list[list[str]] = [[] for _ in range(rows)]
    points: list[dict[str, float]] = [{} for _ in range(rows)]
    complex_scores = any(name.startswith("pmmlkit-partialScore(") for name in values)
    for c, (characteristic, attributes, chosen) in enumerate(chosen_attributes(model, values, rows, complex_scores)):
        baseline_text = characteristic.get("baselineScore", default_baseline)
        if baseline_text is None:
            raise PMMLError(f"line {characteristic.sourceline}: reason codes need a baselineScore on the "
                            "Characteristic or the Scorecard")
        baseline = float(baseline_text)
        for row in range(rows):
            if chosen[row] < 0:
                continue
            attribute = attributes[chosen[row]]
            code = attribute.get("reasonCode") or characteristic.get("reasonCode")
            if code is None:
                continue
            if find_child(attribute, "ComplexPartialScore") is not None:
                partial = float(values[complex_score_name(c, int(chosen[row]))][row])
            else:
                partial = float(attribute.get("partialScore", "0"))
            difference = baseline - partial if below else partial - baseline
            points[row][code] = points[row].get(code, 0.0) + difference
    for row in range(rows):
        kept = [(code, value) for code, value in points[row].items() if value >= 0]
        ranked[row] = [code for code, _ in sorted(kept, key=lambda item: -item[1])]  # stable: ties in order
    columns = {}
    for field in fields:
        rank = int(field.get("rank", "1"))
        columns[field.get("name")] = [codes[rank - 1] if len(codes) >= rank else None for codes in ranked]
    return pd.DataFrame(columns, dtype=object)  # missing ranks stay None
