"""The compiled loops: tree walks over flat node arrays (numba, ``cache=True``, ``nogil``).

Predicates are postfix programs over a row of the feature matrix (text categories arrive as
numeric codes), evaluated in PMML's three-valued logic: 1 true, 0 false, -1 unknown (a missing
input). numba is imported here, in binary.py (binary threshold forests) and in mathlib.py only: the
rest of the engine is plain numpy (and rows.py plain Python).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from typing import Any

import numba
import numpy as np

# Instruction codes (trees.py writes them).
TRUE, FALSE = 0, 1
LT, LE, GT, GE, EQ, NE = 2, 3, 4, 5, 6, 7
IS_MISSING, IS_NOT_MISSING = 8, 9
IN_SET, NOT_IN_SET = 10, 11
AND, OR, XOR, SURROGATE = 20, 21, 22, 23
# missingValueStrategy / noTrueChildStrategy codes.
NONE, LAST_PREDICTION, NULL_PREDICTION, DEFAULT_CHILD = 0, 1, 2, 3
RETURN_NULL, RETURN_LAST = 0, 1

_OPTIONS = {"cache": True, "nogil": True}
_PARALLEL = {**_OPTIONS, "parallel": True}
# The per-node test is inlined into the walk: called, it would pass a dozen array structs per node
# visited. Only plain comparisons (what converters write) are evaluated inline; any other predicate
# is a call (rare, and a small inlined body keeps the walk fast and its compile short).
_INLINE = {**_OPTIONS, "inline": "always"}
COMPOUND = -1  # node_op of a node whose predicate is not one plain comparison
# The node arrays (trees.FlatTrees.arrays, passed as arguments in this order):
# 0 roots, 1 missingValueStrategy, 2 noTrueChildStrategy (per tree); 3 child_start, 4 child_count,
# 5 default_child, 6 pred_start, 7 pred_len, 8 node_op, 9 node_field, 10 node_const (per node: a
# plain comparison's code, field and constant, else COMPOUND); 11 op, 12 field, 13 value, 14 count,
# 15 set_start, 16 set_len (per instruction of the predicates' postfix programs); 17 set_values.


@numba.njit(**_OPTIONS)
def _leaf(op, field, value, set_start, set_len, set_values, X, i, k):  # pragma: no cover - compiled
    code = op[k]
    if code == TRUE:
        return 1
    if code == FALSE:
        return 0
    v = X[i, field[k]]
    if code == IS_MISSING:
        return 1 if np.isnan(v) else 0
    if code == IS_NOT_MISSING:
        return 0 if np.isnan(v) else 1
    if np.isnan(v):
        return -1
    if code == LT:
        return 1 if v < value[k] else 0
    if code == LE:
        return 1 if v <= value[k] else 0
    if code == GT:
        return 1 if v > value[k] else 0
    if code == GE:
        return 1 if v >= value[k] else 0
    if code == EQ:
        return 1 if v == value[k] else 0
    if code == NE:
        return 1 if v != value[k] else 0
    found = 0
    for j in range(set_start[k], set_start[k] + set_len[k]):
        if set_values[j] == v:
            found = 1
            break
    if code == IN_SET:
        return found
    return 1 - found


@numba.njit(**_OPTIONS)
def _predicate(start, length, op, field, value, count, set_start, set_len, set_values, X, i):  # pragma: no cover
    """A predicate's postfix program on row i, in three-valued logic."""
    if length == 1:
        return _leaf(op, field, value, set_start, set_len, set_values, X, i, start)
    stack = np.empty(length, dtype=np.int64)
    top = 0
    for k in range(start, start + length):
        code = op[k]
        if code < AND:
            stack[top] = _leaf(op, field, value, set_start, set_len, set_values, X, i, k)
            top += 1
            continue
        base = top - count[k]
        if code == AND or code == OR:
            # One loop, two absorbing values: a false child decides an AND, a true child an OR;
            # otherwise an unknown child leaves the result unknown.
            absorbing = 0 if code == AND else 1
            result = 1 - absorbing
            for j in range(base, top):
                if stack[j] == absorbing:
                    result = absorbing
                    break
                if stack[j] == -1:
                    result = -1
        elif code == XOR:
            result = 0
            for j in range(base, top):
                if stack[j] == -1:
                    result = -1
                    break
                result = result ^ stack[j]
        else:  # SURROGATE: the first child that is not unknown
            result = -1
            for j in range(base, top):
                if stack[j] != -1:
                    result = stack[j]
                    break
        stack[base] = result
        top = base + 1
    return stack[0]


