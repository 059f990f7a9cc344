"""pmmlkit's own validator accepts every document the meta-estimator, preprocessing-extra,
LightGBM and XGBoost converters write: no errors, and no warnings except the interoperability
notes (PMML 4.4 functions such as ``expm1``, and the Extensions that name the source method of
an output), which describe the document rather than a fault."""

from __future__ import annotations

import pytest
from cases import fit_quietly, lightgbm_cases, sklearn_ensembles, xgboost_cases

import pmmlkit

CASES = sklearn_ensembles.CASES + lightgbm_cases.CASES + xgboost_cases.CASES


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_document_passes_pmmlkit_validate(case):
    X, y, _ = case.data()
    estimator = fit_quietly(case.estimator(), X, y)
    report = pmmlkit.validate(pmmlkit.convert(estimator, X))
    assert report.ok, str(report)
    assert all(issue.code.startswith("interop") for issue in report.issues), str(report)
