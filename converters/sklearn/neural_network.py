"""MLPClassifier and MLPRegressor as a PMML NeuralNetwork; BernoulliRBM as its hidden units.

scikit-learn's forward pass: each hidden layer is ``activation(x @ coefs_[i] + intercepts_[i])``;
the last layer uses ``out_activation_``: identity (regression), logistic (binary or multilabel),
softmax (several classes). A binary classifier's single logistic unit ``p`` gives the
probabilities ``[1 - p, p]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree
from sklearn import neural_network as sk_neural_network

from pmmlkit.builders.expressions import apply, constant
from pmmlkit.builders.fields import Field
from pmmlkit.builders.neural import Layer, neural_network, two_class_layer
from pmmlkit.builders.scores import expit, linear_score
from pmmlkit.context import Context

from .fitted import array, attribute, n_features

# scikit-learn's activation names -> PMML's.
ACTIVATIONS = {"identity": "identity", "logistic": "logistic", "tanh": "tanh", "relu": "rectifier"}


def _layers(network: Any, context: Context) -> list[Layer]:
    coefficients = attribute(network, context, "coefs_")
    intercepts = attribute(network, context, "intercepts_")
    hidden = network.activation
    if hidden not in ACTIVATIONS:
        raise context.error(f"{type(network).__name__}(activation={hidden!r}) is not supported; use one of "
                            f"{sorted(ACTIVATIONS)}")
    out = attribute(network, context, "out_activation_")
    layers = []
    for i, (weights, biases) in enumerate(zip(coefficients, intercepts)):
        last = i == len(coefficients) - 1
        if not last:
            layers.append(Layer(weights.T, biases, ACTIVATIONS[hidden]))
        elif out == "softmax":
            layers.append(Layer(weights.T, biases, "identity", "softmax"))
        elif out in ACTIVATIONS:
            layers.append(Layer(weights.T, biases, ACTIVATIONS[out]))
        else:
            raise context.error(f"{type(network).__name__} with output activation {out!r} is not supported")
    return layers



def converters() -> dict[type, Callable[..., Any]]:
    return {
        sk_neural_network.MLPClassifier: convert_mlp_classifier,
        sk_neural_network.MLPRegressor: convert_mlp_regressor,
        sk_neural_network.BernoulliRBM: convert_bernoulli_rbm,
    }


def convert_mlp_classifier(classifier: Any, features: list[Field], context: Context) -> etree._Element:
    context.expect_features(features, n_features(classifier, context), classifier)
    binarizer = attribute(classifier, context, "_label_binarizer")
    if getattr(binarizer, "y_type_", None) == "multilabel-indicator":
        raise context.error("MLPClassifier fitted on multilabel targets predicts several labels per row; "
                            "PMML models here predict one: fit it on a single label column")
    target = context.classification_target(attribute(classifier, context, "classes_"))
    layers = _layers(classifier, context)
    if len(target.classes or ()) == 2:
        layers.append(two_class_layer())
    return neural_network(features, layers, target)


def convert_mlp_regressor(regressor: Any, features: list[Field], context: Context) -> etree._Element:
    context.expect_features(features, n_features(regressor, context), regressor)
    if int(attribute(regressor, context, "n_outputs_")) != 1:
        raise context.error("MLPRegressor fitted on several targets: PMML models here predict one target; "
                            "fit one model per target")
    return neural_network(features, _layers(regressor, context), context.regression_target())


def convert_bernoulli_rbm(rbm: Any, features: list[Field], context: Context) -> list[Field]:
    """``transform``: the hidden units' probabilities ``expit(x @ components_.T + intercept_hidden_)``."""
    context.expect_features(features, n_features(rbm, context), rbm)
    components = array(rbm, context, "components_")
    biases = array(rbm, context, "intercept_hidden_")
    outputs = []
    for i, (row, bias) in enumerate(zip(components, biases)):
        activation = apply("+", linear_score(features, row, 0.0), constant(float(bias)))
        outputs.append(context.scope.derive(f"rbm{i + 1}", expit(activation)))
    return outputs
