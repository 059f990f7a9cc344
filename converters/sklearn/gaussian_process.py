"""GaussianProcessRegressor: the predictive mean ``kernel_(x, X_train_) @ alpha_``, rescaled by
``_y_train_std`` and ``_y_train_mean`` (``normalize_y``), with one kernel value per training row.

Kernels: RBF, Matern (nu 0.5, 1.5, 2.5, inf), RationalQuadratic, DotProduct, ConstantKernel,
WhiteKernel (0 between a new row and a training row) and their sums, products and powers, each
computed as scikit-learn does (length scales divide the coordinates first). ``predict``'s
standard deviation (``return_std``) is not written.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from copy import deepcopy
from typing import Any

import numpy as np
from lxml import etree
from sklearn import gaussian_process
from sklearn.gaussian_process import kernels

from pmmlkit.builders.expressions import apply, constant, ref
from pmmlkit.builders.fields import Field
from pmmlkit.builders.scores import field_regressor, total
from pmmlkit.context import Context

from .fitted import array, attribute, n_features

# As for k nearest neighbours: each training row adds a kernel expression per scored row.
MAX_TRAINING_ROWS = 20_000


def converters() -> dict[type, Callable[..., Any]]:
    return {gaussian_process.GaussianProcessRegressor: convert_gaussian_process_regressor}


def convert_gaussian_process_regressor(regressor: Any, features: list[Field], context: Context) -> etree._Element:
    context.expect_features(features, n_features(regressor, context), regressor)
    training = array(regressor, context, "X_train_")
    if training.shape[0] > MAX_TRAINING_ROWS:
        raise context.error(f"GaussianProcessRegressor holds {training.shape[0]} training rows; its PMML would "
                            f"evaluate the kernel on each for every scored row (limit {MAX_TRAINING_ROWS}): fit it "
                            "on fewer rows")
    alpha = array(regressor, context, "alpha_")
    if alpha.ndim > 1 and alpha.shape[1] != 1:
        raise context.error(f"GaussianProcessRegressor fitted on {alpha.shape[1]} targets: PMML models here "
                            "predict one target; fit one model per target")
    alpha = alpha.reshape(-1)
    kernel = attribute(regressor, context, "kernel_")
    scope = context.scope
    terms = []
    for i, (row, weight) in enumerate(zip(training, alpha)):
        if weight != 0:
            value = scope.derive(f"gaussianProcess:kernel({i})", _kernel(kernel, features, row, context))
            terms.append(apply("*", ref(value), constant(float(weight))))
    mean = total(terms)
    scale = float(np.asarray(attribute(regressor, context, "_y_train_std")).reshape(-1)[0])
    shift = float(np.asarray(attribute(regressor, context, "_y_train_mean")).reshape(-1)[0])
    if scale != 1.0 or shift != 0.0:
        mean = apply("+", apply("*", constant(scale), mean), constant(shift))
    return field_regressor(scope.derive("gaussianProcess:mean", mean), context.regression_target())


def _kernel(kernel: Any, features: list[Field], row: np.ndarray, context: Context) -> etree._Element:
    """k(x, row) as scikit-learn's kernel object computes it."""
    if isinstance(kernel, kernels.Sum):
        return apply("+", _kernel(kernel.k1, features, row, context), _kernel(kernel.k2, features, row, context))
    if isinstance(kernel, kernels.Product):
        return apply("*", _kernel(kernel.k1, features, row, context), _kernel(kernel.k2, features, row, context))
    if isinstance(kernel, kernels.Exponentiation):
        return apply("pow", _kernel(kernel.kernel, features, row, context), constant(float(kernel.exponent)))
    if isinstance(kernel, kernels.ConstantKernel):
        return constant(float(kernel.constant_value))
    if isinstance(kernel, kernels.WhiteKernel):
        return constant(0.0)  # noise only on the diagonal of the training covariance
    if isinstance(kernel, kernels.DotProduct):
        dot = total([apply("*", ref(f), constant(float(v))) for f, v in zip(features, row)])
        return apply("+", dot, constant(float(kernel.sigma_0) ** 2))
    if isinstance(kernel, kernels.RationalQuadratic):
        base = apply("+", constant(1.0), apply("/", _squared(features, row, None),
                                               constant(2 * kernel.alpha * kernel.length_scale ** 2)))
        return apply("pow", base, constant(-float(kernel.alpha)))
    if isinstance(kernel, kernels.Matern):  # before RBF: Matern subclasses it
        distance = apply("sqrt", _squared(features, row, kernel.length_scale))
        nu = kernel.nu
        if nu == 0.5:
            return apply("exp", apply("*", constant(-1.0), distance))
        if nu == 1.5:
            k = apply("*", distance, constant(math.sqrt(3)))
            return apply("*", apply("+", constant(1.0), k), apply("exp", apply("*", constant(-1.0), deepcopy(k))))
        if nu == 2.5:
            k = apply("*", distance, constant(math.sqrt(5)))
            polynomial = apply("+", apply("+", constant(1.0), k),
                               apply("/", apply("*", deepcopy(k), deepcopy(k)), constant(3.0)))
            return apply("*", polynomial, apply("exp", apply("*", constant(-1.0), deepcopy(k))))
        if nu == np.inf:
            return apply("exp", apply("/", apply("*", constant(-1.0), apply("*", distance, deepcopy(distance))),
                                      constant(2.0)))
        raise context.error(f"Matern(nu={nu}) evaluates Bessel functions PMML does not have; use nu=0.5, 1.5, 2.5 "
                            "or inf")
    if isinstance(kernel, kernels.RBF):
        return apply("exp", apply("*", constant(-0.5), _squared(features, row, kernel.length_scale)))
    raise context.error(f"GaussianProcessRegressor with the kernel {type(kernel).__name__} is not supported; use "
                        "RBF, Matern, RationalQuadratic, DotProduct, ConstantKernel and WhiteKernel (sums, "
                        "products and powers of them)")


def _squared(features: list[Field], row: np.ndarray, length_scale: Any) -> etree._Element:
    """``sum((x_j / l_j - v_j / l_j)^2)`` (no scaling when ``length_scale`` is None)."""
    scales = np.broadcast_to(np.asarray(1.0 if length_scale is None else length_scale, dtype=np.float64),
                             (len(features),))
    terms = []
    for field, value, scale in zip(features, row, scales):
        x = ref(field) if length_scale is None else apply("/", ref(field), constant(float(scale)))
        difference = apply("-", x, constant(float(value / scale)))
        terms.append(apply("*", difference, deepcopy(difference)))
    return total(terms)
