"""Every scikit-learn case × every evaluator: the PMML scores what scikit-learn scores, at 1e-9."""

from __future__ import annotations

import pandas as pd
import pytest
from cases import all_cases, fit_quietly
from harness import EVALUATORS, check_model

# LightGBM and XGBoost models convert through front ends built on the scikit-learn one.
CASES = all_cases("sklearn") + all_cases("lightgbm") + all_cases("xgboost")


def _params():
    for case in CASES:
        for evaluator in EVALUATORS:
            marks = [pytest.mark.xfail(reason=case.xfail, strict=True)] if case.xfail else []
            if case.unavailable:
                marks.append(pytest.mark.skip(reason=case.unavailable))
            yield pytest.param(case, evaluator, id=f"{case.id}-{evaluator}", marks=marks)


@pytest.mark.parametrize("case,evaluator", list(_params()))
def test_scores_match_scikit_learn(case, evaluator, tmp_path):
    X, y, X_eval = case.data()
    estimator = fit_quietly(case.estimator(), X, y)
    if case.extra_rows is not None:
        X_eval = pd.concat([X_eval, case.extra_rows(estimator, X)], ignore_index=True)
    check_model(estimator, X, X_eval, evaluator, tmp_path, engine_tolerance=case.engine_tolerance)
