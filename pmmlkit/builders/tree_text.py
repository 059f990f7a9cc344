"""The bulk tree writer: tree bodies kept as node arrays and written as text, a whole tree at a time.

A forest of 200k nodes is some million XML elements: built one element at a time it takes
seconds, and as a DOM it takes hundreds of megabytes. :mod:`pmmlkit.builders.tree` therefore
puts a small *placeholder* where each tree's root ``Node`` goes. The placeholder is a ``Node``
element that carries:

* its tree in document order, as a few numpy arrays packed into its text (base64, see
  :class:`TreeBody`), with a JSON header (class labels, category sets) in the attribute
  :data:`MARKER`;
* one ``SimplePredicate`` child per field the tree splits on, in order of first use, so that
  code which walks a model for the fields it references (MiningSchema, DataDictionary) sees
  the same names, in the same order, as in the written tree.

The document writes each placeholder as text (:func:`write_document`), exactly the bytes lxml's
pretty printer writes for the same elements: the nodes' text comes from a few shared templates
chosen with numpy, filled with the numbers by one string formatting per tree (:func:`render`).
It turns placeholders into real elements only when someone asks for the DOM (:func:`expand`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from lxml import etree

from ..errors import ConversionError, PMMLError
from ..pmml import NAMESPACE, element, format_value

MARKER = "pmmlkitTreeBody"
_FORMAT = 2  # 2: recordCount per node (splits too), was per leaf

# Predicate codes, one per node: the predicate that leads into the node from its parent.
TRUE, LESS_OR_EQUAL, GREATER_THAN, IS_IN, IS_NOT_IN = range(5)
# Where a split sends a missing value: no child (no prediction), the right child, the left child.
MISSING_NOWHERE, MISSING_RIGHT, MISSING_LEFT = -1, 0, 1

_PI = "pmmlkit-tree"
_PREDICATE_TAG = "{%s}SimplePredicate" % NAMESPACE


@dataclass
class TreeBody:
    """One tree in document order (the order lxml writes its ``Node`` elements).

    Every node: ``depth`` (the root is 0), ``predicate`` (a code above), ``field`` (index into
    ``names``; -1 for ``True``), ``operand`` (the threshold, or the index into ``sets``),
    ``closes`` (how many ``</Node>`` lines follow the node's own lines: 0 for splits, whose
    closing tag follows their last leaf), ``count`` (its recordCount; NaN: none written). Every
    leaf, in order: ``score`` (the value, or the index of the predicted class) and, for
    classification, ``probabilities`` (one column per class).
    """

    depth: np.ndarray
    predicate: np.ndarray
    field: np.ndarray
    operand: np.ndarray
    closes: np.ndarray
    score: np.ndarray
    count: np.ndarray
    probabilities: np.ndarray | None
    names: list[str]
    classes: list[str] | None  # formatted labels (classification)
    sets: list[tuple[str, str, int]]  # (Array type, Array text, n) of each set predicate

    _LAYOUT = (("depth", np.int32), ("predicate", np.int8), ("field", np.int32), ("operand", np.float64),
               ("closes", np.int32), ("score", np.float64), ("count", np.float64))

    def placeholder(self) -> etree._Element:
        header = {"format": _FORMAT, "nodes": len(self.depth), "leaves": len(self.score),
                  "classes": self.classes, "sets": self.sets}
        node = element("Node")
        node.set(MARKER, json.dumps(header, separators=(",", ":")))
        for name in self.names:
            etree.SubElement(node, _PREDICATE_TAG).set("field", name)
        arrays = [np.ascontiguousarray(getattr(self, name), dtype=dtype) for name, dtype in self._LAYOUT]
        if self.probabilities is not None:
            arrays.append(np.ascontiguousarray(self.probabilities, dtype=np.float64))
        node.text = base64.b64encode(b"".join(a.tobytes() for a in arrays)).decode("ascii")
        return node

    @classmethod
    def of(cls, placeholder: etree._Element) -> TreeBody:
        try:
            header = json.loads(placeholder.get(MARKER) or "")
            if header.get("format") != _FORMAT:
                raise ValueError("unknown format")
            n, leaves, classes = int(header["nodes"]), int(header["leaves"]), header["classes"]
            sets = [(str(kind), str(text), int(size)) for kind, text, size in header["sets"]]
            data = base64.b64decode(placeholder.text or "", validate=True)
            values: dict[str, np.ndarray] = {}
            offset = 0
            for name, dtype in cls._LAYOUT:
                length = leaves if name == "score" else n
                values[name] = np.frombuffer(data, dtype=dtype, count=length, offset=offset)
                offset += length * np.dtype(dtype).itemsize
            probabilities = None
            if classes is not None:
                probabilities = np.frombuffer(data, np.float64, leaves * len(classes), offset).reshape(leaves, -1)
                offset += probabilities.nbytes
            if offset != len(data):
                raise ValueError("size mismatch")
        except (ValueError, TypeError, KeyError, binascii.Error) as error:
            raise PMMLError(f"a tree body written by pmmlkit's bulk writer is damaged ({error}); "
                            "convert the model again") from None
        return cls(names=field_names(placeholder), classes=classes, sets=sets, probabilities=probabilities, **values)


def has_placeholders(root: etree._Element) -> bool:
    """Whether ``root`` holds trees still kept as node arrays."""
    return next(root.iterfind(f".//*[@{MARKER}]"), None) is not None


def field_names(placeholder: etree._Element) -> list[str]:
    """The fields a placeholder's tree splits on, in order of first use."""
    return [child.get("field") or "" for child in placeholder]


