"""Kernel machines written as derived fields.

One derived field per support vector holds its kernel value; a decision is the weighted sum of
kernel values plus an intercept; a one-against-one classifier votes over the pairwise decisions.
(PMML's SupportVectorMachineModel leaves thresholds, vote ties and the sign convention to each
engine; derived fields state libsvm's own rules.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from lxml import etree

from ..errors import ConversionError
from .expressions import apply, constant, if_else, ref
from .fields import Field, Scope
from .scores import squared_distance, total

KERNELS = ("linear", "poly", "rbf", "sigmoid")


@dataclass(frozen=True)
class Kernel:
    """libsvm's kernels: linear ``x.v``, poly ``(gamma x.v + coef0)^degree``, rbf
    ``exp(-gamma |x - v|^2)``, sigmoid ``tanh(gamma x.v + coef0)``."""

    kind: str
    gamma: float = 1.0
    coef0: float = 0.0
    degree: int = 3

    def __post_init__(self) -> None:
        if self.kind not in KERNELS:
            raise ConversionError(f"kernel {self.kind!r} is not one of {KERNELS}")

    def value(self, features: Sequence[Field], vector: Sequence[float]) -> etree._Element:
        if self.kind == "rbf":
            return apply("exp", apply("*", constant(-self.gamma), squared_distance(features, vector)))
        dot = total([apply("*", ref(f), constant(float(v))) for f, v in zip(features, vector)])
        if self.kind == "linear":
            return dot
        inner = apply("+", apply("*", constant(self.gamma), dot), constant(self.coef0))
        if self.kind == "poly":
            return apply("pow", inner, constant(float(self.degree)))
        return apply("tanh", inner)


def kernel_values(features: Sequence[Field], vectors: np.ndarray, kernel: Kernel, scope: Scope,
                  prefix: str) -> list[Field]:
    """One field per support vector: its kernel value with the input row."""
    return [scope.derive(f"{prefix}:kernel({i})", kernel.value(features, row))
            for i, row in enumerate(np.asarray(vectors, dtype=np.float64))]


def decision(kernels: Sequence[Field], coefficients: Sequence[float], intercept: float) -> etree._Element:
    """``sum(coef_i * K_i) + intercept`` (zero coefficients left out)."""
    terms = [apply("*", constant(float(c)), ref(k)) for k, c in zip(kernels, coefficients) if c != 0]
    return apply("+", total(terms) if terms else constant(0.0), constant(float(intercept)))


def one_against_one_votes(decisions: dict[tuple[int, int], Field], count: int, scope: Scope,
                          prefix: str) -> list[Field]:
    """Votes per class: pair ``(i, j)`` votes for ``i`` when its decision is > 0, else for ``j``
    (libsvm's rule)."""
    votes = []
    for k in range(count):
        terms = []
        for (i, j), field in decisions.items():
            if k == i:
                terms.append(if_else(apply("greaterThan", ref(field), constant(0.0)), constant(1.0), constant(0.0)))
            elif k == j:
                terms.append(if_else(apply("greaterThan", ref(field), constant(0.0)), constant(0.0), constant(1.0)))
        votes.append(scope.derive(f"{prefix}:votes({k})", total(terms)))
    return votes


def one_against_rest(decisions: dict[tuple[int, int], Field], count: int, scope: Scope, prefix: str) -> list[Field]:
    """scikit-learn's one-vs-rest view of pairwise decisions (``_ovr_decision_function``): per class,
    its votes (pair ``(i, j)`` votes ``i`` when its decision is >= 0) plus ``s / (3 (|s| + 1))``,
    ``s`` the sum of its decisions (counted negative where the class is ``j``)."""
    scores = []
    for k in range(count):
        votes, sums = [], []
        for (i, j), field in decisions.items():
            if k == i:
                votes.append(if_else(apply("greaterOrEqual", ref(field), constant(0.0)), constant(1.0),
                                     constant(0.0)))
                sums.append(ref(field))
            elif k == j:
                votes.append(if_else(apply("lessThan", ref(field), constant(0.0)), constant(1.0), constant(0.0)))
                sums.append(apply("*", constant(-1.0), ref(field)))
        confidence = scope.derive(f"{prefix}:confidence({k})", total(sums))
        bounded = apply("/", ref(confidence),
                        apply("*", constant(3.0), apply("+", apply("abs", ref(confidence)), constant(1.0))))
        scores.append(scope.derive(f"{prefix}:ovr({k})", apply("+", total(votes), bounded)))
    return scores

