"""Whether a document is complete, decided from its bytes, whatever the XML parser's release.

lxml's parsers do not agree across releases on a truncated document: with lxml 6.2.0 (libxml2
2.14) a pull parser that checks an XML Schema gives no error at ``close()`` and sends end events
for the elements left open, so "the root element ended" is no proof that the document did. Every
reader of a document (the streaming checks, the in-memory parse) therefore asks
:meth:`DocumentEnd.problem` too, and refuses the document unless both agree:

- the whole input was read;
- the root element's own end tag is in the bytes (or the root is an empty-element tag ``<PMML/>``):
  counting the start and end tags that carry the root's name as written, outside comments, CDATA
  sections and processing instructions, the count returns to zero;
- nothing but white space, comments and processing instructions follows it, and none is left open.

It reads the markup only where it matters: ``bytes.find`` for ``<!``, ``<?`` and the root's name
(all rare), so it costs a few memchr-speed passes over the document. A literal ``<`` only ever
starts markup in XML (attribute values and text escape it), which is what makes counting sound.
Documents in UTF-16 or UTF-32 (or EBCDIC) are decoded incrementally and read as UTF-8 (one cut
inside a character, at an odd byte of UTF-16, is incomplete); every other encoding the parser
accepts keeps the ASCII bytes of markup as they are.
"""

from __future__ import annotations

import codecs
import re

_BOM = b"\xef\xbb\xbf"
_NAME = re.compile(rb"[^\s/>!?<]+")
# The rest of a start tag after its name, up to (not including) its ">" (values may hold ">", never "<").
_TAG_REST = re.compile(rb"""(?:[^<>"']|"[^"<]*"|'[^'<]*')*""")
_SPACE = re.compile(rb"[ \t\r\n]*")
_MAX_TAG = 64 * 1024 ** 2  # a start tag longer than this is not waited for (the parser will say)
# Sections whose text may look like markup: their opening and what closes them.
_SECTIONS = ((b"<!--", b"-->", "a comment"), (b"<![CDATA[", b"]]>", "a CDATA section"),
             (b"<?", b"?>", "a processing instruction"))


