"""The project's PMML 4.4 schema, model chapters (schemas/pmml-4-4-models.xsd), against the DMG oracle.

Every hand-written document in tests/corpus/models/ is valid PMML 4.4, and every element and attribute the
chapters declare is used by at least one of them. Each document and systematic mutations of each element the
chapters define (dropped attributes; bad enumeration values and malformed numbers; unknown attributes and
children; dropped, duplicated and moved children; extensions, model parts and the document's other elements
inserted at every position) must get the same verdict from the project schema as from the official DMG schema.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pmmlkit.schemas
import pytest
from harness import oracle_schema
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "models"
DOCUMENTS = sorted(CORPUS.glob("*.pmml"))
MODELS_XSD = ROOT / "schemas" / "pmml-4-4-models.xsd"
NS = pmmlkit.schemas.NAMESPACE_4_4
XS = "http://www.w3.org/2001/XMLSchema"

# The model chapters are xs:include'd by the root schema and compile only with it.
needs_root_schema = pytest.mark.skipif(
    not pmmlkit.schemas.PMML_4_4.exists(),
    reason=f"the project's root schema {pmmlkit.schemas.PMML_4_4} is absent; the model chapters compile only inside it")


def chapter_elements() -> frozenset[str]:
    """Local names of the top-level elements schemas/pmml-4-4-models.xsd defines."""
    schema = etree.parse(str(MODELS_XSD))
    return frozenset(schema.getroot().xpath("xs:element/@name", namespaces={"xs": XS}))


def chapter_attributes() -> frozenset[tuple[str, str]]:
    """(element, attribute) for every attribute the chapters declare, typed elements included."""
    root = etree.parse(str(MODELS_XSD)).getroot()
    xs = {"xs": XS}
    declared = set()
    for element in root.xpath("xs:element", namespaces=xs):
        owner = element
        if element.get("type"):  # an element of a named complex type (CountTable, NormalizedCountTable)
            owner = root.xpath("xs:complexType[@name=$name]", namespaces=xs, name=element.get("type"))[0]
        declared.update((element.get("name"), a) for a in owner.xpath(".//xs:attribute/@name", namespaces=xs))
    return frozenset(declared)


@functools.cache
def chapter_enumerations() -> dict[tuple[str, str], tuple[str, ...]]:
    """(element, attribute) -> the values the chapters allow, for every enumerated attribute: each value is tried,
    so a value the standard does not have fails the differential test."""
    root = etree.parse(str(MODELS_XSD)).getroot()
    xs = {"xs": XS}
    named = {t.get("name"): tuple(t.xpath(".//xs:enumeration/@value", namespaces=xs))
             for t in root.xpath("xs:simpleType", namespaces=xs)}
    found = {}
    for element in root.xpath("xs:element", namespaces=xs):
        for attribute in element.xpath(".//xs:attribute", namespaces=xs):
            values = named.get(attribute.get("type")) or tuple(attribute.xpath(".//xs:enumeration/@value", namespaces=xs))
            if values:
                found[(element.get("name"), attribute.get("name"))] = values
    return found


CHAPTER_ELEMENTS = chapter_elements()


@dataclass(frozen=True)
class Mutation:
    """One change to one element of a document; ``key`` names it independently of the element's position."""

    index: int  # position of the element in document order
    key: tuple[str, ...]
    apply: Callable[[etree._Element], None]


def local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _set(name: str, value: str) -> Callable[[etree._Element], None]:
    return lambda e: e.set(name, value)


def _drop_attribute(name: str) -> Callable[[etree._Element], None]:
    return lambda e: e.attrib.pop(name)


def _insert_unknown(position: int) -> Callable[[etree._Element], None]:
    def apply(e: etree._Element) -> None:
        bogus = etree.Element(f"{{{NS}}}Bogus")
        e.insert(position if position >= 0 else len(e), bogus)
    return apply


def _children(e: etree._Element) -> list[etree._Element]:
    return [c for c in e if isinstance(c.tag, str)]


def _drop_child(i: int) -> Callable[[etree._Element], None]:
    return lambda e: e.remove(_children(e)[i])


