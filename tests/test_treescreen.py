"""The tree screen (pmmlkit.validation.treescreen) never hides an issue: on a forest and on mutations
of it that break tree rules (or only look like they might), validate reports exactly the same issues,
lines and order with the screen as with the Node-by-Node walk alone; and it does answer "clean" for
the forests pmmlkit writes, so the fast path is what runs."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from lxml import etree

import pmmlkit
from pmmlkit.validate import validate
from pmmlkit.validation import treescreen

NS = "{http://www.dmg.org/PMML-4_4}"


@pytest.fixture(scope="module")
def forest() -> bytes:
    from sklearn.ensemble import RandomForestClassifier

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 4)), columns=[f"x{i}" for i in range(4)])
    y = (X.x0 + X.x1 * X.x2 > 0).astype(int)
    model = RandomForestClassifier(n_estimators=4, max_depth=5, random_state=0).fit(X, y)
    root = pmmlkit.convert(model, X).root
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")


def _all(root: etree._Element, tag: str) -> list[etree._Element]:
    return list(root.iter(NS + tag))


def _set(tag: str, attribute: str, value: str, nth: int = 7) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        found = [e for e in _all(root, tag) if e.get(attribute) is not None]
        found[nth % len(found)].set(attribute, value)
    return mutate


def _flip_operator(root: etree._Element) -> None:  # x <= v under x > v: a contradiction, or not
    for sp in _all(root, "SimplePredicate")[3::5]:
        sp.set("operator", {"lessOrEqual": "greaterThan", "greaterThan": "lessOrEqual"}[sp.get("operator")])


def _ancestor_value(root: etree._Element) -> None:  # every predicate takes its parent's threshold
    for sp in _all(root, "SimplePredicate"):
        parent = sp.getparent().getparent()
        above = parent.find(NS + "SimplePredicate") if parent is not None else None
        if above is not None and above.get("field") == sp.get("field"):
            sp.set("value", above.get("value"))
            sp.set("operator", "greaterThan" if above.get("operator") == "lessOrEqual" else "lessOrEqual")


def _true_first(root: etree._Element) -> None:  # the "else" Node before its sibling: unreachable
    node = next(n for n in _all(root, "Node") if len(n.findall(NS + "Node")) == 2)
    node.insert(1, node.findall(NS + "Node")[1])


def _no_else(root: etree._Element) -> None:  # the "else" branch gets a predicate: records may fall through
    true = next(t for t in _all(root, "True") if t.getparent().getparent().tag == NS + "Node")
    true.getparent().replace(true, etree.fromstring(f'<SimplePredicate xmlns="{NS[1:-1]}" field="x1" '
                                                    'operator="greaterThan" value="0.5"/>'))


def _two_predicates(root: etree._Element) -> None:
    _all(root, "Node")[5].append(etree.fromstring(f'<True xmlns="{NS[1:-1]}"/>'))


def _extension(root: etree._Element) -> None:
    _all(root, "Node")[4].append(etree.fromstring(f'<Extension xmlns="{NS[1:-1]}" name="a" value="b"/>'))


def _comment(root: etree._Element) -> None:
    _all(root, "Node")[4].append(etree.Comment("a note"))


def _drop_class(root: etree._Element) -> None:  # Node scores "1" no class of the target any more
    value = next(v for v in _all(root, "Value") if v.get("value") == "1")
    value.getparent().remove(value)


def _string_field(root: etree._Element) -> None:  # predicates order a field declared as text
    field = next(f for f in _all(root, "DataField") if f.get("name") == "x1")
    field.set("dataType", "string")
    field.set("optype", "categorical")


def _unlisted_field(root: etree._Element) -> None:  # one tree's predicates use a field its MiningSchema lacks
    tree = _all(root, "TreeModel")[1]
    for item in tree.find(NS + "MiningSchema"):
        if item.get("name") == "x1":
            item.getparent().remove(item)


MUTATIONS: dict[str, Callable[[etree._Element], None]] = {
    "unchanged": lambda root: None,
    "flipped operators": _flip_operator,
    "ancestor thresholds": _ancestor_value,
    "True node first": _true_first,
    "no else branch": _no_else,
    "two predicates": _two_predicates,
    "extension": _extension,
    "comment": _comment,
    "undefined field": _set("SimplePredicate", "field", "nope"),
    "target as predictor": _set("SimplePredicate", "field", "y"),
    "class missing from the target": _drop_class,
    "field declared as text": _string_field,
    "field missing from a MiningSchema": _unlisted_field,
    "regression trees": lambda root: [t.set("functionName", "regression") for t in _all(root, "TreeModel")],
    "threshold not a number": _set("SimplePredicate", "value", "abc"),
    "threshold dangling exponent": _set("SimplePredicate", "value", "1e"),
    "threshold infinite": _set("SimplePredicate", "value", "INF"),
    "threshold with underscore": _set("SimplePredicate", "value", "1_0"),
    "equal operator": _set("SimplePredicate", "operator", "equal"),
    "probability off": _set("ScoreDistribution", "probability", "0.5"),
    "probability barely over": _set("ScoreDistribution", "probability", "1.0000001"),
    "probability negative zero": _set("ScoreDistribution", "probability", "-0"),
    "probability not a number": _set("ScoreDistribution", "probability", "x"),
    "probability missing": lambda root: _all(root, "ScoreDistribution")[3].attrib.pop("probability"),
    "record count NaN": _set("Node", "recordCount", "NaN"),
    "record count with underscore": _set("Node", "recordCount", "1_0"),
    "score unknown class": _set("Node", "score", "7"),
    "score numerically a class": _set("Node", "score", "1.0"),
    "distribution unknown class": _set("ScoreDistribution", "value", "7"),
    "escaped character": _set("Node", "score", "a&b"),
    "default child": lambda root: [t.set("missingValueStrategy", "defaultChild") for t in _all(root, "TreeModel")],
    "regression tree scoring a word": lambda root: ([t.set("functionName", "regression") for t in _all(root, "TreeModel")],
                                                    _set("Node", "score", "abc")(root)),
}


# The three ways validate can check a tree, each with what it answered: the Node-by-Node walk
# alone; the screen, walking only where it says "maybe"; stand-ins (what validate does on a
# stream), where the parser never sees the trees the screen and the schema proof pass.
_CLEAN, _STANDS_IN = treescreen.clean, treescreen.stands_in
# What only the walk of a tree's Nodes reports (other rules look at the model around the tree).
_TREE_WALK_CODES = {"unreachable-node", "undefined-field", "unknown-class", "predicate-type", "not-in-mining-schema",
                    "probability-sum", "non-finite", "lost-records", "tree-score"}


def _report(document: bytes, mode: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list[tuple], list[tuple]]:
    answers: list[tuple] = []

    def clean(*args: object, **options: object) -> bool:
        answers.append(("screen", len(args) > 3 and args[3] is not None, _CLEAN(*args, **options)))  # type: ignore[arg-type]
        return answers[-1][2]

    def stands_in(screened: treescreen.Screened) -> bool:
        answers.append(("stand-in", True, _STANDS_IN(screened)))
        return answers[-1][2]

    monkeypatch.setattr(treescreen, "clean", clean if mode != "walk" else lambda *args, **options: False)
    monkeypatch.setattr(treescreen, "stands_in", stands_in if mode == "stand-in" else lambda screened: False)
    issues = [(i.severity, i.code, i.message, i.line) for i in validate(document).issues]
    return issues, answers


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_screen_reports_what_the_walk_reports(name: str, forest: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    root = etree.fromstring(forest)
    MUTATIONS[name](root)
    document = etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")
    walked, _ = _report(document, "walk", monkeypatch)
    screened, screen_answers = _report(document, "screen", monkeypatch)
    stood_in, stand_in_answers = _report(document, "stand-in", monkeypatch)
    assert screened == walked
    assert stood_in == walked
    if name == "unchanged":
        assert walked == [] and screen_answers and all(answer for _, _, answer in screen_answers)
        assert [kind for kind, _, answer in stand_in_answers if answer] == ["stand-in"] * 4  # every tree
    elif any(i[0] == "error" and i[1] in _TREE_WALK_CODES for i in walked):
        assert not (screen_answers and all(answer for _, _, answer in screen_answers))  # the faulty tree was walked


# -- the screen reads each tree's bytes as the document has them (pmmlkit.validation.rawtrees) ----------
# Documents whose bytes could mislead a cutter: for each, the report is the walk's, whatever the
# size of the chunks the document is read in (boundaries inside tags and names).

def _text(edit: Callable[[str], str]) -> Callable[[bytes], bytes]:
    return lambda document: edit(document.decode()).encode()


def _first_tree(edit: Callable[[str], str]) -> Callable[[bytes], bytes]:
    """Apply ``edit`` to the text of the first TreeModel only."""
    def apply(text: str) -> str:
        start, end = text.index("<TreeModel"), text.index("</TreeModel>") + len("</TreeModel>")
        return text[:start] + edit(text[start:end]) + text[end:]
    return _text(apply)


_SD = '<ScoreDistribution value="0" recordCount="1" probability="1"/>'
RAW_MUTATIONS: dict[str, Callable[[bytes], bytes]] = {
    "as written": lambda document: document,
    "compact": lambda document: etree.tostring(etree.fromstring(document, etree.XMLParser(remove_blank_text=True)),
                                               xml_declaration=True, encoding="UTF-8"),
    "CRLF line ends": lambda document: document.replace(b"\n", b"\r\n"),
    "tabs between attributes": _first_tree(lambda t: t.replace('" operator=', '"\toperator=', 1)),
    "single quotes": _first_tree(lambda t: t.replace('score="1"', "score='1'", 1)),
    "comment holding an end tag": _text(lambda t: t.replace("<Segment ", "<!-- </TreeModel> --><Segment ", 1)),
    "CDATA in an extension": _first_tree(lambda t: t.replace("<MiningSchema>", '<Extension name="a"><![CDATA['
                                                             "</TreeModel><Node>]]></Extension><MiningSchema>", 1)),
    "processing instruction": _text(lambda t: t.replace("<Segment ", "<?tool </TreeModel>?><Segment ", 1)),
    "prefixed tree": _first_tree(lambda t: t.replace("<TreeModel", '<p:TreeModel xmlns:p="http://www.dmg.org/'
                                                     'PMML-4_4"', 1).replace("</TreeModel>", "</p:TreeModel>")),
    "empty tree before": _text(lambda t: t.replace("<Segment ", '<Segment id="0"><True/><TreeModel '
                                                   'functionName="classification"/></Segment><Segment ', 1)),
    "tree inside an extension": _first_tree(lambda t: t.replace("<MiningSchema>", '<Extension name="a"><TreeModel '
                                                                'functionName="classification"><Node><True/>'
                                                                f'{_SD}</Node></TreeModel></Extension><MiningSchema>',
                                                                1)),
    "Node in a foreign namespace first": _first_tree(lambda t: t.replace(
        "</MiningSchema>", '</MiningSchema><Node xmlns="urn:other"><True/></Node>', 1)),
    "root Node declaring the namespace": _first_tree(lambda t: re.sub(
        r"(</MiningSchema>\s*)<Node>", r'\1<Node xmlns="http://www.dmg.org/PMML-4_4">', t, count=1)),
    "second root Node": _first_tree(lambda t: t.replace("</TreeModel>", f'<Node score="7"><True/>{_SD}</Node>'
                                                        "</TreeModel>")),
    "verification after the tree": _first_tree(lambda t: t.replace("</TreeModel>", '<ModelVerification><Verification'
                                                                   'Fields><VerificationField field="x0"/></Verifica'
                                                                   'tionFields><InlineTable/></ModelVerification>'
                                                                   "</TreeModel>")),
    "space in the end tag": _text(lambda t: t.replace("</TreeModel>", "</TreeModel >")),
    # A TreeModel with an end tag and no children, then a fault in a tree the cutter must still match.
    "empty tree, then a fault": _text(lambda t: t.replace("<Header>", '<Header><Extension name="a"><TreeModel '
                                                          'functionName="regression"></TreeModel></Extension>', 1)
                                      .replace('score="1"', 'score="7"', 1)),
    "self-closed tree, then a fault": _text(lambda t: t.replace("<Header>", '<Header><Extension name="a"><TreeModel '
                                                                'functionName="regression"/></Extension>', 1)
                                            .replace('score="1"', 'score="7"', 1)),
    # A line end inside a value is a space to the parser: "x&#10;1" (a real line end) is another name.
    "line end in a value": _text(lambda t: t.replace('name="x1"', 'name="x&#10;1"')
                                 .replace('field="x1"', 'field="x\n1"')),
    "latin-1": lambda document: document.replace(b"encoding='UTF-8'", b"encoding='ISO-8859-1'")
    .replace(b'field="x1"', b'field="x\xe91"'),
}


@pytest.mark.parametrize("chunk", [1024 ** 2, 61])
@pytest.mark.parametrize("name", list(RAW_MUTATIONS))
def test_tree_bytes_never_change_a_report(name: str, chunk: int, forest: bytes,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from pmmlkit.validation import scan

    document = RAW_MUTATIONS[name](forest)
    assert (document != forest) == (name != "as written")
    monkeypatch.setattr(scan, "_CHUNK", chunk)
    walked, _ = _report(document, "walk", monkeypatch)
    screened, screen_answers = _report(document, "screen", monkeypatch)
    stood_in, stand_in_answers = _report(document, "stand-in", monkeypatch)
    assert screened == walked
    assert stood_in == walked
    if name in ("as written", "compact", "space in the end tag"):
        assert screen_answers and all(given for _, given, _ in screen_answers)  # cut out, not serialized again
        assert [answer for kind, _, answer in stand_in_answers if kind == "stand-in"] == [True] * 4


def test_stand_ins_never_change_a_report_on_schema_mutations(forest: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every systematic mutation of the forest (dropped, unknown or malformed attributes, bad
    enumeration values, unknown, dropped, duplicated or swapped elements; tests/schema_mutations.py):
    validate reports the same with stand-ins as with the walk alone (schema errors included)."""
    from schema_mutations import mutations

    tree = etree.ElementTree(etree.fromstring(forest))
    checked = stood_in_count = 0
    for mutation in mutations(tree):
        document = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
        walked, _ = _report(document, "walk", monkeypatch)
        stood_in, answers = _report(document, "stand-in", monkeypatch)
        assert stood_in == walked, mutation
        checked += 1
        stood_in_count += sum(1 for kind, _, answer in answers if kind == "stand-in" and answer)
    assert checked > 100 and stood_in_count > checked  # most mutations leave most trees to stand-ins
