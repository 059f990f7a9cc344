"""The GeneralRegressionModel rules: how its parameters, predictors and link fit together (found by
the validate/load differential's shape mutations: PMML4S fails to load, fails on every record or
scores every record null when they do not)."""

from __future__ import annotations

import math

from lxml import etree

from .base import CheckerBase
from .elements import Field, Scope, child, children, is_class, local
from .vocabulary import NUMERIC_TYPES, number

# Attributes of a GeneralRegressionModel that name an input field.
MODEL_FIELD_ATTRIBUTES = ("offsetVariable", "trialsVariable", "startTimeVariable", "endTimeVariable", "statusVariable",
                          "baselineStrataVariable", "subjectIDVariable")
# Link functions that take a parameter (PMML: linkParameter "is required" for them).
PARAMETERIZED_LINKS = frozenset({"power", "oddspower"})
# Where a GeneralRegressionModel names a parameter of its ParameterList.
PARAMETER_REFERENCES = {"PPCell": ("parameterName",), "PCell": ("parameterName",), "PCovCell": ("pRow", "pCol")}
# Model numbers of a GeneralRegressionModel element itself.
MODEL_NUMBERS = ("linkParameter", "distParameter", "offsetValue", "trialsValue")


class GeneralRegressionRules(CheckerBase):
    def _general_regression(self, model: etree._Element, context: Scope) -> None:
        """Each check reports at most its first fault: one is enough to refuse the model."""
        self._model_fields(model, context)
        self._link(model)
        self._parameters(model)
        self._predictors(model, context)

    def _model_fields(self, model: etree._Element, context: Scope) -> None:
        for attribute in MODEL_FIELD_ATTRIBUTES:
            name = model.get(attribute)
            if name is None or name in context.visible:
                continue
            if name in context.parent or name in self.fields:
                self.error("not-in-mining-schema", f"<GeneralRegressionModel {attribute}=\"{name}\"> names a field "
                           "that is defined but not listed in this model's MiningSchema", model)
            else:
                self.error("undefined-field", f"<GeneralRegressionModel {attribute}=\"{name}\"> refers to a field that "
                           "is not defined", model)
            return

    def _link(self, model: etree._Element) -> None:
        for attribute in MODEL_NUMBERS:
            text = model.get(attribute)
            value = number(text) if text is not None else 0.0
            if value is None or not math.isfinite(value):
                self.error("non-finite", f"<GeneralRegressionModel {attribute}=\"{text}\"> is not a finite number",
                           model)
                return
        link = model.get("linkFunction")
        if link in PARAMETERIZED_LINKS and model.get("linkParameter") is None and \
                model.get("modelType") == "generalizedLinear":
            self.error("regression-parameters", f"linkFunction=\"{link}\" without a linkParameter (PMML requires it; "
                       "PMML4S fails on every record)", model)

    def _parameters(self, model: etree._Element) -> None:
        listed = child(model, "ParameterList")
        declared = {p.get("name") for p in children(listed, "Parameter")} if listed is not None else set()
        cells = child(model, "ParamMatrix")
        # Valid PMML, and a later top-level model (which the engine never scores) may have it.
        if self.model_scored and (cells is None or not children(cells, "PCell")):
            self.error("regression-parameters", "the ParamMatrix has no PCell: the model has no coefficient to score "
                       "with (PMML4S fails on, or scores null, every record)", cells if cells is not None else model)
            return
        for part in ("PPMatrix", "PCovMatrix", "ParamMatrix"):
            holder = child(model, part)
            for cell in holder if holder is not None else ():
                for attribute in PARAMETER_REFERENCES.get(local(cell) or "", ()):
                    name = cell.get(attribute)
                    if name is not None and name not in declared:
                        self.error("regression-parameters", f"<{local(cell)} {attribute}=\"{name}\"> names a parameter "
                                   "the ParameterList does not declare", cell)
                        return

    def _predictors(self, model: etree._Element, context: Scope) -> None:
        factors = {p.get("name"): p for p in _predictors(model, "FactorList")}
        covariates = {p.get("name"): p for p in _predictors(model, "CovariateList")}
        for name, predictor in covariates.items():
            declared = context.fields.get(name or "")
            if declared is not None and declared.data_type not in NUMERIC_TYPES:
                self.error("type-conflict", f"covariate {name!r} is a {declared.data_type} field: a covariate is "
                           "multiplied by its coefficient, so it must be a number", predictor)
                return
        for name, predictor in factors.items():
            if self._contrast(predictor, context.fields.get(name or "")):
                return
        matrix = child(model, "PPMatrix")
        for cell in children(matrix, "PPCell") if matrix is not None else ():
            name, value = cell.get("predictorName"), cell.get("value")
            if value is None:
                continue
            if name in covariates:  # the value is the covariate's exponent
                read = number(value)
                if read is None or not math.isfinite(read):
                    self.error("non-finite", f"<PPCell predictorName=\"{name}\" value=\"{value}\">: a covariate's "
                               "value is its exponent, which must be a finite number", cell)
                    return
            elif name in factors:  # the value is a level of the factor
                declared = context.fields.get(name or "")
                levels = _categories(factors[name])
                if (levels is not None and value not in levels) or \
                        (declared is not None and declared.values and not is_class(value, declared)):
                    self.error("invalid-value", f"<PPCell predictorName=\"{name}\" value=\"{value}\"> names a level "
                               f"factor {name!r} does not have (PMML4S fails to load or on every record)", cell)
                    return

    def _contrast(self, predictor: etree._Element, declared: Field | None) -> bool:
        """A factor's Categories and contrast Matrix: its levels are values of the field, each once, and
        the Matrix has a row of real numbers for each (True when a fault was reported)."""
        levels = [c.get("value") for c in children(child(predictor, "Categories"), "Category")] \
            if child(predictor, "Categories") is not None else None
        name = predictor.get("name")
        if levels is not None:
            if len(set(levels)) != len(levels):
                self.error("regression-parameters", f"factor {name!r} lists a Category twice", predictor)
                return True
            for level in levels:
                if level is None or (declared is not None and declared.values and not is_class(level, declared)):
                    self.error("invalid-value", f"factor {name!r} has a Category {level!r} that is not one of the "
                               "field's valid values", predictor)
                    return True
        matrix = child(predictor, "Matrix")
        if matrix is None:
            return False
        rows = children(matrix, "Array")
        if any(row.get("type") != "real" for row in rows):
            self.error("regression-parameters", f"the contrast Matrix of factor {name!r} is not made of real Arrays "
                       "(PMML4S reads it as real numbers and fails)", matrix)
            return True
        if levels is not None and rows and len(rows) != len(levels):
            self.error("regression-parameters", f"the contrast Matrix of factor {name!r} has {len(rows)} rows for "
                       f"{len(levels)} Categories (one row per Category)", matrix)
            return True
        return False


def _predictors(model: etree._Element, part: str) -> list[etree._Element]:
    holder = child(model, part)
    return children(holder, "Predictor") if holder is not None else []


def _categories(predictor: etree._Element) -> set[str | None] | None:
    holder = child(predictor, "Categories")
    return {c.get("value") for c in children(holder, "Category")} if holder is not None else None
