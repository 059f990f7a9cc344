"""Forests of binary threshold trees: one comparison per level.

What scikit-learn, XGBoost and LightGBM converters write is a forest whose every split has two
children, the first testing one field against one constant (``x <= k``, ``x < k``, ``x > k`` or
``x >= k``), the second its complement or <True/>, under a root <True/>.
For such a forest the general walk of :mod:`.kernels` (each child's predicate tested in turn, in
three-valued logic) comes down to: a missing value takes the node's missing-value action (the
tree's strategies and the second child, resolved per node at load); any other value
goes to the first child if the first child's comparison holds, else to the second. These loops
walk that, over the same node numbering, and add the trees' values in the same order as the
general kernels (blocks of rows, tree by tree, each row adding its trees in document order), so
they give the same doubles. Any other forest keeps the general walk.

A leaf's word is negative (the end test of the walk above) but steps to itself once its sign bit
is masked off (its threshold is +inf, so every value that is not NaN takes the "yes" side, back to
it). One record without missing values (:func:`record_values`, :func:`record_classes`) therefore
walks GROUP trees side by side for as many levels as the deepest of them has, without an end test:
the trees' memory reads overlap instead of waiting on one another. A record with a missing value
walks tree by tree. The sums stay in document order.
"""

from __future__ import annotations

import numba
import numpy as np

from . import kernels as K

_OPTIONS = {"cache": True, "nogil": True}
_PARALLEL = {**_OPTIONS, "parallel": True}
_INLINE = {**_OPTIONS, "inline": "always"}
LEAF = -1  # feature of a node without children
_SIGN = np.int64(-(2**63))  # a leaf's step word has it
# Trees a record walks side by side (_record_leaves holds their nodes in 8 named variables, which
# stay in registers): enough independent reads to overlap their latency; 16 through memory was slower.
GROUP = 8
# missing[n] for a missing value at node n: a node to go on from (>= 0, the default child), or:
RETURN_NONE, RETURN_NODE = -1, -2  # no prediction; the node's own score
# The first child's comparison -> (its complement, first child on "yes", strict). The walk tests
# value <= threshold (k, or the double below k when strict) without a branch: the next node is the
# first child plus (the test's result xor flip), flip 1 where the first child is the "yes" side.
_FIRST = {K.LE: (K.GT, True, False), K.LT: (K.GE, True, True), K.GT: (K.LE, False, False),
          K.GE: (K.LT, False, True)}


def binary_arrays(arrays: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...] | None:
    """(roots, step, threshold, missing) for the node arrays of trees.FlatTrees
    when every tree is a binary threshold tree; None otherwise. The second child is the first's
    complement, or <True/> (scikit-learn's forests): with a missing value, the general walk finds the
    first child unknown and, under missingValueStrategy="none", goes on to that <True/> child."""
    roots, strategy, no_true, child_start, child_count, default_child = arrays[:6]
    node_op, node_field, node_const = arrays[8:11]
    nodes = len(child_start)
    if not nodes or not (node_op[roots] == K.TRUE).all():
        return None
    internal = np.flatnonzero(child_count > 0)
    if not (child_count[internal] == 2).all():
        return None
    first, second = child_start[internal], child_start[internal] + 1
    same = (node_field[first] == node_field[second]) & (node_const[first] == node_const[second])
    otherwise = (node_op[second] == K.TRUE) & ~np.isnan(node_const[first])  # (a NaN constant: no test holds)
    feature = np.full(nodes, LEAF, dtype=np.int32)
    threshold = np.zeros(nodes)
    flip = np.zeros(nodes, dtype=np.int32)
    matched = np.zeros(len(internal), dtype=bool)
    for op, (complement, first_on_yes, is_strict) in _FIRST.items():
        pair = (node_op[first] == op) & ((same & (node_op[second] == complement)) | otherwise)
        matched |= pair
        where = internal[pair]
        k = node_const[first[pair]]
        # value < k is value <= the double below k (for every value that is not NaN; below -inf, nothing).
        threshold[where] = np.where(k == -np.inf, np.nan, np.nextafter(k, -np.inf)) if is_strict else k
        flip[where] = 1 if first_on_yes else 0
    if not matched.all():
        return None
    feature[internal] = node_field[first]
    # One int64 per node, read once per level: first child << 32 | feature << 1 | flip. A leaf has the
    # sign bit set (the walk's end test), itself as first child, feature 0, flip 1 and threshold +inf:
    # a walk that masks the sign off stays on it for any value that is not NaN.
    leaf = feature < 0
    threshold[leaf] = np.inf
    start = np.where(leaf, np.arange(nodes), child_start).astype(np.int64)
    step = (start << 32) | (np.maximum(feature, 0).astype(np.int64) << 1) | np.where(leaf, 1, flip).astype(np.int64)
    step[leaf] |= _SIGN
    # Each node's tree (a tree's nodes are numbered together, from its root on).
    tree = np.searchsorted(roots, np.arange(nodes), side="right") - 1
    missing = _missing_actions(strategy[tree], no_true[tree], default_child)
    on_true = internal[otherwise & (strategy[tree[internal]] == K.NONE)]
    missing[on_true] = child_start[on_true] + 1
    return (roots, step, threshold, missing)