# -- document order ----------------------------------------------------------------------------------------

def document_order(first: np.ndarray, second: np.ndarray, roots: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                                         np.ndarray, np.ndarray]:
    """Lay out trees given as child arrays (``first``/``second``: the children in the order they
    are written, -1 at leaves; ``roots``: one root per tree).

    Returns ``order`` (node indices in document order, tree after tree), ``depth``, ``closes``
    (see :class:`TreeBody`, indexed like the input) and ``sizes`` (the number of nodes per tree).
    Works level by level over all trees at once, so the Python loop runs once per level.
    """
    n = len(first)
    is_split = first >= 0
    depth = np.zeros(n, dtype=np.int32)
    reached = np.zeros(n, dtype=bool)
    levels: list[np.ndarray] = []
    frontier = np.asarray(roots, dtype=np.int64)
    while frontier.size:
        if reached[frontier].any() or len(levels) > n:
            raise ConversionError("a tree's child links form a cycle or share a node; the model looks corrupt")
        reached[frontier] = True
        depth[frontier] = len(levels)
        levels.append(frontier)
        splits = frontier[is_split[frontier]]
        frontier = np.concatenate([first[splits], second[splits]])
    size = np.ones(n, dtype=np.int64)
    for level in reversed(levels):
        splits = level[is_split[level]]
        size[splits] += size[first[splits]] + size[second[splits]]
    sizes = size[roots]
    if int(sizes.sum()) != int(reached.sum()):  # a node reached twice in one level
        raise ConversionError("a tree's child links form a cycle or share a node; the model looks corrupt")
    position = np.zeros(n, dtype=np.int64)
    position[roots] = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    for level in levels:
        splits = level[is_split[level]]
        position[first[splits]] = position[splits] + 1
        position[second[splits]] = position[splits] + 1 + size[first[splits]]
    nodes = np.flatnonzero(reached)
    order = np.empty(len(nodes), dtype=np.int64)
    order[position[nodes]] = nodes
    # A split's closing tag follows its last descendant, which is a leaf.
    splits = nodes[is_split[nodes]]
    last = position[splits] + size[splits] - 1
    closes = np.zeros(n, dtype=np.int32)
    leaves = nodes[~is_split[nodes]]
    closes[leaves] = 1
    closes += np.bincount(order[last], minlength=n).astype(np.int32)
    return order, depth, closes, sizes


# -- numbers and escaping ----------------------------------------------------------------------------------

def number_objects(values: np.ndarray) -> np.ndarray:
    """Objects that ``%s`` writes as :func:`pmmlkit.pmml.format_number` writes each double: ints
    for integral values below 1e15, the float itself otherwise (``str`` of a float is its
    shortest round-trip ``repr``), and the words PMML uses for NaN and the infinities."""
    values = np.asarray(values, dtype=np.float64)
    out = values.astype(object)
    with np.errstate(invalid="ignore"):
        integral = (np.floor(values) == values) & (np.abs(values) < 1e15)
    out[integral] = values[integral].astype(np.int64).astype(object)
    out[np.isnan(values)] = "NaN"
    out[np.isposinf(values)] = "INF"
    out[np.isneginf(values)] = "-INF"
    return out


