"""XGBoost models convert like scikit-learn's: same inputs, samples, saved files and reference outputs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pmmlkit.context import Converter

from ..sklearn.frontend import ScikitLearnAPI
from . import boosters


class XGBoost(ScikitLearnAPI):
    name = "xgboost"
    title = "XGBoost"
    packages = ("xgboost",)

    def converters(self) -> Mapping[type, Converter]:
        return boosters.converters()

    def fitted_names(self, model: Any) -> list[str] | None:
        # A native Booster keeps the names of the DMatrix it was trained on (None without names);
        # the scikit-learn API has ``feature_names_in_``.
        if type(model).__name__ == "Booster":
            names = model.feature_names
            return None if names is None else [str(n) for n in names]
        return super().fitted_names(model)

    def predictions(self, model: Any, X: Any) -> Any:
        # A native Booster predicts a DMatrix; inplace_predict takes the frame as it is (the
        # same values, checked against the Booster's column names).
        if type(model).__name__ == "Booster":
            return model.inplace_predict(X)
        return super().predictions(model, X)
