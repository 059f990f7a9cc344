"""NeuralNetwork: layers as matrix arithmetic (one weight matrix per layer over the neurons it reads)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ...pmml import tag_of
from . import kernels as K
from . import mathlib
from .expressions import Compiler, linear_segments
from .fields import elements, first
from .ir import Env, Prediction, unsupported
from .regression import _argmax

# Each takes a layer's block of neuron sums (its own array: an activation may write into it).
_ACTIVATIONS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "identity": lambda z, t: z,
    "logistic": lambda z, t: mathlib.logistic(z),
    "tanh": lambda z, t: mathlib.tanh(z),
    "rectifier": lambda z, t: np.maximum(z, 0.0, out=z),  # (NaN stays NaN; in place: z is the layer's own block)
    "threshold": lambda z, t: np.where(np.isnan(z), np.nan, (z > t).astype(np.float64)),
    "exponential": lambda z, t: mathlib.exp(z),
    "reciprocal": lambda z, t: 1.0 / z,
    "square": lambda z, t: z * z,
    "Gauss": lambda z, t: mathlib.exp(-(z * z)),
    "sine": lambda z, t: np.sin(z),
    "cosine": lambda z, t: np.cos(z),
    "Elliott": lambda z, t: z / (1.0 + np.abs(z)),
    "arctan": lambda z, t: 2.0 * np.arctan(z) / math.pi,
}


def neural_network(node: Any, compiler: Compiler, categories: list[str]) -> Callable[[Env], Prediction]:
    function = node.get("functionName")
    network_activation = node.get("activationFunction")
    network_threshold = float(node.get("threshold", "0"))
    network_normalization = node.get("normalizationMethod", "none")
    inputs = first(node, "NeuralInputs")
    input_ids: list[str] = []
    input_expressions = []
    for item in elements(inputs, "NeuralInput") if inputs is not None else []:
        input_ids.append(item.get("id"))
        input_expressions.append(compiler.derived_field(first(item, "DerivedField")))
    layers = []
    names: list[str] = []  # each layer's activation
    known = list(input_ids)
    layer_nodes = elements(node, "NeuralLayer")
    for number, layer in enumerate(layer_nodes):
        activation = layer.get("activationFunction", network_activation)
        if activation not in _ACTIVATIONS:
            raise unsupported(layer, f"activationFunction={activation!r}")
        threshold = float(layer.get("threshold", network_threshold))
        normalization = layer.get("normalizationMethod",
                                  network_normalization if number == len(layer_nodes) - 1 else "none")
        if normalization not in ("none", "softmax", "simplemax"):
            raise unsupported(layer, f"normalizationMethod={normalization!r}")
        neurons = elements(layer, "Neuron")
        position = {n: i for i, n in enumerate(known)}
        bias = np.zeros(len(neurons))
        starts, lengths, sources, weights = [], [], [], []
        for i, neuron in enumerate(neurons):
            bias[i] = float(neuron.get("bias", "0"))
            if neuron.get("width") is not None or neuron.get("altitude") is not None:
                raise unsupported(neuron, "a radial-basis <Neuron>")
            cons = elements(neuron, "Con")
            starts.append(len(sources))
            lengths.append(len(cons))
            for con in cons:
                source = con.get("from")
                if source not in position:
                    raise unsupported(con, f"a connection from the unknown neuron {source!r}")
                sources.append(position[source])
                weights.append(float(con.get("weight")))
        connections = (np.array(starts, dtype=np.int64), np.array(lengths, dtype=np.int64),
                       np.array(sources, dtype=np.int64), np.array(weights, dtype=np.float64))
        layers.append((connections, bias, _ACTIVATIONS[activation], threshold, normalization))
        names.append(activation)
        known = known + [n.get("id") for n in neurons]
    index = {n: i for i, n in enumerate(known)}
    outputs = []
    for item in elements(first(node, "NeuralOutputs"), "NeuralOutput"):
        neuron = item.get("outputNeuron")
        if neuron not in index:
            raise unsupported(item, f"an output from the unknown neuron {neuron!r}")
        derived = first(item, "DerivedField")
        expression = [c for c in elements(derived)][0] if derived is not None else None
        outputs.append((index[neuron], expression))

    firsts = np.cumsum([len(input_ids)] + [len(layer[1]) for layer in layers])

    def run_layers(values: np.ndarray, parallel: bool = False) -> np.ndarray:
        """``values``: one row per neuron (inputs first, filled), one column per record; the layers fill
        the rest in place."""
        kernel = K.layer_sums_parallel if parallel else K.layer_sums
        for first_neuron, (connections, bias, activation, threshold, normalization) in zip(firsts, layers):
            K.run(kernel, parallel, values, first_neuron, bias, *connections)
            block = values[first_neuron:first_neuron + len(bias)]
            with np.errstate(all="ignore"):
                a = activation(block, threshold)
                if normalization in ("softmax", "simplemax"):
                    # Over each record's neurons, as a (records, neurons) array: numpy's reduction then
                    # adds in the order it always has.
                    by_record = np.ascontiguousarray(a.T)
                    if normalization == "softmax":
                        e = mathlib.exp(by_record)
                        a = (e / e.sum(axis=1, keepdims=True)).T
                    else:
                        a = (by_record / by_record.sum(axis=1, keepdims=True)).T
            if a is not block:
                block[...] = a
        return values

    record = _record_network(len(input_ids), layers, names)

    def forward(env: Env) -> np.ndarray:
        values = np.empty((int(firsts[-1]), env.rows))
        for k, expression in enumerate(input_expressions):
            values[k] = np.asarray(expression(env), dtype=np.float64)
        return run_layers(values, env.parallel)

    if function == "classification":
        labels = []
        for _, expression in outputs:
            if expression is None or tag_of(expression) != "NormDiscrete":
                raise unsupported(node, "a classification NeuralOutput that is not a NormDiscrete")
            labels.append(expression.get("value"))

        def classify(env: Env) -> Prediction:
            values = forward(env)
            probabilities = [values[i] for i, _ in outputs]
            return Prediction(_argmax(probabilities, labels), dict(zip(labels, probabilities)))
        return _described(classify, record or _one_record(run_layers, int(firsts[-1])), outputs, labels)
    if function != "regression" or len(outputs) != 1:
        raise unsupported(node, f"a NeuralNetwork with functionName={function!r} and {len(outputs)} outputs")
    neuron, expression = outputs[0]
    if expression is None:
        raise unsupported(node, "a NeuralOutput without a DerivedField")
    if tag_of(expression) == "FieldRef":
        return _described(lambda env: Prediction(forward(env)[neuron].copy()),
                          record or _one_record(run_layers, int(firsts[-1])), outputs, None)
    if tag_of(expression) == "NormContinuous":
        points = [(float(p.get("orig")), float(p.get("norm"))) for p in elements(expression, "LinearNorm")]
        _, norms, slopes, intercepts = linear_segments(points)

        def denormalize(env: Env) -> Prediction:
            y = forward(env)[neuron]
            k = np.clip(np.searchsorted(norms, y, side="left") - 1, 0, len(norms) - 2)
            with np.errstate(all="ignore"):
                return Prediction((y - intercepts[k]) / slopes[k])
        return denormalize
    raise unsupported(expression, f"a regression NeuralOutput <{tag_of(expression)}>")


def _described(run: Callable[[Env], Prediction], record: Callable[[list[float]], list[float]],
               outputs: list[tuple[int, Any]], labels: list[str] | None) -> Callable[[Env], Prediction]:
    """The compiled network with what the one-record compiler (rows.py) reads: ``record`` takes the
    input neurons' values and gives every neuron's."""
    run.record, run.output_neurons, run.labels = record, [i for i, _ in outputs], labels  # type: ignore[attr-defined]
    return run


def _record_network(inputs: int, layers: list[tuple[Any, ...]], names: list[str]
                    ) -> Callable[[np.ndarray], np.ndarray] | None:
    """The whole network as one compiled pass over one record's neurons (kernels.network_record), where
    every layer's activation is one it computes and no layer is normalized; else None."""
    if any(name not in K.RECORD_ACTIVATIONS for name in names) or any(layer[4] != "none" for layer in layers):
        return None
    bias = np.concatenate([layer[1] for layer in layers])
    offsets = np.cumsum([0] + [len(layer[0][2]) for layer in layers])[:-1]
    con_start = np.concatenate([layer[0][0] + offset for layer, offset in zip(layers, offsets)])
    con_len, con_from, con_weight = (np.concatenate([layer[0][k] for layer in layers]) for k in (1, 2, 3))
    activation = np.concatenate([np.full(len(layer[1]), K.RECORD_ACTIVATIONS[name], dtype=np.int64)
                                 for layer, name in zip(layers, names)])
    threshold = np.concatenate([np.full(len(layer[1]), layer[3]) for layer in layers])

    width = inputs + len(bias)

    def run(values: list[float]) -> list[float]:
        column = np.empty(width)
        column[:inputs] = values
        return K.network_record(column, inputs, bias, con_start, con_len, con_from, con_weight, activation,
                                threshold).tolist()  # type: ignore[no-any-return]
    return run


def _one_record(run_layers: Callable[[np.ndarray], np.ndarray], width: int) -> Callable[[list[float]], list[float]]:
    """One record through the batch path's layers: every neuron's value, inputs first."""
    def run(values: list[float]) -> list[float]:
        column = np.empty((width, 1))
        column[:len(values), 0] = values
        return run_layers(column)[:, 0].tolist()  # type: ignore[no-any-return]
    return run
