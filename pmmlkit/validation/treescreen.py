"""A quick proof that a TreeModel's Nodes break none of the tree rules, in bulk instead of node by node.

A forest holds hundreds of thousands of Nodes; walking them in Python (``Checker._tree``) costs
several microseconds each. This screen serializes one tree (libxml2, in C), reads it with a few
regular expressions and numpy operations over all its tags at once, and answers "clean" or
"maybe". It is conservative: whenever the walk could report anything, or the tree is not in the
common shape below, the answer is "maybe" and the walk runs as before, so reports (messages, lines,
order) never change. The screen answers "clean" only for this shape:

- tags are only Node, ScoreDistribution, SimplePredicate and True, without prefix, namespace
  declaration below the root, comment, processing instruction or escaped character (``&``);
  ScoreDistribution, SimplePredicate and True are empty elements;
- every Node's first child is its only predicate; the root's is ``True`` (checked by the caller);
  a ``True`` Node is the last of its siblings and every Node with children ends with one (the
  "else" branch: no Node after it is unreachable, no record falls through);
- SimplePredicates order a visible numeric field (``lessOrEqual``, ``lessThan``, ``greaterThan``,
  ``greaterOrEqual``) against a finite number, and none contradicts an ancestor's predicate
  on the same field (by Helly's theorem on the line, pairwise disjointness is the only way a path of
  intervals becomes empty);
- recordCounts and probabilities are finite numbers, each Node's ScoreDistributions are its last
  children and their probabilities lie in [0, 1] and sum to 1 (same order of additions as the walk);
  Node scores and ScoreDistribution values are target classes when the target lists them.

The text screened is the root Node's own bytes in the document when the scan could cut them out
exactly (``rawtrees``), else libxml2's serialization of the element. Numbers are read with Python's
``float`` rules (numpy's conversion of bytes calls it), as the walk reads them; where a cheaper
pattern proves a recordCount finite or a score a class, the exact reading is skipped. Measured on
a 50 MB forest: the walk costs about 1.4 s of CPU time, the screen about 0.5 s (and stand-ins spare the parser most of its work).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import numpy as np
from lxml import etree

from .vocabulary import PROBABILITY_TOLERANCE, number

# Beyond this many SimplePredicates bounding from one side, the pairwise contradiction check would
# need too much memory: such a tree is walked instead.
MAX_PREDICATES = 2048

_PREDICATE = re.compile(rb'<SimplePredicate field="([^"]*)" operator="([^"]*)" value="([^"]*)"/>')
_PROBABILITY = re.compile(rb' probability="([^"]*)"')  # only ScoreDistributions have one
_CLASS = re.compile(rb'<ScoreDistribution value="([^"]*)"')
# libxml2 writes one space before each attribute: a literal start finds exactly these attributes
# (not "xscore" or "ns:score") and lets the regular expression engine skip ahead.
_RECORD_COUNT = re.compile(rb' recordCount="([^"]*)"')
_SCORE = re.compile(rb' score="([^"]*)"')
# A plain number: what both engines (and every XML Schema processor, as an xs:double) read as a
# finite number: at most 20 digits on each side of the point and a two-digit exponent stay far below
# the largest double. Only when some recordCount is written otherwise are they all read one by one.
_PLAIN_NUMBER = rb'-?[0-9]{1,20}(?:\.[0-9]{1,20})?(?:[eE][-+]?[0-9]{1,2})?'
_UNPLAIN_RECORD_COUNT = re.compile(rb' recordCount="(?!' + _PLAIN_NUMBER + rb'")')
_SD_WITH_VALUE = b'<ScoreDistribution value="'
# Up to this many classes, one search with the classes as alternatives finds a score that is none
# of them; with more, the alternatives cost more than reading every score.
_FEW_CLASSES = 16

# Any tag but these (a Node's start or end, an empty ScoreDistribution, SimplePredicate or True).
# A leaf Node without a score (nor a ScoreDistribution): its predicate, then its end. The walk
# reports it (tree-score); the screen, which proves the rest, must not call such a tree clean.
_SCORELESS_LEAF = re.compile(rb'<Node(?![^>]* score=")[^>]*>\s*<(?:True/>|SimplePredicate [^>]*/>)\s*</Node>')
_OTHER_TAG = re.compile(rb"<(?!Node[ >]|/Node>|ScoreDistribution |SimplePredicate |True/>)")
_OPEN, _CLOSE, _DIST, _SP, _TRUE = range(5)
# The order operators: whether each bounds from above, whether it includes its value. Any other
# operator (equal, notEqual, isMissing...) is left to the walk.
_ORDER = {b"lessOrEqual": 0, b"lessThan": 1, b"greaterThan": 2, b"greaterOrEqual": 3}
_ORDER_UPPER = np.array([True, True, False, False])
_ORDER_INCLUSIVE = np.array([True, False, False, True])


def _kind_table() -> np.ndarray:
    """Tag kinds by a tag's second and third bytes."""
    table = np.full((256, 256), -1, dtype=np.int8)  # one byte a tag: a huge tree stays affordable
    for kind, tag in ((_OPEN, b"<No"), (_CLOSE, b"</N"), (_DIST, b"<Sc"), (_SP, b"<Si"), (_TRUE, b"<Tr")):
        table[tag[1], tag[2]] = kind
    return table


