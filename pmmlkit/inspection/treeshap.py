"""Exact path-dependent TreeSHAP (Lundberg et al., 2018) over flat tree arrays, compiled by numba.

The arrays come from :mod:`pmmlkit.inspection.trees`: a node's children are listed in CSR form
(``child_start[j]:child_start[j + 1]`` in ``children``), so a PMML Node with any number of
children is one split. ``route[row, j]`` is the position of the child that record ``row`` takes
at node ``j`` (for every node, reached or not: the algorithm needs the record's decision in the
subtrees it does not reach too). ``split_feature[j]`` is the input a split tests; ``cover[j]``
the node's recordCount. The result is per record, per input and per output column; the base
value is the cover-weighted mean of the leaves.

A Python recursion would cost about a microsecond per node and path step; numba compiles the same
recursion (``cache=True`` keeps the machine code on disk across processes).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit
def _extend(features, zeros, ones, weights, o, depth, zero, one, feature):
    features[o + depth] = feature
    zeros[o + depth] = zero
    ones[o + depth] = one
    weights[o + depth] = 1.0 if depth == 0 else 0.0
    for i in range(depth - 1, -1, -1):
        weights[o + i + 1] += one * weights[o + i] * (i + 1) / (depth + 1)
        weights[o + i] = zero * weights[o + i] * (depth - i) / (depth + 1)


@njit
def _unwind(features, zeros, ones, weights, o, depth, index):
    one = ones[o + index]
    zero = zeros[o + index]
    next_one = weights[o + depth]
    for i in range(depth - 1, -1, -1):
        if one != 0.0:
            held = weights[o + i]
            weights[o + i] = next_one * (depth + 1) / ((i + 1) * one)
            next_one = held - weights[o + i] * zero * (depth - i) / (depth + 1)
        else:
            weights[o + i] = weights[o + i] * (depth + 1) / (zero * (depth - i))
    for i in range(index, depth):
        features[o + i] = features[o + i + 1]
        zeros[o + i] = zeros[o + i + 1]
        ones[o + i] = ones[o + i + 1]


@njit
def _unwound_sum(zeros, ones, weights, o, depth, index):
    one = ones[o + index]
    zero = zeros[o + index]
    next_one = weights[o + depth]
    total = 0.0
    for i in range(depth - 1, -1, -1):
        if one != 0.0:
            held = next_one * (depth + 1) / ((i + 1) * one)
            total += held
            next_one = weights[o + i] - held * zero * ((depth - i) / (depth + 1))
        else:
            total += (weights[o + i] / zero) / ((depth - i) / (depth + 1))
    return total


# Not cached on disk: reloading numba's cache of these (a self-recursive one among them) crashed here.
@njit
def _recurse(node, child_start, children, split_feature, cover, value, route, phi,
             features, zeros, ones, weights, offset, depth, zero, one, feature):
    # This call's path lives at [offset, offset + depth + 1): a copy of the parent's, extended.
    _extend(features, zeros, ones, weights, offset, depth, zero, one, feature)
    first = child_start[node]
    last = child_start[node + 1]
    if first == last:  # a leaf
        for i in range(1, depth + 1):
            w = _unwound_sum(zeros, ones, weights, offset, depth, i)
            scale = w * (ones[offset + i] - zeros[offset + i])
            for k in range(value.shape[1]):
                phi[features[offset + i], k] += scale * value[node, k]
        return
    split = split_feature[node]
    hot = route[node]
    incoming_zero = 1.0
    incoming_one = 1.0
    path_depth = depth
    for i in range(1, depth + 1):
        if features[offset + i] == split:
            incoming_zero = zeros[offset + i]
            incoming_one = ones[offset + i]
            _unwind(features, zeros, ones, weights, offset, depth, i)
            path_depth = depth - 1
            break
    for c in range(first, last):
        child = children[c]
        fraction = cover[child] / cover[node]
        if fraction == 0.0:
            continue
        nxt = offset + depth + 1
        for i in range(path_depth + 1):
            features[nxt + i] = features[offset + i]
            zeros[nxt + i] = zeros[offset + i]
            ones[nxt + i] = ones[offset + i]
            weights[nxt + i] = weights[offset + i]
        _recurse(child, child_start, children, split_feature, cover, value, route, phi,
                 features, zeros, ones, weights, nxt, path_depth + 1, incoming_zero * fraction,
                 incoming_one if (c - first) == hot else 0.0, split)


@njit
def tree_shap(child_start, children, split_feature, cover, value, routes, n_features, max_depth):
    """Contributions of one tree: ``(rows, n_features, outputs)``; ``routes`` is ``(rows, nodes)``."""
    rows = routes.shape[0]
    out = np.zeros((rows, n_features + 1, value.shape[1]))
    size = (max_depth + 2) * (max_depth + 3)
    features = np.zeros(size, dtype=np.int64)
    zeros = np.zeros(size)
    ones = np.zeros(size)
    weights = np.zeros(size)
    for r in range(rows):
        # Feature index n_features is the path's dummy first element; its column is dropped.
        _recurse(0, child_start, children, split_feature, cover, value, routes[r], out[r],
                 features, zeros, ones, weights, 0, 0, 1.0, 1.0, n_features)
    return out[:, :n_features, :]