def escape_attribute(value: str) -> bytes:
    """``value`` as lxml writes it (UTF-8) inside a double-quoted attribute."""
    written = etree.tostring(etree.Element("a", v=value), encoding="UTF-8")
    return written[written.index(b'v="') + 3:-len(b'"/>')]


def escape_text(value: str) -> bytes:
    """``value`` as lxml writes it (UTF-8) as element text."""
    node = etree.Element("a")
    node.text = value
    written = etree.tostring(node, encoding="UTF-8")
    return written[written.index(b"<a>") + 3:-len(b"</a>")]


# -- writing -----------------------------------------------------------------------------------------------

# lxml (libxml2) indents by two spaces a level, up to this many.
_MAX_INDENT = 60


def _pad(spaces: int) -> bytes:
    return b" " * min(spaces, _MAX_INDENT)


def _percent(text: bytes) -> bytes:
    return text.replace(b"%", b"%%")


def render(bodies: Sequence[TreeBody], indents: Sequence[int], flat: bool = False) -> list[bytes]:
    """The pretty-printed text (UTF-8) of each body's root ``Node`` at its indentation, exactly as
    lxml writes the same elements. The bodies must share their classes (one ensemble's trees).

    A node's text is a template (its tags, indentation, field, label, category set and closing
    tags) with ``%s`` where its numbers go. Nodes share few distinct templates, which are built
    once each; a tree's text is then one ``join`` of its nodes' templates and one ``%`` with its
    numbers (see :func:`number_objects`).

    ``flat`` writes every node closed at once, as siblings without indentation (for parsers that
    limit how deep a document nests).
    """
    classes = bodies[0].classes
    names: dict[str, int] = {}  # the batch's fields and category sets, each numbered once
    sets: dict[tuple[str, str, int], int] = {}
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("spaces", "code", "field", "operand", "closes")}
    for body, indent in zip(bodies, indents):
        if body.classes != classes:
            raise PMMLError("trees written together must have the same classes")
        field_ids = np.array([names.setdefault(name, len(names)) for name in body.names] + [-1], dtype=np.int64)
        set_ids = np.array([sets.setdefault(s, len(sets)) for s in body.sets] + [0], dtype=np.float64)
        in_set = body.predicate >= IS_IN
        parts["spaces"].append(np.zeros(len(body.depth), dtype=np.int64) if flat else
                               indent + 2 * body.depth.astype(np.int64))
        parts["code"].append(body.predicate.astype(np.int64))
        parts["field"].append(field_ids[body.field])  # -1 (no field) picks the last entry, -1
        parts["operand"].append(np.where(in_set, set_ids[np.where(in_set, body.operand, -1).astype(np.int64)],
                                         body.operand))
        parts["closes"].append(body.closes.astype(np.int64))
    spaces, code, field, operand, closes = (np.concatenate(parts[k]) for k in
                                            ("spaces", "code", "field", "operand", "closes"))
    n = len(spaces)
    leaf = closes > 0
    if flat:
        closes = np.ones(n, dtype=np.int64)
    score = np.concatenate([b.score for b in bodies])
    count = np.concatenate([b.count for b in bodies])  # per node
    counted = ~np.isnan(count)
    n_classes = 0 if classes is None else len(classes)
    simple = (code == LESS_OR_EQUAL) | (code == GREATER_THAN)
    in_set = code >= IS_IN

    # The numbers, in the order their %s come in each node: recordCount, score, threshold, then
    # recordCount and probability of each class.
    slots = np.empty((n, 3 + 2 * n_classes), dtype=object)
    used = np.zeros(slots.shape, dtype=bool)
    leaves = np.flatnonzero(leaf)
    used[:, 0] = counted
    slots[counted, 0] = number_objects(count[counted])
    if classes is None:
        used[leaves, 1] = True
        slots[leaves, 1] = number_objects(score)
    else:
        probabilities = np.concatenate([b.probabilities for b in bodies if b.probabilities is not None])
        leaf_count = count[leaves]
        leaf_counted = counted[leaves]
        weights = np.where(leaf_counted[:, None], probabilities * np.where(leaf_counted, leaf_count, 1.0)[:, None],
                           probabilities)
        used[leaves, 3:] = True
        slots[leaves, 3::2] = number_objects(weights)
        slots[leaves, 4::2] = number_objects(probabilities)
    used[simple, 2] = True
    slots[simple, 2] = number_objects(operand[simple])

    # A node's text is three templates: its head (the Node tag), its predicate, and for a leaf its
    # tail (score distributions, closing tags); each kind is built once per distinct set of inputs.
    templates = _Templates(list(names), list(sets), classes)
    node_counted = counted.astype(np.int64)
    label = np.zeros(n, dtype=np.int64)
    if classes is not None:
        label[leaves] = score.astype(np.int64)
    pieces = np.empty((n, 3), dtype=object)
    for j, (build, columns) in enumerate([
        (templates.head, [spaces, leaf.astype(np.int64), node_counted, label]),
        (templates.predicate, [spaces, code, field + 1, np.where(in_set, operand, 0).astype(np.int64)]),
        (templates.tail, [spaces, closes, leaf.astype(np.int64)]),
    ]):
        rows, inverse = _unique_rows(columns)
        table = np.empty(len(rows), dtype=object)
        table[:] = [build(*row).decode("utf-8") for row in rows.tolist()]
        pieces[:, j] = table[inverse]

    written = []
    start = 0
    for body in bodies:
        stop = start + len(body.depth)
        numbers = slots[start:stop][used[start:stop]]
        text = "".join(pieces[start:stop].ravel().tolist()) % tuple(numbers.tolist())
        written.append(text.encode("utf-8"))
        start = stop
    return written


