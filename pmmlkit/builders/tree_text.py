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

The document writes each placeholder as text with vectorised numpy string operations, exactly
the bytes lxml's pretty printer writes for the same elements (:func:`write_document`), and turns
placeholders into real elements only when someone asks for the DOM (:func:`expand`).
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
from numpy.dtypes import StringDType

from ..errors import ConversionError, PMMLError
from ..pmml import NAMESPACE, element, format_value

MARKER = "pmmlkitTreeBody"
_FORMAT = 1

# Predicate codes, one per node: the predicate that leads into the node from its parent.
TRUE, LESS_OR_EQUAL, GREATER_THAN, IS_IN, IS_NOT_IN = range(5)
# Where a split sends a missing value: no child (no prediction), the right child, the left child.
MISSING_NOWHERE, MISSING_RIGHT, MISSING_LEFT = -1, 0, 1

_STRINGS = StringDType()
_PI = "pmmlkit-tree"


@dataclass
class TreeBody:
    """One tree in document order (the order lxml writes its ``Node`` elements).

    Every node: ``depth`` (the root is 0), ``predicate`` (a code above), ``field`` (index into
    ``names``; -1 for ``True``), ``operand`` (the threshold, or the index into ``sets``),
    ``closes`` (how many ``</Node>`` lines follow the node's own lines: 0 for splits, whose
    closing tag follows their last leaf). Every leaf, in order: ``score`` (the value, or the
    index of the predicted class), ``count`` (NaN: no recordCount) and, for classification,
    ``probabilities`` (one column per class).
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
        node = element("Node", *[element("SimplePredicate", field=name) for name in self.names])
        node.set(MARKER, json.dumps(header, separators=(",", ":")))
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
                length = leaves if name in ("score", "count") else n
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
        names = [child.get("field") or "" for child in placeholder]
        return cls(names=names, classes=classes, sets=sets, probabilities=probabilities, **values)


def is_placeholder(node: etree._Element) -> bool:
    return node.get(MARKER) is not None


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

def format_numbers(values: np.ndarray) -> np.ndarray:
    """:func:`pmmlkit.pmml.format_number` of every double, as a numpy string array.

    Integral values below 1e15 are written as integers; the others as the shortest text that
    reads back as the same double (numpy's float-to-string cast writes what Python's ``repr``
    writes); each distinct value is formatted once.
    """
    values = np.asarray(values, dtype=np.float64)
    out = np.empty(values.shape, dtype=_STRINGS)
    with np.errstate(invalid="ignore"):
        integral = (np.floor(values) == values) & (np.abs(values) < 1e15)
    out[integral] = values[integral].astype(np.int64).astype(_STRINGS)
    rest = ~integral
    if rest.any():
        unique, inverse = np.unique(values[rest], return_inverse=True)
        text = unique.astype(_STRINGS)
        text[np.isnan(unique)] = "NaN"
        text[np.isposinf(unique)] = "INF"
        text[np.isneginf(unique)] = "-INF"
        out[rest] = text[inverse.reshape(-1)]
    return out


def escape_attribute(value: str) -> str:
    """``value`` as lxml writes it inside a double-quoted attribute."""
    written = etree.tostring(etree.Element("a", v=value), encoding="unicode")
    return written[len('<a v="'):-len('"/>')]


def escape_text(value: str) -> str:
    """``value`` as lxml writes it as element text."""
    node = etree.Element("a")
    node.text = value
    written = etree.tostring(node, encoding="unicode")
    return written[len("<a>"):-len("</a>")]


# -- writing -----------------------------------------------------------------------------------------------

def _add(*parts: Any) -> Any:
    result = parts[0]
    for part in parts[1:]:
        result = np.strings.add(result, part)
    return result


def render(body: TreeBody, indent: int) -> str:
    """The pretty-printed text of ``body``'s root ``Node`` at ``indent`` spaces, as lxml writes it."""
    n = len(body.depth)
    depth = body.depth.astype(np.int64)
    spaces = indent + 2 * depth
    pad = np.array([" " * i for i in range(int(spaces.max(initial=indent)) + 5)], dtype=_STRINGS)
    leaf = body.closes > 0
    out = np.empty(n, dtype=_STRINGS)

    # The predicate line(s) of every node.
    predicate = np.full(n, "<True/>\n", dtype=_STRINGS)
    fields = np.array([escape_attribute(name) for name in body.names] or [""], dtype=_STRINGS)
    for code, operator in ((LESS_OR_EQUAL, "lessOrEqual"), (GREATER_THAN, "greaterThan")):
        at = np.flatnonzero(body.predicate == code)
        if at.size:
            predicate[at] = _add('<SimplePredicate field="', fields[body.field[at]],
                                 f'" operator="{operator}" value="', format_numbers(body.operand[at]), '"/>\n')
    for code, operator in ((IS_IN, "isIn"), (IS_NOT_IN, "isNotIn")):
        at = np.flatnonzero(body.predicate == code)
        if at.size:
            arrays = np.array([f'<Array n="{size}" type="{kind}">{escape_text(text)}</Array>\n'
                               for kind, text, size in body.sets] or [""], dtype=_STRINGS)
            predicate[at] = _add('<SimpleSetPredicate field="', fields[body.field[at]],
                                 f'" booleanOperator="{operator}">\n', pad[spaces[at] + 4],
                                 arrays[body.operand[at].astype(np.int64)], pad[spaces[at] + 2],
                                 "</SimpleSetPredicate>\n")
    lines = _add(pad[spaces + 2], predicate)

    splits = np.flatnonzero(~leaf)
    out[splits] = _add(pad[spaces[splits]], "<Node>\n", lines[splits])

    leaves = np.flatnonzero(leaf)
    count = body.count
    counted = ~np.isnan(count)
    if body.classes is None:
        score = format_numbers(body.score)
    else:
        labels = np.array([escape_attribute(label) for label in body.classes] or [""], dtype=_STRINGS)
        score = labels[body.score.astype(np.int64)]
    head = np.where(counted, _add(' recordCount="', format_numbers(np.where(counted, count, 0.0)), '"'), "")
    text = _add(pad[spaces[leaves]], "<Node", head.astype(_STRINGS), ' score="', score, '">\n', lines[leaves])
    if body.classes is not None and body.probabilities is not None:
        inner = pad[spaces[leaves] + 2]
        for j, label in enumerate(labels):
            p = body.probabilities[:, j]
            weight = np.where(counted, p * np.where(counted, count, 1.0), p)
            text = _add(text, inner, '<ScoreDistribution value="', label, '" recordCount="',
                        format_numbers(weight), '" probability="', format_numbers(p), '"/>\n')
    out[leaves] = _add(text, _closing(depth[leaves], body.closes[leaves].astype(np.int64), indent, pad))
    return "".join(out.tolist())


