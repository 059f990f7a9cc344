"""XGBoost models convert like scikit-learn's: same inputs, samples, saved files and reference outputs."""

from __future__ import annotations

from collections.abc import Mapping

from pmmlkit.context import Converter

from ..sklearn.frontend import ScikitLearnAPI
from . import boosters


class XGBoost(ScikitLearnAPI):
    name = "xgboost"
    title = "XGBoost"
    packages = ("xgboost",)

    def converters(self) -> Mapping[type, Converter]:
        return boosters.converters()
