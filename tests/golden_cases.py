"""The golden documents of tests/test_golden.py and tests/test_tree_golden.py, and how each is made.

A golden document pins the bytes pmmlkit writes for a fitted model. The model is never refitted
here: a refit is not reproducible to the last digit across processors (BLAS kernels, SIMD sums),
so each model's fitted state was stored once as JSON (tests/golden/state/, see fitted_state.py)
and the documents are converted from it. tests/golden/generate.py writes the documents through
these same functions; only ``generate.py --refit`` fits (and then the numbers change on purpose).
Spark models are stored with Spark ML's own persistence (a folder per model), for the same reason.
"""

from __future__ import annotations

import importlib
import json
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import fitted_state
import numpy as np
import pandas as pd
from cases import Case, all_cases
from cases.data import diabetes, iris, iris_binary, iris_named, mixed, numeric_nan
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
from spark_support import spark_session

import pmmlkit

GOLDEN = Path(__file__).resolve().parent / "golden"
STATE = GOLDEN / "state"

# A sample across the converter modules (the fidelity table's cases).
SAMPLE = {
    "sklearn": ("linear-regression", "logistic-multinomial", "logistic-ovr", "sgd-hinge-multiclass",
                "linear-svc-binary", "robust-scaler-nan", "ordinal-encoder-codes", "kbins-onehot-uniform",
                "polynomial-degree-2", "function-log1p", "ct-impute-onehot-logistic", "ct-weights",
                "imputer-indicator", "onehot-drop-first", "tree-classifier-nan", "hist-classifier-categorical"),
    "spark": ("indexer-orders", "normalizers-l2-l1-inf", "sql-transformer", "bucketizer-keep", "interaction-nominal",
              "vector-slicer-names", "isotonic-scalar-ties"),
}


def sample() -> Iterator[tuple[str, Case]]:
    for framework, ids in SAMPLE.items():
        cases = {case.id: case for case in all_cases(framework)}
        for case_id in ids:
            yield framework, cases[case_id]


def state_path(framework: str, case_id: str) -> Path:
    """Where the fitted state of a case is stored (a JSON file; a folder for Spark)."""
    return STATE / (f"{framework}-{case_id}" if framework == "spark" else f"{framework}-{case_id}.json")


def fit(framework: str, case: Case) -> Any:
    """Fit ``case`` as the fidelity tests fit it: only ``generate.py --refit`` calls this."""
    X, y, _ = case.data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if framework == "spark":
            frame = _spark_frame(X)  # (starts the session the estimator is built in)
            return case.estimator().fit(frame)
        return case.estimator().fit(X, y)


def save(framework: str, case_id: str, model: Any) -> None:
    path = state_path(framework, case_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    if framework == "spark":
        model.write().overwrite().save(str(path))
    else:
        fitted_state.dump(model, path)


def fitted(framework: str, case_id: str) -> Any:
    """The stored fitted model of a case: no fit, so its numbers do not depend on the processor."""
    path = state_path(framework, case_id)
    if framework == "spark":  # Spark ML's metadata names the model's class (org.apache.spark.ml... = pyspark.ml...)
        metadata = json.loads(next((path / "metadata").glob("part-*")).read_text())
        module, _, name = metadata["class"].replace("org.apache.spark", "pyspark").rpartition(".")
        spark_session()  # a model is read through the session
        return getattr(importlib.import_module(module), name).load(str(path))
    return fitted_state.load(path)


def render(framework: str, case: Case) -> bytes:
    """The PMML bytes of ``case``'s stored model."""
    X, _, _ = case.data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = fitted(framework, case.id)
        return pmmlkit.convert(model, _spark_frame(X) if framework == "spark" else X).to_bytes()


def _spark_frame(X: pd.DataFrame) -> Any:
    from test_spark_fidelity import spark_frame  # (a test module: imports pyspark)

    return spark_frame(spark_session(), X)


# -- the tree converters (tests/test_tree_golden.py) ------------------------------------------

def _numeric_nan_regression() -> tuple:
    return numeric_nan(classification=False)


def _mixed_regression() -> tuple:
    return mixed(classification=False)


def _categorical(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({"city": "category", "plan": "category"})


# name -> (estimator factory, data)
TREE_CASES: dict[str, tuple[Callable[[], Any], Callable[[], tuple]]] = {
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


def tree_state_path(name: str) -> Path:
    return STATE / f"trees-{name}.json"


def fit_tree(name: str) -> Any:
    """Fit a tree case: only ``generate.py --refit`` calls this."""
    factory, data = TREE_CASES[name]
    X, y, _ = data()
    return factory().fit(X, y)


def tree_document(name: str) -> pmmlkit.PMMLDocument:
    """The document of a tree case's stored model (converted with the first five rows)."""
    _, data = TREE_CASES[name]
    X, _, _ = data()
    return pmmlkit.convert(fitted_state.load(tree_state_path(name)), X.head(5))


def render_tree(name: str) -> bytes:
    # The Application's version changes with releases, not with the trees.
    return tree_document(name).to_bytes().replace(f'name="pmmlkit" version="{pmmlkit.__version__}"'.encode(),
                                                  b'name="pmmlkit" version="VERSION"')
