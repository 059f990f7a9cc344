"""TreeModel: trees flattened into node arrays (children contiguous, predicates as postfix
programs), walked by :mod:`.kernels`. A forest's trees share one set of arrays."""

from __future__ import annotations

import shlex
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import binary as B
from . import kernels as K
from .fields import elements, local_name, parse_value
from .functions import _texts
from .ir import Column, Env, Prediction, unsupported

_OPERATORS = {"lessThan": K.LT, "lessOrEqual": K.LE, "greaterThan": K.GT, "greaterOrEqual": K.GE,
              "equal": K.EQ, "notEqual": K.NE, "isMissing": K.IS_MISSING, "isNotMissing": K.IS_NOT_MISSING}
_COMPOUND = {"and": K.AND, "or": K.OR, "xor": K.XOR, "surrogate": K.SURROGATE}
_MISSING = {"none": K.NONE, "lastPrediction": K.LAST_PREDICTION, "nullPrediction": K.NULL_PREDICTION,
            "defaultChild": K.DEFAULT_CHILD}
_NO_TRUE = {"returnNullPrediction": K.RETURN_NULL, "returnLastPrediction": K.RETURN_LAST}
_PREDICATES = ("SimplePredicate", "CompoundPredicate", "SimpleSetPredicate", "True", "False")


@dataclass
class FlatTrees:
    """Trees as arrays; node ``n``'s children are ``child_start[n] ... + child_count[n]``."""

    fields: list[str]
    vocabularies: dict[int, dict[str, float]]  # text fields: category -> code
    arrays: tuple[np.ndarray, ...]  # the node arrays, in the order kernels.py lists them
    node_value: np.ndarray  # regression score (NaN where none)
    node_label: np.ndarray  # classification: index in ``categories`` (-1 where none)
    node_probs: np.ndarray  # (nodes, categories)
    categories: list[str]
    binary: tuple[np.ndarray, ...] | None = None  # binary.binary_arrays: the one-comparison walk, where it applies
    levels: np.ndarray | None = None  # with ``binary``: each tree's depth (binary.tree_levels)

    def matrix(self, env: Env) -> np.ndarray:
        """The rows as the kernels read them: one float64 column per field, text as codes."""
        X = np.empty((env.rows, max(1, len(self.fields))), dtype=np.float64)
        for j, name in enumerate(self.fields):
            values = env.get(name)
            vocabulary = self.vocabularies.get(j)
            if vocabulary is not None:
                if values.dtype != object:
                    values = _texts(values)
                X[:, j] = [np.nan if v is None else vocabulary.get(v, -1.0) for v in values.tolist()]
            else:
                X[:, j] = values if values.dtype != object else [_number(v) for v in values.tolist()]
        return X

    def leaves(self, X: np.ndarray, parallel: bool = False) -> np.ndarray:
        return K.run(K.tree_leaves_parallel if parallel else K.tree_leaves, parallel, X, *self.arrays)

    def values(self, X: np.ndarray, weights: np.ndarray, average: bool, parallel: bool = False) -> np.ndarray:
        """Each row's (weighted) sum or average of the trees' scores (kernels.forest_values)."""
        if self.binary is not None:
            kernel = B.forest_values_parallel if parallel else B.forest_values
            return K.run(kernel, parallel, X, *self.binary, self.node_value, weights, average)
        kernel = K.forest_values_parallel if parallel else K.forest_values
        return K.run(kernel, parallel, X, *self.arrays, self.node_value, weights, average)

    def classes(self, X: np.ndarray, weights: np.ndarray, vote: bool, parallel: bool = False) -> np.ndarray:
        """Each row's per-category average probability or vote share (kernels.forest_classes)."""
        if self.binary is not None:
            kernel = B.forest_classes_parallel if parallel else B.forest_classes
            return K.run(kernel, parallel, X, *self.binary, self.node_probs, self.node_label, weights, vote)
        kernel = K.forest_classes_parallel if parallel else K.forest_classes
        return K.run(kernel, parallel, X, *self.arrays, self.node_probs, self.node_label, weights, vote)