@numba.njit(**_INLINE)
def _walk(t, roots, missing, no_true, child_start, child_count, default_child, pred_start, pred_len, node_op,
          node_field, node_const, op, field, value, count, set_start, set_len, set_values, X, i):  # pragma: no cover
    """The node row i ends in, in tree t (-1: no prediction). A node's predicate: 1 true, 0 false,
    -1 unknown; plain comparisons are tested here, anything else by a call to _predicate."""
    strategy = missing[t]
    n = roots[t]
    first = True  # the root's own predicate first, then each node's children
    while True:
        if first:
            lo, hi = n, n + 1
        else:
            if child_count[n] == 0:
                return n
            lo, hi = child_start[n], child_start[n] + child_count[n]
        chosen = -1
        unknown = False
        for c in range(lo, hi):
            code = node_op[c]
            if code == TRUE:
                r = 1
            elif code >= LT:  # LT ... NE
                v = X[i, node_field[c]]
                if np.isnan(v):
                    r = -1
                else:
                    k = node_const[c]
                    if code == LE:
                        r = 1 if v <= k else 0
                    elif code == GT:
                        r = 1 if v > k else 0
                    elif code == LT:
                        r = 1 if v < k else 0
                    elif code == GE:
                        r = 1 if v >= k else 0
                    elif code == EQ:
                        r = 1 if v == k else 0
                    else:
                        r = 1 if v != k else 0
            else:
                r = _predicate(pred_start[c], pred_len[c], op, field, value, count, set_start, set_len, set_values,
                               X, i)
            if r == 1:
                chosen = c
                break
            if r == -1 and strategy != NONE and not first:
                unknown = True
                break
        if first:
            if chosen < 0:
                return -1
            first = False
            continue
        if chosen >= 0:
            n = chosen
            continue
        if unknown:
            if strategy == LAST_PREDICTION:
                return n
            if strategy == NULL_PREDICTION:
                return -1
            if default_child[n] < 0:
                return n
            n = default_child[n]
            continue
        if no_true[t] == RETURN_LAST:
            return n
        return -1


# Each kernel runs blocks of rows, tree by tree within a block (one tree's nodes stay in cache), so
# each row adds its trees in document order, as PMML4S does; the serial and the parallel kernel
# (numba's prange over blocks) share the block's body, hence its order of summation.
BLOCK = 512


@numba.njit(**_INLINE)
def _leaves_block(lo, hi, X, roots, missing, no_true, child_start, child_count, default_child, pred_start, pred_len,
        node_op, node_field, node_const, op, field, value, count, set_start, set_len, set_values, out):  # pragma: no cover - compiled
    for t in range(len(roots)):
        for i in range(lo, hi):
            out[i, t] = _walk(t, roots, missing, no_true, child_start, child_count, default_child, pred_start, pred_len,
        node_op, node_field, node_const, op, field, value, count, set_start, set_len, set_values, X, i)


