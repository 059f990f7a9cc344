"""SVC, NuSVC, SVR, NuSVR and OneClassSVM (linear, poly, rbf and sigmoid kernels).

Everything follows libsvm's ``svm_predict``, read from scikit-learn's unflipped internal
``_dual_coef_`` and ``_intercept_``:

* regression: ``sum(coef_i K(x, v_i)) + intercept``;
* classification: one decision per pair of classes ``(i, j)``, a vote for ``i`` when it is > 0,
  else for ``j``; the predicted class is the first with most votes (``break_ties=False``);
* OneClassSVM: ``1`` when the decision is > 0, else ``-1``.

``decision_function`` is written as outputs: ``decision_function`` (two classes, OneClassSVM) or
``decision_function(<k>)``, one per pair (``decision_function_shape="ovo"``) or per class
(``"ovr"``: scikit-learn's votes plus bounded confidences); ``break_ties=True`` predicts the argmax
of the latter.

Classifiers get a label-only Output. ``SVC(probability=True)`` probabilities are not written:
libsvm's multiclass probabilities come from an iterative pairwise coupling that stops on a
convergence test, which PMML cannot state exactly, and even with two classes scikit-learn's
``predict`` (by the decision's sign) can disagree with the argmax of ``predict_proba`` (Platt
scaling fitted by cross-validation), which no PMML classifier can express. Use
``CalibratedClassifierCV`` or a model with exact probabilities where probabilities are needed.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from lxml import etree
from sklearn import svm

from pmmlkit.builders.expressions import apply, constant, if_else, ref
from pmmlkit.builders.fields import Field
from pmmlkit.builders.scores import argmax_index, field_regressor, indexed_label_classifier, value_outputs
from pmmlkit.builders.svm import Kernel, decision, kernel_values, one_against_one_votes, one_against_rest
from pmmlkit.context import Context

from .fitted import array, attribute, n_features


def _kernel(machine: Any, features: list[Field], context: Context) -> list[Field]:
    context.expect_features(features, n_features(machine, context), machine)
    kind = machine.kernel
    if not isinstance(kind, str) or kind not in ("linear", "poly", "rbf", "sigmoid"):
        name = kind if isinstance(kind, str) else "a callable"
        raise context.error(f"{type(machine).__name__} with {name} kernel has no PMML form here; use the linear, "
                            "poly, rbf or sigmoid kernel")
    kernel = Kernel(kind, float(attribute(machine, context, "_gamma")), float(machine.coef0), int(machine.degree))
    vectors = array(machine, context, "support_vectors_")
    return kernel_values(features, vectors, kernel, context.scope, "svm")



def converters() -> dict[type, Callable[..., Any]]:
    return {
        svm.SVC: convert_svc,
        svm.NuSVC: convert_svc,
        svm.SVR: convert_svr,
        svm.NuSVR: convert_svr,
        svm.OneClassSVM: convert_one_class_svm,
    }


def convert_svr(regressor: Any, features: list[Field], context: Context) -> etree._Element:
    kernels = _kernel(regressor, features, context)
    coefficients = array(regressor, context, "_dual_coef_")[0]
    intercept = float(array(regressor, context, "_intercept_")[0])
    prediction = context.scope.derive("svm:decision", decision(kernels, coefficients, intercept))
    target = context.regression_target()
    return field_regressor(prediction, target)


def convert_svc(classifier: Any, features: list[Field], context: Context) -> etree._Element:
    if getattr(classifier, "probability", False):
        # Not an error: the labels and decisions are exact; only the probabilities are left out.
        warnings.warn(f"{context.where}: {type(classifier).__name__}(probability=True) is converted with its label "
                      "and decision_function only: its predict_proba has no exact PMML form (libsvm's pairwise "
                      "coupling; predict can disagree with it). Use CalibratedClassifierCV or another "
                      "classifier where probabilities are needed.", UserWarning, stacklevel=2)
    kernels = _kernel(classifier, features, context)
    classes = attribute(classifier, context, "classes_")
    coefficients = array(classifier, context, "_dual_coef_")
    intercepts = array(classifier, context, "_intercept_")
    counts = np.asarray(attribute(classifier, context, "n_support_"), dtype=int)
    starts = np.concatenate([[0], np.cumsum(counts)])
    scope = context.scope
    decisions = {}
    pair = 0
    for i in range(len(classes)):
        for j in range(i + 1, len(classes)):
            # libsvm's layout: the coefficients of class i's vectors for the pair (i, j) are in row
            # j - 1, those of class j's vectors in row i.
            weights = np.zeros(coefficients.shape[1])
            weights[starts[i]:starts[i + 1]] = coefficients[j - 1, starts[i]:starts[i + 1]]
            weights[starts[j]:starts[j + 1]] = coefficients[i, starts[j]:starts[j + 1]]
            decisions[(i, j)] = scope.derive(f"svm:decision({i},{j})", decision(kernels, weights, intercepts[pair]))
            pair += 1
    target = context.classification_target(classes)
    if len(classes) == 2:
        # scikit-learn flips the sign of libsvm's decision for two classes.
        public = [("decision_function", scope.derive("svm:decision_function",
                                                     apply("*", constant(-1.0), ref(decisions[(0, 1)]))))]
    elif classifier.decision_function_shape == "ovo":
        public = [(f"decision_function({k})", field) for k, field in enumerate(decisions.values())]
    else:
        public = [(f"decision_function({k})", field)
                  for k, field in enumerate(one_against_rest(decisions, len(classes), scope, "svm"))]
    if getattr(classifier, "break_ties", False) and classifier.decision_function_shape == "ovr" \
            and len(classes) > 2:
        index = argmax_index([field for _, field in public], scope, "svm:ties")
    else:
        index = argmax_index(one_against_one_votes(decisions, len(classes), scope, "svm"), scope, "svm")
    return value_outputs(indexed_label_classifier(index, target, scope, "svm"), public)


def convert_one_class_svm(detector: Any, features: list[Field], context: Context) -> etree._Element:
    """``predict``: 1 (inlier) when the decision is > 0, else -1 (outlier)."""
    kernels = _kernel(detector, features, context)
    coefficients = array(detector, context, "_dual_coef_")[0]
    intercept = float(array(detector, context, "_intercept_")[0])
    score = context.scope.derive("oneClassSVM:decision", decision(kernels, coefficients, intercept))
    index = context.scope.derive("oneClassSVM:inlier", if_else(apply("greaterThan", ref(score), constant(0.0)),
                                                               constant(1.0), constant(0.0)))
    target = context.classification_target([-1, 1])
    return value_outputs(indexed_label_classifier(index, target, context.scope, "oneClassSVM"),
                         [("decision_function", score)])
