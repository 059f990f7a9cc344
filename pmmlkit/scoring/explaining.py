"""Explanations of a loaded model over many frames: ``pmmlkit score --explain``'s chunks and the
server's ``:explain`` requests (README "Inspecting a model").

:meth:`Model.explain` parses the document and, when the model reads derived fields, loads a copy
that outputs them, on every call. An :class:`Explainer` does both once: it parses the document,
refuses a model without an exact method before any record is read, and keeps the engine that
computes derived fields for the next frame.
"""

from __future__ import annotations

import threading
from typing import Any

import pandas as pd

from ..inspection.explain import Explanation, check_explainable, explain_document, frame_values
from ..parsing import engine_bytes, parse_bytes
from .evaluator import Model, load


class Explainer:
    """Explains frames for ``model``; raises the PMMLError naming why when it has no exact method.
    (It keeps no reference to ``model``, so a cache keyed weakly by the model lets both go.)"""

    def __init__(self, model: Model) -> None:
        self.root = parse_bytes(model._data, model.name).getroot()
        check_explainable(self.root)
        self._derived: dict[bytes, Model] = {}  # the derived-field documents' engines, by their bytes
        self._prepared: dict = {}  # the trees, read on the first frame (explain_document's `prepared`)
        self._lock = threading.Lock()  # one engine per derived document, scored by one thread at a time

    def explain(self, frame: pd.DataFrame) -> Explanation:
        frame = frame.reset_index(drop=True)
        return explain_document(self.root, frame, lambda names: frame_values(self.root, frame, names, self._score),
                                self._prepared)

    def _score(self, document: Any, frame: pd.DataFrame) -> pd.DataFrame:
        data = engine_bytes(document)
        with self._lock:
            model = self._derived.get(data)
            if model is None:
                model = self._derived[data] = load(data, warm=False, cache=False)
            return model.predict(frame, missing="allow", on_invalid="missing")
