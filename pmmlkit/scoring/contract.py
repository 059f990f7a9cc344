"""The input contract of one loaded model: what every path accepts and refuses, with one wording.

``Model.predict`` (a dict, a list of dicts, a DataFrame), ``pmmlkit score`` (CSV, JSON Lines,
Parquet), the Spark scorer and ``pmmlkit serve`` all check their inputs through the model's
:class:`InputContract`; the rules for a cell, a record and a frame are those of
:mod:`pmmlkit.scoring.inputs`. Each path adds only its own way of naming where a problem is ("record
3", "row 3 (line 4)", "instance 3") and says the advice in its own terms (keywords, flags, JSON).

Inputs the model was trained on but does not use: a converter keeps every column it was given in the
DataDictionary, and the MiningSchema lists the inputs the model reads (PMML's own split: the
dictionary describes the data, the mining schema what the model uses; PMML4S and JPMML take only the
MiningSchema's fields as inputs). A record holding the complete training row is therefore accepted
even under ``extra="error"`` (and by the server, which always refuses unknown keys), while a key the
document does not know at all is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from lxml import etree

from ..errors import EvaluationError
from ..pmml import find_child, tag_of
from .input_names import check_names
from .inputs import InvalidReport, Kind, Prepared, prepare_frame, record_values


@dataclass(frozen=True)
class InputContract:
    """A model's inputs in the engine's order, how each one's values are checked (``kinds``, see
    :data:`pmmlkit.scoring.inputs.KINDS`), their declared dataTypes, and the inputs it was trained on
    but does not use (accepted and ignored)."""

    names: tuple[str, ...]
    kinds: tuple[Kind, ...]
    data_types: tuple[str | None, ...]
    unused: frozenset[str] = frozenset()

    def check_names(self, given: Sequence[Any], missing: str = "error", extra: str = "ignore",
                    what: str = "record") -> None:
        """Absent and unknown names of a table, a file's header or a request's columns."""
        check_names(given, self.names, missing, extra, what, self.unused)

    def record(self, record: Mapping[str, Any], missing: str = "error", extra: str = "ignore",
               where: str | None = None) -> list[Any]:
        """One record's values in input order, as the engine takes them; ``where`` names it in a batch."""
        return record_values(record, self.names, self.kinds, self.data_types, missing, extra, where, self.unused)

    def frame(self, frame: pd.DataFrame, missing: str = "error", extra: str = "ignore", on_invalid: str = "error",
              report: InvalidReport | None = None, noun: str = "row") -> list[Prepared]:
        """A frame's input columns, checked and ready for the engine; a cell's error names ``noun`` and its label."""
        return prepare_frame(frame, self.names, self.kinds, self.data_types, missing, extra, on_invalid, report,
                             self.unused, noun)

    def records_frame(self, records: Sequence[Mapping[str, Any]], missing: str = "error", extra: str = "ignore",
                      noun: str = "record") -> pd.DataFrame:
        """Many records as one frame of the model's inputs (object columns: no type guessing), after each
        record's names are checked as :meth:`record` checks them. Values are checked by :meth:`frame`."""
        for i, record in enumerate(records):
            try:
                check_names(list(record), self.names, missing, extra, "record", self.unused)
            except EvaluationError as exc:
                raise EvaluationError(f"{noun} {i}: {exc}") from None
        return pd.DataFrame({name: pd.Series([r.get(name) for r in records], dtype=object) for name in self.names},
                            index=pd.RangeIndex(len(records)))


def trained_but_unused(root: etree._Element, inputs: Sequence[str]) -> frozenset[str]:
    """The DataFields of a document that are neither inputs of its model nor targets (of the model or of
    a model nested in it): the columns it was trained on but does not use."""
    dictionary = find_child(root, "DataDictionary")
    if dictionary is None:
        return frozenset()
    fields = [node.get("name") for node in dictionary if isinstance(node.tag, str) and tag_of(node) == "DataField"]
    # Only MiningFields are looked at (lxml filters by tag in C): a large forest's nodes are not walked.
    targets = {node.get("name") for node in root.iter("{*}MiningField")
               if node.get("usageType") in ("target", "predicted")}
    known = set(inputs) | targets
    return frozenset(name for name in fields if name is not None and name not in known)


__all__ = ["InputContract", "trained_but_unused"]