_KIND = _kind_table()


def _kinds(text: bytes) -> np.ndarray | None:
    """Each tag's kind in document order, or None if any other tag appears."""
    if _OTHER_TAG.search(text):
        return None
    data = np.frombuffer(text, dtype=np.uint8)
    where = np.flatnonzero(data == ord("<"))
    return _KIND[data[where + 1], data[where + 2]]


class TreeText:
    """A tree's root Node as the document writes it, screened at most once: the cutter (``rawtrees``)
    and the tree rules share the answer."""

    def __init__(self, text: bytes) -> None:
        self.text = text

    @functools.cached_property
    def screened(self) -> Screened | None:
        return screen(self.text)


def clean(root: etree._Element, fields: Collection[str], labels: Collection[str] | None,
          tree: TreeText | None = None, numeric_scores: bool = False, distributions_score: bool = True) -> bool:
    """True when no Node under ``root`` (the tree's root Node, whose predicate is ``True``) can break a
    tree rule; False means "maybe": walk the tree.

    ``fields``: the names predicates may order (visible, declared numeric); ``labels``: the target's
    listed classes when Node scores and ScoreDistribution values must be among them, else None;
    ``tree``: the root Node's bytes as the document writes them, when the caller could cut them out
    exactly (see ``rawtrees``), else None (the element is serialized); ``numeric_scores``: every Node
    score must be a number (a regression tree); ``distributions_score``: a Node's ScoreDistributions
    give it a score (not in a regression tree).
    """
    screened = (tree or TreeText(etree.tostring(root, with_tail=False))).screened
    return screened is not None and screened.fits(fields, labels, numeric_scores, distributions_score)


@dataclass(frozen=True, eq=False)
class Screened:
    """A tree whose Nodes break no rule that can be judged without the model around it."""

    text: bytes
    fields: frozenset[bytes]  # the fields its SimplePredicates order
    values_first: bool  # every ScoreDistribution writes its value attribute first
    kinds: np.ndarray  # each tag's kind, in document order
    plain_counts: bool  # every recordCount is written as a plain decimal number

    def fits(self, fields: Collection[str], labels: Collection[str] | None, numeric_scores: bool = False,
             distributions_score: bool = True) -> bool:
        """Whether the rest holds in the model's context: the predicates' fields are among ``fields``;
        when ``labels`` is given, every Node score and ScoreDistribution value is one of them; with
        ``numeric_scores`` (a regression tree), every Node score is a number; without
        ``distributions_score`` (a regression tree), there is no ScoreDistribution (the walk checks
        that each leaf with one has a score too)."""
        if self.fields and not {name.decode() for name in self.fields} <= set(fields):
            return False
        if not distributions_score and (self.kinds == _DIST).any():
            return False
        if numeric_scores and any(number(score) is None for score in set(_SCORE.findall(self.text))):
            return False
        if labels is None:
            return True
        if not self.values_first:
            return False
        text = self.text
        if 0 < len(labels) <= _FEW_CLASSES:
            not_a_score, not_a_value = _not_a_class(tuple(labels))
            return not not_a_score.search(text) and not not_a_value.search(text)
        classes = {label.encode() for label in labels}
        return set(_CLASS.findall(text)) <= classes and set(_SCORE.findall(text)) <= classes