def _duplicate_child(i: int) -> Callable[[etree._Element], None]:
    def apply(e: etree._Element) -> None:
        child = _children(e)[i]
        child.addnext(copy.deepcopy(child))
    return apply


def _triplicate_child(i: int) -> Callable[[etree._Element], None]:
    def apply(e: etree._Element) -> None:
        child = _children(e)[i]
        child.addnext(copy.deepcopy(child))
        child.addnext(copy.deepcopy(child))
    return apply


def _move_child(i: int, position: int) -> Callable[[etree._Element], None]:
    def apply(e: etree._Element) -> None:
        child = _children(e)[i]
        e.remove(child)
        e.insert(position, child)
    return apply


def _insert(snippet: str, position: int) -> Callable[[etree._Element], None]:
    return lambda e: e.insert(position, etree.fromstring(snippet))


def _looks_numeric(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


# Minimal valid instances of the children every model may or may not take, tried at every position of a model
# element; an Extension is tried at every position of every element.
EXTENSION = f'<Extension xmlns="{NS}" name="x" value="1"/>'
MODEL_PARTS = {
    "Output": f'<Output xmlns="{NS}"><OutputField name="out" optype="continuous" dataType="double"/></Output>',
    "ModelStats": f'<ModelStats xmlns="{NS}"/>',
    "ModelExplanation": f'<ModelExplanation xmlns="{NS}"><PredictiveModelQuality targetField="y"/></ModelExplanation>',
    "Targets": f'<Targets xmlns="{NS}"><Target field="y"/></Targets>',
    "LocalTransformations": f'<LocalTransformations xmlns="{NS}"/>',
    "ModelVerification": (f'<ModelVerification xmlns="{NS}"><VerificationFields><VerificationField field="x"/>'
                          '</VerificationFields><InlineTable/></ModelVerification>'),
}

# Values that break an enumeration, a number, an integer, a probability or a boolean.
BAD_VALUES = ("bogus value", "")
MALFORMED_NUMBERS = ("1.5.2", "1,5", "1.5", "-0.5", "-1", "0", "1e3", "INF", "NaN", "0x10", "12345678901234567890")


def templates(document: etree._ElementTree) -> dict[str, str]:
    """The first instance of each element the chapters define in ``document``, serialized."""
    found: dict[str, str] = {}
    for element in document.iter():
        if isinstance(element.tag, str) and local(element) in CHAPTER_ELEMENTS:
            found.setdefault(local(element), etree.tostring(element, with_tail=False).decode())
    return found


@functools.cache
def children_seen() -> dict[str, dict[str, str]]:
    """For each element the chapters define, one instance of every child it has anywhere in the corpus: inserted
    into another instance, they try every order and count of the children the corpus knows for that element."""
    seen: dict[str, dict[str, str]] = {}
    for path in DOCUMENTS:
        for element in parse(path).iter():
            if isinstance(element.tag, str) and local(element) in CHAPTER_ELEMENTS:
                known = seen.setdefault(local(element), {})
                for child in _children(element):
                    known.setdefault(local(child), etree.tostring(child, with_tail=False).decode())
    return seen


def mutations(document: etree._ElementTree) -> Iterator[Mutation]:
    """Each kind of change once per (parent, element, attribute or child) shape: repeated rows add nothing."""
    seen: set[tuple[str, ...]] = set()
    elsewhere = templates(document)
    for index, element in enumerate(document.iter()):
        if not isinstance(element.tag, str) or etree.QName(element).namespace != NS:
            continue
        name = local(element)
        if name not in CHAPTER_ELEMENTS:
            continue
        parent = element.getparent()
        where = (local(parent) if parent is not None else "", name)
        candidates: list[tuple[tuple[str, ...], Callable[[etree._Element], None]]] = []
        for attribute, value in element.attrib.items():
            candidates.append((("drop attribute", attribute), _drop_attribute(attribute)))
            for allowed in chapter_enumerations().get((name, attribute), ()):
                candidates.append((("enumeration value", attribute, allowed), _set(attribute, allowed)))
            for bad in BAD_VALUES:
                candidates.append((("bad value", attribute, bad), _set(attribute, bad)))
            if _looks_numeric(value):
                for bad in MALFORMED_NUMBERS:
                    candidates.append((("malformed number", attribute, bad), _set(attribute, bad)))
        candidates.append((("unknown attribute",), _set("bogus", "1")))
        candidates.append((("unknown child", "first"), _insert_unknown(0)))
        candidates.append((("unknown child", "last"), _insert_unknown(-1)))
        children = _children(element)
        tags = [local(c) for c in children]
        is_model = parent is not None and local(parent) == "PMML"
        for position in range(len(children) + 1):
            before = tags[position - 1] if position else ""
            candidates.append((("insert", "Extension", "after", before), _insert(EXTENSION, position)))
            if is_model or name == "AnomalyDetectionModel":
                for part, snippet in MODEL_PARTS.items():
                    candidates.append((("insert", part, "after", before), _insert(snippet, position)))
            # Elements of this document from other places: alternatives of a choice, misplaced parts.
            for other, snippet in elsewhere.items():
                if other not in tags and other != name:
                    candidates.append((("insert", other, "after", before), _insert(snippet, position)))
            for other, snippet in children_seen()[name].items():
                candidates.append((("insert", other, "after", before), _insert(snippet, position)))
        for i, tag in enumerate(tags):  # wrong child order
            for position in range(len(tags)):
                if position != i and tags[position] != tag:
                    candidates.append((("move child", tag, "to", str(position)), _move_child(i, position)))
        for i, tag in enumerate(tags):
            candidates.append((("drop child", tag, "first" if i == 0 else "not first"), _drop_child(i)))
            candidates.append((("duplicate child", tag), _duplicate_child(i)))
            candidates.append((("triplicate child", tag), _triplicate_child(i)))
        for detail, apply in candidates:
            key = where + detail
            if key not in seen:
                seen.add(key)
                yield Mutation(index, key, apply)


def mutated(document: etree._ElementTree, mutation: Mutation) -> etree._ElementTree:
    tree = copy.deepcopy(document)
    mutation.apply(list(tree.iter())[mutation.index])
    return tree


def parse(path: Path) -> etree._ElementTree:
    return etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))


