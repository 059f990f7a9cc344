"""TransformedTargetRegressor: the regressor's prediction, mapped back by the target transformer.

scikit-learn predicts ``transformer_.inverse_transform(regressor_.predict(X))``. The regressor
becomes a chain member publishing its prediction; the last model applies the inverse, which
is converted for ``func``/``inverse_func`` pairs PMML has built-in functions for, and for
StandardScaler (``p * scale_ + mean_``) and MinMaxScaler (``(p - min_) / scale_``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from lxml import etree
from sklearn.compose import TransformedTargetRegressor
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, StandardScaler

from pmmlkit.builders.ensemble import local_scope
from pmmlkit.builders.expressions import apply, constant, ref
from pmmlkit.builders.fields import Field
from pmmlkit.builders.model import model
from pmmlkit.builders.regression import regression_table
from pmmlkit.context import Context, Converter

from .ensemble import finish, publish
from .fitted import attribute, n_features
from .preprocessing.function_transformer import pmml_function

# numpy function -> PMML built-in function, for inverse_func.
# The inverse functions converted (a subset of the FunctionTransformer table).
INVERSE_FUNCTIONS = (np.exp, np.expm1, np.log, np.log1p, np.sqrt, np.log10, np.abs)


def convert_transformed_target(regressor: Any, features: list[Field], context: Context) -> etree._Element:
    context.expect_features(features, n_features(regressor, context), regressor)
    inner = attribute(regressor, context, "regressor_")
    transformer = attribute(regressor, context, "transformer_")
    segment, published = publish(inner, features, context, "regressor")
    target = context.regression_target()
    local = local_scope(context.scope, [published.prediction])
    inverse = local.derive("inverseTransform", _inverse(transformer, published.prediction, context))
    last = model("RegressionModel", regression_table([inverse], [1.0], 0.0), function="regression", target=target)
    return finish(context, [segment], last, local, target)


def _inverse(transformer: Any, prediction: Field, context: Context) -> etree._Element:
    if isinstance(transformer, FunctionTransformer):
        function = transformer.inverse_func
        if function is None:
            return ref(prediction)
        name = pmml_function(function, INVERSE_FUNCTIONS)
        if name is None or transformer.inv_kw_args:
            supported = ", ".join(f"np.{f.__name__}" for f in INVERSE_FUNCTIONS)
            raise context.error(f"TransformedTargetRegressor(inverse_func={getattr(function, '__name__', function)!r})"
                                f" is not converted; use one of {supported} (without inv_kw_args), or a "
                                "StandardScaler / MinMaxScaler transformer")
        return apply(name, ref(prediction))
    if isinstance(transformer, StandardScaler):
        # scikit-learn: X *= scale_ (when with_std), then X += mean_ (when with_mean).
        node = ref(prediction)
        if transformer.scale_ is not None:
            node = apply("*", node, constant(float(transformer.scale_[0])))
        if transformer.mean_ is not None and transformer.with_mean:
            node = apply("+", node, constant(float(transformer.mean_[0])))
        return node
    if isinstance(transformer, MinMaxScaler):
        if transformer.clip:
            raise context.error("TransformedTargetRegressor with MinMaxScaler(clip=True) is not converted; "
                                "fit it with clip=False")
        # scikit-learn: X -= min_; X /= scale_.
        return apply("/", apply("-", ref(prediction), constant(float(transformer.min_[0]))),
                     constant(float(transformer.scale_[0])))
    raise context.error(f"TransformedTargetRegressor with transformer={type(transformer).__name__} is not "
                        "converted; use func/inverse_func, StandardScaler or MinMaxScaler")


def converters() -> dict[type, Converter]:
    return {TransformedTargetRegressor: convert_transformed_target}