@numba.njit(**_OPTIONS)
def tree_leaves(X, roots, missing, no_true, child_start, child_count, default_child, pred_start, pred_len,
        node_op, node_field, node_const, op, field, value, count, set_start, set_len, set_values):  # pragma: no cover - compiled
    """The end node of every row in every tree: an int32 array (rows, trees)."""
    out = np.empty((X.shape[0], len(roots)), dtype=np.int32)
    for b in range((X.shape[0] + BLOCK - 1) // BLOCK):
        _leaves_block(b * BLOCK, min(X.shape[0], (b + 1) * BLOCK), X, roots, missing, no_true, child_start, child_count, default_child, pred_start, pred_len,
        node_op, node_field, node_const, op, field, value, count, set_start, set_len, set_values, out)
    return out


@numba.njit(**_PARALLEL)
def tree_leaves_parallel(X, roots, missing, no_true, child_start, child_count, default_child, pred_start, pred_len,
        node_op, node_field, node_const, op, field, value, count, set_start, set_len, set_values):  # pragma: no cover - compiled
    out = np.empty((X.shape[0], len(roots)), dtype=np.int32)
    for b in numba.prange((X.shape[0] + BLOCK - 1) // BLOCK):
        _leaves_block(b * BLOCK, min(X.shape[0], (b + 1) * BLOCK), X, roots, missing, no_true, child_start, child_count, default_child, pred_start, pred_len,
        node_op, node_field, node_const, op, field, value, count, set_start, set_len, set_values, out)
    return out


@numba.njit(**_INLINE)
def _values_block(lo, hi, X, roots, missing, no_true, child_start, child_count, default_child, pred_start, pred_len,
        node_op, node_field, node_const, op, field, value, count, set_start, set_len, set_values, leaf_value, weights, average, out):  # pragma: no cover - compiled
    total_weight = 0.0
    for t in range(len(roots)):
        total_weight += weights[t]
        for i in range(lo, hi):
            leaf = _walk(t, roots, missing, no_true, child_start, child_count, default_child, pred_start, pred_len,
        node_op, node_field, node_const, op, field, value, count, set_start, set_len, set_values, X, i)
            if leaf < 0:
                out[i] = np.nan
            else:
                out[i] += weights[t] * leaf_value[leaf]
    if average:
        for i in range(lo, hi):
            out[i] = out[i] / total_weight


@numba.njit(**_OPTIONS)
def forest_values(X, roots, missing, no_true, child_start, child_count, default_child, pred_start, pred_len,
        node_op, node_field, node_const, op, field, value, count, set_start, set_len, set_values, leaf_value, weights, average):  # pragma: no cover - compiled
    """Sum (``average``: weighted mean) of the trees' values; NaN where a tree gives no prediction."""
    out = np.zeros(X.shape[0], dtype=np.float64)
    for b in range((X.shape[0] + BLOCK - 1) // BLOCK):
        _values_block(b * BLOCK, min(X.shape[0], (b + 1) * BLOCK), X, roots, missing, no_true, child_start, child_count, default_child, pred_start, pred_len,
        node_op, node_field, node_const, op, field, value, count, set_start, set_len, set_values, leaf_value, weights, average, out)
    return out


@numba.njit(**_PARALLEL)
def forest_values_parallel(X, roots, missing, no_true, child_start, child_count, default_child, pred_start, pred_len,
        node_op, node_field, node_const, op, field, value, count, set_start, set_len, set_values, leaf_value, weights, average):  # pragma: no cover - compiled
    out = np.zeros(X.shape[0], dtype=np.float64)
    for b in numba.prange((X.shape[0] + BLOCK - 1) // BLOCK):
        _values_block(b * BLOCK, min(X.shape[0], (b + 1) * BLOCK), X, roots, missing, no_true, child_start, child_count, default_child, pred_start, pred_len,
        node_op, node_field, node_const, op, field, value, count, set_start, set_len, set_values, leaf_value, weights, average, out)
    return out


@numba.njit(**_INLINE)
def _classes_block(lo, hi, X, roots, missing, no_true, child_start, child_count, default_child, pred_start, pred_len,
        node_op, node_field, node_const, op, field, value, count, set_start, set_len, set_values, node_probs, node_label, weights, vote, out):  # pragma: no cover - compiled
    classes = node_probs.shape[1]
    total_weight = 0.0
    for t in range(len(roots)):
        total_weight += weights[t]
        for i in range(lo, hi):
            leaf = _walk(t, roots, missing, no_true, child_start, child_count, default_child, pred_start, pred_len,
        node_op, node_field, node_const, op, field, value, count, set_start, set_len, set_values, X, i)
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
def forest_classes(X, roots, missing, no_true, child_start, child_count, default_child, pred_start, pred_len,
        node_op, node_field, node_const, op, field, value, count, set_start, set_len, set_values, node_probs, node_label, weights, vote):  # pragma: no cover - compiled
    """Per-class (weighted) average of the trees' probabilities, or (``vote``) the share of
    (weighted) votes; NaN rows where a tree gives no prediction."""
    out = np.zeros((X.shape[0], node_probs.shape[1]), dtype=np.float64)
    for b in range((X.shape[0] + BLOCK - 1) // BLOCK):
        _classes_block(b * BLOCK, min(X.shape[0], (b + 1) * BLOCK), X, roots, missing, no_true, child_start, child_count, default_child, pred_start, pred_len,
        node_op, node_field, node_const, op, field, value, count, set_start, set_len, set_values, node_probs, node_label, weights, vote,
                       out)
    return out


@numba.njit(**_PARALLEL)
def forest_classes_parallel(X, roots, missing, no_true, child_start, child_count, default_child, pred_start, pred_len,
        node_op, node_field, node_const, op, field, value, count, set_start, set_len, set_values, node_probs, node_label, weights, vote):  # pragma: no cover - compiled
    out = np.zeros((X.shape[0], node_probs.shape[1]), dtype=np.float64)
    for b in numba.prange((X.shape[0] + BLOCK - 1) // BLOCK):
        _classes_block(b * BLOCK, min(X.shape[0], (b + 1) * BLOCK), X, roots, missing, no_true, child_start, child_count, default_child, pred_start, pred_len,
        node_op, node_field, node_const, op, field, value, count, set_start, set_len, set_values, node_probs, node_label, weights, vote,
                       out)
    return out


# numba's fallback threading layer (workqueue, where neither OpenMP nor TBB is installed) aborts the
# process when two threads launch parallel kernels at once: parallel kernels run one at a time
# (each already uses every thread it is given).
_parallel_lock = threading.Lock()
# GNU OpenMP (numba's usual threading layer on Linux) does not survive fork: numba terminates a
# forked child that launches a parallel kernel after its parent did. Such a child scores on the
# serial kernels instead (the same doubles).
_parallel_used = False
_parallel_forked = False


def _after_fork_in_child() -> None:
    global _parallel_forked
    _parallel_forked = _parallel_forked or _parallel_used


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def parallel_usable() -> bool:
    """False in a process forked after its parent ran a parallel kernel."""
    return not _parallel_forked


def run(kernel: Callable[..., Any], parallel: bool, *args: Any) -> Any:
    """``kernel(*args)``; a parallel kernel holds the process' parallel lock."""
    global _parallel_used
    if not parallel:
        return kernel(*args)
    with _parallel_lock:
        _parallel_used = True
        return kernel(*args)


def set_threads(threads: int) -> int:
    """Let parallel kernels launched from this thread use ``threads`` threads (at most numba's
    NUMBA_NUM_THREADS); returns the number set."""
    threads = max(1, min(threads, numba.config.NUMBA_NUM_THREADS))
    numba.set_num_threads(threads)
    return threads


# Rows per block of layer_sums: a block of every neuron's values stays in cache while a layer reads it.
LAYER_BLOCK = 256


@numba.njit(**_OPTIONS)
def weighted_sum(intercept, terms, coefficients):  # pragma: no cover - compiled
    """intercept + coefficients[0] * terms[0] + coefficients[1] * terms[1] + ..., added left to right
    for each row (a RegressionTable's terms in document order, as PMML4S adds them), in blocks of
    rows that stay in cache: one pass where numpy makes two per term."""
    rows = terms.shape[1]
    out = np.empty(rows, dtype=np.float64)
    for lo in range(0, rows, LAYER_BLOCK):
        hi = min(rows, lo + LAYER_BLOCK)
        block = out[lo:hi]  # (indexed from 0: see _layer_block)
        for i in range(hi - lo):
            block[i] = intercept
        for k in range(terms.shape[0]):
            c = coefficients[k]
            row = terms[k, lo:hi]
            for i in range(hi - lo):
                block[i] = block[i] + c * row[i]
    return out


@numba.njit(**_INLINE)
def _layer_block(values, first, bias, con_start, con_len, con_from, con_weight, lo, hi):  # pragma: no cover
    # Slices of the block, indexed from 0: numba then knows no index is negative, and LLVM vectorizes.
    m = hi - lo
    for n in range(len(bias)):
        out = values[first + n, lo:hi]
        b = bias[n]
        for i in range(m):
            out[i] = b
        c = con_start[n]
        end = c + con_len[n]
        while c + 4 <= end:
            s0, s1 = values[con_from[c], lo:hi], values[con_from[c + 1], lo:hi]
            s2, s3 = values[con_from[c + 2], lo:hi], values[con_from[c + 3], lo:hi]
            w0, w1, w2, w3 = con_weight[c], con_weight[c + 1], con_weight[c + 2], con_weight[c + 3]
            for i in range(m):
                out[i] = (((out[i] + s0[i] * w0) + s1[i] * w1) + s2[i] * w2) + s3[i] * w3
            c += 4
        while c < end:
            source = values[con_from[c], lo:hi]
            w = con_weight[c]
            for i in range(m):
                out[i] = out[i] + source[i] * w
            c += 1


@numba.njit(**_OPTIONS)
def layer_sums(values, first, bias, con_start, con_len, con_from, con_weight):  # pragma: no cover - compiled
    """Each neuron's input, written to ``values[first + n]`` (values: one row per neuron, inputs first,
    one column per record): its bias, then weight * value for each connection in document order (as
    PMML4S adds them; a BLAS product would add in another order, and differently for one row than for
    a batch). Each record's sum is the same sequence of operations as a loop over its connections; the
    records of a block go side by side (SIMD), four connections per pass over the block."""
    for b in range((values.shape[1] + LAYER_BLOCK - 1) // LAYER_BLOCK):
        _layer_block(values, first, bias, con_start, con_len, con_from, con_weight, b * LAYER_BLOCK,
                     min(values.shape[1], (b + 1) * LAYER_BLOCK))


@numba.njit(**_PARALLEL)
def layer_sums_parallel(values, first, bias, con_start, con_len, con_from, con_weight):  # pragma: no cover
    for b in numba.prange((values.shape[1] + LAYER_BLOCK - 1) // LAYER_BLOCK):
        _layer_block(values, first, bias, con_start, con_len, con_from, con_weight, b * LAYER_BLOCK,
                     min(values.shape[1], (b + 1) * LAYER_BLOCK))


# Activations network_record computes as the batch path does (neural._ACTIVATIONS: numpy's IEEE
# arithmetic, the C library's exp and tanh through mathlib); a network with any other activation or a
# normalized layer scores one record through the batch path's layers.
RECORD_ACTIVATIONS = {"identity": 0, "logistic": 1, "tanh": 2, "rectifier": 3, "exponential": 4, "square": 5,
                      "Gauss": 6, "threshold": 7, "Elliott": 8}


@numba.njit(**_OPTIONS)
def network_record(values, first, bias, con_start, con_len, con_from, con_weight, activation,
                   threshold):  # pragma: no cover - compiled
    """One record through a whole network: ``values`` holds every neuron (inputs filled); neuron j
    (at first + j) reads only neurons before it, so one pass in order fills them all. Its sum is the
    batch path's (bias, then connections in document order), then its activation."""
    for j in range(len(bias)):
        z = bias[j]
        for c in range(con_start[j], con_start[j] + con_len[j]):
            z = z + values[con_from[c]] * con_weight[c]
        code = activation[j]
        if code == 1:
            z = 1.0 / (1.0 + math.exp(-z))
        elif code == 2:
            z = math.tanh(z)
        elif code == 3:
            z = z if (z > 0.0 or np.isnan(z)) else 0.0  # np.maximum(z, 0.0): +0.0 for -0.0
        elif code == 4:
            z = math.exp(z)
        elif code == 5:
            z = z * z
        elif code == 6:
            z = math.exp(-(z * z))
        elif code == 7:
            z = np.nan if np.isnan(z) else (1.0 if z > threshold[j] else 0.0)
        elif code == 8:
            z = z / (1.0 + abs(z))
        values[first + j] = z
    return values