def screen(text: bytes) -> Screened | None:
    """The checks of ``clean`` that need nothing but the tree's text; None means "maybe"."""
    if b"&" in text or text.find(b"xmlns", text.find(b">")) != -1:
        return None  # (a namespace declared below the root could put a "Node" outside PMML's namespace)
    kinds = _kinds(text)
    if kinds is None:
        return None
    opens, closes = kinds == _OPEN, kinds == _CLOSE
    tally = np.bincount(kinds, minlength=5)
    count = int(tally[_OPEN])
    if count == 0 or tally[_CLOSE] != count or tally[_TRUE] + tally[_SP] != count:
        return None  # (a self-closed <Node/> has no end tag: it is caught here)
    starts = np.flatnonzero(opens)
    if starts[-1] + 1 >= len(kinds) or ((kinds[starts + 1] != _TRUE) & (kinds[starts + 1] != _SP)).any():
        return None  # every Node's first child is a predicate; as many predicates as Nodes: its only one
    # Pair each Node's start with its end: within one nesting level, starts and ends alternate.
    nodes = np.flatnonzero(opens | closes)
    step = np.where(opens[nodes], 1, -1)
    depth = np.cumsum(step)
    pairs = np.argsort(np.where(step > 0, depth, depth + 1), kind="stable").reshape(-1, 2)  # positions in nodes
    if not (step[pairs[:, 0]] > 0).all() or (step[pairs[:, 1]] > 0).any():
        return None
    end_of = np.empty(len(kinds), dtype=np.int64)
    end_of[nodes[pairs[:, 0]]] = nodes[pairs[:, 1]]
    if end_of[0] != len(kinds) - 1:
        return None  # (text cut from a document could hold a second Node after the root's end)
    # A True Node must be the last Node among its siblings, and a Node's last child must be a True
    # Node: after a Node ends, the next start or end tag is its parent's end exactly when it is True.
    inner = pairs[pairs[:, 0] > 0]  # every Node but the root
    if not np.array_equal(kinds[nodes[inner[:, 0]] + 1] == _TRUE, step[inner[:, 1] + 1] < 0):
        return None
    # ScoreDistributions: each Node's are its last children (the next start or end tag is its end).
    sd_tags = np.flatnonzero(kinds == _DIST)
    after = np.searchsorted(nodes, sd_tags)
    if len(sd_tags) and ((after >= len(nodes)).any() or not closes[nodes[np.minimum(after, len(nodes) - 1)]].all()):
        return None
    if _SCORELESS_LEAF.search(text):
        return None
    # The attributes, in document order (counts must agree with the tags': where a pattern fixes the
    # attributes' order, another order is left to the walk).
    found = _PREDICATE.findall(text)
    if len(found) != tally[_SP]:
        return None
    probabilities = _PROBABILITY.findall(text)
    if len(probabilities) != len(sd_tags):  # a ScoreDistribution without one: no sum is checked
        return None
    names: frozenset[bytes] = frozenset()
    try:
        if found:
            names = _contradiction_free(found, np.flatnonzero(kinds == _SP), end_of)
            if names is None:
                return None
        if probabilities and not _sums_to_one(probabilities, after):
            return None
    except (ValueError, KeyError):  # a value that is not a number, an operator that is no order
        return None
    plain_counts = _UNPLAIN_RECORD_COUNT.search(text) is None
    if not plain_counts and not _finite(set(_RECORD_COUNT.findall(text))):
        return None
    return Screened(text, names, text.count(_SD_WITH_VALUE) == len(sd_tags), kinds, plain_counts)


@functools.lru_cache(maxsize=64)
def _not_a_class(labels: tuple[str, ...]) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """Patterns finding a Node score and a ScoreDistribution value that is none of ``labels``."""
    alternatives = b"|".join(re.escape(label.encode()) for label in labels)
    return (re.compile(rb' score="(?!(?:' + alternatives + rb')")'),
            re.compile(re.escape(_SD_WITH_VALUE) + rb'(?!(?:' + alternatives + rb')")'))


