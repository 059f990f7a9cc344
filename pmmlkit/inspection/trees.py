"""PMML trees as flat arrays, for summaries, importance and TreeSHAP.

A TreeModel's Nodes are read once into :class:`FlatTree` (node 0 the root, children in CSR form,
each node's predicate kept as its element), whatever produced the file: a Node may have any number
of children and any predicate. :func:`routes` evaluates the predicates for a frame with PMML's
three-valued logic: at each node the record takes the first child whose predicate is TRUE (an
UNKNOWN comparison, from a missing value, counts as not true: ``missingValueStrategy="none"``).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from lxml import etree

from ..errors import PMMLError
from ..pmml import find_child, tag_of
from ..validation.vocabulary import number

PREDICATES = frozenset({"SimplePredicate", "SimpleSetPredicate", "CompoundPredicate", "True", "False"})


@dataclass
class FlatTree:
    """One TreeModel's Nodes. ``child_start[j]:child_start[j + 1]`` indexes ``children`` of node j."""

    model: etree._Element
    nodes: list[etree._Element]
    predicates: list[etree._Element | None]
    child_start: np.ndarray
    children: np.ndarray
    depth: np.ndarray
    count: np.ndarray  # recordCount as written (NaN where absent)
    fields_tested: list[frozenset[str]] = field(default_factory=list)  # fields each node's children test

    @property
    def size(self) -> int:
        return len(self.nodes)

    @property
    def is_leaf(self) -> np.ndarray:
        return self.child_start[1:] == self.child_start[:-1]

    def covers(self) -> np.ndarray:
        """Each node's recordCount: as written, or (for a split without one) the sum of its
        children's. Raises PMMLError when a leaf has none: TreeSHAP and gain need them."""
        cover = self.count.copy()
        for j in range(self.size - 1, -1, -1):  # children come after their parent
            kids = self.children[self.child_start[j]:self.child_start[j + 1]]
            if np.isnan(cover[j]):
                if j == 0 and not len(kids):
                    cover[j] = 1.0  # a one-leaf tree: a constant, whatever its count
                elif not len(kids):
                    line = self.nodes[j].sourceline
                    raise PMMLError(f"line {line}: a leaf Node has no recordCount; explaining or weighing this "
                                    "tree needs the training record counts of its nodes")
                else:
                    cover[j] = cover[kids].sum()
        return cover

    def leaf_scores(self, classes: list[str] | None) -> np.ndarray:
        """``(nodes, k)``: a leaf's score (regression, k = 1) or its class probabilities (classification,
        k = len(classes), from ScoreDistribution probability or recordCount shares)."""
        out = np.zeros((self.size, 1 if classes is None else len(classes)))
        for j in np.flatnonzero(self.is_leaf):
            node = self.nodes[j]
            if classes is None:
                out[j, 0] = _number(node.get("score"), node, "score")
                continue
            shares = {d.get("value"): d for d in node if isinstance(d.tag, str) and tag_of(d) == "ScoreDistribution"}
            counts = np.array([_number(shares[c].get("recordCount"), shares[c], "recordCount") if c in shares else 0.0
                               for c in classes])
            probabilities = [shares[c].get("probability") if c in shares else "0" for c in classes]
            if all(p is not None for p in probabilities):
                out[j] = [float(p) for p in probabilities]
            elif counts.sum() > 0:
                out[j] = counts / counts.sum()
            else:
                raise PMMLError(f"line {node.sourceline}: a leaf Node has no class probabilities")
        return out


def flatten(tree_model: etree._Element) -> FlatTree:
    """Read a TreeModel's Nodes into a :class:`FlatTree` (lxml walks them: deep trees do not recurse)."""
    root = find_child(tree_model, "Node")
    if root is None:
        raise PMMLError(f"line {tree_model.sourceline}: a TreeModel without a root Node")
    nodes: list[etree._Element] = []
    parents: list[int] = []
    depth: list[int] = []
    open_nodes: list[int] = []
    # Depth-first (document) order keeps a parent before its children.
    for event, node in etree.iterwalk(root, events=("start", "end"), tag="{*}Node"):
        if event == "start":
            parents.append(open_nodes[-1] if open_nodes else -1)
            depth.append(len(open_nodes))
            open_nodes.append(len(nodes))
            nodes.append(node)
        else:
            open_nodes.pop()
    parent = np.array(parents, dtype=np.int64)
    # CSR: children grouped by parent, each group in document order (a stable sort of preorder).
    flat_children = (np.argsort(parent[1:], kind="stable") + 1).astype(np.int64)
    start = np.zeros(len(nodes) + 1, dtype=np.int64)
    start[1:] = np.cumsum(np.bincount(parent[1:], minlength=len(nodes)))
    predicates = [_predicate(n) for n in nodes]
    counts = np.array([float(c) if (c := n.get("recordCount")) is not None else np.nan for n in nodes])
    child_fields = [_fields_of(p) for p in predicates]
    tested = [frozenset().union(*(child_fields[c] for c in flat_children[start[j]:start[j + 1]]))
              for j in range(len(nodes))]
    return FlatTree(tree_model, nodes, predicates, start, flat_children, np.array(depth), counts, tested)


