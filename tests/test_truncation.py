"""A document cut anywhere before its root's end tag is refused, whatever lxml's release does.

lxml 6.2.0 (libxml2 2.14) stopped raising at ``XMLPullParser.close()`` on a truncated document
while it checks a schema, and sends end events for the elements left open: ``pmmlkit validate``
then said OK for about half of all cut points of converted files. pmmlkit now decides that a
document is complete from its bytes too (pmmlkit/wellformed.py); these tests count the cut points
of converted documents (a linear model, a forest, a pipeline with transformations; the linear
model and the pipeline in UTF-16 too, whose odd cut points end inside a character) and require
every one to be refused by ``pmmlkit.validate``, ``pmmlkit.load`` and the CLI, on the installed
lxml and on a parser made to behave like lxml 6.2 whatever the release.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cases.data import iris
from lxml import etree
from sklearn.ensemble import RandomForestClassifier

import pmmlkit
from pmmlkit.cli import main
from pmmlkit.validation import scan
from pmmlkit.wellformed import DocumentEnd, in_memory, verdict

GOLDEN = Path(__file__).resolve().parent / "golden"
# A cut is a truncation only before the root's end tag is whole (after it, only white space goes).
_TRUNCATION_CODES = {"xml-syntax", "empty"}


def _forest() -> bytes:
    X, y, _ = iris()
    model = RandomForestClassifier(n_estimators=2, max_depth=2, random_state=0).fit(X, y)
    return pmmlkit.convert(model, X).to_bytes()


def _utf16(data: bytes, codec: str) -> bytes:
    """A UTF-8 document in UTF-16 ("utf-16": little-endian after a byte order mark; "utf-16-be": none)."""
    text = re.sub(r"""encoding=(['"])UTF-8\1""", r"encoding=\1UTF-16\1", data.decode("utf-8"), flags=re.IGNORECASE)
    return text.encode(codec)


@pytest.fixture(scope="module")
def documents() -> dict[str, bytes]:
    linear = (GOLDEN / "sklearn-linear-regression.pmml").read_bytes()
    pipeline = (GOLDEN / "sklearn-ct-impute-onehot-logistic.pmml").read_bytes()
    # UTF-16 documents cut at an odd byte end inside a character: that was an [internal] error.
    return {"linear-model": linear, "pipeline": pipeline, "forest": _forest(),
            "linear-model utf-16": _utf16(linear, "utf-16"), "pipeline utf-16be": _utf16(pipeline, "utf-16-be")}


def _end(data: bytes) -> int:
    """Where the root's end tag ends: every shorter prefix is a truncated document (in little-endian
    UTF-16 the '>' is followed by its character's second, NUL, byte)."""
    end = data.rindex(b">") + 1
    little_endian = data.startswith(b"\xff\xfe") or data[1:2] == b"\x00"
    return end + 1 if little_endian and data[end:end + 1] == b"\x00" else end


def every_cut(data: bytes) -> range:
    return range(_end(data))


def boundary_cuts(data: bytes) -> list[int]:
    """Every cut at an element boundary (before and after each '<' and '>', one byte into a tag)
    and every 5th byte besides: what the full parses (validate, load) are run on."""
    end = _end(data)
    cuts = set(range(0, end, 5))
    for mark in re.finditer(rb"[<>]", data[:end]):
        cuts.update((mark.start(), mark.start() + 1, mark.start() + 2))
    return sorted(c for c in cuts if c < end)


def test_the_byte_check_refuses_every_cut_point(documents: dict[str, bytes]) -> None:
    refused = total = 0
    for name, data in documents.items():
        assert in_memory(data) is None, name
        for cut in every_cut(data):
            total += 1
            refused += in_memory(data[:cut]) is not None
    assert total > 8000
    assert refused == total, f"{total - refused} of {total} cut points accepted"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_document_cut_inside_a_character_is_a_syntax_error(documents: dict[str, bytes], codec: str,
                                                                    tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture) -> None:
    """A UTF-16 document cut at an odd byte: `pmmlkit validate` said [internal] (the decoder raised)."""
    data = _utf16(documents["linear-model"], codec)
    assert pmmlkit.validate(data).ok
    for cut in (_end(data) - 1, len(data) // 4 * 2 + 1, 5):
        assert cut % 2 == 1
        report = pmmlkit.validate(data[:cut])
        assert not report.ok and {i.code for i in report.errors} == {"xml-syntax"}, (cut, report.errors)
        with pytest.raises(pmmlkit.PMMLError, match=r"\[xml-syntax\]"):
            pmmlkit.load(data[:cut])
    (tmp_path / "cut.pmml").write_bytes(data[:_end(data) - 1])
    assert main(["validate", str(tmp_path / "cut.pmml")]) == 1
    out, err = capsys.readouterr()
    assert "[xml-syntax]" in out and "[internal]" not in out + err, out + err


def test_the_byte_check_reads_chunk_by_chunk_as_in_one_piece(documents: dict[str, bytes]) -> None:
    data = documents["pipeline"]
    for cut in (*range(0, len(data), 97), len(data)):
        for size in (1, 3, 64):
            end = DocumentEnd()
            for at in range(0, cut, size):
                end.feed(data[at:min(at + size, cut)])
            assert end.problem() == in_memory(data[:cut])


@pytest.mark.parametrize("text,complete", [
    (b"<PMML/>", True),
    (b"<?xml version='1.0'?>\n<!-- c --><PMML a='>'/>  <!-- d --> <?pi x?>\n", True),
    (b"<PMML><PMML></PMML>", False),  # an inner element named like the root ends; the root does not
    (b"<PMML><PMML></PMML></PMML>", True),
    (b"<PMML><![CDATA[</PMML>]]></PMML>", True),
    (b"<PMML><![CDATA[</PMML>", False),
    (b"<PMML><!-- </PMML> --></PMML>", True),
    (b"<PMML><!-- </PMML>", False),
    (b"<PMML></PMML>text", False),
    (b"<PMML></PMML><PMML/>", False),
    (b"<PMML><PMMLx></PMMLx></PMML>", True),
    (b"<p:PMML xmlns:p='u'><PMML></PMML></p:PMML>", True),
    (b"<p:PMML xmlns:p='u'><PMML></PMML>", False),
    (b"<PMML></PMML ", False),
    (b"<PMML></PMML><!-- x", False),
    ("<PMML>é</PMML>".encode("utf-16"), True),
    ("<PMML>é</PMML".encode("utf-16"), False),
    ("<PMML>é</PMML>".encode("utf-16")[:-1], False),  # cut inside its last character
    ("<PMML/>".encode("utf-16-be") + b"\x00", False),  # one byte more than whole characters
    ("<PMML>\ud800</PMML>".encode("utf-16-le", "surrogatepass"), True),  # a lone surrogate: the parser's
    ("<PMML/>".encode("utf-32"), True),
    ("<PMML/>".encode("utf-32")[:-2], False),
    (b"\xef\xbb\xbf<PMML/>", True),
    (b"", False),
])
def test_the_byte_check_reads_markup(text: bytes, complete: bool) -> None:
    assert (in_memory(text) is None) == complete
    end = DocumentEnd()
    for at in range(len(text)):  # byte by byte: the same answer
        end.feed(text[at:at + 1])
    assert (end.problem() is None) == complete


def test_the_parser_saying_the_root_ended_is_not_enough() -> None:
    """The one decision needs both: the parser's end event and the end tag in the bytes."""
    cut = b"<PMML><Header/><DataDictionary/>"
    end = DocumentEnd()
    end.feed(cut)
    assert verdict(True, end) is not None
    whole = DocumentEnd()
    whole.feed(cut + b"</PMML>")
    assert verdict(True, whole) is None
    assert verdict(False, whole) is not None
    assert verdict(True, None) is not None  # not read to the end


def _refused_by_validate(data: bytes) -> bool:
    report = pmmlkit.validate(data)
    return not report.ok and {issue.code for issue in report.errors} <= _TRUNCATION_CODES


def _refused_by_load(data: bytes) -> bool:
    try:
        pmmlkit.load(data)
    except pmmlkit.PMMLError:
        return True
    return False


def _count(documents: dict[str, bytes], refused) -> tuple[int, int]:  # noqa: ANN001
    total = ok = 0
    for data in documents.values():
        for cut in boundary_cuts(data):
            total += 1
            ok += refused(data[:cut])
    return ok, total


def test_validate_refuses_every_cut_point(documents: dict[str, bytes]) -> None:
    for name, data in documents.items():
        assert pmmlkit.validate(data).ok, name
    refused, total = _count(documents, _refused_by_validate)
    assert total > 3000
    assert refused == total, f"validate said OK or something else for {total - refused} of {total} cut points"


def test_load_refuses_every_cut_point(documents: dict[str, bytes]) -> None:
    refused, total = _count(documents, _refused_by_load)
    assert refused == total, f"load accepted {total - refused} of {total} cut points"


class _LikeLxml62:
    """An XMLPullParser that behaves as lxml 6.2 does while it checks a schema, on any release:
    ``close()`` does not raise on a truncated document and ends the root anyway."""

    real = etree.XMLPullParser

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._parser = self.real(*args, **kwargs)
        self._root: etree._Element | None = None
        self._root_ended = False
        self._late: list[tuple[str, etree._Element]] = []

    def feed(self, data: bytes) -> None:
        self._parser.feed(data)

    def close(self) -> None:
        try:
            self._parser.close()
        except etree.XMLSyntaxError:
            if self._root is not None and not self._root_ended:
                self._late.append(("end", self._root))

    def read_events(self) -> Iterator[tuple[str, etree._Element]]:
        for event, node in [*self._parser.read_events(), *self._late]:
            if self._root is None:
                self._root = node.getroottree().getroot()
            self._root_ended = self._root_ended or (event == "end" and node is self._root)
            yield event, node
        self._late = []


def test_a_parser_that_never_raises_at_close_changes_nothing(documents: dict[str, bytes],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan.etree, "XMLPullParser", _LikeLxml62)
    data = documents["linear-model"]
    assert pmmlkit.validate(data).ok
    cut = data[:data.index(b"</MiningSchema>") + len(b"</MiningSchema>")]  # the issue's file
    assert not pmmlkit.validate(cut).ok
    assert not pmmlkit.validate(cut, verify=True).ok
    refused = total = 0
    for cut_at in boundary_cuts(data):
        total += 1
        refused += _refused_by_validate(data[:cut_at])
    assert refused == total, f"{total - refused} of {total} cut points accepted"


def test_the_cli_refuses_cut_documents(documents: dict[str, bytes], tmp_path: Path,
                                       capsys: pytest.CaptureFixture) -> None:
    """`pmmlkit validate` (and --verify, --json) exits non-zero with [xml-syntax]: a sample of
    cut points per document (the library calls above cover every one)."""
    path = tmp_path / "cut.pmml"
    checked = 0
    for name, data in documents.items():
        cuts = boundary_cuts(data)
        sample = cuts[1::max(1, len(cuts) // 25)]
        if name == "linear-model":
            sample.append(data.index(b"</MiningSchema>") + len(b"</MiningSchema>"))
        for cut in sample:
            path.write_bytes(data[:cut])
            assert main(["validate", str(path)]) != 0, (name, cut)
            out, err = capsys.readouterr()
            assert "[xml-syntax]" in out + err or "[empty]" in out + err, (name, cut, out, err)
            checked += 1
        path.write_bytes(sample and data[:sample[-1]])
        assert main(["validate", "--verify", "--json", str(path)]) != 0
        report = json.loads(capsys.readouterr()[0])
        assert report[0]["ok"] is False
        assert "xml-syntax" in {issue["code"] for issue in report[0]["issues"]}
    assert checked >= 75
