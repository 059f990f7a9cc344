"""A Scorecard's reasonCode outputs on the PMML4S engine, computed by pmmlkit.

PMML4S scores a Scorecard and its first reason code right, but repeats the last code that has
positive points in the ranks beyond it, where PMML 4.4 and JPMML-Evaluator answer missing. The
engine's reasonCode columns are therefore replaced by the codes
:func:`pmmlkit.inspection.scorecard.reason_codes` computes from the document (the same as
``explain`` gives; equal to JPMML-Evaluator's on every rank, tested): one implementation of reason
codes for ``predict``, ``explain``, ``score`` and the server.

The Characteristics' predicates read inputs or derived fields. An input the MiningSchema leaves
as it is comes from the columns the input contract prepared; a derived field, or an input the
MiningSchema treats (missing value replacement, invalid or outlier treatment), from the engine
scoring a copy of the document that outputs those fields (:func:`with_field_outputs`), so the
codes read exactly the values the score does; so does an Attribute's ComplexPartialScore (its
expression becomes a derived field of that copy).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from lxml import etree

from ..inspection.explain import with_field_outputs
from ..inspection.scorecard import characteristics, complex_score_name, reason_codes
from ..pmml import find_child, model_element, tag_of
from .inputs import Prepared

# MiningField attributes that change an input's value before the model reads it.
_TREATMENTS = {"missingValueReplacement": None, "invalidValueTreatment": "returnInvalid", "outliers": "asIs"}
_NUMERIC = ("double", "float", "integer", "real")

EngineFactory = Callable[[etree._Element], Any]


class ReasonCodes:
    """Replaces the reasonCode output columns of a top-level Scorecard with pmmlkit's."""

    def __init__(self, model: etree._Element, positions: dict[str, int], inputs: list[str], numeric: dict[str, bool],
                 engine: Any | None, engine_fields: list[str]) -> None:
        self.model = model
        self.positions = positions  # reasonCode output name -> its position among the engine's outputs
        self.inputs = inputs  # the engine's input names, in the order of the prepared columns
        self.numeric = numeric  # the fields read straight from the inputs: numeric or not
        self.engine = engine  # computes the other fields read (None when there are none)
        self.engine_fields = engine_fields  # what that engine outputs, in order
        # An output that is missing exactly where the engine gives the row no score (an invalid
        # input under returnInvalid, no true Attribute): there every reason code is missing too,
        # as the standard, JPMML-Evaluator and the native engine answer. The predicted value when
        # the document outputs it, else PMML4S's own rank-1 codes (right, unlike the ranks above it):
        # the row has no score where every one of them is missing (PMML4S leaves an OutputField
        # without an explicit rank empty, so one column alone cannot tell).
        self.scored_by: list[int] = []
        # The reasonCode outputs declared numbers (codes such as "1", "2"): the engine's column is
        # numeric, so the codes go in as numbers.
        self.numbers: set[str] = set()

    @classmethod
    def of(cls, root: etree._Element, inputs: Sequence[str], outputs: Sequence[str],
           make_engine: EngineFactory) -> ReasonCodes | None:
        """The replacement for a document whose top-level model is a Scorecard that declares
        reasonCode outputs (and uses reason codes); None for any other document."""
        model = model_element(root)
        if model is None or tag_of(model) != "Scorecard" or model.get("useReasonCodes", "true") != "true":
            return None
        output = find_child(model, "Output")
        names = [f.get("name") for f in ([] if output is None else output)
                 if isinstance(f.tag, str) and f.get("feature") == "reasonCode"]
        positions = {name: list(outputs).index(name) for name in names if name in outputs}
        if not positions:
            return None
        read: dict[str, None] = {}
        for characteristic in characteristics(model):
            for node in characteristic.iter():
                if isinstance(node.tag, str) and node.get("field") is not None:
                    read.setdefault(node.get("field"))
        schema = find_child(model, "MiningSchema")
        treated = {m.get("name") for m in ([] if schema is None else schema) if isinstance(m.tag, str)
                   and any(m.get(a) is not None and m.get(a) != plain for a, plain in _TREATMENTS.items())}
        types = {f.get("name"): f.get("dataType") for f in root.iterfind("{*}DataDictionary/{*}DataField")}
        direct = {name: types.get(name) in _NUMERIC for name in read if name in inputs and name not in treated}
        computed = [name for name in read if name not in direct]
        document = root
        for c, characteristic in enumerate(characteristics(model)):
            attributes = [a for a in characteristic if isinstance(a.tag, str) and tag_of(a) == "Attribute"]
            for a, attribute in enumerate(attributes):
                score = find_child(attribute, "ComplexPartialScore")
                if score is not None:  # its value comes from the engine, as a derived field
                    if document is root:
                        document = copy.deepcopy(root)
                    _derive(document, complex_score_name(c, a), score)
                    computed.append(complex_score_name(c, a))
        engine = None
        if computed:
            document, _ = with_field_outputs(document, computed)
            engine = make_engine(document)
        replacement = cls(model, positions, list(inputs), direct, engine, computed)
        predicted = [f.get("name") for f in ([] if output is None else output) if isinstance(f.tag, str)
                     and f.get("feature", "predictedValue") == "predictedValue" and f.get("name") in outputs]
        first_rank = [f.get("name") for f in ([] if output is None else output) if isinstance(f.tag, str)
                      and f.get("feature") == "reasonCode" and f.get("rank", "1") == "1" and f.get("name") in outputs]
        replacement.scored_by = [list(outputs).index(name) for name in (predicted[:1] or first_rank)]
        replacement.numbers = {f.get("name") for f in ([] if output is None else output) if isinstance(f.tag, str)
                               and f.get("feature") == "reasonCode" and f.get("dataType") in _NUMERIC}
        return replacement

    def columns(self, outputs: list[np.ndarray], prepared: list[Prepared], rows: int) -> list[np.ndarray]:
        """The engine's output columns with the reasonCode ones replaced."""
        values = {}
        for name in self.numeric:
            column = prepared[self.inputs.index(name)]
            values[name] = _array(column)
        if self.engine is not None:
            by_name = dict(zip(self.inputs, prepared))
            derived = self.engine.score_columns([by_name[n] for n in self.engine.input_names], rows)
            values.update(zip(self.engine_fields, derived))
        return self._replaced(list(outputs), values, rows)

    def record(self, outputs: list[Any], cells: list[Any]) -> list[Any]:
        """One record's outputs (``score_record``) with the reasonCode ones replaced."""
        by_name = dict(zip(self.inputs, cells))
        values: dict[str, np.ndarray] = {}
        for name, numeric in self.numeric.items():
            cell = by_name[name]
            values[name] = (np.array([np.nan if cell is None else float(cell)]) if numeric
                            else np.array([cell], dtype=object))
        if self.engine is not None:
            derived = self.engine.score_record([by_name[n] for n in self.engine.input_names])
            for name, value in zip(self.engine_fields, derived):
                values[name] = np.array([value], dtype=np.float64 if isinstance(value, float) else object)
        return [column[0] for column in self._replaced([np.array([v], dtype=object) for v in outputs], values, 1)]

    def _replaced(self, outputs: list[np.ndarray], values: dict[str, np.ndarray], rows: int) -> list[np.ndarray]:
        codes = reason_codes(self.model, values, rows)
        if codes is None:
            return outputs
        unscored = np.zeros(rows, dtype=bool) if not self.scored_by else np.logical_and.reduce(
            [np.asarray(pd.isna(pd.Series(outputs[p], dtype=object)), dtype=bool) for p in self.scored_by])
        for name, position in self.positions.items():
            # Missing ranks as None, as the engine gives missing strings (pandas may hold NaN).
            column = [code if isinstance(code, str) and not missing else None for code, missing in zip(codes[name], unscored)]
            outputs[position] = np.array([np.nan if code is None else float(code) for code in column]) \
                if name in self.numbers else np.array(column, dtype=object)
        return outputs


def _derive(root: etree._Element, name: str, score: etree._Element) -> None:
    """Add a DerivedField ``name`` computing a ComplexPartialScore's expression to the top-level
    model's LocalTransformations (where the expression's fields are in scope)."""
    model = model_element(root)
    ns = "{%s}" % etree.QName(root).namespace
    local = find_child(model, "LocalTransformations")
    if local is None:
        local = etree.Element(ns + "LocalTransformations")
        model.insert(model.index(find_child(model, "Characteristics")), local)  # the schema's place
    field = etree.SubElement(local, ns + "DerivedField", name=name, optype="continuous", dataType="double")
    expression = next(c for c in score if isinstance(c.tag, str) and tag_of(c) != "Extension")
    field.append(copy.deepcopy(expression))


def _array(column: Prepared) -> np.ndarray:
    if column.kind == "double":
        return np.asarray(column.values, dtype=np.float64)
    if column.kind == "long":
        values = np.asarray(column.values, dtype=np.float64)
        return values if column.missing is None else np.where(column.missing, np.nan, values)
    return np.array(column.values, dtype=object)
