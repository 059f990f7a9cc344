"""Generalized linear models: PoissonRegressor, GammaRegressor, TweedieRegressor.

``predict`` is ``inverse_link(x @ coef_ + intercept_)``: the identity link is a plain linear
RegressionModel, the log link one with ``normalizationMethod="exp"``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree
from sklearn import linear_model

from pmmlkit.builders.fields import Field
from pmmlkit.builders.regression import linear_regressor
from pmmlkit.context import Context

from .fitted import array, attribute

# scikit-learn's link classes (sklearn._loss.link) -> the RegressionModel normalization of their inverse.
LINKS = {"IdentityLink": None, "LogLink": "exp"}



def converters() -> dict[type, Callable[..., Any]]:
    return {
        linear_model.PoissonRegressor: convert_glm,
        linear_model.GammaRegressor: convert_glm,
        linear_model.TweedieRegressor: convert_glm,
    }


def convert_glm(regressor: Any, features: list[Field], context: Context) -> etree._Element:
    link = type(attribute(regressor, context, "_base_loss").link).__name__
    if link not in LINKS:
        raise context.error(f"{type(regressor).__name__} with the link {link} is not supported; "
                            "use link='identity' or 'log'")
    coefficients = array(regressor, context, "coef_").reshape(-1)
    context.expect_features(features, len(coefficients), regressor)
    intercept = float(array(regressor, context, "intercept_").reshape(-1)[0]) if regressor.fit_intercept else 0.0
    return linear_regressor(features, coefficients, intercept, context.regression_target(), LINKS[link])