def _contradiction_free(found: list[tuple[bytes, bytes, bytes]], tags: np.ndarray, end_of: np.ndarray
                        ) -> frozenset[bytes] | None:
    """The fields the predicates order, or None when a value is not finite, too many predicates
    bound one side, or a predicate contradicts an ancestor's on the same field."""
    names, operators, texts = zip(*found)
    used = frozenset(names)
    count = len(names)
    if b"_" in b"".join(texts):  # numpy, like Python's float, would read "4_0" as 40: Java does not
        return None
    values = np.array(texts).astype(np.float64)  # ValueError: not a number
    if not np.isfinite(values).all():
        return None
    codes = {name: i for i, name in enumerate(used)}
    field = np.fromiter(map(codes.__getitem__, names), np.intp, count)
    order = np.fromiter(map(_ORDER.__getitem__, operators), np.intp, count)  # KeyError: equal, isMissing...
    upper, inclusive = _ORDER_UPPER[order], _ORDER_INCLUSIVE[order]
    start = tags - 1  # the predicate's Node starts just before it
    end = end_of[start]
    up, down = np.flatnonzero(upper), np.flatnonzero(~upper)
    if len(up) > MAX_PREDICATES or len(down) > MAX_PREDICATES:
        return None
    # Pairs (upper bound u, lower bound d) on one field where one predicate's Node encloses the
    # other's (nesting is proper, so a start inside the other's span is enough).
    su, eu, sd, ed = start[up][:, None], end[up][:, None], start[down][None, :], end[down][None, :]
    nested = (field[up][:, None] == field[down][None, :]) & (((su < sd) & (sd < eu)) | ((sd < su) & (su < ed)))
    if not nested.any():
        return used
    high, low = values[up][:, None], values[down][None, :]
    both = inclusive[up][:, None] & inclusive[down][None, :]
    return None if (nested & ((low > high) | ((low == high) & ~both))).any() else used


def _sums_to_one(probabilities: list[bytes], group: np.ndarray) -> bool:
    if b"_" in b"".join(probabilities):  # (see _contradiction_free)
        return False
    values = np.array(probabilities).astype(np.float64)
    if not np.isfinite(values).all() or (values < 0).any() or (values > 1).any():
        return False
    totals = np.bincount(group, weights=values)  # adds in document order, as Python's sum does
    return bool((np.abs(totals - 1) <= PROBABILITY_TOLERANCE)[np.bincount(group) > 0].all())


def _finite(texts: Iterable[bytes]) -> bool:
    for text in texts:
        value = number(text)
        if value is None or not math.isfinite(value):
            return False
    return True


# -- stand-ins ---------------------------------------------------------------------------------------
# While ``validate`` streams a document, a tree that passes the screen can reach the parser as a
# one-Node stand-in (``rawtrees``), so that libxml2 neither builds, checks nor frees its Nodes. That
# is only right when the schema would find nothing in the tree either. The screen already fixed the
# tags (Node, True, SimplePredicate with an order operator, ScoreDistribution) and kept "<" out of
# attribute values; on top of it a stand-in needs: Node and ScoreDistribution tags with only the
# attributes the PMML 4.4 schema allows, once each, in one order per element (another order is
# simply not stood in), numbers in a form every XML Schema processor reads as a finite xs:double,
# nothing but white space between tags, printable ASCII only (no encoding error or forbidden
# character can hide), the root Node's predicate True (as the stand-in's), and the content order
# the schema wants: a Node's ScoreDistributions before its child Nodes.
_STRING = rb'[^"]*'
_ODD_NODE = re.compile(rb'<Node(?!(?: id="S")?(?: score="S")?(?: recordCount="D")?>|(?: id="S")? recordCount="D" '
                       rb'score="S">)'.replace(b'"S"', b'"' + _STRING + b'"').replace(b'"D"', b'"' + _PLAIN_NUMBER + b'"'))
_ODD_DISTRIBUTION = re.compile(rb'<ScoreDistribution (?!value="[^"]*" recordCount="D"(?: confidence="D")? '
                               rb'probability="D"/>)'.replace(b'"D"', b'"' + _PLAIN_NUMBER + b'"'))
_ROOT_START = re.compile(rb'<Node[^>]*>[ \n]*<True/>')


def stands_in(screened: Screened) -> bool:
    """Whether the screened tree is also valid against the PMML 4.4 schema, so that a stand-in may
    take its place in the parser."""
    text = screened.text
    data = np.frombuffer(text, dtype=np.uint8)
    if (data > 0x7E).any() or ((data < 0x20) & (data != 0x0A)).any() or not _ROOT_START.match(text):
        return False
    if not screened.plain_counts or _ODD_NODE.search(text) or _ODD_DISTRIBUTION.search(text):
        return False
    # Nothing but white space between tags: without it, every ">" but the last is followed by "<"
    # (a ">" inside an attribute value only forgoes the stand-in).
    packed = np.frombuffer(text.translate(None, b" \n"), dtype=np.uint8)
    if (packed[1:][packed[:-1] == ord(">")] != ord("<")).any():
        return False
    kinds = screened.kinds
    before = kinds[np.flatnonzero(kinds == _DIST) - 1]
    return not ((before == _OPEN) | (before == _CLOSE)).any()
