"""sklearn.multiclass: OneVsRestClassifier over LogisticRegression."""

from __future__ import annotations

from typing import Any

import numpy as np
from lxml import etree
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from pmmlkit.builders.fields import Field
from pmmlkit.builders.regression import linear_classifier
from pmmlkit.context import Context, Converter

from .fitted import array, attribute
from .linear_model import one_vs_rest


def converters() -> dict[type, Converter]:
    return {OneVsRestClassifier: convert_one_vs_rest}


def convert_one_vs_rest(classifier: Any, features: list[Field], context: Context) -> etree._Element:
    estimators = attribute(classifier, context, "estimators_")
    classes = attribute(classifier, context, "classes_")
    if getattr(classifier, "multilabel_", False):
        raise context.error("OneVsRestClassifier fitted on multilabel targets predicts several labels per row; "
                            "PMML models here predict one: fit it on a single label column")
    for estimator in estimators:
        if not isinstance(estimator, LogisticRegression):
            raise context.error(f"OneVsRestClassifier over {type(estimator).__name__} is not supported; "
                                "only OneVsRestClassifier(LogisticRegression()) is converted")
    coefficients = np.vstack([array(e, context, "coef_") for e in estimators])
    intercepts = np.concatenate([array(e, context, "intercept_").reshape(-1) for e in estimators])
    context.expect_features(features, coefficients.shape[1], classifier)
    target = context.classification_target(classes)
    if len(estimators) == 1:
        # Two classes: one estimator scores classes_[1]; scikit-learn returns [1 - p, p].
        return linear_classifier(features, coefficients, intercepts, target, "logit")
    return one_vs_rest(features, coefficients, intercepts, context)
