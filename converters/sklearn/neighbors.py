"""KNeighborsClassifier, KNeighborsRegressor and NearestCentroid.

k nearest neighbours are written as derived fields (see :mod:`pmmlkit.builders.neighbors`): the
training set goes into the document, one distance per training row, so the document grows with
``n_samples * n_features``. Minkowski distances (euclidean, manhattan, any ``p``, chebyshev) are
supported; ``weights`` "uniform" or "distance".

Rows whose last neighbour places go to one of several training rows at exactly the same distance
with different targets (common on data on a grid, such as iris) get no prediction: scikit-learn's
choice among them depends on the traversal of its search tree, which a PMML document cannot follow.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
from lxml import etree
from sklearn import neighbors as sk_neighbors

from pmmlkit.builders.expressions import apply, constant, ref
from pmmlkit.builders.fields import Field
from pmmlkit.builders.neighbors import (
    Metric,
    Neighbors,
    decided,
    inverse_distance_weights,
    nearest,
    only_where,
    weighted_sum,
    zero_distance_count,
)
from pmmlkit.builders.scores import (
    argmax_index,
    field_regressor,
    indexed_label_classifier,
    proportional_classifier,
    softmax_classifier,
    squared_distance,
)
from pmmlkit.context import Context
from pmmlkit.pmml import format_value

from .fitted import array, attribute, n_features

# Each training row costs about 3k + 6 derived expressions per scored row: above this many rows the
# document (and scoring it) would be too large to be useful.
MAX_TRAINING_ROWS = 20_000


def _metric(estimator: Any, context: Context) -> Metric:
    name = attribute(estimator, context, "effective_metric_")
    params = dict(getattr(estimator, "effective_metric_params_", None) or {})
    if params.get("w") is not None:
        raise context.error(f"{type(estimator).__name__} with a weighted Minkowski metric is not supported; "
                            "scale the features in the pipeline instead")
    if name == "euclidean":
        return Metric(2.0)
    if name in ("manhattan", "cityblock", "l1"):
        return Metric(1.0)
    if name in ("chebyshev", "infinity"):
        return Metric(float("inf"))
    if name == "minkowski":
        return Metric(float(params.get("p", estimator.p)))
    raise context.error(f"{type(estimator).__name__}(metric={name!r}) has no PMML form here; use a Minkowski "
                        "metric (euclidean, manhattan, minkowski with p, chebyshev)")


def _weights(estimator: Any, context: Context) -> str:
    weights = estimator.weights
    if weights in (None, "uniform", "distance"):
        return weights or "uniform"
    raise context.error(f"{type(estimator).__name__} with a callable weights function has no PMML form; "
                        "use weights='uniform' or 'distance'")


def _search(estimator: Any, features: list[Field], groups: Sequence[Hashable], context: Context,
            prefix: str) -> tuple[list[Field], Field, Neighbors]:
    """The neighbours' weights, the field that is 1 where they are decided (see
    :func:`pmmlkit.builders.neighbors.decided`; ``groups`` holds each training row's class or
    target), and the search."""
    context.expect_features(features, n_features(estimator, context), estimator)
    metric = _metric(estimator, context)
    weights = _weights(estimator, context)
    if hasattr(attribute(estimator, context, "_fit_X"), "toarray"):
        raise context.error(f"{type(estimator).__name__} fitted on a sparse matrix is not supported; fit it on a "
                            "dense array or DataFrame")
    training = array(estimator, context, "_fit_X")
    if training.shape[0] > MAX_TRAINING_ROWS:
        raise context.error(f"{type(estimator).__name__} holds {training.shape[0]} training rows; its PMML would "
                            f"search them all for every scored row (limit {MAX_TRAINING_ROWS}): fit it on fewer "
                            "rows, or use NearestCentroid or a model that summarizes the data")
    if weights == "distance" and metric.p == 2 and getattr(estimator, "_fit_method", None) == "brute":
        # Brute force computes euclidean distances as |x|^2 - 2 x.v + |v|^2 with BLAS: a row at a
        # training point gets a distance of about 1e-8 instead of 0, and a weight no evaluator can reproduce.
        raise context.error(f"{type(estimator).__name__}(weights='distance') with brute-force euclidean "
                            "distances is not converted: their rounding near training points cannot be "
                            "reproduced; refit with algorithm='kd_tree' or 'ball_tree' (the same neighbours, "
                            "exact distances)")
    scope = context.scope
    neighbors = nearest(features, training, int(estimator.n_neighbors), metric, scope, prefix)
    if weights == "distance":
        zero = zero_distance_count(neighbors, scope, prefix)
        return inverse_distance_weights(neighbors, zero, scope, prefix), \
            decided(neighbors, groups, scope, prefix, at_zero=zero), neighbors
    return neighbors.shares, decided(neighbors, groups, scope, prefix), neighbors



def converters() -> dict[type, Callable[..., Any]]:
    return {
        sk_neighbors.KNeighborsClassifier: convert_k_neighbors_classifier,
        sk_neighbors.KNeighborsRegressor: convert_k_neighbors_regressor,
        sk_neighbors.NearestCentroid: convert_nearest_centroid,
    }


def convert_k_neighbors_classifier(classifier: Any, features: list[Field], context: Context) -> etree._Element:
    """``P(class c) = sum of the weights of neighbours of class c / sum of all weights``."""
    if getattr(classifier, "outputs_2d_", False):
        raise context.error("KNeighborsClassifier fitted on several target columns predicts several labels; "
                            "fit it on one label column")
    classes = attribute(classifier, context, "classes_")
    codes = np.asarray(attribute(classifier, context, "_y")).reshape(-1)
    weights, decision, _ = _search(classifier, features, codes.tolist(), context, "knn")
    target = context.classification_target(classes)
    votes = [context.scope.derive(f"knn:votes({format_value(label)})",
                                  only_where(decision, weighted_sum([w for w, c in zip(weights, codes) if c == k])))
             for k, label in enumerate(target.classes or ())]
    return proportional_classifier(votes, target)


def convert_k_neighbors_regressor(regressor: Any, features: list[Field], context: Context) -> etree._Element:
    """Uniform: the mean target of the k neighbours; distance: their mean weighted by ``1 / distance``."""
    values = array(regressor, context, "_y")
    if values.ndim > 1 and values.shape[1] != 1:
        raise context.error(f"KNeighborsRegressor fitted on {values.shape[1]} targets: PMML models here predict "
                            "one target; fit one model per target")
    values = values.reshape(-1)
    weights, decision, neighbors = _search(regressor, features, values.tolist(), context, "knn")
    total = weighted_sum(weights, values)
    if _weights(regressor, context) == "distance":
        total = apply("/", total, weighted_sum(weights))
    else:
        total = apply("/", total, constant(float(neighbors.k)))
    prediction = context.scope.derive("knn:prediction", only_where(decision, total))
    target = context.regression_target()
    return field_regressor(prediction, target)


def convert_nearest_centroid(classifier: Any, features: list[Field], context: Context) -> etree._Element:
    """Euclidean, with non-uniform priors: the discriminant scores ``-|x/s - c/s|^2 + 2 log(prior)``
    (``s`` the within-class standard deviations) and their softmax, as scikit-learn's predict and
    predict_proba. Otherwise the label of the nearest centroid (scikit-learn then predicts with
    the raw distances, which can disagree with its probabilities, so only the label is written)."""
    context.expect_features(features, n_features(classifier, context), classifier)
    classes = attribute(classifier, context, "classes_")
    centroids = array(classifier, context, "centroids_")
    # Releases before 1.6 have no priors (and no predict_proba): the nearest centroid wins.
    priors = np.asarray(getattr(classifier, "class_prior_", np.full(len(classes), 1 / len(classes))), dtype=float)
    metric = classifier.metric
    if metric not in ("euclidean", "manhattan"):
        raise context.error(f"NearestCentroid(metric={metric!r}) is not supported; use 'euclidean' or 'manhattan'")
    target = context.classification_target(classes)
    scope = context.scope
    uniform = bool(np.isclose(priors, 1 / len(classes)).all())
    if uniform:
        closeness = []
        for k, center in enumerate(centroids):
            if metric == "euclidean":
                distance = squared_distance(features, center)
            else:
                distance = apply("sum", *[apply("abs", apply("-", ref(f), constant(float(c))))
                                          for f, c in zip(features, center)])
            closeness.append(scope.derive(f"nearestCentroid:closeness({k})", apply("*", constant(-1.0), distance)))
        index = argmax_index(closeness, scope, "nearestCentroid")
        return indexed_label_classifier(index, target, scope, "nearestCentroid")
    if metric != "euclidean":
        raise context.error("NearestCentroid with the manhattan metric and non-uniform priors has no "
                            "predict_proba to follow; use uniform priors or the euclidean metric")
    deviations = array(classifier, context, "within_class_std_dev_")
    scales = np.where(deviations != 0, deviations, 1.0)
    normalized = [scope.derive(f"nearestCentroid:normalized({f.name})", apply("/", ref(f), constant(float(s))))
                  if s != 1 else f for f, s in zip(features, scales)]
    scores = []
    for k, center in enumerate(centroids):
        score = apply("+", apply("*", constant(-1.0), squared_distance(normalized, center / scales)),
                      constant(float(2.0 * np.log(priors[k]))))
        scores.append(scope.derive(f"nearestCentroid:score({k})", score))
    return softmax_classifier(scores, target, scope, "nearestCentroid")
