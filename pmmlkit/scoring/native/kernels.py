"""The compiled loops: tree walks over flat node arrays (numba, ``cache=True``, ``nogil``).

Predicates are postfix programs over a row of the feature matrix (text categories arrive as
numeric codes), evaluated in PMML's three-valued logic: 1 true, 0 false, -1 unknown (a missing
input). numba is imported here only: the rest of the engine is plain numpy.
"""

from __future__ import annotations

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
# The per-node helpers are inlined into the loops: called, each would pass a dozen array structs
# per node visited (measured: ~40 ns a node, a forest slower than PMML4S).
_INLINE = {**_OPTIONS, "inline": "always"}


@numba.njit(**_INLINE)
def _leaf(op, field, value, set_start, set_len, set_values, x, k):  # pragma: no cover - compiled
    code = op[k]
    if code == TRUE:
        return 1
    if code == FALSE:
        return 0
    v = x[field[k]]
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


@numba.njit(**_INLINE)
def _predicate(start, length, op, field, value, count, set_start, set_len, set_values, x, stack):  # pragma: no cover
    if length == 1:
        return _leaf(op, field, value, set_start, set_len, set_values, x, start)
    top = 0
    for k in range(start, start + length):
        code = op[k]
        if code < AND:
            stack[top] = _leaf(op, field, value, set_start, set_len, set_values, x, k)
            top += 1
            continue
        n = count[k]
        base = top - n
        if code == AND:
            result = 1
            for j in range(base, top):
                if stack[j] == 0:
                    result = 0
                    break
                if stack[j] == -1:
                    result = -1
        elif code == OR:
            result = 0
            for j in range(base, top):
                if stack[j] == 1:
                    result = 1
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
def _test(op, field, value, count, set_start, set_len, set_values, pred_start, pred_len, X, i, node, stack):
    # pragma: no cover - compiled
    """A node's predicate on row i; a plain comparison is evaluated here, anything else by _predicate."""
    k = pred_start[node]
    if pred_len[node] == 1:
        code = op[k]
        if code == TRUE:
            return 1
        if LT <= code <= NE:
            v = X[i, field[k]]
            if np.isnan(v):
                return -1
            if code == LE:
                return 1 if v <= value[k] else 0
            if code == GT:
                return 1 if v > value[k] else 0
            if code == LT:
                return 1 if v < value[k] else 0
            if code == GE:
                return 1 if v >= value[k] else 0
            if code == EQ:
                return 1 if v == value[k] else 0
            return 1 if v != value[k] else 0
    return _predicate(k, pred_len[node], op, field, value, count, set_start, set_len, set_values, X[i], stack)


@numba.njit(**_INLINE)
def _walk(root, missing_strategy, no_true, child_start, child_count, default_child, pred_start, pred_len,
          op, field, value, count, set_start, set_len, set_values, X, i, stack):  # pragma: no cover - compiled
    """The node row i ends in (-1: no prediction)."""
    if _test(op, field, value, count, set_start, set_len, set_values, pred_start, pred_len, X, i, root, stack) != 1:
        return -1
    n = root
    while True:
        children = child_count[n]
        if children == 0:
            return n
        chosen = -1
        unknown = False
        for c in range(child_start[n], child_start[n] + children):
            r = _test(op, field, value, count, set_start, set_len, set_values, pred_start, pred_len, X, i, c, stack)
            if r == 1:
                chosen = c
                break
            if r == -1 and missing_strategy != NONE:
                unknown = True
                break
        if chosen >= 0:
            n = chosen
            continue
        if unknown:
            if missing_strategy == LAST_PREDICTION:
                return n
            if missing_strategy == NULL_PREDICTION:
                return -1
            if default_child[n] < 0:
                return n
            n = default_child[n]
            continue
        if no_true == RETURN_LAST:
            return n
        return -1


