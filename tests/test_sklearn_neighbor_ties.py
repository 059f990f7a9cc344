"""k nearest neighbours on data with exact distance ties (points on a grid): rows whose
last neighbour places go to one of several equidistant training rows with different targets get
no prediction, on both engines; every other row scores what scikit-learn scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from harness import EVALUATORS, assert_scores_match, score
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

import pmmlkit
from pmmlkit.verify import reference_outputs

MODELS = {
    "classifier-uniform": lambda: KNeighborsClassifier(n_neighbors=5),
    "classifier-distance": lambda: KNeighborsClassifier(n_neighbors=6, weights="distance"),
    "regressor-uniform": lambda: KNeighborsRegressor(n_neighbors=4),
}


def _undecided(X: np.ndarray, y: np.ndarray, rows: np.ndarray, k: int, by_distance: bool) -> np.ndarray:
    """Rows where more training rows lie within the k-th distance than there are places and the
    ones at exactly that distance have different targets (computed independently of the PMML);
    with inverse-distance weights, a training row at distance 0 decides alone."""
    flags = []
    for row in rows:
        distances = ((X - row) ** 2).sum(axis=1)
        kth = np.sort(distances)[k - 1]
        crowded = (distances <= kth).sum() > k
        exact = by_distance and distances.min() == 0 and kth > 0
        flags.append(bool(crowded and len(set(y[distances == kth])) > 1 and not exact))
    return np.array(flags)


def _grid() -> tuple[pd.DataFrame, np.ndarray, np.ndarray, pd.DataFrame]:
    """Training rows on an integer grid (duplicates included) with random classes and targets,
    scored on the grid and half way between its points: distances are exact, ties everywhere."""
    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.integers(0, 5, (60, 2)).astype(np.float64), columns=["a", "b"])
    points = np.arange(-0.5, 5.0, 0.5)
    rows = pd.DataFrame([(u, v) for u in points for v in points], columns=["a", "b"])
    return X, rng.integers(0, 3, 60), rng.integers(0, 4, 60).astype(np.float64), rows


@pytest.mark.parametrize("evaluator", EVALUATORS)
@pytest.mark.parametrize("name", list(MODELS))
def test_ambiguous_ties_give_no_prediction(name, evaluator, tmp_path):
    X, classes, values, rows = _grid()
    y = classes if name.startswith("classifier") else values
    model = MODELS[name]().fit(X, y)
    document = pmmlkit.convert(model, X)
    path = document.save(tmp_path / "knn.pmml")
    undecided = _undecided(X.to_numpy(), y, rows.to_numpy(), model.n_neighbors, model.weights == "distance")
    assert 0 < undecided.sum() < len(rows)
    actual = score(evaluator, path, rows)
    assert actual[~undecided].notna().all().all()
    assert actual[undecided].isna().all().all()
    expected = reference_outputs(model, rows, document.output_fields())
    assert_scores_match(expected[~undecided], actual[~undecided], f"{name} on {evaluator}")
