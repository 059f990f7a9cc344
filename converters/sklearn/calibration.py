"""CalibratedClassifierCV (sigmoid and isotonic calibration, ensemble or not).

Each calibrated classifier reads its estimator's ``decision_function`` when it has one, else
its ``predict_proba`` (binary: the column of ``classes_[1]`` only), calibrates each column with
its own calibrator, and normalises: binary ``p_0 = 1 - p_1``; else ``p_k / sum(p)`` (uniform when
the sum is 0). ``predict_proba`` is the mean over the calibrated classifiers; ``predict`` its
first largest class. Decisions of linear models (and pipelines ending in one) are derived
fields; other estimators become chain members publishing their probabilities.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from lxml import etree
from sklearn.calibration import CalibratedClassifierCV
from sklearn.isotonic import IsotonicRegression

from pmmlkit.builders.ensemble import local_scope
from pmmlkit.builders.expressions import apply, constant, fold, if_else, piecewise_linear, ref
from pmmlkit.builders.fields import Field, Scope
from pmmlkit.context import Context, Converter
from pmmlkit.pmml import format_value, plain

from .ensemble import average_model, decision_fields, finish, publish
from .fitted import attribute, n_features


def convert_calibrated_classifier(calibrated: Any, features: list[Field], context: Context) -> etree._Element:
    classes = list(attribute(calibrated, context, "classes_"))
    context.expect_features(features, n_features(calibrated, context), calibrated)
    parts = attribute(calibrated, context, "calibrated_classifiers_")
    members: list[etree._Element] = []
    responses: list[list[Field]] = []
    for i, part in enumerate(parts):
        step = f"calibrated{i + 1}"
        estimator = part.estimator
        if part.method not in ("sigmoid", "isotonic"):
            raise context.error(f"CalibratedClassifierCV(method={part.method!r}) is not supported; "
                                "use method='sigmoid' or 'isotonic'")
        if hasattr(estimator, "decision_function"):
            columns = decision_fields(estimator, features, context, step,
                                      "calibrate a model without decision_function (it then reads predict_proba)")
        else:
            segment, published = publish(estimator, features, context, step, probabilities=True)
            members.append(segment)
            columns = [published.probabilities[plain(c)] for c in estimator.classes_]
            if len(classes) == 2:
                columns = columns[1:]
        responses.append(columns)
    target = context.classification_target(classes)
    local = local_scope(context.scope, [f for columns in responses for f in columns])
    n = len(parts)
    terms: list[list[tuple[Field, float]]] = [[] for _ in classes]
    for i, (part, columns) in enumerate(zip(parts, responses)):
        for k, probability in enumerate(_probabilities(part, columns, classes, local, f"calibrated{i + 1}", context)):
            terms[k].append((probability, 1.0 / n))
    return finish(context, members, average_model(terms, target), local, target)


def _probabilities(part: Any, columns: list[Field], classes: list[Any], scope: Scope, step: str,
                   context: Context) -> list[Field]:
    """One calibrated classifier's normalised probabilities, one field per class of ``classes``."""
    positions = [classes.index(c) for c in part.estimator.classes_]
    if len(columns) != len(part.calibrators):
        raise context.error(f"{step}: {len(part.calibrators)} calibrators for {len(columns)} columns")
    calibrated: dict[int, Field] = {}
    for position, column, calibrator in zip(positions[1:] if len(classes) == 2 else positions, columns,
                                            part.calibrators):
        label = format_value(classes[position])
        calibrated[position] = scope.derive(f"{step}.calibrated({label})", _calibrate(calibrator, column, context))
    if len(classes) == 2:
        p1 = calibrated[1]
        p0 = scope.derive(f"{step}.calibrated({format_value(classes[0])})",
                          apply("-", constant(1.0), ref(p1)))
        return [p0, p1]
    raw = [calibrated.get(k) for k in range(len(classes))]
    total = scope.derive(f"{step}.total", fold("+", [ref(f) if f is not None else constant(0.0) for f in raw]))
    # (An lxml element has one parent: every use builds its own constant.)
    return [scope.derive(f"{step}.probability({format_value(label)})",
                         if_else(apply("equal", ref(total), constant(0.0)), constant(1.0 / len(classes)),
                                 apply("/", ref(f), ref(total)) if f is not None else constant(0.0)))
            for label, f in zip(classes, raw)]


def _calibrate(calibrator: Any, column: Field, context: Context) -> etree._Element:
    if isinstance(calibrator, IsotonicRegression):
        return _isotonic(calibrator, column, context)
    a, b = float(calibrator.a_), float(calibrator.b_)
    # scikit-learn: expit(-(a * T + b)) = 1 / (1 + exp(a * T + b)).
    return apply("/", constant(1.0), apply("+", constant(1.0), apply(
        "exp", apply("+", apply("*", constant(a), ref(column)), constant(b)))))


def _isotonic(calibrator: Any, column: Field, context: Context) -> etree._Element:
    """``np.interp`` over the thresholds after clipping to their range: a piecewise-linear
    NormContinuous whose outliers take the extreme values."""
    xs = np.asarray(calibrator.X_thresholds_, dtype=np.float64)
    ys = np.asarray(calibrator.y_thresholds_, dtype=np.float64)
    if calibrator.out_of_bounds != "clip":
        raise context.error(f"IsotonicRegression(out_of_bounds={calibrator.out_of_bounds!r}) is not converted")
    if len(xs) == 1:
        return apply("if", apply("isNotMissing", ref(column)), constant(float(ys[0])))
    if np.any(np.diff(xs) <= 0) or not np.all(np.isfinite(xs)):
        raise context.error("the isotonic calibrator's thresholds are not strictly increasing finite numbers; "
                            "PMML's piecewise-linear NormContinuous cannot reproduce them")
    return piecewise_linear(column, list(zip(xs, ys)), outliers="asExtremeValues")


def converters() -> dict[type, Converter]:
    return {CalibratedClassifierCV: convert_calibrated_classifier}
