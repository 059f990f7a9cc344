"""Each TreeModel's root Node as bytes, cut from the document while it streams, for the tree screen.

The screen (``treescreen``) reads a tree's text; serializing the parsed tree again costs about a
fifth of the screen, while the bytes were in hand when the parser was fed. Cutting them out is
exact only while nothing in the document can make a tag in them mean something else, so the cutter
stops for the rest of a document (the screen then serializes, as before) at the first sign of:

- a comment, CDATA section, processing instruction or DOCTYPE (their text may look like tags);
- a TreeModel written with a prefix (its tags would not be counted), or one without children
  (``<TreeModel/>`` has no end tag);
- an encoding other than UTF-8 (names and classes would compare as different bytes);
- a TreeModel still open after ``MAX_HELD`` bytes (memory stays bounded).

For one tree it gives nothing when the bytes from the TreeModel's start tag to its root Node use a
prefix or declare a namespace, when anything but white space follows the root Node's end tag, or
when the Node's bytes hold a namespace declaration, a single quote (values delimited by ``'`` may
hold ``"``), a tab or a carriage return (characters the parser normalizes in attribute values).
The screen checks the rest (every tag, ``&``, one root element).

Pairing: the parser reports element ends in the order of their end tags, so the k-th TreeModel end
event is the k-th ``</TreeModel>`` in the bytes, and a stack of start tags pairs each end with its
start.
"""

from __future__ import annotations

import re
from collections import deque

from lxml import etree

MAX_HELD = 64 * 1024 ** 2
_NAME = b"TreeModel"
_AFTER_NAME = frozenset(b" \t\r\n/>")
_NODE_START = re.compile(rb"<Node[ \t\r\n/>]")
_PREFIXED_TAG = re.compile(rb"</?[^\s/>!?=\"]+:")
_ROOT_END = re.compile(rb"</Node>\s*")
_DECLARATION = re.compile(rb"<\?xml[^>]*?\?>")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_UTF8 = {b"utf-8", b"utf8", b"us-ascii", b"ascii"}
_BOM = b"\xef\xbb\xbf"
_NORMALIZED = (b"'", b"\t", b"\r")


class TreeBytes:
    """Fed the same bytes as the parser; ``take(model)`` at each TreeModel end event."""

    def __init__(self) -> None:
        self.on = True
        self._buffer = bytearray()
        self._base = 0  # document offset of _buffer[0]
        self._scanned = 0  # document offset from which "TreeModel" is looked for next
        self._markup = 0  # document offset from which "<!" and "<?" are looked for next
        self._open: list[int] = []  # offsets of TreeModel start tags not yet ended
        self._ended: deque[tuple[int, int]] = deque()  # (start tag, end tag) offsets not yet taken
        self._first = True

    def feed(self, chunk: bytes) -> None:
        if not self.on:
            return
        self._buffer += chunk
        if self._first:
            self._first = False
            self._prolog()
            if not self.on:
                return
        self._scan()

    def _stop(self) -> None:
        self.on = False
        self._buffer = bytearray()
        self._open.clear()
        self._ended.clear()

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
                    self._open.append(base + i - 1)
                elif before == ord("/") and buffer[i - 2] == ord("<"):
                    if not self._open:
                        self._stop()
                        return
                    self._ended.append((self._open.pop(), base + i - 2))
            i = buffer.find(_NAME, after)
        self._scanned = base + max(len(buffer) - len(_NAME), 2)

    def take(self, model: etree._Element) -> bytes | None:
        """The root Node's bytes of ``model``, the TreeModel whose end event the parser gave now."""
        if not self.on:
            return None
        if len(model) == 0 or not self._ended:
            self._stop()
            return None
        start, end = self._ended.popleft()
        buffer, base = self._buffer, self._base
        first = _NODE_START.search(buffer, start - base, end - base)
        if first is None:
            return None
        last = buffer.rfind(b"</Node", first.start(), end - base)
        if last == -1 or not _ROOT_END.fullmatch(buffer, last, end - base):
            return None
        before = bytes(buffer[start - base:first.start()])
        if b"xmlns" in before or _PREFIXED_TAG.search(before):
            return None
        text = bytes(memoryview(buffer)[first.start():last + len(b"</Node>")])
        if any(mark in text for mark in _NORMALIZED) or text.find(b"xmlns", 0, text.find(b">")) != -1:
            return None  # (the screen looks for namespace declarations after the first tag)
        return text

    def release(self) -> None:
        """Free the bytes no tree can need any more (after the events of a chunk were handled)."""
        if not self.on:
            return
        keep = min([self._scanned - 2, self._markup - 1, *self._open, *(start for start, _ in self._ended)])
        if self._open and self._base + len(self._buffer) - min(self._open) > MAX_HELD:
            self._stop()
            return
        drop = keep - self._base
        if drop > 0:
            del self._buffer[:drop]
            self._base = keep
