"""The sample of fidelity cases whose PMML is pinned byte for byte in tests/golden/."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

from cases import Case, all_cases

import pmmlkit

# A sample across the converter modules whose fits are deterministic (checked: two fits write the
# same bytes). Spark models fitted by iterative aggregation (GLMs, ...) are left to the fidelity table.
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


def render(framework: str, case: Case) -> bytes:
    """The PMML bytes of ``case``, fitted as the fidelity tests fit it."""
    X, y, _ = case.data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if framework == "spark":
            from spark_support import spark_session
            from test_spark_fidelity import spark_frame

            X = spark_frame(spark_session(), X)
            fitted: Any = case.estimator().fit(X)
        else:
            fitted = case.estimator().fit(X, y)
        return pmmlkit.convert(fitted, X).to_bytes()
