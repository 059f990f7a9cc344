"""Each TreeModel's root Node as bytes, cut from the document while it streams, for the tree screen;
and, while ``validate`` streams, a one-Node stand-in for each tree that needs nothing more.

The screen (``treescreen``) reads a tree's text; serializing the parsed tree again costs about a
fifth of the screen, while the bytes were in hand when the parser was fed. Cutting them out is
exact only while nothing in the document can make a tag in them mean something else, so the cutter
stops for the rest of a document (the screen then serializes, as before) at the first sign of:

- a comment, CDATA section, processing instruction or DOCTYPE (their text may look like tags);
- a TreeModel written with a prefix (its tags would not be counted);
- an encoding other than UTF-8 (names and classes would compare as different bytes);
- a TreeModel still open after ``MAX_HELD`` bytes (memory stays bounded).

For one tree it gives nothing when the bytes from the TreeModel's start tag to its root Node use a
prefix or declare a namespace, when anything but white space follows the root Node's end tag, or
when the Node's bytes hold a namespace declaration, a single quote (values delimited by ``'`` may
hold ``"``), a tab or a carriage return, or a line end inside an attribute value (characters the
parser normalizes in attribute values).
The screen checks the rest (every tag, ``&``, one root element).

Pairing: the parser reports element ends in the order of their end tags, so the k-th TreeModel end
event is the k-th ``</TreeModel>`` in the bytes (or self-closed ``<TreeModel .../>``, which ends
where it starts), and a stack of start tags pairs each end with its start.

Stand-ins (``stand_ins=True``, streaming validation only: the tree is not kept for an engine). A
tree whose bytes pass the screen's context-free checks and are valid against the PMML 4.4 schema
(``treescreen.stands_in``) reaches the parser as ``<Node><True/></Node>`` followed by as many line
ends as the tree had, so every later line number stays right; the parser then never builds, checks
nor frees its Nodes (most of a forest's cost). The bytes are held back from the parser until the
TreeModel's end tag is seen. What needs the model around the tree (its fields, its classes,
missingValueStrategy) is decided when the checker reaches the TreeModel: ``take`` hands it the
:class:`Cut`, and when that part fails the checker parses the tree's bytes in the stand-in's
place (:func:`put_back`) and walks it as usual, so reports never change. Nested TreeModels are
never stood in.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

from lxml import etree

from . import treescreen

MAX_HELD = 64 * 1024 ** 2
_LONGEST_TAG = 1024 ** 2
STAND_IN = b"<Node><True/></Node>"
_NAME = b"TreeModel"
_AFTER_NAME = frozenset(b" \t\r\n/>")
_NODE_START = re.compile(rb"<Node[ \t\r\n/>]")
# The rest of a start tag after its name, to its ">" (values may hold ">", never "<").
_START_TAG_REST = re.compile(rb"""(?:[^<>"']|"[^"<]*"|'[^'<]*')*>""")
# A line end inside an attribute value: the parser turns it into a space, the bytes would keep it.
_LINE_END_IN_VALUE = re.compile(rb'="[^"\n]*\n')
_PREFIXED_TAG = re.compile(rb"</?[^\s/>!?=\"]+:")
_ROOT_END = re.compile(rb"</Node>\s*")
_DECLARATION = re.compile(rb"<\?xml[^>]*?\?>")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_UTF8 = {b"utf-8", b"utf8", b"us-ascii", b"ascii"}
_BOM = b"\xef\xbb\xbf"
_NORMALIZED = (b"'", b"\t", b"\r")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


@dataclass(frozen=True, eq=False)
class Cut:
    """A TreeModel's root Node cut from the bytes; ``stood_in``: the parser got a one-Node stand-in
    in its place (the screen passed it, without the model's context)."""

    tree: treescreen.TreeText
    stood_in: bool = False


@dataclass(eq=False)
class _Tree:
    first: int = -1  # document offsets of the root Node's bytes, when cut out
    stop: int = -1
    cut: Cut | None = None


class TreeBytes:
    """Fed the bytes the parser reads; ``take(model)`` at each TreeModel end event.

    With ``stand_ins``, the parser reads :meth:`ready` instead of the chunks themselves."""

    def __init__(self, stand_ins: bool = False) -> None:
        self.on = True
        self.stand_ins = stand_ins
        self._buffer = bytearray()
        self._base = 0  # document offset of _buffer[0]
        self._sent = 0  # document offset up to which the parser has the bytes (stand-in mode)
        self._scanned = 0  # document offset from which "TreeModel" is looked for next
        self._markup = 0  # document offset from which "<!" and "<?" are looked for next
        self._open: list[int] = []  # offsets of TreeModel start tags not yet ended
        self._holds_nested: set[int] = set()  # start offsets of TreeModels with a TreeModel inside
        self._ended: deque[_Tree] = deque()  # ended trees whose end event has not come yet
        self._stood_in: deque[_Tree] = deque()  # stood-in trees whose bytes the parser has not read yet
        self._first = True

    # -- the bytes -----------------------------------------------------------------------------
    def feed(self, chunk: bytes) -> None:
        if not self.on and not self.stand_ins:
            return
        self._buffer += chunk
        if not self.on:
            return
        if self._first:
            self._first = False
            self._prolog()
            if not self.on:
                return
        self._scan()

    def ready(self, final: bool = False) -> bytes:
        """Stand-in mode: the bytes the parser may read now (all of them when ``final``)."""
        buffer, base = self._buffer, self._base
        if final or not self.on:
            limit = base + len(buffer)
        else:
            limit = min([self._scanned - 1, *self._open])
        pieces = []
        while self._stood_in and self._stood_in[0].first < limit:
            tree = self._stood_in.popleft()
            assert tree.cut is not None
            pieces.append(buffer[self._sent - base:tree.first - base])
            pieces.append(STAND_IN + b"\n" * tree.cut.tree.text.count(b"\n"))
            self._sent = tree.stop
        if limit > self._sent:
            pieces.append(buffer[self._sent - base:limit - base])
            self._sent = limit
        return b"".join(pieces)

    def release(self) -> None:
        """Free the bytes no tree (and, in stand-in mode, not the parser) needs any more."""
        if self.on:
            needed = [self._scanned - 2, self._markup - 1, *self._open, *(t.first for t in self._stood_in)]
            if self.stand_ins:
                needed.append(self._sent)
            keep = min(needed)
            if self._open and self._base + len(self._buffer) - min(self._open) > MAX_HELD:
                self._stop()
                return
        else:
            keep = self._sent if self.stand_ins else self._base + len(self._buffer)
        drop = keep - self._base
        if drop > 0:
            del self._buffer[:drop]
            self._base = keep

    def _stop(self) -> None:
        """Cut nothing more. Trees already ended keep their answers (their end tags come before
        whatever stopped the cutter, so their events come first); stand-ins decided stay decided."""
        self.on = False
        self._open.clear()

    def _prolog(self) -> None:
        """Only UTF-8 (or ASCII) documents; the XML declaration is the one processing instruction allowed."""
        head = bytes(self._buffer[:512])
        start = len(_BOM) if head.startswith(_BOM) else 0
        if b"\x00" in head[:4]:  # UTF-16 or UTF-32
            self._stop()
            return
        declaration = _DECLARATION.match(head, start)
        if declaration is not None:
            encoding = _ENCODING.search(declaration.group())
            if encoding is not None and encoding.group(1).lower() not in _UTF8:
                self._stop()
                return
            start = declaration.end()
        elif head.startswith(b"<?xml", start):  # a declaration longer than the head: not worth the trouble
            self._stop()
            return
        self._markup = start

    def _scan(self) -> None:
        buffer, base = self._buffer, self._base
        for mark in b"!?":  # "<!" and "<?", found through their rare second byte (memchr is fast)
            i = buffer.find(mark, max(self._markup - base, 1))
            while i != -1:
                if buffer[i - 1] == ord("<"):
                    self._stop()
                    return
                i = buffer.find(mark, i + 1)
        self._markup = base + len(buffer)
        i = buffer.find(_NAME, max(self._scanned - base, 2))
        while i != -1:
            after = i + len(_NAME)
            if after >= len(buffer):  # the byte after the name is not here yet
                self._scanned = base + i
                return
            before = buffer[i - 1]
            if before == ord(":"):
                self._stop()
                return
            if buffer[after] in _AFTER_NAME:
                if before == ord("<"):
                    tag = _START_TAG_REST.match(buffer, after)
                    if tag is None:  # the start tag is not all here yet (or is broken: the parser will say)
                        if len(buffer) - after > _LONGEST_TAG:
                            self._stop()
                        else:
                            self._scanned = base + i
                        return
                    if self._open:
                        self._holds_nested.add(self._open[-1])
                    if buffer[tag.end() - 2] == ord("/"):  # <TreeModel .../>: it ends here, with nothing to cut
                        self._ended.append(_Tree())
                    else:
                        self._open.append(base + i - 1)
                elif before == ord("/") and buffer[i - 2] == ord("<"):
                    if not self._open:
                        self._stop()
                        return
                    self._ended.append(self._cut(self._open.pop(), base + i - 2))
            i = buffer.find(_NAME, after)
        self._scanned = base + max(len(buffer) - len(_NAME), 2)

    def _cut(self, start: int, end: int) -> _Tree:
        """The root Node's bytes of the TreeModel from ``start`` (its start tag) to ``end`` (its end tag)."""
        tree = _Tree()
        nested = start in self._holds_nested or bool(self._open)
        self._holds_nested.discard(start)
        buffer, base = self._buffer, self._base
        first = _NODE_START.search(buffer, start - base, end - base)
        if first is None:
            return tree
        last = buffer.rfind(b"</Node", first.start(), end - base)
        if last == -1 or not _ROOT_END.fullmatch(buffer, last, end - base):
            return tree
        before = bytes(buffer[start - base:first.start()])
        if b"xmlns" in before or _PREFIXED_TAG.search(before):
            return tree
        text = bytes(memoryview(buffer)[first.start():last + len(b"</Node>")])
        if any(mark in text for mark in _NORMALIZED) or text.find(b"xmlns", 0, text.find(b">")) != -1:
            return tree  # (the screen looks for namespace declarations after the first tag)
        if b"\n" in text and _LINE_END_IN_VALUE.search(text):
            return tree
        tree.first, tree.stop = base + first.start(), base + last + len(b"</Node>")
        cut = treescreen.TreeText(text)
        if self.stand_ins and not nested and cut.screened is not None and treescreen.stands_in(cut.screened):
            tree.cut = Cut(cut, stood_in=True)
            self._stood_in.append(tree)
        else:
            tree.cut = Cut(cut)
        return tree

    # -- the events ----------------------------------------------------------------------------
    def take(self) -> Cut | None:
        """For the TreeModel whose end event the parser gave now: its root Node as cut out (maybe
        stood in), or None (the screen serializes the parsed Node)."""
        if not self._ended:
            self._stop()
            return None
        cut = self._ended.popleft().cut
        return cut if cut is not None and (cut.stood_in or self.on) else None


def put_back(stand_in: etree._Element, text: bytes) -> etree._Element:
    """Parse the tree the stand-in replaced (``text``), on its own lines, and put it in the stand-in's place."""
    namespace = etree.QName(stand_in).namespace
    if namespace:
        text = text.replace(b"<Node", b'<Node xmlns="' + namespace.encode() + b'"', 1)
    line = stand_in.sourceline or 1
    tree = etree.fromstring(b"\n" * (line - 1) + text, _PARSER)
    parent = stand_in.getparent()
    assert parent is not None
    parent.replace(stand_in, tree)
    return tree
