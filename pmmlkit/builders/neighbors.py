"""k nearest neighbours written as derived fields.

PMML's NearestNeighborModel weighs neighbours by ``1 / (distance + threshold)`` and leaves the
choice among tied neighbours to the engine, so it cannot state scikit-learn's ``1 / distance``
weights or its probabilities exactly. Here every training instance gets its distance to the
input row, the k-th smallest distance is found by repeated minima, and each instance a weight
(1 when nearer than the k-th distance, a share of the remaining places when tied with it, else 0).

Where several instances tie at the k-th distance, the remaining places are shared equally among
them; when they share a target value (duplicated training rows), that is exactly what any choice
among them gives. When tied instances with different targets compete for the last places, the
source framework's choice depends on its search (scikit-learn's tree traversal): :func:`decided`
flags those rows, and a converter gives them no prediction rather than a guess.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from copy import deepcopy
from dataclasses import dataclass

import numpy as np
from lxml import etree

from ..errors import ConversionError
from .expressions import apply, constant, if_else, ref
from .fields import Field, Scope

# Stands for "no candidate" in the repeated minima (distances are finite).
_FAR = float(np.finfo(np.float64).max)


@dataclass(frozen=True)
class Metric:
    """A Minkowski distance of power ``p`` (``inf``: Chebyshev)."""

    p: float = 2.0

    def rank_term(self, difference: etree._Element) -> etree._Element:
        """A per-feature term whose sum (or max, for Chebyshev) orders rows as the distance does."""
        if self.p == 2:
            return apply("*", difference, deepcopy(difference))
        magnitude = apply("abs", difference)
        if self.p == 1 or np.isinf(self.p):
            return magnitude
        return apply("pow", magnitude, constant(float(self.p)))

    def combine(self, terms: list[etree._Element]) -> etree._Element:
        if len(terms) == 1:
            return terms[0]
        return apply("max" if np.isinf(self.p) else "sum", *terms)

    def distance(self, rank: Field) -> etree._Element:
        """The distance from its rank value."""
        if self.p == 1 or np.isinf(self.p):
            return ref(rank)
        if self.p == 2:
            return apply("sqrt", ref(rank))
        return apply("pow", ref(rank), constant(1.0 / float(self.p)))


@dataclass
class Neighbors:
    """The derived fields of a k-nearest-neighbour search: per training instance its distance
    and its weight (share of the k places)."""

    distances: list[Field]
    shares: list[Field]
    k: int
    ranks: list[Field]
    radius: Field  # the rank of the k-th nearest instance
    crowded: Field  # 1 where more instances lie at or within the radius than there are places, else 0


def nearest(features: Sequence[Field], instances: np.ndarray, k: int, metric: Metric, scope: Scope,
            prefix: str) -> Neighbors:
    instances = np.asarray(instances, dtype=np.float64)
    n = instances.shape[0]
    if not 1 <= k <= n:
        raise ConversionError(f"{k} neighbours asked among {n} training instances")
    if instances.shape[1] != len(features):
        raise ConversionError(f"training instances have {instances.shape[1]} features, {len(features)} given")
    ranks = []
    for i, row in enumerate(instances):
        terms = [metric.rank_term(apply("-", ref(f), constant(float(v)))) for f, v in zip(features, row)]
        ranks.append(scope.derive(f"{prefix}:rank({i})", metric.combine(terms)))
    # The t-th smallest distinct rank, and how many instances lie at or below it; the k-th
    # smallest rank is the first of them with at least k instances at or below.
    branches = []
    previous: Field | None = None
    for t in range(k):
        candidates = [ref(r) if previous is None else
                      if_else(apply("greaterThan", ref(r), ref(previous)), ref(r), constant(_FAR)) for r in ranks]
        level = scope.derive(f"{prefix}:level({t})", _many("min", candidates))
        within = scope.derive(f"{prefix}:within({t})", _count([apply("lessOrEqual", ref(r), ref(level))
                                                                for r in ranks]))
        branches.append((apply("greaterOrEqual", ref(within), constant(float(k))), ref(level)))
        previous = level
    kth: etree._Element = branches[-1][1]
    for condition, value in reversed(branches[:-1]):
        kth = if_else(condition, value, kth)
    radius = scope.derive(f"{prefix}:kth", kth)
    below = scope.derive(f"{prefix}:below", _count([apply("lessThan", ref(r), ref(radius)) for r in ranks]))
    tied = scope.derive(f"{prefix}:tied", _count([apply("equal", ref(r), ref(radius)) for r in ranks]))
    share = scope.derive(f"{prefix}:tieShare", apply("/", apply("-", constant(float(k)), ref(below)), ref(tied)))
    shares = [scope.derive(f"{prefix}:share({i})",
                           if_else(apply("lessThan", ref(r), ref(radius)), constant(1.0),
                                   if_else(apply("equal", ref(r), ref(radius)), ref(share), constant(0.0))))
              for i, r in enumerate(ranks)]
    distances = [scope.derive(f"{prefix}:distance({i})", metric.distance(r)) for i, r in enumerate(ranks)]
    crowded = scope.derive(f"{prefix}:crowded", if_else(
        apply("greaterThan", apply("+", ref(below), ref(tied)), constant(float(k))), constant(1.0), constant(0.0)))
    return Neighbors(distances, shares, k, ranks, radius, crowded)


def decided(neighbors: Neighbors, groups: Sequence[Hashable], scope: Scope, prefix: str,
            at_zero: Field | None = None) -> Field:
    """1 where the k nearest are decided whichever tied instances a search keeps, else 0.

    Undecided: more instances tie at the k-th distance than places remain, and they belong to
    more than one of ``groups`` (per instance: its class, or its target value). With ``at_zero``
    (inverse-distance weights), a neighbour at distance 0 leaves the others weightless, so ties at
    a positive k-th distance do not matter.
    """
    members: dict[Hashable, list[Field]] = {}
    for rank, group in zip(neighbors.ranks, groups):
        members.setdefault(group, []).append(rank)
    present = [if_else(apply("greaterThan", _count([apply("equal", ref(r), ref(neighbors.radius)) for r in ranks]),
                             constant(0.0)), constant(1.0), constant(0.0))
               for ranks in members.values()]
    mixed = apply("greaterThan", _many("sum", present), constant(1.0))
    undecided = apply("and", apply("equal", ref(neighbors.crowded), constant(1.0)), mixed)
    if at_zero is not None:
        irrelevant = apply("and", apply("greaterThan", ref(at_zero), constant(0.0)),
                           apply("greaterThan", ref(neighbors.radius), constant(0.0)))
        undecided = apply("and", undecided, apply("not", irrelevant))
    return scope.derive(f"{prefix}:decided", if_else(undecided, constant(0.0), constant(1.0)))


def only_where(decision: Field, expression: etree._Element) -> etree._Element:
    """``expression`` where ``decision`` is 1; missing elsewhere."""
    return apply("if", apply("equal", ref(decision), constant(1.0)), expression)


def zero_distance_count(neighbors: Neighbors, scope: Scope, prefix: str) -> Field:
    """How many of the k nearest are at distance 0."""
    return scope.derive(f"{prefix}:atZero", _count([
        apply("and", apply("greaterThan", ref(s), constant(0.0)), apply("equal", ref(d), constant(0.0)))
        for s, d in zip(neighbors.shares, neighbors.distances)]))


def inverse_distance_weights(neighbors: Neighbors, zero: Field, scope: Scope, prefix: str) -> list[Field]:
    """``share / distance``; when a neighbour is at distance 0 (``zero``, see
    :func:`zero_distance_count`), those at 0 weigh ``share`` and the others 0 (scikit-learn's
    ``weights="distance"``)."""
    weights = []
    for i, (s, d) in enumerate(zip(neighbors.shares, neighbors.distances)):
        exact = if_else(apply("equal", ref(d), constant(0.0)), ref(s), constant(0.0))
        inverse = if_else(apply("greaterThan", ref(s), constant(0.0)), apply("/", ref(s), ref(d)), constant(0.0))
        weights.append(scope.derive(f"{prefix}:weight({i})",
                                    if_else(apply("greaterThan", ref(zero), constant(0.0)), exact, inverse)))
    return weights


def weighted_sum(weights: Sequence[Field], values: Sequence[float] | None = None) -> etree._Element:
    """``sum(w_i * v_i)`` (or ``sum(w_i)``) over the weights; instances with ``v_i == 0`` are left out."""
    if values is None:
        terms = [ref(w) for w in weights]
    else:
        terms = [apply("*", ref(w), constant(float(v))) for w, v in zip(weights, values) if v != 0]
    if not terms:
        return constant(0.0)
    return _many("sum", terms)


def _count(conditions: list[etree._Element]) -> etree._Element:
    return _many("sum", [if_else(c, constant(1.0), constant(0.0)) for c in conditions])


def _many(function: str, terms: list[etree._Element]) -> etree._Element:
    # One flat Apply over many arguments (see scores.total).
    return terms[0] if len(terms) == 1 else apply(function, *terms)
