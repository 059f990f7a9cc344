"""The one abstraction every converter builds fields and features through.

A :class:`Field` describes a PMML field (input, derived or target) with its name, optype,
dataType, valid values and missing/invalid-value treatment. A :class:`Scope` collects the
input fields a conversion starts from and the derived fields its steps add, and writes them
as DataDictionary, MiningSchema and LocalTransformations, so that every front end's converters
emit the same PMML shapes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

import numpy as np
import pandas as pd
from lxml import etree

from ..errors import ConversionError
from ..pmml import element, format_value, tag_of

OPTYPES = ("continuous", "categorical", "ordinal")
DATA_TYPES = ("double", "float", "integer", "string", "boolean")
INVALID_TREATMENTS = ("returnInvalid", "asIs", "asMissing", "asValue")


@dataclass(frozen=True)
class Field:
    """A PMML field.

    ``values`` lists the valid values of a categorical or ordinal field (in order);
    ``missing_values`` lists values that stand for "missing" besides an empty cell;
    ``invalid_treatment`` says what an evaluator does with a value outside ``values``;
    ``missing_replacement`` is the value substituted for a missing input.
    """

    name: str
    optype: str = "continuous"
    data_type: str = "double"
    values: tuple[Any, ...] = ()
    missing_values: tuple[Any, ...] = ()
    invalid_treatment: str | None = None
    missing_replacement: Any = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ConversionError(f"a field name must be a non-empty string, not {self.name!r}")
        unwritable = [c for c in self.name if not _xml_character(c)]
        if unwritable:
            raise ConversionError(f"the field name {self.name!r} holds {unwritable[0]!r} (U+{ord(unwritable[0]):04X}), "
                                  "which an XML document cannot carry: rename that column")
        if self.optype not in OPTYPES:
            raise ConversionError(f"field {self.name!r}: optype {self.optype!r} is not one of {OPTYPES}")
        if self.data_type not in DATA_TYPES:
            raise ConversionError(f"field {self.name!r}: dataType {self.data_type!r} is not one of {DATA_TYPES}")
        if self.invalid_treatment is not None and self.invalid_treatment not in INVALID_TREATMENTS:
            raise ConversionError(f"field {self.name!r}: invalid value treatment {self.invalid_treatment!r} is unknown")

    @property
    def is_numeric(self) -> bool:
        return self.data_type in ("double", "float", "integer")

    def replace(self, **changes: Any) -> Field:
        return dataclasses.replace(self, **changes)

    def data_field(self) -> etree._Element:
        """The ``DataField`` element declaring this field in the DataDictionary."""
        node = element("DataField", name=self.name, optype=self.optype, dataType=self.data_type)
        for value in self.values:
            node.append(element("Value", value=format_value(value)))
        for value in self.missing_values:
            node.append(element("Value", value=format_value(value), property="missing"))
        return node

    def mining_field(self, usage: str = "active") -> etree._Element:
        """The ``MiningField`` element naming this field in a MiningSchema."""
        return element(
            "MiningField",
            name=self.name,
            usageType=None if usage == "active" else usage,
            invalidValueTreatment=self.invalid_treatment,
            missingValueReplacement=(
                None if self.missing_replacement is None else format_value(self.missing_replacement)
            ),
        )


def field_from_dtype(name: str, dtype: Any) -> Field:
    """The input field for a DataFrame column of ``dtype``."""
    # Booleans count as numbers (0/1), as scikit-learn treats them.
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return Field(name, "continuous", "double")
    return Field(name, "categorical", "string")


@dataclass
class Target:
    """What a model predicts: the target field and, for classifiers, the class labels."""

    name: str
    classes: tuple[Any, ...] | None = None

    @property
    def is_classification(self) -> bool:
        return self.classes is not None

    def field(self) -> Field:
        if self.classes is None:
            return Field(self.name, "continuous", "double")
        return Field(self.name, "categorical", labels_data_type(self.classes), values=tuple(self.classes))


def labels_data_type(labels: Sequence[Any]) -> str:
    """The PMML dataType for a list of class labels or categories."""
    kinds = {_kind(v) for v in labels}
    if kinds <= {"boolean"}:
        return "boolean"
    if kinds <= {"integer", "boolean"}:
        return "integer"
    if kinds <= {"integer", "double", "boolean"}:
        return "double"
    return "string"


def _kind(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "boolean"
    if isinstance(value, (int, np.integer)):
        return "integer"
    if isinstance(value, (float, np.floating)):
        return "double"
    return "string"


@dataclass
class Scope:
    """The fields of one conversion: raw inputs plus derived fields, with unique names."""

    inputs: dict[str, Field]
    derived: dict[str, tuple[Field, etree._Element]] = dc_field(default_factory=dict)
    # Targets of models nested in the document (members of a model chain): declared in the
    # DataDictionary, which PMML4S needs to know a nested classifier's classes.
    nested_targets: dict[str, Field] = dc_field(default_factory=dict)

    @classmethod
    def from_frame(cls, X: Any, feature_names: Sequence[str] | None = None) -> Scope:
        """Input fields from a DataFrame (names and dtypes) or an array plus names."""
        if isinstance(X, pd.DataFrame):
            if feature_names is not None and list(feature_names) != [str(c) for c in X.columns]:
                X = X.set_axis(list(feature_names), axis=1)
            fields = [field_from_dtype(str(c), X[c].dtype) for c in X.columns]
        else:
            array = np.asarray(X)
            if array.ndim != 2:
                raise ConversionError(f"X must be a DataFrame or a 2-D array, not an array of shape {array.shape}")
            names = list(feature_names) if feature_names is not None else [f"x{i + 1}" for i in range(array.shape[1])]
            if len(names) != array.shape[1]:
                raise ConversionError(f"{len(names)} feature names given for {array.shape[1]} columns")
            fields = [field_from_dtype(n, array[:, i].dtype if array.dtype != object else object)
                      for i, n in enumerate(names)]
        return cls.of(fields)

    @classmethod
    def of(cls, fields: Sequence[Field]) -> Scope:
        """A scope whose inputs are ``fields`` (the columns of X), which must have distinct names."""
        names = [f.name for f in fields]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ConversionError(f"duplicate column names in X: {duplicated}")
        return cls({f.name: f for f in fields})

    # -- names -----------------------------------------------------------------------------------
    def unique_name(self, hint: str) -> str:
        name = hint
        n = 2
        while name in self.inputs or name in self.derived:
            name = f"{hint}#{n}"
            n += 1
        return name

    # -- fields ----------------------------------------------------------------------------------
    def input(self, name: str) -> Field:
        try:
            return self.inputs[name]
        except KeyError:
            raise ConversionError(
                f"column {name!r} is not in X (columns: {list(self.inputs)})"
            ) from None

    def update_input(self, field: Field) -> Field:
        """Replace an input's declaration (e.g. to add valid values or a missing-value marker)."""
        if field.name not in self.inputs:
            raise ConversionError(f"{field.name!r} is not an input field")
        self.inputs[field.name] = field
        return field

    def derive(self, name: str, expression: etree._Element, optype: str = "continuous",
               data_type: str = "double", values: Iterable[Any] = ()) -> Field:
        """Add a DerivedField computed by ``expression``; returns the field (with a unique name)."""
        field = Field(self.unique_name(name), optype, data_type, values=tuple(values))
        self.derived[field.name] = (field, expression)
        return field

    def lookup(self, name: str) -> Field:
        if name in self.inputs:
            return self.inputs[name]
        if name in self.derived:
            return self.derived[name][0]
        raise ConversionError(f"no field named {name!r}")

    # -- writing ---------------------------------------------------------------------------------
    def used_inputs(self, *roots: etree._Element) -> list[Field]:
        """Input fields that ``roots`` reference, directly or through derived fields, in input order."""
        return self.inputs_among(self.reachable(*roots))

    def inputs_among(self, names: set[str]) -> list[Field]:
        return [f for n, f in self.inputs.items() if n in names]

    def reachable(self, *roots: etree._Element) -> set[str]:
        """Names ``roots`` reference, directly or through the expressions of derived fields."""
        seen: set[str] = set()
        pending = [name for root in roots for name in referenced_fields(root)]
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            if name in self.derived:
                pending.extend(referenced_fields(self.derived[name][1]))
        return seen

    def local_transformations(self, reached: set[str]) -> etree._Element | None:
        """LocalTransformations with the derived fields among ``reached``, in definition order."""
        names = [n for n in self.derived if n in reached]
        if not names:
            return None
        node = element("LocalTransformations")
        for name in names:
            field, expression = self.derived[name]
            node.append(element("DerivedField", _copy(expression), name=field.name,
                                optype=field.optype, dataType=field.data_type))
            for value in field.values:
                node[-1].append(element("Value", value=format_value(value)))
        return node