def tree_levels(roots: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Each tree's depth: the steps from its root to its deepest leaf (binary_arrays' step)."""
    levels = np.zeros(len(roots), dtype=np.int32)
    nodes, tree = roots.astype(np.int64), np.arange(len(roots))
    depth = 0
    while len(nodes):
        inner = step[nodes] >= 0
        first = step[nodes] >> 32
        depth += 1
        levels[tree[inner]] = depth
        nodes = np.concatenate([first[inner], first[inner] + 1])
        tree = np.concatenate([tree[inner], tree[inner]])
    return levels


def _missing_actions(strategy: np.ndarray, no_true: np.ndarray, default_child: np.ndarray) -> np.ndarray:
    """kernels._walk at a node whose field is missing and whose children are both comparisons (both
    unknown). Under missingValueStrategy="none" neither holds (noTrueChildStrategy decides); under
    the others the first unknown child stops the node (lastPrediction, nullPrediction, defaultChild)."""
    none = np.where(no_true == K.RETURN_LAST, RETURN_NODE, RETURN_NONE)
    default = np.where(default_child < 0, RETURN_NODE, default_child)
    out = np.where(strategy == K.NONE, none,
                   np.where(strategy == K.LAST_PREDICTION, RETURN_NODE,
                            np.where(strategy == K.NULL_PREDICTION, RETURN_NONE, default)))
    return out.astype(np.int32)


@numba.njit(**_INLINE)
def _walk(t, roots, step, threshold, missing, X, i):  # pragma: no cover - compiled
    n = roots[t]
    while True:
        s = step[n]
        if s < 0:  # a leaf
            return n
        v = X[i, (s >> 1) & 0x7FFFFFFF]
        if np.isnan(v):
            m = missing[n]
            if m == RETURN_NODE:
                return n
            if m < 0:
                return -1
            n = m
            continue
        go = 1 if v <= threshold[n] else 0
        n = (s >> 32) + (go ^ (s & 1))


@numba.njit(**_INLINE)
def _level(n, step, threshold, x):  # pragma: no cover - compiled
    """One step of the walk for a row ``x`` without missing values (a leaf stays where it is)."""
    s = step[n]
    go = 1 if x[(s >> 1) & 0x7FFFFFFF] <= threshold[n] else 0
    return ((s >> 32) & 0x7FFFFFFF) + (go ^ (s & 1))


@numba.njit(**_INLINE)
def _record_leaves(x, roots, step, threshold, missing, levels):  # pragma: no cover - compiled
    """Each tree's leaf for the record ``x`` (-1: no prediction), as _walk finds it."""
    trees = len(roots)
    leaves = np.empty(trees, dtype=np.int64)
    for j in range(x.shape[0]):
        if np.isnan(x[j]):  # the missing-value actions: tree by tree
            X = x.reshape((1, x.shape[0]))
            for t in range(trees):
                leaves[t] = _walk(t, roots, step, threshold, missing, X, 0)
            return leaves
    t0 = 0
    while t0 + GROUP <= trees:  # GROUP trees a level at a time, their nodes in registers
        n0, n1, n2, n3 = np.int64(roots[t0]), np.int64(roots[t0 + 1]), np.int64(roots[t0 + 2]), np.int64(roots[t0 + 3])
        n4, n5, n6, n7 = np.int64(roots[t0 + 4]), np.int64(roots[t0 + 5]), np.int64(roots[t0 + 6]), np.int64(roots[t0 + 7])
        deepest = 0
        for t in range(t0, t0 + GROUP):
            deepest = max(deepest, levels[t])
        for _ in range(deepest):
            n0, n1 = _level(n0, step, threshold, x), _level(n1, step, threshold, x)
            n2, n3 = _level(n2, step, threshold, x), _level(n3, step, threshold, x)
            n4, n5 = _level(n4, step, threshold, x), _level(n5, step, threshold, x)
            n6, n7 = _level(n6, step, threshold, x), _level(n7, step, threshold, x)
        leaves[t0], leaves[t0 + 1], leaves[t0 + 2], leaves[t0 + 3] = n0, n1, n2, n3
        leaves[t0 + 4], leaves[t0 + 5], leaves[t0 + 6], leaves[t0 + 7] = n4, n5, n6, n7
        t0 += GROUP
    for t in range(t0, trees):
        n = np.int64(roots[t])
        for _ in range(levels[t]):
            n = _level(n, step, threshold, x)
        leaves[t] = n
    return leaves


@numba.njit(**_INLINE)
def _values_block(lo, hi, X, roots, step, threshold, missing, leaf_value, weights, average,
                  out):  # pragma: no cover - compiled
    total_weight = 0.0
    for t in range(len(roots)):
        total_weight += weights[t]
        for i in range(lo, hi):
            leaf = _walk(t, roots, step, threshold, missing, X, i)
            if leaf < 0:
                out[i] = np.nan
            else:
                out[i] += weights[t] * leaf_value[leaf]
    if average:
        for i in range(lo, hi):
            out[i] = out[i] / total_weight