def _closing(depth: np.ndarray, closes: np.ndarray, indent: int, pad: np.ndarray) -> np.ndarray:
    """The ``</Node>`` lines after each leaf: its own, then those of the ancestors it ends."""
    key = depth * (int(closes.max(initial=1)) + 1) + closes
    unique, inverse = np.unique(key, return_inverse=True)
    stride = int(closes.max(initial=1)) + 1
    table = np.array(["".join(str(pad[indent + 2 * (d - j)]) + "</Node>\n" for j in range(c))
                      for d, c in zip((unique // stride).tolist(), (unique % stride).tolist())], dtype=_STRINGS)
    return table[inverse.reshape(-1)]


def write_document(root: etree._Element, write: Callable[[bytes], Any]) -> None:
    """Write ``root`` as pretty-printed UTF-8 with an XML declaration, each placeholder as its tree.

    The document around the trees is serialized by lxml with a processing instruction where each
    placeholder sits, which lxml indents like the element it stands for; the trees are written at
    that indentation, one at a time.
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
    start = 0
    for match in re.finditer(rb"( *)<\?" + _PI.encode() + rb" (\d+)\?>\n", skeleton):
        write(skeleton[start:match.start()])
        write(render(TreeBody.of(placeholders[int(match.group(2))]), len(match.group(1))).encode("utf-8"))
        start = match.end()
    write(skeleton[start:])


def expand(root: etree._Element) -> None:
    """Replace every placeholder under ``root`` by the elements it stands for."""
    parser = etree.XMLParser(remove_blank_text=True, huge_tree=True)
    for placeholder in root.xpath(f"//*[@{MARKER}]"):
        text = render(TreeBody.of(placeholder), 0)
        wrapper = etree.fromstring(f'<wrapper xmlns="{NAMESPACE}">{text}</wrapper>'.encode(), parser)
        placeholder.getparent().replace(placeholder, wrapper[0])


def categories_text(values: Sequence[Any], numeric: bool, integer: bool) -> tuple[str, str]:
    """The Array type and (unescaped) text of a set predicate's categories."""
    if numeric:
        return ("int" if integer else "real"), " ".join(format_value(v) for v in values)
    return "string", " ".join('"' + format_value(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
