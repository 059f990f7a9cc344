"""GaussianMixture and BayesianGaussianMixture: the component (``predict``) and its
probabilities (``predict_proba``).

Each component's weighted log density, as scikit-learn's ``_estimate_weighted_log_prob``:
``-(n log(2 pi) + |x @ P_k - mu_k @ P_k|^2) / 2 + log det(P_k) + log(w_k)``, ``P_k`` the Cholesky
factor of its precision (full, tied, or diagonal for "diag" and "spherical"); the probabilities
are their softmax. The "classes" are the component indices 0, 1, ...
BayesianGaussianMixture differs only by per-component constants (its expected log weights and
the digamma terms of ``_estimate_log_prob``), computed here once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from lxml import etree
from scipy.special import digamma
from sklearn import mixture

from pmmlkit.builders.expressions import apply, constant, ref
from pmmlkit.builders.fields import Field
from pmmlkit.builders.scores import linear_score, softmax_classifier, total
from pmmlkit.context import Context

from .fitted import array, n_features


def converters() -> dict[type, Callable[..., Any]]:
    return {
        mixture.GaussianMixture: convert_gaussian_mixture,
        mixture.BayesianGaussianMixture: convert_bayesian_gaussian_mixture,
    }


def _factors(mixture_model: Any, context: Context, count: int, width: int) -> list[np.ndarray]:
    """The precision Cholesky factor of each component as a width x width matrix."""
    kind = mixture_model.covariance_type
    chol = array(mixture_model, context, "precisions_cholesky_")
    if kind == "full":
        return [chol[k] for k in range(count)]
    if kind == "tied":
        return [chol] * count
    if kind == "diag":
        return [np.diag(chol[k]) for k in range(count)]
    if kind == "spherical":
        return [np.eye(width) * chol[k] for k in range(count)]
    raise context.error(f"GaussianMixture(covariance_type={kind!r}) is not supported; use 'full', 'tied', "
                        "'diag' or 'spherical'")


def convert_gaussian_mixture(mixture_model: Any, features: list[Field], context: Context) -> etree._Element:
    return _mixture(mixture_model, features, context, np.log(array(mixture_model, context, "weights_")))


def convert_bayesian_gaussian_mixture(mixture_model: Any, features: list[Field], context: Context) -> etree._Element:
    width = n_features(mixture_model, context)
    freedom = array(mixture_model, context, "degrees_of_freedom_")
    precision = array(mixture_model, context, "mean_precision_")
    log_lambda = width * np.log(2.0) + np.sum(digamma(0.5 * (freedom - np.arange(0, width)[:, np.newaxis])), 0)
    try:
        log_weights = np.asarray(mixture_model._estimate_log_weights(), dtype=np.float64)
    except AttributeError:
        raise context.error("BayesianGaussianMixture: this scikit-learn release does not expose its log weights as "
                            "expected; please report it with your scikit-learn version") from None
    offsets = log_weights - 0.5 * width * np.log(freedom) + 0.5 * (log_lambda - width / precision)
    return _mixture(mixture_model, features, context, offsets)


def _mixture(mixture_model: Any, features: list[Field], context: Context, log_offsets: np.ndarray) -> etree._Element:
    """Component scores: the Gaussian log density with the precision factors plus ``log_offsets``."""
    width = n_features(mixture_model, context)
    context.expect_features(features, width, mixture_model)
    means = array(mixture_model, context, "means_")
    factors = _factors(mixture_model, context, len(means), width)
    scope = context.scope
    scores = []
    for k, (mean, factor) in enumerate(zip(means, factors)):
        offsets = mean @ factor
        squares = []
        for j in range(width):
            z = scope.derive(f"gaussianMixture:z({k},{j})",
                             apply("-", linear_score(features, factor[:, j], 0.0), constant(float(offsets[j]))))
            squares.append(apply("*", ref(z), ref(z)))
        log_det = float(np.sum(np.log(np.diag(factor))))
        constant_part = -0.5 * width * np.log(2 * np.pi)
        score = apply("+", apply("*", constant(-0.5), total(squares)),
                      constant(float(constant_part + log_det + log_offsets[k])))
        scores.append(scope.derive(f"gaussianMixture:logProb({k})", score))
    target = context.classification_target(list(range(len(means))))
    return softmax_classifier(scores, target, scope, "gaussianMixture")