def _unique_rows(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of the integer ``columns`` (non-negative) and each row's index among them."""
    stack = np.stack(columns, axis=1)
    radix = stack.max(axis=0) + 1
    size = float(np.prod(radix.astype(np.float64)))
    if size >= 2.0**62:
        rows, inverse = np.unique(stack, axis=0, return_inverse=True)
        return rows, inverse.reshape(-1)
    key = np.zeros(len(stack), dtype=np.int64)
    for j, r in enumerate(radix.tolist()):
        key = key * r + stack[:, j]
    if size <= 4 * len(key) + 1024:  # a small key range: mark the keys present instead of sorting
        present = np.zeros(int(size), dtype=bool)
        present[key] = True
        number = np.cumsum(present) - 1
        first = np.full(int(size), -1, dtype=np.int64)
        first[key[::-1]] = np.arange(len(key) - 1, -1, -1)
        keys = np.flatnonzero(present)
        return stack[first[keys]], number[key]
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return stack[first], inverse.reshape(-1)


class _Templates:
    """Builds node templates: lxml's text for a node, with %s for its numbers."""

    def __init__(self, names: list[str], sets: list[tuple[str, str, int]], classes: list[str] | None) -> None:
        self.names = [_percent(escape_attribute(name)) for name in names]
        self.arrays = [_percent(b'<Array n="%d" type="%s">' % (size, kind.encode()) + escape_text(text) + b"</Array>\n")
                       for kind, text, size in sets]
        self.labels = None if classes is None else [_percent(escape_attribute(label)) for label in classes]

    def head(self, spaces: int, leaf: int, counted: int, label: int) -> bytes:
        if not leaf:
            return _pad(spaces) + (b'<Node recordCount="%s">\n' if counted else b"<Node>\n")
        return b"".join([_pad(spaces), b"<Node", b' recordCount="%s"' if counted else b"", b' score="',
                         b"%s" if self.labels is None else self.labels[label], b'">\n'])

    def predicate(self, spaces: int, code: int, field: int, set_id: int) -> bytes:
        pad = _pad(spaces + 2)
        if code == TRUE:
            return pad + b"<True/>\n"
        name = self.names[field - 1]
        if code in (LESS_OR_EQUAL, GREATER_THAN):
            operator = b"lessOrEqual" if code == LESS_OR_EQUAL else b"greaterThan"
            return pad + b'<SimplePredicate field="' + name + b'" operator="' + operator + b'" value="%s"/>\n'
        operator = b"isIn" if code == IS_IN else b"isNotIn"
        return (pad + b'<SimpleSetPredicate field="' + name + b'" booleanOperator="' + operator + b'">\n'
                + _pad(spaces + 4) + self.arrays[set_id] + pad + b"</SimpleSetPredicate>\n")

    def tail(self, spaces: int, closes: int, leaf: int) -> bytes:
        text = [_pad(spaces + 2) + b'<ScoreDistribution value="' + value + b'" recordCount="%s" probability="%s"/>\n'
                for value in (self.labels or ()) if leaf]
        # The leaf's closing tag, then those of the ancestors whose last descendant it is.
        text += [_pad(spaces - 2 * j) + b"</Node>\n" for j in range(closes)]
        return b"".join(text)


# Trees written in one batch: a bound on the memory the batch's lines take.
_BATCH_NODES = 100_000


def _batches(bodies: list[TreeBody]) -> list[list[int]]:
    batches: list[list[int]] = []
    nodes = 0
    for i, body in enumerate(bodies):
        if not batches or nodes + len(body.depth) > _BATCH_NODES or body.classes != bodies[batches[-1][0]].classes:
            batches.append([])
            nodes = 0
        batches[-1].append(i)
        nodes += len(body.depth)
    return batches


def write_document(root: etree._Element, write: Callable[[bytes], Any]) -> None:
    """Write ``root`` as pretty-printed UTF-8 with an XML declaration, each placeholder as its tree.

    The document around the trees is serialized by lxml with a processing instruction where each
    placeholder sits, which lxml indents like the element it stands for; the trees are written at
    that indentation, a batch of trees at a time.
    """
    placeholders = root.xpath(f"//*[@{MARKER}]")
    markers = []
    for i, placeholder in enumerate(placeholders):
        marker = etree.ProcessingInstruction(_PI, str(i))
        placeholder.getparent().replace(placeholder, marker)
        markers.append(marker)
    try:
        skeleton = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    finally:
        for marker, placeholder in zip(markers, placeholders):
            marker.getparent().replace(marker, placeholder)
    matches = list(re.finditer(rb"( *)<\?" + _PI.encode() + rb" (\d+)\?>\n", skeleton))
    if len(matches) != len(placeholders):
        raise PMMLError("a document's tree placeholders could not be located; convert the model again")
    bodies = [TreeBody.of(placeholders[int(m.group(2))]) for m in matches]
    start = 0
    for batch in _batches(bodies):
        texts = render([bodies[i] for i in batch], [len(matches[i].group(1)) for i in batch])
        for i, text in zip(batch, texts):
            write(skeleton[start:matches[i].start()])
            write(text)
            start = matches[i].end()
    write(skeleton[start:])


# libxml2 refuses to parse documents nested deeper than this, even with huge_tree.
_PARSE_DEPTH = 1000


def expand(root: etree._Element) -> None:
    """Replace every placeholder under ``root`` by the elements it stands for."""
    parser = etree.XMLParser(remove_blank_text=True, huge_tree=True)
    placeholders = root.xpath(f"//*[@{MARKER}]")
    bodies = [TreeBody.of(placeholder) for placeholder in placeholders]
    for batch in _batches(bodies):
        deep = [i for i in batch if int(bodies[i].depth.max(initial=0)) >= _PARSE_DEPTH]
        shallow = [i for i in batch if i not in deep]
        texts = render([bodies[i] for i in shallow], [0] * len(shallow)) if shallow else []
        for i, text in zip(shallow, texts):
            placeholders[i].getparent().replace(placeholders[i], _parse(text, parser)[0])
        for i in deep:
            # Parsed as siblings, then nested here, one node at a time: the way for very deep trees.
            nodes = list(_parse(render([bodies[i]], [0], flat=True)[0], parser))
            parents: list[etree._Element] = []
            for node, depth in zip(nodes, bodies[i].depth.tolist()):
                del parents[depth:]
                if parents:
                    parents[-1].append(node)
                parents.append(node)
            placeholders[i].getparent().replace(placeholders[i], nodes[0])


def _parse(text: bytes, parser: etree.XMLParser) -> etree._Element:
    return etree.fromstring(b'<wrapper xmlns="%s">%s</wrapper>' % (NAMESPACE.encode(), text), parser)


def categories_text(values: Sequence[Any], numeric: bool, integer: bool) -> tuple[str, str]:
    """The Array type and (unescaped) text of a set predicate's categories."""
    if numeric:
        return ("int" if integer else "real"), " ".join(format_value(v) for v in values)
    return "string", " ".join('"' + format_value(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
