"""Exact path-dependent TreeSHAP (Lundberg et al., 2018) over flat tree arrays, compiled by numba.

The arrays come from :mod:`pmmlkit.inspection.trees`: a node's children are listed in CSR form
(``child_start[j]:child_start[j + 1]`` in ``children``), so a PMML Node with any number of
children is one split. ``route[row, j]`` is the position of the child that record ``row`` takes
at node ``j`` (for every node, reached or not: the algorithm needs the record's decision in the
subtrees it does not reach too). ``split_feature[j]`` is the input a split tests; ``cover[j]``
the node's recordCount. The result is per record, per input and per output column; the base
value is the cover-weighted mean of the leaves.

The published algorithm is a recursion over the tree; here it runs as a loop over an explicit
stack (one frame per tree level), which numba compiles to plain loops: no call per node, and
nothing self-recursive, so ``cache=True`` may keep the machine code on disk across processes
(reloading the cache of a self-recursive numba function crashed a process here). Each level
keeps its own copy of the path (``width`` slots at ``level * width``), as the recursion's frames
did. ``error_model="numpy"``: divisions skip Python's zero check (a child without cover is
skipped, so no fraction divides by zero).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always", error_model="numpy")
def _extend(features, zeros, ones, weights, o, depth, zero, one, feature):
    features[o + depth] = feature
    zeros[o + depth] = zero
    ones[o + depth] = one
    weights[o + depth] = 1.0 if depth == 0 else 0.0
    for i in range(depth - 1, -1, -1):
        weights[o + i + 1] += one * weights[o + i] * (i + 1) / (depth + 1)
        weights[o + i] = zero * weights[o + i] * (depth - i) / (depth + 1)


@njit(cache=True, inline="always", error_model="numpy")
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


@njit(cache=True, inline="always", error_model="numpy")
def _unwound_sum(zeros, ones, weights, o, depth, index):
    """The path weight sum without element ``index``, which the record satisfies (one != 0)."""
    one = ones[o + index]
    zero = zeros[o + index]
    next_one = weights[o + depth]
    total = 0.0
    for i in range(depth - 1, -1, -1):
        held = next_one * (depth + 1) / ((i + 1) * one)
        total += held
        next_one = weights[o + i] - held * zero * ((depth - i) / (depth + 1))
    return total


@njit(cache=True, error_model="numpy")
def _explain_row(child_start, children, split_feature, cover, value, route, phi, features, zeros, ones, weights,
                 width, frame_node, frame_depth, frame_next, frame_path_depth, frame_zero, frame_one):
    """Adds one record's contributions to ``phi`` (``(n_features + 1, outputs)``)."""
    # The root's frame: a path of one dummy element (feature index n_features, dropped later).
    frame_node[0] = 0
    frame_depth[0] = 0
    _extend(features, zeros, ones, weights, 0, 0, 1.0, 1.0, phi.shape[0] - 1)
    frame_next[0] = -1  # not yet entered
    level = 0
    while level >= 0:
        node = frame_node[level]
        offset = level * width
        depth = frame_depth[level]
        first = child_start[node]
        last = child_start[node + 1]
        if frame_next[level] == -1:  # entering the node (its path element is already added)
            if first == last:  # a leaf
                # An element the record does not satisfy (one = 0) has the unwound sum S / zero,
                # with S the same for all of them, and contributes (0 - zero) * S / zero = -S:
                # one sum per leaf instead of one per element (as in Fast TreeSHAP v1).
                cold = 0.0
                for i in range(depth - 1, -1, -1):
                    cold += weights[offset + i] / ((depth - i) / (depth + 1))
                for i in range(1, depth + 1):
                    if ones[offset + i] != 0.0:
                        w = _unwound_sum(zeros, ones, weights, offset, depth, i)
                        scale = w * (ones[offset + i] - zeros[offset + i])
                    else:
                        scale = -cold
                    for k in range(value.shape[1]):
                        phi[features[offset + i], k] += scale * value[node, k]
                level -= 1
                continue
            # A feature split on higher up leaves the path: its fractions pass to the children.
            split = split_feature[node]
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
            frame_zero[level] = incoming_zero
            frame_one[level] = incoming_one
            frame_path_depth[level] = path_depth
            frame_next[level] = first
        c = frame_next[level]
        while c < last and cover[children[c]] == 0.0:  # no training record went there
            c += 1
        if c == last:  # every child done
            level -= 1
            continue
        frame_next[level] = c + 1
        child = children[c]
        path_depth = frame_path_depth[level]
        below = offset + width
        for i in range(path_depth + 1):
            features[below + i] = features[offset + i]
            zeros[below + i] = zeros[offset + i]
            ones[below + i] = ones[offset + i]
            weights[below + i] = weights[offset + i]
        split = split_feature[node]
        one = frame_one[level] if (c - first) == route[node] else 0.0
        _extend(features, zeros, ones, weights, below, path_depth + 1, frame_zero[level] * cover[child] / cover[node],
                one, split)
        level += 1
        frame_node[level] = child
        frame_depth[level] = path_depth + 1
        frame_next[level] = -1


@njit(cache=True, error_model="numpy")
def tree_shap(child_start, children, split_feature, cover, value, routes, n_features, max_depth):
    """Contributions of one tree: ``(rows, n_features, outputs)``; ``routes`` is ``(rows, nodes)``."""
    rows = routes.shape[0]
    out = np.zeros((rows, n_features + 1, value.shape[1]))
    levels = max_depth + 1
    width = max_depth + 2  # a path holds at most one element per level plus the dummy
    features = np.zeros(levels * width + width, dtype=np.int64)
    zeros = np.zeros(levels * width + width)
    ones = np.zeros(levels * width + width)
    weights = np.zeros(levels * width + width)
    frame_node = np.zeros(levels, dtype=np.int64)
    frame_depth = np.zeros(levels, dtype=np.int64)
    frame_next = np.zeros(levels, dtype=np.int64)
    frame_path_depth = np.zeros(levels, dtype=np.int64)
    frame_zero = np.zeros(levels)
    frame_one = np.zeros(levels)
    for r in range(rows):
        _explain_row(child_start, children, split_feature, cover, value, routes[r], out[r], features, zeros, ones,
                     weights, width, frame_node, frame_depth, frame_next, frame_path_depth, frame_zero, frame_one)
    return out[:, :n_features, :]
