"""The bulk tree writer (pmmlkit.builders.tree_text): numbers formatted as format_number does,
trees given as arrays or as Leaf/Split objects written alike, text that lxml itself would write
(escaping, indentation, deep trees), and damaged input refused."""

from __future__ import annotations

import re

import numpy as np
import pytest
from lxml import etree

from pmmlkit.builders.fields import Field, Target
from pmmlkit.builders.tree import Leaf, Split, TreeArrays, ensemble_model, margin_model, tree_model
from pmmlkit.builders.tree_text import MARKER, number_objects
from pmmlkit.document import PMMLDocument
from pmmlkit.errors import ConversionError, PMMLError
from pmmlkit.pmml import element, format_number

# Names and labels that need escaping in XML, and a '%' (the writer's templates use %-formatting).
X = Field("x & <y> \"q\" 100%")
CITY = Field("ville é", "categorical", "string")
CODE = Field("code", "categorical", "integer")
LABELS = ("a&b", "<c>", 'say "%s"')


def _bytes(document: PMMLDocument) -> tuple[bytes, bytes]:
    """What the bulk writer writes, and what lxml writes once the trees are elements."""
    streamed = document.to_bytes()
    return streamed, etree.tostring(document.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _document(model: etree._Element) -> PMMLDocument:
    return PMMLDocument(element("PMML", model, version="4.4"))


def test_numbers_are_formatted_as_format_number():
    rng = np.random.default_rng(0)
    special = [0.0, -0.0, 1.0, -3.0, 1e15 - 1, 1e15, -1e15, 1e15 + 2, 1e16, 1e22, 0.1, 1 / 3, 5e-324,
               2.2250738585072014e-308, 1e-5, 1e-4, 123456.789, np.nan, np.inf, -np.inf, 2.0**53,
               float(np.finfo(np.float32).max), np.finfo(np.float64).max, 0.5, -0.5, 999999999999999.9]
    values = np.concatenate([special, rng.normal(0, 1, 3000) * 10.0 ** rng.integers(-300, 300, 3000),
                             rng.integers(-10**6, 10**6, 500).astype(float), rng.random(500)])
    assert ["%s" % v for v in number_objects(values).tolist()] == [format_number(float(v)) for v in values]


def _random_tree(rng: np.random.Generator, depth: int, classes: int) -> Leaf | Split:
    if depth == 0 or rng.random() < 0.25:
        count = None if rng.random() < 0.3 else float(rng.integers(1, 50))
        if classes:
            p = rng.random(classes)
            return Leaf(probabilities=tuple(p / p.sum()), count=count)
        return Leaf(value=float(rng.normal() * 10.0 ** rng.integers(-3, 4)), count=count)
    missing = [None, True, False][int(rng.integers(3))]
    left, right = _random_tree(rng, depth - 1, classes), _random_tree(rng, depth - 1, classes)
    kind = rng.integers(3)
    count = None if rng.random() < 0.5 else float(rng.integers(1, 99)) / 4  # a split's recordCount, when given
    if kind == 0:
        return Split(X, left, right, threshold=float(rng.normal()), missing_left=missing, count=count)
    if kind == 1:
        return Split(CITY, left, right, categories=("paris", 'lyon "2"', "a&b"), missing_left=missing, count=count)
    return Split(CODE, left, right, categories=(1, 3), missing_left=missing, count=count)


@pytest.mark.parametrize("classes", [0, 3])
def test_node_objects_and_arrays_write_what_lxml_writes(classes: int):
    rng = np.random.default_rng(classes)
    target = Target("y", LABELS) if classes else Target("y")
    trees = [_random_tree(rng, 6, classes) for _ in range(4)]
    single, lxml_single = _bytes(_document(tree_model(trees[0], target)))
    assert single == lxml_single
    if classes:
        forest, lxml_forest = _bytes(_document(ensemble_model(trees, target, weights=[0.5, 1.0, 2.0, 1.5])))
    else:
        forest, lxml_forest = _bytes(_document(ensemble_model(trees, target, "sum", weights=[0.5, 1.0, 2.0, 0.1])))
    assert forest == lxml_forest
    assert forest.count(b"<TreeModel") == 4
    assert re.search(rb'<Node recordCount="[^"]*">', forest)  # a split's recordCount
    assert b'field="x &amp; &lt;y&gt; &quot;q&quot; 100%"' in forest
    assert b'<Array n="3" type="string">"paris" "lyon \\"2\\"" "a&amp;b"</Array>' in forest


def test_arrays_and_node_objects_give_the_same_document():
    x = Field("x")
    objects = Split(x, Leaf(value=1.5, count=3.0), Split(x, Leaf(value=-2.0, count=1.0), Leaf(value=0.25, count=2.0),
                                                          threshold=3.0, missing_left=True),
                    threshold=0.5, missing_left=False)
    arrays = TreeArrays(fields=[x], left=np.array([1, -1, 3, -1, -1]), right=np.array([2, -1, 4, -1, -1]),
                        feature=np.array([0, -1, 0, -1, -1]), threshold=np.array([0.5, 0, 3.0, 0, 0]),
                        value=np.array([0, 1.5, 0, -2.0, 0.25]), count=np.array([6, 3, 3, 1, 2.0]),
                        missing_left=np.array([False, False, True, False, False]))
    target = Target("y")
    from_objects = _document(margin_model([objects, objects], "m", [0.5, 2.0])).to_bytes()
    from_arrays = _document(margin_model([arrays, arrays], "m", [0.5, 2.0])).to_bytes()
    assert from_objects == from_arrays
    assert b'score="-4"' in from_arrays  # -2.0 * 2.0, folded into the leaf
    assert _document(tree_model(arrays, target)).to_bytes() == _document(tree_model(objects, target)).to_bytes()


def test_a_tree_deeper_than_the_recursion_limit():
    depth = 3000  # a chain: every split has a leaf on its left
    n = 2 * depth + 1
    left = np.full(n, -1)
    right = np.full(n, -1)
    splits = np.arange(0, n - 1, 2)
    left[splits] = splits + 1
    right[splits] = splits + 2
    tree = TreeArrays(fields=[Field("x")], left=left, right=right, feature=np.zeros(n, dtype=int),
                      threshold=np.arange(n, dtype=float), value=np.arange(n, dtype=float))
    streamed, written = _bytes(_document(tree_model(tree, Target("y"))))
    assert streamed == written
    assert streamed.count(b"</Node>") == n


@pytest.mark.parametrize("left, right, message", [
    ([1, -1, -1], [5, -1, -1], "outside the tree"),
    ([1, 2, -1, -1], [3, 1, -1, -1], "cycle or share a node"),
    ([1, 3, 3, -1], [2, 3, 3, -1], "cycle or share a node"),
])
def test_corrupt_child_links_are_refused(left, right, message):
    n = len(left)
    tree = TreeArrays(fields=[Field("x")], left=np.array(left), right=np.array(right), feature=np.zeros(n, dtype=int),
                      threshold=np.zeros(n), value=np.zeros(n))
    with pytest.raises(ConversionError, match=message):
        tree_model(tree, Target("y"))


def test_a_damaged_tree_body_is_reported():
    document = _document(tree_model(Split(Field("x"), Leaf(value=1.0), Leaf(value=2.0), threshold=0.0), Target("y")))
    placeholder = document._root.xpath(f"//*[@{MARKER}]")[0]
    placeholder.text = placeholder.text[:-8]
    with pytest.raises(PMMLError, match="damaged"):
        document.to_bytes()
