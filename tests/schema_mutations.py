"""Systematic mutations of a PMML document, for testing a schema against another one.

Each mutation changes one thing: drops an attribute, gives it a bad enumeration value or a malformed
number (or another value the schema enumerates), adds an unknown attribute or element, replaces an
element's text, drops or duplicates an element, or swaps two adjacent children. Many mutations break the schema (a dropped required attribute, a duplicated singleton, a
wrong child order); others don't (a dropped optional attribute, a repeated repeatable element):
the point is that two schemas meant to be the same give each mutation the same verdict.

To stay fast on large documents (a forest of thousands of Nodes), an element is mutated only when
its kind, the path of element names down to it plus its attribute names, has not been mutated yet.
Mutations are applied to the tree in place and undone once the consumer moves on: use each
yielded tree before asking for the next one.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

UNKNOWN = "Bogus"
# Replacement values for attributes: a misspelt enumeration value, then values that tell one
# type from another (non-integer, negative, zero, exponent form, out of a 0..1 or 0..100 range,
# infinite, beyond a 32-bit int, a boolean word, decimal comma, empty, not a number at all).
BAD_VALUES = ("continous", "1.5", "-1", "0", "1e-3", "150", "INF", "99999999999", "true", "1,5", "", "abc")


@dataclass(frozen=True)
class Mutation:
    """One changed document: ``tree`` is valid only until the next mutation is asked for."""

    name: str
    tree: etree._ElementTree


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _path(element: etree._Element) -> str:
    parts = []
    node: etree._Element | None = element
    while node is not None:
        parent = node.getparent()
        if parent is None:
            parts.append(_local(node))
        else:
            position = [c for c in parent if isinstance(c.tag, str)].index(node) + 1
            parts.append(f"{_local(node)}[{position}]")
        node = parent
    return "/" + "/".join(reversed(parts))


def _kind(element: etree._Element) -> tuple[str, ...]:
    names = []
    node: etree._Element | None = element
    while node is not None:
        names.append(_local(node))
        node = node.getparent()
    return (*reversed(names), "@", *sorted(str(a) for a in element.attrib))


def _inside_extension(element: etree._Element) -> bool:
    return any(_local(a) == "Extension" for a in element.iterancestors())


def _elements(tree: etree._ElementTree) -> list[etree._Element]:
    """The elements worth mutating: one of each kind, none inside an Extension (whose content no
    schema checks)."""
    seen: set[tuple[str, ...]] = set()
    chosen = []
    for element in tree.getroot().iter(etree.Element):
        if _inside_extension(element):
            continue
        kind = _kind(element)
        if kind not in seen:
            seen.add(kind)
            chosen.append(element)
    return chosen


def _new_element(parent: etree._Element, name: str) -> etree._Element:
    """An element called ``name`` in ``parent``'s namespace."""
    namespace = etree.QName(parent).namespace
    return etree.Element(f"{{{namespace}}}{name}" if namespace else name)


XS = "{http://www.w3.org/2001/XMLSchema}"


def enumerations(xsd: etree._ElementTree) -> dict[str, tuple[str, ...]]:
    """Attribute name -> every value a schema enumerates for an attribute of that name (across
    elements): the values a mutation tries, so that each one the schema accepts is checked."""
    named = {t.get("name"): tuple(e.get("value") for e in t.iter(f"{XS}enumeration"))
             for t in xsd.getroot().iterfind(f"{XS}simpleType")}
    values: dict[str, set[str]] = {}
    for attribute in xsd.getroot().iter(f"{XS}attribute"):
        own = tuple(e.get("value") for e in attribute.iter(f"{XS}enumeration"))
        found = own or named.get(attribute.get("type", "").split(":")[-1], ())
        if found:
            values.setdefault(attribute.get("name"), set()).update(found)
    return {name: tuple(sorted(found)) for name, found in values.items()}