def _decoder(head: bytes) -> codecs.IncrementalDecoder | None:
    """A decoder for documents whose markup is not ASCII bytes (XML 1.0 appendix F), else None."""
    # Bytes that are no character become U+FFFD: the parser judges the characters, this reads
    # only the markup (a strict decoder raised, mid-document, on a lone surrogate).
    if head[:4] in (b"\x00\x00\xfe\xff", b"\x00\x00\x00<"):
        return codecs.getincrementaldecoder("utf-32-be")(errors="replace")
    if head[:4] in (b"\xff\xfe\x00\x00", b"<\x00\x00\x00"):
        return codecs.getincrementaldecoder("utf-32-le")(errors="replace")
    if head[:2] in (b"\xfe\xff", b"\xff\xfe"):
        return codecs.getincrementaldecoder("utf-16")(errors="replace")
    if head[:2] == b"\x00<":
        return codecs.getincrementaldecoder("utf-16-be")(errors="replace")
    if head[:2] == b"<\x00":
        return codecs.getincrementaldecoder("utf-16-le")(errors="replace")
    if head[:4] == b"\x4c\x6f\xa7\x94":  # "<?xm" in EBCDIC: the declaration names the code page
        declared = re.search(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)""", head.decode("cp037", "replace")
                             .encode("ascii", "replace"))
        try:
            return codecs.getincrementaldecoder(declared.group(1).decode() if declared else "cp037")(errors="replace")
        except LookupError:
            return codecs.getincrementaldecoder("cp037")(errors="replace")
    return None


class DocumentEnd:
    """Fed every byte of a document in order (:meth:`feed`); :meth:`problem` at the end says whether
    the document is complete. The one place that decides it, for every parser pmmlkit runs."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._pos = 0  # where reading resumes, in _buffer
        self._line = 1  # line number of _buffer[0]
        self._decode: codecs.IncrementalDecoder | None = None
        self._first = True
        self._head = b""
        self._name: bytes | None = None  # the root's name as written (with its prefix)
        self._depth = 0  # open elements named like the root
        self._state = "prolog"  # "prolog", "content", "epilogue"
        self._section: tuple[bytes, bytes, str] | None = None  # the comment/CDATA/PI being read
        # marker -> (where it occurs next or -1, how far the buffer was searched for it)
        self._next: dict[bytes, tuple[int, int]] = {}
        self._broken: str | None = None  # what is wrong, once known
        self._broken_line: int | None = None
        self._done = False
        self._answer: tuple[str, int | None] | None = None

    def feed(self, chunk: bytes) -> None:
        if self._broken is not None or not chunk:
            return
        assert not self._done, "fed after problem()"
        if self._first:  # the encoding is known from the first four bytes
            self._head += chunk
            if len(self._head) < 4:
                return
            chunk, self._head, self._first = self._head, b"", False
            self._decode = _decoder(chunk[:4])
            if self._decode is None and chunk.startswith(_BOM):
                chunk = chunk[len(_BOM):]
        self._add(chunk)

    def _add(self, chunk: bytes) -> None:
        if self._decode is not None:
            chunk = self._decode.decode(chunk).encode("utf-8")
        self._buffer += chunk
        self._read(final=False)
        self._release()

    @property
    def root_read(self) -> bool:
        """Whether the root element's start tag has been read whole."""
        return self._name is not None

    def problem(self) -> tuple[str, int | None] | None:
        """After the last byte: None when the document is complete, else (what is wrong, its line)."""
        if not self._done:
            self._done = True
            self._answer = self._finish()
        return self._answer

    def _finish(self) -> tuple[str, int | None] | None:
        if self._first and self._head:  # fewer than four bytes in all
            self._first = False
            self._add(self._head.removeprefix(_BOM))
        if self._broken is None:
            if self._decode is not None and self._decode.decode(b"", final=True):
                # bytes left over that make no whole character: the document was cut inside one
                # (a UTF-16 document cut at an odd byte), and its end tag is not all there either
                return "the document ends inside a character (it was cut short)", \
                    self._line + self._buffer.count(b"\n")
            self._read(final=True)
        if self._broken is not None:
            return self._broken, self._broken_line
        end = self._line + self._buffer.count(b"\n")
        if self._section is not None:
            return f"the document ends inside {self._section[2]}", end
        if self._state == "prolog":
            return "the document has no root element", end
        if self._state == "content":
            return (f"the document ends before its root element <{self._shown()}> is closed (no "
                    f"</{self._shown()}> end tag)", end)
        return None

    # -- reading -------------------------------------------------------------------------------
    def _fail(self, message: str, at: int) -> None:
        self._broken = message
        self._broken_line = self._line + self._buffer.count(b"\n", 0, at)

    def _find(self, marker: bytes) -> int:
        """The next occurrence of ``marker`` at or after the read position (-1: none yet). Each
        marker's search resumes where it stopped, so every byte is searched once per marker."""
        at, searched = self._next.get(marker, (-1, 0))
        if at >= self._pos:
            return at
        at = self._buffer.find(marker, max(self._pos, searched - len(marker) + 1))
        self._next[marker] = (at, at + 1 if at != -1 else len(self._buffer))
        return at

    def _read(self, final: bool) -> None:
        buffer = self._buffer
        while self._broken is None:
            if self._section is not None:
                closing = self._section[1]
                close = buffer.find(closing, self._pos)
                if close == -1:
                    self._pos = max(self._pos, len(buffer) - len(closing) + 1)
                    return
                self._pos = close + len(closing)
                self._section = None
                continue
            if self._state == "epilogue":
                self._pos = _SPACE.match(buffer, self._pos).end()
                if self._pos == len(buffer):
                    return
                if self._open_section():
                    continue
                if not final and len(buffer) - self._pos < len(b"<!--"):
                    return  # maybe the start of a comment or PI, cut by the chunk
                self._fail(f"there is content after the end of the root element <{self._shown()}>", self._pos)
                return
            if self._state == "prolog":
                at = buffer.find(b"<", self._pos)
                if at == -1:  # text before the root: the parser says what is wrong
                    self._pos = len(buffer)
                    return
                self._pos = at
                if not final and len(buffer) - at < len(b"<!DOCTYPE"):
                    return
                if self._open_section():
                    continue
                if buffer.startswith(b"<!", at):  # a DOCTYPE (refused elsewhere): skip to its end
                    close = buffer.find(b">", at)
                    bracket = buffer.find(b"[", at, close if close != -1 else len(buffer))
                    if bracket != -1:
                        close = buffer.find(b"]", bracket)
                        close = buffer.find(b">", close) if close != -1 else -1
                    if close == -1:
                        if final:
                            self._pos = len(buffer)
                        return
                    self._pos = close + 1
                    continue
                if not self._start_tag(at, final):
                    return
                continue
            # content: the next comment, CDATA section, PI or tag named like the root
            assert self._name is not None
            hits = [h for h in (self._find(b"<!"), self._find(b"<?"), self._find(b"<" + self._name),
                                self._find(b"</" + self._name)) if h != -1]
            if not hits:
                self._pos = max(self._pos, len(buffer) - len(self._name) - 2)
                return
            at = self._pos = min(hits)
            if buffer.startswith(b"<!", at) or buffer.startswith(b"<?", at):
                if not final and len(buffer) - at < len(b"<![CDATA["):
                    return
                if not self._open_section():
                    self._pos = at + 2  # "<!" of anything else: the parser judges it
                continue
            if buffer.startswith(b"</", at):
                after = at + 2 + len(self._name)
                close = _SPACE.match(buffer, after).end()
                if close == len(buffer):
                    if final:  # "</PMML" and nothing more: not closed
                        self._pos = close
                    return
                if buffer[close] != ord(">"):  # another name that begins with this one
                    self._pos = after
                    continue
                self._pos = close + 1
                self._depth -= 1
                if self._depth == 0:
                    self._state = "epilogue"
                continue
            if not self._start_tag(at, final):
                return

    def _shown(self) -> str:
        return (self._name or b"").decode("utf-8", "replace")

    def _open_section(self) -> bool:
        """At ``_pos``: a comment, CDATA section or PI starts there (now being read)."""
        for opening, closing, what in _SECTIONS:
            if self._buffer.startswith(opening, self._pos):
                if opening == b"<![CDATA[" and self._state != "content":
                    return False
                self._section = (opening, closing, what)
                self._pos += len(opening)
                return True
        return False

    def _start_tag(self, at: int, final: bool) -> bool:
        """A start tag at ``at``; False when it is not all here yet (or the document is broken)."""
        buffer = self._buffer
        name = _NAME.match(buffer, at + 1)
        if name is None or name.end() == len(buffer):
            if final:
                self._fail("the document ends inside a start tag", at)
            return False
        if self._name is not None and name.group() != self._name:  # a longer name that begins like the root's
            self._pos = at + 1
            return True
        rest = _TAG_REST.match(buffer, name.end()).end()
        if rest == len(buffer) or buffer[rest] in b"\"'" and buffer.find(buffer[rest:rest + 1], rest + 1) == -1:
            if final:
                self._fail("the document ends inside a start tag", at)
            elif rest - at > _MAX_TAG:
                self._fail("a start tag is longer than pmmlkit reads", at)
            return False
        if buffer[rest] != ord(">"):
            self._fail("a start tag is not closed by '>'", at)
            return False
        self._pos = rest + 1
        if self._name is None:  # the root's start tag, read whole
            self._name = bytes(name.group())
            self._state = "content"
        if buffer[rest - 1] != ord("/"):
            self._depth += 1
        elif self._depth == 0:  # <PMML .../>: the root is empty and already ended
            self._state = "epilogue"
        return True

    def _release(self) -> None:
        """Drop the bytes before the read position (keeping a start tag or marker cut by the chunk)."""
        drop = self._pos
        if drop <= 0:
            return
        self._line += self._buffer.count(b"\n", 0, drop)
        del self._buffer[:drop]
        self._pos -= drop
        self._next = {marker: (at - drop if at >= drop else -1, max(searched - drop, 0))
                      for marker, (at, searched) in self._next.items()}


def verdict(root_end_event: bool, end: DocumentEnd | None) -> tuple[str, int | None] | None:
    """Whether a parsed document is complete: None when it is, else (what is wrong, its line).

    The one decision, for every parser pmmlkit runs: the parser sent the root element's end event
    (``root_end_event``) AND its bytes say so (``end``: every byte was fed to it, ``None`` when the
    input was not read to its end). Neither alone is trusted."""
    if end is None:
        return "the document was not read to its end", None
    problem = end.problem()
    if problem is not None:
        return problem
    if not root_end_event:
        return "the document ends before its root element is closed", None
    return None


def in_memory(data: bytes, root_end_event: bool = True) -> tuple[str, int | None] | None:
    """:func:`verdict` for a document held in memory (parsed whole: its root ended)."""
    end = DocumentEnd()
    end.feed(data)
    return verdict(root_end_event, end)
