"""The PMML pmmlkit writes stays byte for byte what it was, for a sample of the fidelity table.

tests/golden/ holds the documents (see tests/golden/generate.py); a change here is a change of
output, to be made on purpose. The models are read from their stored fitted state, never
refitted (golden_cases.py says why): these tests check pmmlkit, not the processor, and they
prove it by failing on any call to ``fit`` while they run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import fitted_state
import numpy as np
import pytest
from golden_cases import GOLDEN, render, sample, state_path
from sklearn.utils import all_estimators
from spark_support import SPARK_GROUP

import pmmlkit

_FIT_METHODS = ("fit", "fit_transform", "fit_predict", "partial_fit")


def _params():
    for framework, case in sample():
        marks = [pytest.mark.xdist_group(SPARK_GROUP)] if framework == "spark" else []
        yield pytest.param(framework, case, id=f"{framework}-{case.id}", marks=marks)


def _refuse_fitting(*args: object, **kwargs: object) -> None:
    raise AssertionError("a golden test fitted a model: its numbers would depend on the processor")


@pytest.fixture
def no_fitting(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every scikit-learn estimator's fit (and Spark's Estimator.fit) fails while a test runs."""
    for _, cls in all_estimators():
        for method in _FIT_METHODS:
            if method in vars(cls):
                monkeypatch.setattr(cls, method, _refuse_fitting)
    try:
        from pyspark.ml.base import Estimator
    except ImportError:  # pyspark is an optional extra
        pass
    else:
        monkeypatch.setattr(Estimator, "fit", _refuse_fitting)
    yield


@pytest.mark.parametrize("framework,case", list(_params()))
def test_pmml_is_unchanged(framework, case, no_fitting):
    if framework == "spark":
        pytest.importorskip("pyspark")
    expected = (GOLDEN / f"{framework}-{case.id}.pmml").read_bytes()
    assert render(framework, case) == expected, (
        f"the PMML of {framework} case {case.id} changed; if on purpose, run tests/golden/generate.py and say why")


def test_fitting_is_refused_while_golden_tests_run(no_fitting):
    """The guard works: a fit in a golden test fails it."""
    from sklearn.linear_model import LinearRegression

    with pytest.raises(AssertionError, match="fitted a model"):
        LinearRegression().fit(np.eye(2), np.ones(2))


def test_the_document_follows_the_stored_numbers_alone(no_fitting, tmp_path: Path):
    """Nudging a stored coefficient by one ulp (what another processor's refit does) changes
    that one number in the document; everything else, and the golden file, stay as they are."""
    case = next(case for framework, case in sample() if case.id == "linear-regression")
    model = fitted_state.load(state_path("sklearn", case.id))
    X, _, _ = case.data()
    golden = (GOLDEN / "sklearn-linear-regression.pmml").read_bytes()
    assert pmmlkit.convert(model, X).to_bytes() == golden
    first = float(model.coef_[0])
    model.coef_[0] = np.nextafter(first, np.inf)
    nudged = pmmlkit.convert(model, X).to_bytes()
    assert nudged != golden
    assert nudged.replace(repr(float(model.coef_[0])).encode(), repr(first).encode()) == golden
    assert render("sklearn", case) == golden  # the stored state is what the test reads


def test_stored_state_round_trips(tmp_path: Path):
    """What fitted_state stores comes back bit for bit (floats, NaN, float32, structured arrays)."""
    nodes = np.zeros(2, dtype=[("left", "<i8"), ("threshold", "<f8"), ("flag", "u1")])
    nodes["threshold"] = [0.1, np.nan]
    value = {"a": np.array([0.1 + 0.2, -0.0, np.inf, 5e-324]), "b": np.float32(1 / 3), "c": nodes,
             ("t", 1): [np.array(["x", None], dtype=object), (1, 2.5)], "d": np.dtype("float32")}
    path = tmp_path / "state.json"
    fitted_state.dump(value, path)
    back = fitted_state.load(path)
    assert back["a"].tobytes() == value["a"].tobytes()
    assert back["b"] == value["b"] and back["b"].dtype == np.float32
    assert back["c"].tobytes() == nodes.tobytes() and back["c"].dtype == nodes.dtype
    assert back[("t", 1)][0].tolist() == ["x", None] and back[("t", 1)][1] == (1, 2.5)
    assert back["d"] == np.float32