def mutations(tree: etree._ElementTree, enumerated: dict[str, tuple[str, ...]] | None = None) -> Iterator[Mutation]:
    """Every mutation of ``tree``, one at a time, each undone before the next. ``enumerated`` adds,
    per attribute name, the enumeration values to try (see ``enumerations``)."""
    for element in _elements(tree):
        where = _path(element)
        yield from _attribute_mutations(tree, element, where, enumerated or {})
        yield from _element_mutations(tree, element, where)


def _attribute_mutations(tree: etree._ElementTree, element: etree._Element, where: str,
                         enumerated: dict[str, tuple[str, ...]]) -> Iterator[Mutation]:
    for name in list(element.attrib):
        original = element.get(name)
        del element.attrib[name]
        yield Mutation(f"drop-attribute {where}@{name}", tree)
        for value in BAD_VALUES:
            if value == original:
                continue
            element.set(name, value)
            yield Mutation(f"bad-value {where}@{name}={value!r}", tree)
        for value in enumerated.get(str(name), ()):
            if value == original or value in BAD_VALUES:
                continue
            element.set(name, value)
            yield Mutation(f"enumerated-value {where}@{name}={value!r}", tree)
        element.set(name, original)
    element.set("bogus", "1")
    yield Mutation(f"unknown-attribute {where}@bogus", tree)
    del element.attrib["bogus"]


def _element_mutations(tree: etree._ElementTree, element: etree._Element, where: str) -> Iterator[Mutation]:
    # An unknown element first and last among the children.
    for position in ("first", "last"):
        unknown = _new_element(element, UNKNOWN)
        if position == "first":
            element.insert(0, unknown)
        else:
            element.append(unknown)
        yield Mutation(f"unknown-element {where}/{UNKNOWN} ({position} child)", tree)
        element.remove(unknown)

    # Text that is no number where an element holds text (an index list, a sparse array's entries).
    if element.text and element.text.strip() and len(element) == 0:
        text = element.text
        element.text = "abc"
        yield Mutation(f"bad-text {where}", tree)
        element.text = text

    # An Extension at every position among the children: where the standard allows them.
    children = [c for c in element if isinstance(c.tag, str)]
    if children:
        for position in range(len(children) + 1):
            extension = _new_element(element, "Extension")
            if position < len(children):
                children[position].addprevious(extension)
            else:
                children[-1].addnext(extension)
            yield Mutation(f"extension-at {where} (before child {position + 1})", tree)
            element.remove(extension)

    parent = element.getparent()
    if parent is None:
        return
    index = parent.index(element)
    tail = element.tail

    # The element moved to every other position among its siblings.
    siblings = [c for c in parent if isinstance(c.tag, str)]
    own = siblings.index(element)
    for position in range(len(siblings)):
        if position in (own, own + 1) or siblings[position].tag == element.tag:
            continue
        siblings[position].addprevious(element)
        yield Mutation(f"move {where} before sibling {position + 1}", tree)
        parent.insert(index, element)
        element.tail = tail
    if siblings[-1] is not element and siblings[-1].tag != element.tag:
        siblings[-1].addnext(element)
        yield Mutation(f"move {where} to the end", tree)
        parent.insert(index, element)
        element.tail = tail

    parent.remove(element)
    yield Mutation(f"drop-element {where}", tree)
    parent.insert(index, element)
    element.tail = tail

    twin = copy.deepcopy(element)
    parent.insert(index + 1, twin)
    yield Mutation(f"duplicate-element {where}", tree)
    parent.remove(twin)

    following = element.getnext()
    while following is not None and not isinstance(following.tag, str):
        following = following.getnext()
    if following is not None and following.tag != element.tag:
        parent.remove(following)
        parent.insert(parent.index(element), following)
        yield Mutation(f"swap-children {where} with the next sibling <{_local(following)}>", tree)
        parent.remove(following)
        parent.insert(parent.index(element) + 1, following)


def verdict(schema: etree.XMLSchema, tree: etree._ElementTree) -> bool:
    return bool(schema.validate(tree))


def first_error(schema: etree.XMLSchema) -> str:
    errors = list(schema.error_log)
    return f"line {errors[0].line}: {errors[0].message}" if errors else "valid"