# SimplePredicate operators over numbers that routes() evaluates for many nodes at once.
_ORDER = {"lessThan": 0, "lessOrEqual": 1, "greaterThan": 2, "greaterOrEqual": 3, "equal": 4, "notEqual": 5}


def routes(tree: FlatTree, values: Mapping[str, np.ndarray], rows: int) -> np.ndarray:
    """``(rows, nodes)``: the position of the child each record takes at each node (-1: none is true,
    or a leaf). Predicates are evaluated for every record at every node: TreeSHAP needs the
    record's decision in subtrees it does not reach.

    A numeric SimplePredicate is evaluated for all the nodes testing one field at once (one
    comparison of the column against their thresholds); ``True`` is true; any other predicate
    goes through :func:`evaluate`. The answers are the same."""
    truth = np.zeros((rows, tree.size), dtype=bool)  # each node's predicate, per record
    numeric: dict[str, list[tuple[int, int, float]]] = {}
    for j in range(1, tree.size):
        predicate = tree.predicates[j]
        tag = predicate.tag if predicate is not None else ""
        if isinstance(tag, str) and tag.endswith("}True"):
            truth[:, j] = True
            continue
        if isinstance(tag, str) and tag.endswith("}SimplePredicate"):
            name, operator, text = predicate.get("field"), predicate.get("operator"), predicate.get("value")
            column = values.get(name)
            if column is not None and column.dtype.kind == "f" and operator in _ORDER:
                try:
                    numeric.setdefault(name, []).append((j, _ORDER[operator], float(text)))
                    continue
                except (TypeError, ValueError):
                    pass  # evaluate() reports it
        truth[:, j] = evaluate(predicate, values, rows)[0]
    for name, tests in numeric.items():
        column = values[name]
        present = ~np.isnan(column)
        where, operator, threshold = (np.array(t) for t in zip(*tests))
        where = where.astype(np.int64)
        operator = operator.astype(np.int64)
        for code, compare in enumerate((np.less, np.less_equal, np.greater, np.greater_equal, np.equal,
                                        np.not_equal)):
            chosen = operator == code
            if chosen.any():
                # A missing value makes every comparison UNKNOWN: not true.
                truth[:, where[chosen]] = compare(column[:, None], threshold[chosen][None, :]) & present[:, None]
    route = np.full((rows, tree.size), -1, dtype=np.int64)
    width = np.diff(tree.child_start)
    for position in range(int(width.max(initial=0))):
        nodes = np.flatnonzero(width > position)
        kids = tree.children[tree.child_start[nodes] + position]
        chosen = (route[:, nodes] == -1) & truth[:, kids]  # the first true child
        route[:, nodes] = np.where(chosen, position, route[:, nodes])
    return route


