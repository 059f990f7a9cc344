"""Spark ML MultilayerPerceptronClassifier as a PMML NeuralNetwork.

Spark's network (``FeedForwardTopology.multiLayerPerceptron``) is a chain of affine layers,
``layers[i] -> layers[i + 1]``, each followed by a sigmoid, except the last, followed by a softmax.
``model.weights`` holds, layer after layer, the ``numOut x numIn`` weight matrix in column-major
order (all weights of input 0, then of input 1, ...) and then the ``numOut`` biases.
The raw prediction is the last affine layer's output; its argmax is the predicted class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from lxml import etree

from pmmlkit.builders.fields import Field
from pmmlkit.builders.neural import Layer, neural_network

from .columns import StageContext
from .stages import features_of, no_thresholds


def converters() -> dict[type, Callable[..., Any]]:
    from pyspark.ml import classification

    return {classification.MultilayerPerceptronClassificationModel: convert_perceptron}


def layer_weights(layers: list[int], weights: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(W[out, in], bias[out]) for each affine layer, read from Spark's flat weight vector."""
    result = []
    offset = 0
    for n_in, n_out in zip(layers[:-1], layers[1:]):
        matrix = weights[offset:offset + n_in * n_out].reshape(n_in, n_out).T  # column-major numOut x numIn
        offset += n_in * n_out
        result.append((matrix, weights[offset:offset + n_out]))
        offset += n_out
    if offset != len(weights):
        raise ValueError(f"{len(weights)} weights do not fit layers {layers}")
    return result


def convert_perceptron(stage: Any, fields: list[Field], context: StageContext) -> etree._Element:
    columns = context.columns
    no_thresholds(stage, context, "MultilayerPerceptronClassifier")
    fields = features_of(stage, fields, context)
    layers = [int(n) for n in stage.getLayers()]
    if layers[0] != len(fields):
        raise context.error(f"the network takes {layers[0]} inputs, but column {stage.getFeaturesCol()!r} "
                            f"holds {len(fields)}")
    target = context.classification_target(columns.classes(stage.getLabelCol(), layers[-1]))
    try:
        affine = layer_weights(layers, stage.weights.toArray())
    except ValueError as exc:
        raise context.error(str(exc)) from None
    # Hidden layers: sigmoid; the last: the raw prediction, softmax-normalised into probabilities.
    network = [Layer(matrix, bias, "identity", "softmax") if depth == len(affine) else Layer(matrix, bias, "logistic")
               for depth, (matrix, bias) in enumerate(affine, start=1)]
    return neural_network(fields, network, target)