def _number(value: Any) -> float:
    if value is None:
        return np.nan
    try:
        return float(value)
    except ValueError:
        return np.nan


class TreeBuilder:
    """Flattens TreeModel elements one after another into shared arrays."""

    def __init__(self, numeric: Callable[[str], bool], categories: list[str], classification: bool) -> None:
        self.numeric = numeric
        self.categories = list(categories)
        self.category_index = {c: i for i, c in enumerate(self.categories)}
        self.classification = classification
        self.fields: dict[str, int] = {}
        self.vocabularies: dict[int, dict[str, float]] = {}
        self.roots: list[int] = []
        self.missing: list[int] = []
        self.no_true: list[int] = []
        self.child_start: list[int] = []
        self.child_count: list[int] = []
        self.default_child: list[int] = []
        self.pred_start: list[int] = []
        self.pred_len: list[int] = []
        self.op: list[int] = []
        self.field: list[int] = []
        self.value: list[float] = []
        self.count: list[int] = []
        self.set_start: list[int] = []
        self.set_len: list[int] = []
        self.set_values: list[float] = []
        self.node_value: list[float] = []
        self.node_label: list[int] = []
        self.node_probs: list[dict[int, float]] = []

    def add(self, model: Any) -> None:
        strategy = model.get("missingValueStrategy", "none")
        if strategy not in _MISSING:
            raise unsupported(model, f"missingValueStrategy={strategy!r}")
        no_true = model.get("noTrueChildStrategy", "returnNullPrediction")
        if no_true not in _NO_TRUE:
            raise unsupported(model, f"noTrueChildStrategy={no_true!r}")
        root = [c for c in elements(model, "Node")]
        if len(root) != 1:
            raise unsupported(model, "a TreeModel without one root Node")
        self.roots.append(len(self.node_value))
        self.missing.append(_MISSING[strategy])
        self.no_true.append(_NO_TRUE[no_true])
        self._nodes(root[0])

    def _nodes(self, root: Any) -> None:
        """Breadth first, so that each node's children get consecutive numbers."""
        self._node(root)
        queue = deque([(root, len(self.node_value) - 1)])
        while queue:
            node, index = queue.popleft()
            children = elements(node, "Node")
            self.child_start[index] = len(self.node_value)
            self.child_count[index] = len(children)
            default = node.get("defaultChild")
            for child in children:
                if default is not None and child.get("id") == default:
                    self.default_child[index] = len(self.node_value)
                self._node(child)
                queue.append((child, len(self.node_value) - 1))

    def predicate_node(self, predicate: Any) -> None:
        """A childless node holding ``predicate`` (a segment's predicate, walked as a tree)."""
        start = len(self.op)
        self._predicate(predicate)
        self._append(start, np.nan, -1, {})

    def _append(self, start: int, value: float, label: int, probabilities: dict[int, float]) -> None:
        self.pred_start.append(start)
        self.pred_len.append(len(self.op) - start)
        self.child_start.append(0)
        self.child_count.append(0)
        self.default_child.append(-1)
        self.node_value.append(value)
        self.node_label.append(label)
        self.node_probs.append(probabilities)

    def _node(self, node: Any) -> None:
        for child in elements(node):
            if local_name(child) not in (*_PREDICATES, "Node", "ScoreDistribution"):
                raise unsupported(child)
        predicates = [c for c in elements(node) if local_name(c) in _PREDICATES]
        if len(predicates) != 1:
            raise unsupported(node, "a <Node> without one predicate")
        start = len(self.op)
        self._predicate(predicates[0])
        score = node.get("score")
        if self.classification:
            probabilities = self._distribution(node)
            if score is not None:
                label = self._category(score)
            elif probabilities:
                label = max(probabilities, key=lambda k: (probabilities[k], -k))
            else:
                label = -1
            self._append(start, np.nan, label, probabilities)
        else:
            self._append(start, np.nan if score is None else float(score), -1, {})

    def _category(self, label: str) -> int:
        index = self.category_index.get(label)
        if index is None:
            index = self.category_index[label] = len(self.categories)
            self.categories.append(label)
        return index

    def _distribution(self, node: Any) -> dict[int, float]:
        cells = elements(node, "ScoreDistribution")
        if not cells:
            return {}
        counts = [float(c.get("recordCount", "0")) for c in cells]
        total = sum(counts)
        out: dict[int, float] = {}
        for cell, count in zip(cells, counts):
            given = cell.get("probability")
            out[self._category(cell.get("value"))] = float(given) if given is not None else \
                (count / total if total else np.nan)
        return out

    def _field(self, name: str) -> int:
        if name not in self.fields:
            self.fields[name] = len(self.fields)
            if not self.numeric(name):
                self.vocabularies[self.fields[name]] = {}
        return self.fields[name]

    def _constant(self, index: int, text: str | None) -> float:
        vocabulary = self.vocabularies.get(index)
        if vocabulary is None:
            return float(parse_value(text, True))
        return vocabulary.setdefault(text or "", float(len(vocabulary)))

    def _emit(self, op: int, field: int = 0, value: float = 0.0, count: int = 0, start: int = 0,
              length: int = 0) -> None:
        self.op.append(op)
        self.field.append(field)
        self.value.append(value)
        self.count.append(count)
        self.set_start.append(start)
        self.set_len.append(length)

    def _predicate(self, node: Any) -> int:
        """Emit ``node`` in postfix order; returns the stack depth it needs. Compound predicates are
        walked with an explicit stack (a deep nesting must not exhaust Python's)."""
        depth = 0
        work: list[tuple[Any, bool, int]] = [(node, False, 0)]
        while work:
            item, done, level = work.pop()
            tag = local_name(item)
            if tag == "CompoundPredicate":
                parts = [c for c in elements(item) if local_name(c) in _PREDICATES]
                operator = item.get("booleanOperator")
                if operator not in _COMPOUND or not parts:
                    raise unsupported(item, f"<CompoundPredicate booleanOperator={operator!r}>")
                if done:
                    self._emit(_COMPOUND[operator], count=len(parts))
                    continue
                work.append((item, True, level))
                for i, part in enumerate(reversed(parts)):
                    work.append((part, False, level + len(parts) - 1 - i))
                continue
            depth = max(depth, level + 1)
            if tag == "True":
                self._emit(K.TRUE)
            elif tag == "False":
                self._emit(K.FALSE)
            elif tag == "SimplePredicate":
                operator = item.get("operator")
                if operator not in _OPERATORS:
                    raise unsupported(item, f"<SimplePredicate operator={operator!r}>")
                index = self._field(item.get("field"))
                code = _OPERATORS[operator]
                if index in self.vocabularies and code in (K.LT, K.LE, K.GT, K.GE):
                    raise unsupported(item, f"an order comparison ({operator}) on the text field "
                                            f"{item.get('field')!r}")
                constant = 0.0 if code in (K.IS_MISSING, K.IS_NOT_MISSING) else self._constant(index, item.get("value"))
                self._emit(code, index, constant)
            elif tag == "SimpleSetPredicate":
                index = self._field(item.get("field"))
                array = [c for c in elements(item) if local_name(c) == "Array"]
                if len(array) != 1:
                    raise unsupported(item, "a <SimpleSetPredicate> without one Array")
                values = [self._constant(index, v) for v in array_values(array[0])]
                start = len(self.set_values)
                self.set_values.extend(values)
                code = K.IN_SET if item.get("booleanOperator") == "isIn" else K.NOT_IN_SET
                self._emit(code, index, 0.0, 0, start, len(values))
            else:
                raise unsupported(item)
        return depth

    def finish(self) -> FlatTrees:
        nodes = len(self.node_value)
        probs = np.zeros((nodes, max(1, len(self.categories))))
        for n, cells in enumerate(self.node_probs):
            if not cells:  # a node without ScoreDistribution gives no probabilities (PMML4S: missing)
                probs[n] = np.nan
            for k, p in cells.items():
                probs[n, k] = p
        i32 = np.int32
        op = np.array(self.op, dtype=i32)
        field = np.array(self.field, dtype=i32)
        value = np.array(self.value, dtype=np.float64)
        pred_start = np.array(self.pred_start, dtype=i32)
        pred_len = np.array(self.pred_len, dtype=i32)
        # Per node, its predicate when it is one plain comparison (or True): the walk tests it
        # without following pred_start (kernels.COMPOUND: anything else).
        first_op = op[pred_start] if nodes and len(op) else np.zeros(nodes, dtype=i32)
        plain = (pred_len == 1) & ((first_op == K.TRUE) | ((first_op >= K.LT) & (first_op <= K.NE)))
        node_op = np.where(plain, first_op, K.COMPOUND).astype(i32)
        node_field = np.where(plain, field[pred_start] if nodes and len(op) else 0, 0).astype(i32)
        node_value = np.where(plain, value[pred_start] if nodes and len(op) else 0.0, 0.0)
        arrays = (np.array(self.roots, dtype=i32), np.array(self.missing, dtype=i32), np.array(self.no_true, dtype=i32),
                  np.array(self.child_start, dtype=i32), np.array(self.child_count, dtype=i32),
                  np.array(self.default_child, dtype=i32), pred_start, pred_len, node_op, node_field, node_value,
                  op, field, value, np.array(self.count, dtype=i32), np.array(self.set_start, dtype=i32),
                  np.array(self.set_len, dtype=i32), np.array(self.set_values, dtype=np.float64))
        binary = B.binary_arrays(arrays)
        return FlatTrees(list(self.fields), self.vocabularies, arrays,
                         np.array(self.node_value, dtype=np.float64), np.array(self.node_label, dtype=i32), probs,
                         list(self.categories), binary, B.tree_levels(binary[0], binary[1]) if binary else None)


