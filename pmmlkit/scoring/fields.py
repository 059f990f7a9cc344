"""What a loaded model says about its fields, whatever engine scores it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..pmml import tag_of
from .inputs import DATE_TYPES


@dataclass(frozen=True)
class FieldInfo:
    """A field of a loaded model: name, optype and dataType as the PMML declares them."""

    name: str
    optype: str | None
    data_type: str | None
    values: tuple[str, ...] = ()

    @property
    def is_numeric(self) -> bool:
        return self.data_type in NUMERIC_TYPES

    @property
    def java_kind(self) -> str:
        """How values of this input are checked and reach the engine (pmmlkit.scoring.inputs.KINDS):
        "double", "whole" (a continuous integer field: whole numbers, as doubles), "integer",
        "boolean", "date" (date, dateTime and time fields), "string", or "auto" (undeclared
        type: numbers as doubles, anything else as text)."""
        if self.data_type in ("double", "float", "real"):
            return "double"
        if self.data_type == "integer":
            return "whole" if self.optype == "continuous" else "integer"
        if self.data_type == "boolean":
            return "boolean"
        if self.data_type in DATE_TYPES:
            return "date"
        return "auto" if self.data_type is None else "string"


NUMERIC_TYPES = frozenset({"double", "float", "integer", "real"})


def declared_fields(root: Any) -> dict[str, FieldInfo]:
    """Every DataField and DerivedField of a document by name (the first one of a name wins)."""
    fields: dict[str, FieldInfo] = {}
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        tag = tag_of(node)
        if tag in ("DataField", "DerivedField"):
            values = tuple(v.get("value") for v in node if isinstance(v.tag, str) and tag_of(v) == "Value"
                           and v.get("property", "valid") == "valid")
            fields.setdefault(node.get("name"), FieldInfo(node.get("name"), node.get("optype"),
                                                          node.get("dataType"), values))
    return fields
