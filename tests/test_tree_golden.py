"""Tree converters write the same bytes as before the bulk writer: small fitted trees and
ensembles are converted and compared with documents committed in tests/golden/trees/.

Set PMMLKIT_WRITE_GOLDEN=1 to rewrite the files (only when a change of output is intended and
explained)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from cases.data import diabetes, iris, iris_binary, iris_named, mixed, numeric_nan
from lxml import etree
from sklearn.ensemble import (
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import pmmlkit

GOLDEN = Path(__file__).resolve().parent / "golden" / "trees"
WRITE = os.environ.get("PMMLKIT_WRITE_GOLDEN") == "1"


def _numeric_nan_regression():
    return numeric_nan(classification=False)


def _mixed_regression():
    return mixed(classification=False)


def _categorical(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({"city": "category", "plan": "category"})


# name -> (estimator factory, data)
CASES: dict[str, tuple[Callable[[], Any], Callable[[], tuple]]] = {
    "decision-tree-classifier": (lambda: DecisionTreeClassifier(max_depth=4, random_state=0), iris_named),
    "decision-tree-classifier-nan": (lambda: DecisionTreeClassifier(max_depth=5, random_state=0), numeric_nan),
    "decision-tree-regressor-nan": (lambda: DecisionTreeRegressor(max_depth=5, random_state=0),
                                    _numeric_nan_regression),
    "decision-tree-pipeline": (lambda: make_pipeline(StandardScaler(), DecisionTreeRegressor(max_depth=3,
                                                                                            random_state=0)),
                               diabetes),
    "random-forest-classifier": (lambda: RandomForestClassifier(n_estimators=3, max_depth=4, random_state=0), iris),
    "random-forest-regressor-nan": (lambda: RandomForestRegressor(n_estimators=3, max_depth=4, random_state=0),
                                    _numeric_nan_regression),
    "extra-trees-regressor": (lambda: ExtraTreesRegressor(n_estimators=3, max_depth=4, random_state=0), diabetes),
    "gradient-boosting-classifier": (lambda: GradientBoostingClassifier(n_estimators=3, max_depth=2,
                                                                        random_state=0), iris),
    "gradient-boosting-classifier-binary": (lambda: GradientBoostingClassifier(
        n_estimators=3, max_depth=2, loss="exponential", random_state=0), iris_binary),
    "gradient-boosting-regressor": (lambda: GradientBoostingRegressor(n_estimators=3, max_depth=3, random_state=0),
                                    diabetes),
    "hist-gradient-boosting-classifier": (lambda: HistGradientBoostingClassifier(
        max_iter=3, max_depth=3, categorical_features="from_dtype", random_state=0),
        lambda: (lambda X, y, _: (_categorical(X), y, None))(*mixed())),
    "hist-gradient-boosting-classifier-multiclass": (lambda: HistGradientBoostingClassifier(
        max_iter=3, max_depth=3, random_state=0), iris_named),
    "hist-gradient-boosting-regressor": (lambda: HistGradientBoostingRegressor(
        max_iter=3, max_depth=3, categorical_features="from_dtype", random_state=0),
        lambda: (lambda X, y, _: (_categorical(X), y, None))(*_mixed_regression())),
    "hist-gradient-boosting-regressor-poisson": (lambda: HistGradientBoostingRegressor(
        max_iter=3, max_depth=3, loss="poisson", random_state=0),
        lambda: (lambda X, y, _: (X, np.abs(y), None))(*diabetes())),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_tree_documents_are_byte_identical(name: str) -> None:
    factory, data = CASES[name]
    X, y, _ = data()
    estimator = factory().fit(X, y)
    document = pmmlkit.convert(estimator, X.head(5))
    # The Application's version changes with releases, not with the trees.
    produced = document.to_bytes().replace(f'name="pmmlkit" version="{pmmlkit.__version__}"'.encode(),
                                           b'name="pmmlkit" version="VERSION"')
    path = GOLDEN / f"{name}.pmml"
    if WRITE:
        path.write_bytes(produced)
    assert produced == path.read_bytes()


@pytest.mark.parametrize("name", ["decision-tree-classifier-nan", "hist-gradient-boosting-classifier",
                                  "gradient-boosting-classifier"])
def test_expanded_document_writes_the_same_bytes(name: str) -> None:
    """Asking for the DOM turns the trees into elements; lxml then writes what the bulk writer wrote."""
    factory, data = CASES[name]
    X, y, _ = data()
    document = pmmlkit.convert(factory().fit(X, y), X.head(5))
    streamed = document.to_bytes()
    assert document.root.xpath("//*[@pmmlkitTreeBody]") == []
    assert etree.tostring(document.root, xml_declaration=True, encoding="UTF-8", pretty_print=True) == streamed
    assert document.to_bytes() == streamed
