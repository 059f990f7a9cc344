"""Forests of binary threshold trees take the one-comparison walk (pmmlkit/scoring/native/binary.py),
which gives the general walk's doubles bit for bit: over every missingValueStrategy and
noTrueChildStrategy, each comparison operator, second children that are the complement or <True/>,
values on the thresholds and missing values in each field."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from lxml import etree

from pmmlkit.scoring.native import binary as B
from pmmlkit.scoring.native.trees import TreeBuilder

_NS = "http://www.dmg.org/PMML-4_4"
_COMPLEMENT = {"lessOrEqual": "greaterThan", "lessThan": "greaterOrEqual", "greaterThan": "lessOrEqual",
               "greaterOrEqual": "lessThan"}


def _split(field: str, operator: str, value: float, second: str, scores: tuple[str, str],
           inner: tuple[str, str] = ("", "")) -> str:
    other = "<True/>" if second == "true" else \
        f'<SimplePredicate field="{field}" operator="{_COMPLEMENT[operator]}" value="{value}"/>'
    return (f'<Node id="{scores[0]}" score="{scores[0]}"><SimplePredicate field="{field}" operator="{operator}" '
            f'value="{value}"/>{inner[0]}</Node><Node id="{scores[1]}" score="{scores[1]}">{other}{inner[1]}</Node>')


def _tree(strategy: str, no_true: str, operator: str, second: str, labels: tuple[str, ...]) -> etree._Element:
    a, b, c, d, e, f = labels
    inner = (_split("x1", operator, 0.5, second, (c, d)), _split("x2", operator, -0.25, second, (e, f)))
    # The root's default child is its second child; the first split's default child is its second.
    body = _split("x0", operator, 0.0, second, (a, b), inner).replace(f'<Node id="{a}" score="{a}">',
                                                                         f'<Node id="{a}" score="{a}" defaultChild="{d}">')
    text = (f'<TreeModel xmlns="{_NS}" functionName="{{function}}" missingValueStrategy="{strategy}" '
            f'noTrueChildStrategy="{no_true}"><MiningSchema/><Node score="{labels[0]}" defaultChild="{b}"><True/>'
            f"{body}</Node></TreeModel>")
    return text


STRATEGIES = ["none", "lastPrediction", "nullPrediction", "defaultChild"]
NO_TRUE = ["returnNullPrediction", "returnLastPrediction"]
OPERATORS = list(_COMPLEMENT)
CASES = list(itertools.product(STRATEGIES, NO_TRUE, OPERATORS, ["complement", "true"]))


def _rows() -> np.ndarray:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 3))
    X[::7, 0], X[1::7, 1], X[2::7, 2] = 0.0, 0.5, -0.25  # on the thresholds, and the doubles either side
    X[3::7, 0], X[4::7, 1], X[5::7, 2] = np.nextafter(0.0, -1), np.nextafter(0.5, 1), np.nextafter(-0.25, -1)
    X[6::14, 0], X[13::14, 1] = -0.0, np.nextafter(0.5, -1)
    X[rng.random(X.shape) < 0.15] = np.nan
    return X


def _forest(strategy: str, no_true: str, operator: str, second: str, classification: bool):
    function = "classification" if classification else "regression"
    builder = TreeBuilder(lambda name: True, [], classification)
    for k, labels in enumerate([("1", "2", "3", "4", "5", "6"), ("7", "8", "9", "10", "11", "12")]):
        if classification:
            labels = tuple("pq"[(int(v) + k) % 2] + v for v in labels)
        text = _tree(strategy, no_true, operator, second, labels).replace("{function}", function)
        builder.add(etree.fromstring(text))
    flat = builder.finish()
    assert flat.fields == ["x0", "x1", "x2"]  # (the columns of _rows)
    return flat


@pytest.mark.parametrize("strategy, no_true, operator, second", CASES)
def test_binary_walk_gives_the_general_walk_doubles(strategy, no_true, operator, second):
    X = _rows()
    weights = np.array([0.75, 1.5])
    for classification in (False, True):
        flat = _forest(strategy, no_true, operator, second, classification)
        assert flat.binary is not None
        general = dataclasses.replace(flat, binary=None)
        if classification:
            for vote in (False, True):
                fast, slow = flat.classes(X, weights, vote), general.classes(X, weights, vote)
                assert fast.tobytes() == slow.tobytes(), (strategy, no_true, operator, second, vote)
        else:
            for average in (False, True):
                fast, slow = flat.values(X, weights, average), general.values(X, weights, average)
                assert fast.tobytes() == slow.tobytes(), (strategy, no_true, operator, second, average)
                assert np.isfinite(fast).any()
        parallel = flat.values(X, weights, False, True) if not classification else flat.classes(X, weights, False, True)
        serial = flat.values(X, weights, False) if not classification else flat.classes(X, weights, False)
        assert parallel.tobytes() == serial.tobytes()


@pytest.mark.parametrize("strategy, no_true, operator, second", CASES)
def test_one_record_walk_gives_the_batch_doubles(strategy, no_true, operator, second):
    """binary.record_values / record_classes (trees side by side, leaves stepping to themselves; the
    missing-value actions tree by tree) give each row's doubles of the batch kernels."""
    X = _rows()
    assert np.isnan(X).any(axis=1).mean() > 0.2 and (~np.isnan(X).any(axis=1)).sum() > 100  # both walks
    weights = np.array([0.75, 1.5])
    for classification in (False, True):
        flat = _forest(strategy, no_true, operator, second, classification)
        assert flat.levels.tolist() == [2, 2]  # (two steps from the root to each leaf)
        arrays = (*flat.binary, flat.levels)
        for flag in (False, True):
            if classification:
                batch = flat.classes(X, weights, flag)
                records = np.array([B.record_classes(x, *arrays, flat.node_probs, flat.node_label, weights, flag)
                                    for x in X])
            else:
                batch = flat.values(X, weights, flag)
                records = np.array([B.record_values(x, *arrays, flat.node_value, weights, flag) for x in X])
            assert records.tobytes() == batch.tobytes(), (strategy, no_true, operator, second, classification, flag)


