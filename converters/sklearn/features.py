"""PolynomialFeatures and FunctionTransformer (identity and the numpy functions PMML has built in)."""

from __future__ import annotations

from typing import Any

import numpy as np
from lxml import etree

from pmmlkit.builders.expressions import apply, constant, ref
from pmmlkit.builders.fields import Field
from pmmlkit.context import Context

from .fitted import attribute, n_features


def convert_polynomial_features(transformer: Any, features: list[Field], context: Context) -> list[Field]:
    """One field per row of ``powers_``, in scikit-learn's order.

    scikit-learn builds the term of features ``i1 <= i2 <= ... <= id`` as the term of
    ``i2 ... id`` times ``x_i1``; the products here are nested the same way, so a term of
    degree 3 or more rounds as it does there.
    """
    powers = np.asarray(attribute(transformer, context, "powers_"))
    context.expect_features(features, n_features(transformer, context), transformer)
    outputs = []
    for row in powers:
        indices = [i for i, power in enumerate(row) for _ in range(int(power))]
        if not indices:
            outputs.append(context.scope.derive("polynomial(1)", constant(1.0)))
        elif len(indices) == 1:
            outputs.append(features[indices[0]])
        else:
            term: etree._Element = ref(features[indices[-1]])
            for i in reversed(indices[:-1]):
                term = apply("*", term, ref(features[i]))
            name = " ".join(f"{features[i].name}^{int(p)}" if p > 1 else features[i].name
                            for i, p in enumerate(row) if p)
            outputs.append(context.scope.derive(f"polynomial({name})", term))
    return outputs


# numpy ufunc -> PMML built-in function.
_FUNCTIONS = {np.log: "ln", np.log1p: "ln1p", np.exp: "exp", np.expm1: "expm1", np.log10: "log10",
              np.sqrt: "sqrt", np.abs: "abs", np.floor: "floor", np.ceil: "ceil", np.sin: "sin", np.cos: "cos",
              np.tan: "tan", np.arcsin: "asin", np.arccos: "acos", np.arctan: "atan", np.sinh: "sinh",
              np.cosh: "cosh", np.tanh: "tanh"}


def convert_function_transformer(transformer: Any, features: list[Field], context: Context) -> list[Field]:
    func = transformer.func
    if func is None:
        return list(features)
    function = next((name for f, name in _FUNCTIONS.items() if func is f), None)
    if function is None or transformer.kw_args:
        supported = ", ".join(f"np.{f.__name__}" for f in _FUNCTIONS)
        raise context.error(f"FunctionTransformer(func={getattr(func, '__name__', func)!r}) is not supported; "
                            f"func=None and these numpy functions (without kw_args) are converted: {supported}")
    for field in features:
        if not field.is_numeric:
            raise context.error(f"FunctionTransformer({func.__name__}) on the string column {field.name!r}")
    return [context.scope.derive(f"{func.__name__}({f.name})", apply(function, ref(f))) for f in features]
