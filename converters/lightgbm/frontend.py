"""LightGBM models convert like scikit-learn's: same inputs, samples, saved files and reference outputs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pmmlkit.context import Converter

from ..sklearn.frontend import ScikitLearnAPI
from . import boosters


class LightGBM(ScikitLearnAPI):
    name = "lightgbm"
    title = "LightGBM"
    packages = ("lightgbm",)

    def converters(self) -> Mapping[type, Converter]:
        return boosters.converters()

    def fitted_names(self, model: Any) -> list[str] | None:
        # The Booster keeps its columns' names (``Column_0, Column_1, ...`` when fitted on an
        # array: no names then), the scikit-learn API's ``booster_`` too: older LightGBM releases
        # (4.0 in the version matrix) give that API no ``feature_names_in_``.
        booster = model if type(model).__name__ == "Booster" else boosters.fitted_booster(model)
        if booster is None:
            return super().fitted_names(model)
        names = [str(n) for n in booster.feature_name()]
        return None if names == [f"Column_{i}" for i in range(len(names))] else names

    def stored_name(self, column: str) -> str:
        # LightGBM writes a space in a column's name as "_" ("a b" is fitted as "a_b"); the PMML
        # keeps the frame's own name.
        return column.replace(" ", "_")
