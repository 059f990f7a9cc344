"""FunctionTransformer (sklearn.preprocessing's ``_function_transformer``): identity and the numpy
functions PMML has built in."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.preprocessing import FunctionTransformer

from pmmlkit.builders.expressions import apply, ref
from pmmlkit.builders.fields import Field
from pmmlkit.context import Context, Converter


def converters() -> dict[type, Converter]:
    return {
        FunctionTransformer: convert_function_transformer,
    }


# numpy ufunc -> PMML built-in function (also the inverse functions TransformedTargetRegressor takes).
NUMPY_FUNCTIONS = {np.log: "ln", np.log1p: "ln1p", np.exp: "exp", np.expm1: "expm1", np.log10: "log10",
                   np.sqrt: "sqrt", np.abs: "abs", np.floor: "floor", np.ceil: "ceil", np.sin: "sin", np.cos: "cos",
                   np.tan: "tan", np.arcsin: "asin", np.arccos: "acos", np.arctan: "atan", np.sinh: "sinh",
                   np.cosh: "cosh", np.tanh: "tanh"}


def pmml_function(func: Any, accepted: Any = NUMPY_FUNCTIONS) -> str | None:
    """The PMML built-in function that computes numpy's ``func``, if ``func`` is one of ``accepted``."""
    return next((NUMPY_FUNCTIONS[f] for f in accepted if func is f), None)


def convert_function_transformer(transformer: Any, features: list[Field], context: Context) -> list[Field]:
    func = transformer.func
    if func is None:
        return list(features)
    function = pmml_function(func)
    if function is None or transformer.kw_args:
        supported = ", ".join(f"np.{f.__name__}" for f in NUMPY_FUNCTIONS)
        raise context.error(f"FunctionTransformer(func={getattr(func, '__name__', func)!r}) is not supported; "
                            f"func=None and these numpy functions (without kw_args) are converted: {supported}")
    for field in features:
        if not field.is_numeric:
            raise context.error(f"FunctionTransformer({func.__name__}) on the string column {field.name!r}")
    return [context.scope.derive(f"{func.__name__}({f.name})", apply(function, ref(f))) for f in features]
