"""LightGBM models convert like scikit-learn's: same inputs, samples, saved files and reference outputs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pmmlkit.context import Converter

from ..sklearn.frontend import ScikitLearn
from . import boosters


class LightGBM(ScikitLearn):
    name = "lightgbm"
    title = "LightGBM"
    packages = ("lightgbm",)
    engines = ()

    def recognises(self, model: object) -> bool:
        return self.owns_class(type(model))

    def can_load(self, path: Path) -> bool:
        return False  # saved models load through the scikit-learn front end

    def no_pmml_form(self, cls: type) -> str | None:
        return None

    def converters(self) -> Mapping[type, Converter]:
        return boosters.converters()
