"""One gate: what validate blocks is exactly what load refuses (tests/test_gate_differential.py).

For each document, ``verdicts`` gives validate's blocking issue (``refusal(validate(...))``) and
what ``pmmlkit.load`` does with it. Load is the gate plus the engine: where validate blocks, the gate
must refuse with the same code (checked without starting the engine, which the gate never
reaches); where validate passes, the engine must load the document and score at least one of a
few generated records (a document that loads but scores every record null is a silent failure,
which validate must block).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from lxml import etree

import pmmlkit
from pmmlkit.errors import PMMLError
from pmmlkit.scoring.evaluator import categories_in_use, warm_up_frame
from pmmlkit.scoring.inputs import DATE_REASON
from pmmlkit.validate import validate
from pmmlkit.validation import gate, refusal

RECORDS = 24


@dataclass(frozen=True)
class Verdicts:
    blocked: str | None  # the code of validate's first blocking issue
    refused: str | None  # what load said when it refused (or scored nothing)

    @property
    def agree(self) -> bool:
        return (self.blocked is None) == (self.refused is None)


def verdicts(data: bytes) -> Verdicts:
    first = refusal(validate(data))
    if first is not None:
        try:
            gate(data)
        except PMMLError as exc:
            return Verdicts(first.code, str(exc))
        return Verdicts(first.code, None)
    try:
        model = pmmlkit.load(data, cache=False, warm=False)
    except PMMLError as exc:
        return Verdicts(None, str(exc))
    return Verdicts(None, silent_null(model, data))


def silent_null(model: pmmlkit.Model, data: bytes) -> str | None:
    """What is wrong when ``model`` scores none of a few generated records (None when one scores)."""
    if not model.output_names:
        return "the engine loads it but declares no output"
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    if any(node.get("feature") == "residual" for node in root.iter("{*}OutputField")):
        return None  # a residual needs the target's value, which generated records do not have
    frame = warm_up_frame(model.input_fields, RECORDS, categories_in_use(root), seed=1)
    try:
        # A model without inputs scores records that give nothing (a frame without columns has no rows).
        scored = model.predict(frame) if model.input_names else pd.DataFrame(model.predict([{}] * RECORDS))
    except PMMLError as exc:
        if _scores_named_values(model, frame, root):
            return None
        return f"the engine loads it but every record fails: {exc}"
    if scored.isna().all().all() and not _scores_named_values(model, frame, root) and not _refuses_dates(model, frame):
        return f"the engine loads it but scores every record null ({', '.join(scored.columns)})"
    return None


def _refuses_dates(model: pmmlkit.Model, frame: pd.DataFrame) -> bool:
    """Whether the model takes a date, dateTime or time input, whose every value the input contract
    refuses with the engine's reason (scoring/inputs.DATE_REASON): the generated records give it
    none, so they score null, yet no record is scored null silently."""
    dates = [f.name for f in model.input_fields if f.java_kind == "date"]
    if not dates:
        return False
    dated = frame.head(1).copy() if not frame.empty else pd.DataFrame([{}])
    for name in dates:
        dated[name] = "2020-01-01"
    try:
        model.predict(dated)
    except PMMLError as exc:
        return DATE_REASON in str(exc)
    return False


def _scores_named_values(model: pmmlkit.Model, frame: pd.DataFrame, root: etree._Element) -> bool:
    """Whether records made of the values the document names (in predicates, as a GeneralRegression
    factor's levels, or as the margins of a field's valid Interval) score: a Scorecard whose Attributes match only tenure 1 or 2 scores those,
    though random numbers never hit them; a factor whose field lists no Values scores its levels."""
    named: dict[str, list[str]] = {}
    for node in root.iter("{*}SimplePredicate", "{*}SimpleSetPredicate"):
        values = [node.get("value")] if node.get("value") is not None else \
            " ".join(a.text or "" for a in node.iter("{*}Array")).split()
        named.setdefault(node.get("field") or "", []).extend(v for v in values if v)
    for cell in root.iter("{*}PPCell"):  # a GeneralRegression factor's levels
        named.setdefault(cell.get("predictorName") or "", []).append(cell.get("value") or "")
    for interval in root.iter("{*}Interval"):  # a DataField's valid values may be a narrow range
        parent = interval.getparent()
        if parent is not None and etree.QName(parent).localname == "DataField":
            named.setdefault(parent.get("name") or "", []).extend(
                m for m in (interval.get("leftMargin"), interval.get("rightMargin")) if m is not None)
    columns = [c for c in frame.columns if named.get(c)]
    if not columns or frame.empty:
        return False
    tried = frame.copy()
    for column in columns:
        values = named[column]
        numeric = any(isinstance(x, (int, float)) and not isinstance(x, bool) for x in tried[column].dropna())
        try:
            cycle = [float(v) if numeric else v for v in values]
        except ValueError:
            continue
        tried[column] = [cycle[i % len(cycle)] for i in range(len(tried))]
    try:
        return not model.predict(tried).isna().all().all()
    except PMMLError:
        return False
