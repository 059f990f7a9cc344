"""``pmmlkit score --explain``: contribution columns beside each chunk's outputs.

The model is checked before the output is opened: one without an exact explanation is refused with
the PMMLError saying why (exit 1, no output file). Columns are :meth:`Explanation.frame`'s:
``contribution(INPUT)`` (``contribution(INPUT, CLASS)`` for several outputs), ``base_value`` and
``explained_value``.
"""

from __future__ import annotations

import pandas as pd

from ..scoring.evaluator import Model
from ..scoring.explaining import Explainer


class ExplanationColumns:
    """Adds the explanation of each scored chunk to its result."""

    def __init__(self, model: Model) -> None:
        self.explainer = Explainer(model)  # raises here, before any output exists

    def add(self, inputs: pd.DataFrame, result: pd.DataFrame) -> pd.DataFrame:
        columns = self.explainer.explain(inputs).frame().set_axis(result.index)
        return pd.concat([result, columns.drop(columns=[c for c in columns if c in result.columns])], axis=1)