_FIELD_ATTRIBUTES = {"field", "name"}


def referenced_fields(root: etree._Element) -> list[str]:
    """Names of fields an element references (FieldRef, predicates, NumericPredictor, ...)."""
    names = []
    # Nodes under NeuralOutputs name the target, which is not an input. (The set holds the elements
    # themselves: lxml keeps one proxy per node while it is referenced, so membership is reliable.)
    skipped: set[etree._Element] = set()
    for node in root.iter():
        if not isinstance(node.tag, str) or node in skipped:
            continue
        tag = tag_of(node)
        if tag == "NeuralOutputs":
            skipped.update(node.iter())
            continue
        if tag in ("DerivedField", "OutputField", "DataField", "Segment", "Target"):
            continue
        if tag == "MiningField" and node.get("usageType") in ("target", "predicted"):
            continue  # a nested segment's target is not an input, even when X has a column of that name
        if tag in ("MiningField", "NumericPredictor", "CategoricalPredictor", "PredictorTerm", "Predictor"):
            name = node.get("name")
        else:
            name = node.get("field")
        if name is not None:
            names.append(name)
    return names


def _copy(node: etree._Element) -> etree._Element:
    import copy

    return copy.deepcopy(node)


def _xml_character(c: str) -> bool:
    """A character XML 1.0 allows (its Char production): a tab and line ends, not other controls."""
    code = ord(c)
    return (code >= 0x20 or c in "\t\n\r") and not 0xD800 <= code <= 0xDFFF and code not in (0xFFFE, 0xFFFF)