def evaluate(predicate: etree._Element | None, values: Mapping[str, np.ndarray], rows: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """A predicate's (TRUE, UNKNOWN) masks over ``rows`` records (PMML 4.4 three-valued logic)."""
    if predicate is None:
        raise PMMLError("a Node without a predicate")
    kind = tag_of(predicate)
    none = np.zeros(rows, dtype=bool)
    if kind == "True":
        return ~none, none
    if kind == "False":
        return none, none
    if kind == "SimplePredicate":
        return _simple(predicate, values, rows)
    if kind == "SimpleSetPredicate":
        column = _column(predicate, values)
        missing = _missing(column)
        array = next((c for c in predicate if isinstance(c.tag, str) and tag_of(c) == "Array"), None)
        members = _array_items(array)
        if column.dtype.kind == "f":
            inside = np.isin(column, np.array([float(m) for m in members]))
        else:
            inside = np.isin(column.astype(str), np.array(members, dtype=str))
        inside &= ~missing
        if predicate.get("booleanOperator") == "isNotIn":
            inside = ~inside & ~missing
        return inside, missing
    if kind == "CompoundPredicate":
        parts = [evaluate(c, values, rows) for c in predicate if isinstance(c.tag, str) and tag_of(c) in PREDICATES]
        operator = predicate.get("booleanOperator")
        if operator == "surrogate":
            true, unknown = parts[0]
            for t, u in parts[1:]:
                true = np.where(unknown, t, true)
                unknown = unknown & u
            return true, unknown
        if operator == "and":
            false = np.zeros(rows, dtype=bool)
            for t, u in parts:
                false |= ~t & ~u
            true = np.all([t for t, _ in parts], axis=0)
            return true, ~true & ~false
        if operator == "or":
            true = np.any([t for t, _ in parts], axis=0)
            unknown = np.any([u for _, u in parts], axis=0) & ~true
            return true, unknown
        if operator == "xor":
            unknown = np.any([u for _, u in parts], axis=0)
            true = (np.sum([t for t, _ in parts], axis=0) % 2 == 1) & ~unknown
            return true, unknown
    raise PMMLError(f"line {predicate.sourceline}: cannot evaluate a {kind} here")


_COMPARE = {
    "equal": np.equal, "notEqual": np.not_equal, "lessThan": np.less, "lessOrEqual": np.less_equal,
    "greaterThan": np.greater, "greaterOrEqual": np.greater_equal,
}


def _simple(predicate: etree._Element, values: Mapping[str, np.ndarray], rows: int) -> tuple[np.ndarray, np.ndarray]:
    column = _column(predicate, values)
    missing = _missing(column)
    operator = predicate.get("operator")
    if operator == "isMissing":
        return missing, np.zeros(rows, dtype=bool)
    if operator == "isNotMissing":
        return ~missing, np.zeros(rows, dtype=bool)
    compare = _COMPARE.get(operator)
    if compare is None:
        raise PMMLError(f"line {predicate.sourceline}: unknown operator {operator!r}")
    text = predicate.get("value")
    if column.dtype.kind == "f" and number(text) is None:
        # A number compared with a word (a date field's value the engine gives as a number): equal
        # to none of them; the validation rules refuse this for a field declared numeric.
        result = np.full(rows, operator == "notEqual")
    elif column.dtype.kind == "f":
        result = compare(np.where(missing, 0.0, column), float(text))
    else:
        result = compare(column.astype(str), text)
    return result & ~missing, missing


def _column(predicate: etree._Element, values: Mapping[str, np.ndarray]) -> np.ndarray:
    name = predicate.get("field")
    if name not in values:
        raise PMMLError(f"line {predicate.sourceline}: the tree tests {name!r}, which is not computed here")
    return values[name]


def _missing(column: np.ndarray) -> np.ndarray:
    if column.dtype.kind == "f":
        return np.isnan(column)
    return np.array([v is None or (isinstance(v, float) and v != v) for v in column], dtype=bool)


def _array_items(array: etree._Element | None) -> list[str]:
    if array is None or not array.text:
        return []
    return shlex.split(array.text)  # quoted PMML Array items split like a shell's words


def _predicate(node: etree._Element) -> etree._Element | None:
    first = node[0] if len(node) else None  # the schema puts it first, after Extensions
    if first is not None and isinstance(first.tag, str) and first.tag.rpartition("}")[2] in PREDICATES:
        return first
    return next((c for c in node if isinstance(c.tag, str) and tag_of(c) in PREDICATES), None)


def _fields_of(predicate: etree._Element | None) -> set[str]:
    if predicate is None:
        return set()
    if len(predicate) == 0:  # a SimplePredicate (or True, False)
        name = predicate.get("field")
        return set() if name is None else {name}
    found = {predicate.get("field")} if predicate.get("field") is not None else set()
    for child in predicate.iter():
        if isinstance(child.tag, str) and child.get("field") is not None:
            found.add(child.get("field"))
    return found


def _number(text: str | None, node: etree._Element, what: str) -> float:
    try:
        return float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PMMLError(f"line {node.sourceline}: {what}={text!r} is not a number") from None


def tree_models(model: etree._Element) -> list[etree._Element]:
    """Every TreeModel in a model (itself, or nested in segments), in document order."""
    return [m for m in model.iter() if isinstance(m.tag, str) and tag_of(m) == "TreeModel"]
