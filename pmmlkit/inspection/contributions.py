"""What every exact explanation method works with (:mod:`pmmlkit.inspection.explain`): one
model element's contributions (a :class:`Part`) and the records' values with the document's
trees read so far (a :class:`Context`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from lxml import etree

from ..pmml import find_child, model_element, tag_of

if TYPE_CHECKING:
    from .tree_contributions import PreparedTree


@dataclass
class Part:
    """One model element's explanation: its base value per output, the contributions of the
    Context's fields, the output labels and the space they are in (a Scorecard's reason codes)."""

    base: np.ndarray  # (k,)
    values: np.ndarray  # (rows, fields, k)
    labels: list[str]
    space: str = "identity"
    reasons: pd.DataFrame | None = None


class Context:
    """The records' values of every field the model reads (``fields``, in ``index`` order), and the
    trees read so far (``prepared``, kept by the caller for the next frame of the same document)."""

    def __init__(self, root: etree._Element, values: dict[str, np.ndarray], rows: int, fields: list[str],
                 prepared: dict[int, PreparedTree]) -> None:
        self.root = root
        self.values = values
        self.rows = rows
        self.fields = fields
        self.index = {name: i for i, name in enumerate(fields)}
        self.classes = target_classes(root)
        self.prepared = prepared
        self.trees_seen = 0  # TreeModels are explained in document order: their number is their key

    def zeros(self, k: int) -> np.ndarray:
        return np.zeros((self.rows, len(self.fields), k))


def target_classes(root: etree._Element) -> list[str] | None:
    """The valid values of the top-level model's target, in DataDictionary order (None without any)."""
    model = model_element(root)
    schema = None if model is None else find_child(model, "MiningSchema")
    target = next((f.get("name") for f in ([] if schema is None else schema)
                   if isinstance(f.tag, str) and f.get("usageType") in ("target", "predicted")), None)
    dictionary = find_child(root, "DataDictionary")
    for field in [] if dictionary is None else dictionary:
        if isinstance(field.tag, str) and field.get("name") == target:
            values = [v.get("value") for v in field if isinstance(v.tag, str) and tag_of(v) == "Value"
                      and v.get("property", "valid") == "valid"]
            return values or None
    return None
