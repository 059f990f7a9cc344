"""The native engine's intermediate representation: what a compiled model hands around.

Values are columns, one per field, over all the rows of a batch: ``float64`` arrays for numeric
and boolean fields (NaN is a missing value, as for PMML4S; booleans are 1.0/0.0) and ``object``
arrays of ``str``/None for text fields. A compiled expression is a function of an
:class:`Env`; a compiled model turns an Env into a :class:`Prediction`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...errors import EvaluationError, UnsupportedElement
from ...pmml import tag_of

Column = np.ndarray


def unsupported(node: Any, what: str | None = None) -> UnsupportedElement:
    """The error for an element (or one of its attributes) the compiler does not support."""
    line = getattr(node, "sourceline", None)
    where = f" (line {line})" if line else ""
    thing = what or f"<{tag_of(node)}>"
    return UnsupportedElement(f"the native engine does not compile {thing}{where}; score this document with "
                              "engine='pmml4s' (or engine='auto', which falls back to it)")


def is_numeric(values: Column) -> bool:
    return values.dtype != object


def missing_mask(values: Column) -> np.ndarray:
    if values.dtype == object:
        # Elementwise ``v == None`` in numpy's loop: True for None only (text, numbers and NaN are not None).
        return np.equal(values, None).astype(bool, copy=False)
    return np.isnan(values)


class Env:
    """The fields visible to one model over one batch: given columns, derived fields computed on
    first use (each once), and the enclosing model's fields. ``parallel``: the compiled loops may
    spread this batch's rows over threads (:mod:`.kernels`)."""

    def __init__(self, rows: int, values: dict[str, Column], derived: dict[str, Callable[[Env], Column]] | None = None,
                 parent: Env | None = None, parallel: bool = False) -> None:
        self.rows = rows
        self.parallel = parent.parallel if parent is not None else parallel
        self.values = values
        self.derived = derived or {}
        self.parent = parent

    def get(self, name: str) -> Column:
        found = self.values.get(name)
        if found is not None:
            return found
        compute = self.derived.get(name)
        if compute is not None:
            value = compute(self)
            self.values[name] = value
            return value
        if self.parent is not None:
            return self.parent.get(name)
        raise EvaluationError(f"the field {name!r} is not defined for this model")

    def child(self, values: dict[str, Column] | None = None,
              derived: dict[str, Callable[[Env], Column]] | None = None) -> Env:
        return Env(self.rows, dict(values or {}), derived, self)


@dataclass
class Prediction:
    """What a model gives for a batch: the predicted value (float64 or object), and where the
    model has them the class probabilities (by category, in the model's order), the entity
    (cluster, neighbor, rule) and affinities, and the fields its Output made."""

    value: Column
    probabilities: dict[str, Column] = field(default_factory=dict)
    entity: Column | None = None
    affinities: dict[str, Column] = field(default_factory=dict)
    outputs: dict[str, Column] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


CompiledExpression = Callable[[Env], Column]

__all__ = ["Column", "CompiledExpression", "Env", "Prediction", "UnsupportedElement", "is_numeric", "missing_mask",
           "unsupported"]