def errors(schema: etree.XMLSchema) -> str:
    return "\n".join(f"line {e.line}: {e.message}" for e in list(schema.error_log)[:5])


def test_corpus_uses_every_element_the_chapters_define():
    used = {local(e) for path in DOCUMENTS for e in parse(path).iter() if isinstance(e.tag, str)}
    assert DOCUMENTS, f"no documents in {CORPUS}"
    assert sorted(CHAPTER_ELEMENTS - used) == []


def test_corpus_uses_every_attribute_the_chapters_declare():
    used = {(local(e), a) for path in DOCUMENTS for e in parse(path).iter() if isinstance(e.tag, str) for a in e.attrib}
    assert sorted(chapter_attributes() - used) == []


@needs_root_schema
@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_document_is_valid_on_the_project_schema(path: Path):
    schema = pmmlkit.schemas.xml_schema()
    assert schema.validate(parse(path)), errors(schema)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_document_is_valid_on_the_oracle(path: Path):
    schema = oracle_schema()
    assert schema.validate(parse(path)), errors(schema)


@needs_root_schema
@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_mutations_get_the_oracle_verdict(path: Path):
    oracle = oracle_schema()
    project = pmmlkit.schemas.xml_schema()
    document = parse(path)
    disagreements = []
    rejected = 0
    total = 0
    for mutation in mutations(document):
        tree = mutated(document, mutation)
        expected = oracle.validate(tree)
        total += 1
        rejected += not expected
        if project.validate(tree) != expected:
            disagreements.append(f"{' / '.join(mutation.key)}: oracle says {'valid' if expected else 'invalid'}")
    # The mutations must exercise the schema: most of them break the document.
    assert total > 0 and rejected > total / 2, (total, rejected)
    assert disagreements == [], f"{len(disagreements)} of {total} mutations disagree:\n" + "\n".join(disagreements[:30])
