"""NeuralNetwork builders: feed-forward networks of affine layers, each with an activation.

A converter gives the layers as :class:`Layer` (``weights[out, in]``, ``biases[out]`` and the
activation after them, in PMML's names: ``identity``, ``logistic``, ``tanh``, ``rectifier``, ...).
The last layer of a classifier may carry ``softmax`` normalization; :func:`two_class_layer` turns a
single logistic output unit into the two probabilities ``[1 - p, p]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from lxml import etree

from ..errors import ConversionError
from ..pmml import element, format_value
from .expressions import ref
from .fields import Field, Target
from .model import model, output_for

ACTIVATIONS = ("threshold", "logistic", "tanh", "identity", "exponential", "reciprocal", "square", "Gauss",
               "sine", "cosine", "Elliott", "arctan", "rectifier")


@dataclass
class Layer:
    weights: np.ndarray  # [out, in]
    biases: np.ndarray  # [out]
    activation: str = "identity"
    normalization: str | None = None  # "softmax" on a classifier's last layer

    def __post_init__(self) -> None:
        self.weights = np.atleast_2d(np.asarray(self.weights, dtype=np.float64))
        self.biases = np.asarray(self.biases, dtype=np.float64).reshape(-1)
        if self.weights.shape[0] != len(self.biases):
            raise ConversionError(f"a layer of {len(self.biases)} biases has {self.weights.shape[0]} weight rows")
        if self.activation not in ACTIVATIONS:
            raise ConversionError(f"activation {self.activation!r} is not a PMML activation function")


def two_class_layer() -> Layer:
    """From one unit ``p`` to two: ``[1 - p, p]`` (a binary classifier's probabilities)."""
    return Layer(np.array([[-1.0], [1.0]]), np.array([1.0, 0.0]), "identity")


def neural_network(features: Sequence[Field], layers: Sequence[Layer], target: Target) -> etree._Element:
    """A NeuralNetwork: ``features`` feed the first layer; a regression target reads the single
    unit of the last layer, a classifier reads one unit per class (in ``target.classes`` order)."""
    if not layers:
        raise ConversionError("a neural network needs at least one layer")
    width = len(features)
    inputs = element("NeuralInputs", numberOfInputs=len(features))
    for i, field in enumerate(features):
        derived = element("DerivedField", ref(field), optype="continuous", dataType="double")
        inputs.append(element("NeuralInput", derived, id=f"0,{i}"))
    body = [inputs]
    for depth, layer in enumerate(layers, start=1):
        if layer.weights.shape[1] != width:
            raise ConversionError(f"layer {depth} takes {layer.weights.shape[1]} inputs, {width} reach it")
        node = element("NeuralLayer", numberOfNeurons=len(layer.biases), activationFunction=layer.activation,
                       normalizationMethod=layer.normalization)
        for j, (row, bias) in enumerate(zip(layer.weights, layer.biases)):
            neuron = element("Neuron", id=f"{depth},{j}", bias=float(bias))
            for i, weight in enumerate(row):
                neuron.append(element("Con", **{"from": f"{depth - 1},{i}", "weight": float(weight)}))
            node.append(neuron)
        body.append(node)
        width = len(layer.biases)
    last = len(layers)
    outputs = element("NeuralOutputs", numberOfOutputs=width)
    if target.is_classification:
        classes = target.classes or ()
        if width != len(classes):
            raise ConversionError(f"the last layer has {width} units for {len(classes)} classes")
        for j, label in enumerate(classes):
            norm = element("NormDiscrete", field=target.name, value=format_value(label))
            derived = element("DerivedField", norm, optype="categorical", dataType=target.field().data_type)
            outputs.append(element("NeuralOutput", derived, outputNeuron=f"{last},{j}"))
        function = "classification"
    else:
        if width != 1:
            raise ConversionError(f"a regression network needs one output unit, not {width}")
        derived = element("DerivedField", ref(target.name), optype="continuous", dataType="double")
        outputs.append(element("NeuralOutput", derived, outputNeuron=f"{last},0"))
        function = "regression"
    body.append(outputs)
    return model("NeuralNetwork", *body, function=function, target=target, output=output_for(target),
                 activationFunction="identity")