def test_trees_of_many_depths_walk_side_by_side():
    """More trees than binary.GROUP, of depths 0 and 2: each record finds each tree's leaf as the batch does."""
    builder = TreeBuilder(lambda name: True, [], False)
    texts = [_tree("none", "returnNullPrediction", "lessOrEqual", "complement", tuple(str(k * 6 + j) for j in range(6)))
             .replace("{function}", "regression") for k in range(B.GROUP + 5)]
    for k, text in enumerate(texts):
        if k % 3 == 1:  # a single leaf
            text = text[:text.index("<True/>") + len("<True/>")] + "</Node></TreeModel>"
        builder.add(etree.fromstring(text))
    flat = builder.finish()
    assert sorted(set(flat.levels.tolist())) == [0, 2]
    X = _rows()
    weights = np.linspace(0.5, 2.0, len(texts))
    batch = flat.values(X, weights, False)
    records = [B.record_values(x, *flat.binary, flat.levels, flat.node_value, weights, False) for x in X]
    assert np.array(records).tobytes() == batch.tobytes()


@pytest.mark.parametrize("change", [
    ('operator="greaterThan" value="0.0"', 'operator="greaterThan" value="0.125"'),  # not the complement
    ('<True/><Node id="1"', '<SimplePredicate field="x1" operator="isMissing"/><Node id="1"'),  # root not True
    ('operator="greaterThan" value="0.5"', 'operator="equal" value="0.5"'),  # not a threshold pair
])
def test_other_trees_keep_the_general_walk(change):
    text = _tree("none", "returnNullPrediction", "lessOrEqual", "complement", ("1", "2", "3", "4", "5", "6"))
    text = text.replace("{function}", "regression")
    assert change[0] in text
    builder = TreeBuilder(lambda name: True, [], False)
    builder.add(etree.fromstring(text.replace(*change, 1)))
    assert builder.finish().binary is None
