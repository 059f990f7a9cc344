"""Meta-estimators and preprocessing extras refuse what PMML cannot reproduce, naming the fix."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from cases.data import diabetes, iris
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import GradientBoostingClassifier, StackingClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, SplineTransformer

import pmmlkit
from pmmlkit import ConversionError


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(X, y)


def test_stacking_on_a_decision_function_that_is_not_linear_is_refused():
    X, y, _ = iris()
    model = _fit(StackingClassifier([("gb", GradientBoostingClassifier(n_estimators=3))],
                                    stack_method="decision_function"), X, y)
    with pytest.raises(ConversionError, match=r"StackingClassifier: decision_function of "
                                              r"GradientBoostingClassifier at step 'gb' is not converted; use "
                                              r"stack_method='predict_proba'"):
        pmmlkit.convert(model, X)


def test_temperature_calibration_is_refused():
    X, y, _ = iris()
    model = _fit(CalibratedClassifierCV(LogisticRegression(), method="temperature", cv=2), X, y)
    with pytest.raises(ConversionError, match=r"CalibratedClassifierCV\(method='temperature'\) is not supported; "
                                              r"use method='sigmoid' or 'isotonic'"):
        pmmlkit.convert(model, X)


def test_target_inverse_without_a_pmml_function_is_refused():
    X, y, _ = diabetes()
    model = _fit(TransformedTargetRegressor(Ridge(), func=np.cbrt, inverse_func=lambda v: v ** 3,
                                            check_inverse=False), X, y)
    with pytest.raises(ConversionError, match=r"TransformedTargetRegressor\(inverse_func='<lambda>'\) is not "
                                              r"converted; use one of np\.exp, .*StandardScaler / MinMaxScaler"):
        pmmlkit.convert(model, X)


def test_sparse_splines_are_refused():
    X, y, _ = diabetes()
    model = _fit(make_pipeline(SplineTransformer(sparse_output=True), Ridge()), X, y)
    with pytest.raises(ConversionError, match=r"SplineTransformer\(sparse_output=True\) is not converted"):
        pmmlkit.convert(model, X)


def test_function_transformer_names_the_supported_functions():
    X, y, _ = iris()
    model = _fit(make_pipeline(FunctionTransformer(np.cbrt), LogisticRegression()), X, y)
    with pytest.raises(ConversionError, match=r"np\.sqrt.*np\.tanh"):
        pmmlkit.convert(model, X)


def test_calibrating_a_decision_function_that_is_not_linear_is_refused():
    X, y, _ = iris()
    model = _fit(CalibratedClassifierCV(GradientBoostingClassifier(n_estimators=3), cv=2), X, y)
    with pytest.raises(ConversionError, match=r"decision_function of GradientBoostingClassifier at step "
                                              r"'calibrated1' is not converted; calibrate a model without "
                                              r"decision_function \(it then reads predict_proba\)"):
        pmmlkit.convert(model, X)