def array_values(node: Any) -> list[str]:
    """The items of an <Array> (space separated; double quotes around items with spaces)."""
    text = node.text or ""
    if node.get("type") in ("int", "real"):
        return text.split()
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.quotes = '"'
    lexer.escape = "\\"
    return list(lexer)


def tree_model(node: Any, numeric: Callable[[str], bool], categories: list[str]) -> Callable[[Env], Prediction]:
    classification = node.get("functionName") == "classification"
    if node.get("functionName") not in ("classification", "regression"):
        raise unsupported(node, f"a TreeModel with functionName={node.get('functionName')!r}")
    builder = TreeBuilder(numeric, categories, classification)
    builder.add(node)
    flat = builder.finish()

    def run(env: Env) -> Prediction:
        leaves = flat.leaves(flat.matrix(env), env.parallel)[:, 0]
        return tree_prediction(flat, leaves, classification)
    # What the one-record compiler (rows.py) reads: the same node arrays.
    run.flat, run.kind, run.classification = flat, "tree", classification  # type: ignore[attr-defined]
    # A classification tree without any ScoreDistribution gives no probabilities by default
    # (PMML4S then outputs the predicted value alone).
    run.gives_probabilities = not classification or next(  # type: ignore[attr-defined]
        node.iter("{*}ScoreDistribution"), None) is not None
    return run


def tree_prediction(flat: FlatTrees, leaves: np.ndarray, classification: bool) -> Prediction:
    found = leaves >= 0
    safe = np.where(found, leaves, 0)
    if not classification:
        value = flat.node_value[safe]
        return Prediction(np.where(found, value, np.nan))
    labels = flat.node_label[safe]
    value: Column = np.array(flat.categories + [None], dtype=object)[np.where(found & (labels >= 0), labels, -1)]
    probabilities = {c: np.where(found, flat.node_probs[safe, k], np.nan) for k, c in enumerate(flat.categories)}
    return Prediction(value, probabilities)