@numba.njit(**_OPTIONS)
def tree_leaves(X, roots, missing_strategy, no_true, child_start, child_count, default_child, pred_start, pred_len,
                op, field, value, count, set_start, set_len, set_values, max_stack):  # pragma: no cover - compiled
    """The end node of every row in every tree: an int32 array (rows, trees)."""
    rows = X.shape[0]
    out = np.empty((rows, len(roots)), dtype=np.int32)
    stack = np.empty(max(max_stack, 1), dtype=np.int64)
    for i in range(rows):
        for t in range(len(roots)):
            out[i, t] = _walk(roots[t], missing_strategy[t], no_true[t], child_start, child_count, default_child,
                              pred_start, pred_len, op, field, value, count, set_start, set_len, set_values, X, i, stack)
    return out


@numba.njit(**_OPTIONS)
def forest_values(X, roots, missing_strategy, no_true, child_start, child_count, default_child, pred_start, pred_len,
                  op, field, value, count, set_start, set_len, set_values, max_stack, node_value, weights,
                  average):  # pragma: no cover - compiled
    """Sum (``average``: weighted mean) of the trees' values; NaN where a tree gives no prediction.
    Tree by tree over all rows (one tree's nodes stay in cache), so each row still adds its trees in
    document order, as PMML4S does."""
    rows = X.shape[0]
    out = np.zeros(rows, dtype=np.float64)
    stack = np.empty(max(max_stack, 1), dtype=np.int64)
    total_weight = 0.0
    for t in range(len(roots)):
        total_weight += weights[t]
        for i in range(rows):
            leaf = _walk(roots[t], missing_strategy[t], no_true[t], child_start, child_count, default_child,
                         pred_start, pred_len, op, field, value, count, set_start, set_len, set_values, X, i, stack)
            if leaf < 0:
                out[i] = np.nan
            else:
                out[i] += weights[t] * node_value[leaf]
    if average:
        for i in range(rows):
            out[i] = out[i] / total_weight
    return out


@numba.njit(**_OPTIONS)
def forest_classes(X, roots, missing_strategy, no_true, child_start, child_count, default_child, pred_start, pred_len,
                   op, field, value, count, set_start, set_len, set_values, max_stack, node_probs, node_label,
                   weights, vote):  # pragma: no cover - compiled
    """Per-class (weighted) average of the trees' probabilities, or (``vote``) the share of
    (weighted) votes; NaN rows where a tree gives no prediction. Tree by tree over all rows, each
    row adding its trees in document order."""
    rows = X.shape[0]
    classes = node_probs.shape[1]
    out = np.zeros((rows, classes), dtype=np.float64)
    stack = np.empty(max(max_stack, 1), dtype=np.int64)
    total_weight = 0.0
    for t in range(len(roots)):
        total_weight += weights[t]
        for i in range(rows):
            leaf = _walk(roots[t], missing_strategy[t], no_true[t], child_start, child_count, default_child,
                         pred_start, pred_len, op, field, value, count, set_start, set_len, set_values, X, i, stack)
            if leaf < 0 or (vote and node_label[leaf] < 0):
                for k in range(classes):
                    out[i, k] = np.nan
            elif vote:
                out[i, node_label[leaf]] += weights[t]
            else:
                for k in range(classes):
                    out[i, k] += weights[t] * node_probs[leaf, k]
    for i in range(rows):
        for k in range(classes):
            out[i, k] = out[i, k] / total_weight
    return out


@numba.njit(**_OPTIONS)
def neuron_sums(values, bias, con_start, con_len, con_from, con_weight):  # pragma: no cover - compiled
    """Each neuron's input: its bias, then weight * value for each connection in document order
    (as PMML4S adds them; a BLAS product would add in another order, and differently for one row
    than for a batch)."""
    rows = values.shape[0]
    neurons = len(bias)
    out = np.empty((rows, neurons), dtype=np.float64)
    for i in range(rows):
        for n in range(neurons):
            acc = bias[n]
            for c in range(con_start[n], con_start[n] + con_len[n]):
                acc = acc + values[i, con_from[c]] * con_weight[c]
            out[i, n] = acc
    return out