@numba.njit(**_OPTIONS)
def forest_values(X, roots, step, threshold, missing, leaf_value, weights,
                  average):  # pragma: no cover - compiled
    """kernels.forest_values for a binary threshold forest."""
    out = np.zeros(X.shape[0], dtype=np.float64)
    for b in range((X.shape[0] + K.BLOCK - 1) // K.BLOCK):
        _values_block(b * K.BLOCK, min(X.shape[0], (b + 1) * K.BLOCK), X, roots, step, threshold, missing, leaf_value, weights, average, out)
    return out


@numba.njit(**_PARALLEL)
def forest_values_parallel(X, roots, step, threshold, missing, leaf_value, weights,
                           average):  # pragma: no cover - compiled
    out = np.zeros(X.shape[0], dtype=np.float64)
    for b in numba.prange((X.shape[0] + K.BLOCK - 1) // K.BLOCK):
        _values_block(b * K.BLOCK, min(X.shape[0], (b + 1) * K.BLOCK), X, roots, step, threshold, missing, leaf_value, weights, average, out)
    return out


@numba.njit(**_INLINE)
def _classes_block(lo, hi, X, roots, step, threshold, missing, node_probs, node_label, weights,
                   vote, out):  # pragma: no cover - compiled
    classes = node_probs.shape[1]
    total_weight = 0.0
    for t in range(len(roots)):
        total_weight += weights[t]
        for i in range(lo, hi):
            leaf = _walk(t, roots, step, threshold, missing, X, i)
            if leaf < 0 or (vote and node_label[leaf] < 0):
                for k in range(classes):
                    out[i, k] = np.nan
            elif vote:
                out[i, node_label[leaf]] += weights[t]
            else:
                for k in range(classes):
                    out[i, k] += weights[t] * node_probs[leaf, k]
    for i in range(lo, hi):
        for k in range(classes):
            out[i, k] = out[i, k] / total_weight


@numba.njit(**_OPTIONS)
def forest_classes(X, roots, step, threshold, missing, node_probs, node_label, weights,
                   vote):  # pragma: no cover - compiled
    """kernels.forest_classes for a binary threshold forest."""
    out = np.zeros((X.shape[0], node_probs.shape[1]), dtype=np.float64)
    for b in range((X.shape[0] + K.BLOCK - 1) // K.BLOCK):
        _classes_block(b * K.BLOCK, min(X.shape[0], (b + 1) * K.BLOCK), X, roots, step, threshold, missing, node_probs, node_label, weights, vote, out)
    return out


@numba.njit(**_PARALLEL)
def forest_classes_parallel(X, roots, step, threshold, missing, node_probs, node_label, weights,
                            vote):  # pragma: no cover - compiled
    out = np.zeros((X.shape[0], node_probs.shape[1]), dtype=np.float64)
    for b in numba.prange((X.shape[0] + K.BLOCK - 1) // K.BLOCK):
        _classes_block(b * K.BLOCK, min(X.shape[0], (b + 1) * K.BLOCK), X, roots, step, threshold, missing, node_probs, node_label, weights, vote, out)
    return out


@numba.njit(**_OPTIONS)
def record_values(x, roots, step, threshold, missing, levels, leaf_value, weights,
                  average):  # pragma: no cover - compiled
    """forest_values for one record ``x`` (its fields as one row): the same doubles, as a float."""
    leaves = _record_leaves(x, roots, step, threshold, missing, levels)
    out = 0.0  # the sums of _values_block, on one row
    total_weight = 0.0
    for t in range(len(roots)):
        total_weight += weights[t]
        leaf = leaves[t]
        if leaf < 0:
            out = np.nan
        else:
            out += weights[t] * leaf_value[leaf]
    return out / total_weight if average else out


@numba.njit(**_OPTIONS)
def record_classes(x, roots, step, threshold, missing, levels, node_probs, node_label, weights,
                   vote):  # pragma: no cover - compiled
    """forest_classes for one record ``x``: the same doubles, one per category."""
    leaves = _record_leaves(x, roots, step, threshold, missing, levels)
    classes = node_probs.shape[1]
    out = np.zeros(classes, dtype=np.float64)  # the sums of _classes_block, on one row (written out: an
    total_weight = 0.0                         # inlined helper shared with it costs ~30 ns a tree here)
    for t in range(len(roots)):
        total_weight += weights[t]
        leaf = leaves[t]
        if leaf < 0 or (vote and node_label[leaf] < 0):
            for k in range(classes):
                out[k] = np.nan
        elif vote:
            out[node_label[leaf]] += weights[t]
        else:
            for k in range(classes):
                out[k] += weights[t] * node_probs[leaf, k]
    for k in range(classes):
        out[k] = out[k] / total_weight
    return out
