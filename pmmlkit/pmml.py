"""Low-level PMML writing: element construction in the PMML 4.4 namespace and number formatting."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from lxml import etree

PMML_VERSION = "4.4"
NAMESPACE = "http://www.dmg.org/PMML-4_4"
_NS = "{%s}" % NAMESPACE


def element(tag: str, *children: etree._Element | None, **attributes: Any) -> etree._Element:
    """Build ``<tag>`` in the PMML namespace; attributes with value None are left out.

    Attribute names use Python spelling: a trailing underscore is dropped (``class_``).
    """
    node = etree.Element(_NS + tag, nsmap={None: NAMESPACE})
    for key, value in attributes.items():
        if value is None:
            continue
        node.set(key.rstrip("_"), value if isinstance(value, str) else format_value(value))
    for child in children:
        if child is not None:
            node.append(child)
    return node


MODEL_TAGS = frozenset({
    "AnomalyDetectionModel", "AssociationModel", "BayesianNetworkModel", "BaselineModel", "ClusteringModel",
    "GaussianProcessModel", "GeneralRegressionModel", "MiningModel", "NaiveBayesModel", "NearestNeighborModel",
    "NeuralNetwork", "RegressionModel", "RuleSetModel", "SequenceModel", "Scorecard", "SupportVectorMachineModel",
    "TextModel", "TimeSeriesModel", "TreeModel",
})


# The Extension pmmlkit writes first in an OutputField that reproduces a source model's method
# other than predict / predict_proba (e.g. decision_function): verification reads it to know what
# to compare the field with. It changes nothing an evaluator computes, so validation does not
# warn that an evaluator ignores it.
METHOD_EXTENSION = "pmmlkit-method"


def is_own_extension(node: etree._Element) -> bool:
    """An Extension pmmlkit writes for itself (:data:`METHOD_EXTENSION` in an OutputField)."""
    parent = node.getparent()
    return (node.get("name") == METHOD_EXTENSION and parent is not None and isinstance(parent.tag, str)
            and tag_of(parent) == "OutputField")


def tag_of(node: etree._Element) -> str:
    """The local name of an element (without namespace)."""
    return etree.QName(node).localname


def model_element(root: etree._Element) -> etree._Element | None:
    """The first model element under a PMML root, or None."""
    for child in root:
        if isinstance(child.tag, str) and tag_of(child) in MODEL_TAGS:
            return child
    return None


def find_child(node: etree._Element, tag: str) -> etree._Element | None:
    """The first child element of ``node`` named ``tag``, or None."""
    for child in node:
        if isinstance(child.tag, str) and tag_of(child) == tag:
            return child
    return None


def plain(value: Any) -> Any:
    """numpy scalars -> Python scalars, so that labels and cells compare and format predictably."""
    return value.item() if isinstance(value, np.generic) else value


def is_missing_value(value: Any) -> bool:
    """Whether a cell holds no value: None, NaN (Python or numpy), pandas' NA or NaT."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and bool(np.isnan(value))


def format_number(value: float | int) -> str:
    """Write a number so that it reads back bit-exact as a double.

    Python's ``repr`` is the shortest string that round-trips; integral values are written
    without a fraction so that they also parse as integers.
    """
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def format_value(value: Any) -> str:
    """Write a category label or number the way PMML expects it."""
    if isinstance(value, (str, np.str_)):
        return str(value)
    if isinstance(value, (int, float, np.integer, np.floating, bool, np.bool_)):
        return format_number(value)
    return str(value)
