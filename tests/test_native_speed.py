"""The native engine's fast paths score what its plain paths score: the parallel tree kernels (rows
spread over threads) give the serial kernels' doubles, bit for bit; one record scores as a row of a
batch; trees whose nodes are not plain comparisons take the general predicate evaluation."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest
from cases import fit_quietly
from harness import assert_engines_agree
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import pmmlkit
from pmmlkit.scoring.native import engine as native_engine
from pmmlkit.scoring.native.engine import PARALLEL_ROWS


def _data(rows: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(rows, 5)), columns=[f"x{i}" for i in range(5)])
    y = (X["x0"] + X["x1"] * X["x2"] > 0).astype(int).to_numpy()
    return X, y


@pytest.mark.parametrize("kind", ["forest", "boosting"])
def test_parallel_kernels_give_the_serial_doubles(kind, tmp_path):
    X, y = _data(400)
    estimator = (RandomForestClassifier(n_estimators=15, max_depth=6, random_state=0) if kind == "forest"
                 else GradientBoostingRegressor(n_estimators=20, max_depth=3, random_state=0)).fit(X, y)
    path = pmmlkit.convert(estimator, X, target="y").save(tmp_path / "model.pmml")
    rows, _ = _data(2 * PARALLEL_ROWS + 7, seed=1)
    rows = rows.mask(np.random.default_rng(2).random(rows.shape) < 0.05)  # missing values walk other branches
    serial = pmmlkit.load(path, engine="native", threads=1, cache=False).predict(rows)
    parallel = pmmlkit.load(path, engine="native", threads=2, cache=False).predict(rows)
    pd.testing.assert_frame_equal(serial, parallel, check_exact=True)


_CHUNKED_MODELS = {
    "forest-classifier": lambda: RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0),
    "scaled-logistic": lambda: make_pipeline(StandardScaler(), LogisticRegression()),
    "one-hot-logistic": lambda: make_pipeline(ColumnTransformer([("num", StandardScaler(), ["x0", "x1"]),
                                                                 ("cat", OneHotEncoder(handle_unknown="ignore"),
                                                                  ["c"])]), LogisticRegression()),
}


@pytest.mark.parametrize("name", _CHUNKED_MODELS)
def test_a_batch_scored_in_chunks_gives_what_it_gives_whole(name, tmp_path, monkeypatch):
    """A batch of more than CHUNK_ROWS rows is scored chunk by chunk: each row the same values,
    labels and dtypes as in one pass (a chunk of 7 rows here; the last one short)."""
    X, y = _data(300)
    if name.startswith("one-hot"):
        X = X.assign(c=np.where(X["x3"] > 0, "p", "q"))
    model = fit_quietly(_CHUNKED_MODELS[name](), X, y)
    path = pmmlkit.convert(model, X, target="y").save(tmp_path / "model.pmml")
    rows = X.head(45).mask(np.random.default_rng(3).random((45, X.shape[1])) < 0.1)
    if "c" in rows:
        rows.loc[5, "c"] = "unseen"
    whole = pmmlkit.load(path, engine="native", cache=False).predict(rows)
    monkeypatch.setattr(native_engine, "CHUNK_ROWS", 7)
    chunked = pmmlkit.load(path, engine="native", cache=False).predict(rows)
    pd.testing.assert_frame_equal(whole, chunked, check_exact=True)


def test_one_record_scores_as_a_row_of_a_batch(tmp_path):
    X, y = _data(300)
    estimator = RandomForestClassifier(n_estimators=10, max_depth=5, random_state=0).fit(X, y)
    model = pmmlkit.load(pmmlkit.convert(estimator, X, target="y").save(tmp_path / "m.pmml"), engine="native")
    rows = X.head(20).mask(np.eye(20, 5, dtype=bool))
    batch = model.predict(rows).to_dict("records")
    for record, expected in zip(rows.to_dict("records"), batch):
        got = model.predict(record)
        assert got.keys() == expected.keys()
        for key, value in expected.items():
            assert got[key] == (None if isinstance(value, float) and np.isnan(value) else value)


# Nodes that are not one plain comparison (compound, set, isMissing predicates): the walk hands them
# to the general predicate evaluation. Only missingValueStrategy="none" is compared: under the other
# strategies the engines disagree before and after the fast walk (PMML4S takes an unknown
# CompoundPredicate or a set predicate on a missing value as false, where PMML says unknown; it also
# scores an xor of false and true as false), which is the fidelity work's question, not this file's.
_TREE = textwrap.dedent("""<?xml version="1.0"?>
<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/>
<DataDictionary>
<DataField name="a" optype="continuous" dataType="double"/>
<DataField name="b" optype="continuous" dataType="double"/>
<DataField name="c" optype="categorical" dataType="string"><Value value="u"/><Value value="v"/><Value value="w"/></DataField>
<DataField name="y" optype="continuous" dataType="double"/>
</DataDictionary>
<TreeModel functionName="regression" missingValueStrategy="{strategy}" noTrueChildStrategy="returnLastPrediction">
<MiningSchema><MiningField name="y" usageType="target"/><MiningField name="a"/><MiningField name="b"/>
<MiningField name="c"/></MiningSchema>
<Output><OutputField name="score" optype="continuous" dataType="double" feature="predictedValue"/></Output>
<Node score="0" id="root" defaultChild="n2"><True/>
<Node score="1" id="n1" defaultChild="n12"><CompoundPredicate booleanOperator="and">
<SimplePredicate field="a" operator="lessThan" value="0"/><SimplePredicate field="b" operator="greaterOrEqual" value="1"/>
</CompoundPredicate>
<Node score="12" id="n12"><SimplePredicate field="c" operator="isMissing"/></Node>
<Node score="11"><SimpleSetPredicate field="c" booleanOperator="isIn"><Array type="string">u w</Array></SimpleSetPredicate></Node>
</Node>
<Node score="2" id="n2" defaultChild="n21"><CompoundPredicate booleanOperator="or">
<SimplePredicate field="a" operator="greaterThan" value="1"/><SimplePredicate field="b" operator="lessOrEqual" value="-1"/>
</CompoundPredicate>
<Node score="21" id="n21"><SimplePredicate field="c" operator="isNotMissing"/></Node>
<Node score="22"><CompoundPredicate booleanOperator="surrogate">
<SimplePredicate field="b" operator="notEqual" value="0.5"/><True/></CompoundPredicate></Node>
</Node>
<Node score="3"><CompoundPredicate booleanOperator="and">
<SimplePredicate field="a" operator="notEqual" value="0.5"/><SimplePredicate field="c" operator="equal" value="v"/>
</CompoundPredicate></Node>
</Node>
</TreeModel>
</PMML>
""")


def test_trees_beyond_plain_comparisons_agree_with_pmml4s():
    strategy = "none"
    values = [-2.0, -0.5, 0.5, 1.0, 1.5, 2.0, None]
    grid = [(a, b, c) for a in values for b in values for c in ("u", "v", "w", None)]
    frame = pd.DataFrame(grid, columns=["a", "b", "c"])
    document = _TREE.format(strategy=strategy).encode()
    reference = pmmlkit.load(document, engine="pmml4s", warm=False).predict(frame)
    native = pmmlkit.load(document, engine="native", warm=False).predict(frame)
    assert_engines_agree(reference, native, f"missingValueStrategy={strategy}")


def _score_in_child(model: pmmlkit.Model, rows: pd.DataFrame, queue) -> None:  # runs in the forked child
    queue.put(model.predict(rows))


def test_a_process_forked_after_parallel_scoring_scores_serially(tmp_path):
    """GNU OpenMP does not survive fork (numba terminates a forked child launching a parallel kernel
    after its parent did): the child takes the serial kernels and the same doubles."""
    import multiprocessing

    X, y = _data(300)
    estimator = RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0).fit(X, y)
    model = pmmlkit.load(pmmlkit.convert(estimator, X, target="y").save(tmp_path / "m.pmml"), engine="native",
                         threads=2, cache=False)
    rows, _ = _data(PARALLEL_ROWS + 1, seed=3)
    expected = model.predict(rows)  # parallel kernels run in this process
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_score_in_child, args=(model, rows, queue))
    child.start()
    got = queue.get(timeout=120)
    child.join(timeout=60)
    assert child.exitcode == 0
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
