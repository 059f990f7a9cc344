"""The values an explanation reads for a frame of records: inputs straight from the frame, and
derived fields (and inputs after their MiningField's treatments) computed by the engine on a
copy of the document that outputs them."""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import pandas as pd
from lxml import etree

from ..pmml import find_child, model_element, tag_of


def with_field_outputs(root: etree._Element, names: list[str]) -> tuple[etree._Element, list[str]]:
    """A document whose model outputs the named (derived) fields and nothing else: the top-level
    model's inputs and LocalTransformations under a RegressionModel without predictors, so an engine
    computes the fields exactly as for scoring. (An OutputField reading a derived field of a
    classification model gave the class probabilities on PMML4S, hence a regression model.)"""
    document = copy.deepcopy(root)
    model = model_element(document)
    schema = find_child(model, "MiningSchema")
    local = find_child(model, "LocalTransformations")
    declared = {d.get("name"): d for d in document.iter("{*}DerivedField", "{*}DataField")}
    ns = "{%s}" % etree.QName(document).namespace  # the document's own PMML namespace
    wrapper = etree.Element(ns + "RegressionModel", functionName="regression")
    inputs = etree.SubElement(wrapper, ns + "MiningSchema")
    for field in [] if schema is None else schema:
        if isinstance(field.tag, str) and field.get("usageType", "active") == "active":
            inputs.append(copy.deepcopy(field))
    output = etree.SubElement(wrapper, ns + "Output")
    outputs = []
    for i, name in enumerate(names):
        out_name = f"pmmlkit-explain({i})"
        source = declared.get(name)
        field = etree.SubElement(output, ns + "OutputField", name=out_name,
                                 optype="continuous" if source is None else source.get("optype", "continuous"),
                                 dataType="double" if source is None else source.get("dataType", "double"),
                                 feature="transformedValue")
        etree.SubElement(field, ns + "FieldRef", field=name)
        outputs.append(out_name)
    if local is not None:
        wrapper.append(copy.deepcopy(local))
    etree.SubElement(wrapper, ns + "RegressionTable", intercept="0")
    model.getparent().replace(model, wrapper)
    return document, outputs


Score = Callable[[etree._Element, pd.DataFrame], pd.DataFrame]


_TREATMENTS = ("missingValueReplacement", "invalidValueTreatment", "invalidValueReplacement", "outliers",
               "lowValue", "highValue")


def frame_values(root: etree._Element, frame: pd.DataFrame, names: list[str], score: Score) -> dict[str, np.ndarray]:
    """The values of ``names`` for the frame's records: inputs straight from the frame, derived fields
    computed by the engine (``score(document, frame)``) on a copy of the document that outputs them."""
    model = model_element(root)
    schema = find_child(model, "MiningSchema")
    fields = [f for f in ([] if schema is None else schema) if isinstance(f.tag, str)]
    # An input whose MiningField replaces missing or invalid values (or outliers) is read by the model
    # after that treatment: the engine computes it too, as it computes a derived field.
    inputs = {f.get("name") for f in fields if not any(f.get(a) is not None for a in _TREATMENTS)}
    declared = {d.get("name"): d for d in root.iter("{*}DataField")}
    values: dict[str, np.ndarray] = {}
    derived = []
    for name in names:
        if name in inputs and name in frame.columns:
            values[name] = _as_array(frame[name], declared.get(name))
        else:
            derived.append(name)
    document = root
    if any(_may_be_invalid(declared.get(f.get("name")), f) for f in fields):
        # A value outside its field's valid values or intervals leaves the record without a score
        # (returnInvalid): the engine says which records, through a field that is missing exactly
        # there, so that explain_document gives them no contributions either.
        document = _with_row_marker(root)
        derived.append(SCORED)
    if derived:
        document, outputs = with_field_outputs(document, derived)
        scored = score(document, frame)
        for name, out in zip(derived, outputs):
            values[name] = _as_array(scored[out], None)
    return values


SCORED = "pmmlkit-scored"  # frame_values' field: 1.0 where the engine scores the record, NaN where not


def _may_be_invalid(field: etree._Element | None, mining: etree._Element) -> bool:
    """Whether an input can make a record invalid: its DataField declares valid values or intervals
    and its MiningField keeps the default invalidValueTreatment (returnInvalid)."""
    if field is None or mining.get("usageType", "active") != "active":
        return False
    if mining.get("invalidValueTreatment", "returnInvalid") != "returnInvalid":
        return False
    return any(isinstance(c.tag, str) and tag_of(c) in ("Value", "Interval") for c in field)


def _with_row_marker(root: etree._Element) -> etree._Element:
    """A copy of ``root`` whose top-level model derives SCORED, a constant 1.0."""
    document = copy.deepcopy(root)
    model = model_element(document)
    ns = "{%s}" % etree.QName(document).namespace
    local = find_child(model, "LocalTransformations")
    if local is None:
        local = etree.SubElement(model, ns + "LocalTransformations")  # with_field_outputs moves it
    field = etree.SubElement(local, ns + "DerivedField", name=SCORED, optype="continuous", dataType="double")
    etree.SubElement(field, ns + "Constant", dataType="double").text = "1"
    return document


def _as_array(column: pd.Series, field: etree._Element | None) -> np.ndarray:
    numeric = field is None or field.get("dataType") in ("double", "float", "integer", "real", None)
    if numeric:
        converted = pd.to_numeric(column, errors="coerce")
        if field is None and converted.isna().sum() > column.isna().sum():
            return column.to_numpy(dtype=object)  # text values
        return converted.to_numpy(dtype=np.float64, na_value=np.nan)
    return column.to_numpy(dtype=object)
