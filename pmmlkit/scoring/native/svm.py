"""SupportVectorMachineModel (PMML 4.4): kernel sums in a compiled loop, then the classification method.

Each machine's value is ``sum_i coefficient_i * K(x, vector_i) + absoluteValue`` (support vectors
in document order, summed one by one as JPMML-Evaluator and PMML4S add them), or, with
``svmRepresentation="Coefficients"`` (linear kernel only), ``sum_j coefficient_j * x_j +
absoluteValue``. Then:

- regression: the one machine's value;
- OneAgainstAll: one machine per ``targetCategory``; the smallest value wins (the largest with
  ``maxWins="true"``), the first in document order on a tie;
- OneAgainstOne: each machine votes ``targetCategory`` when its value is below its ``threshold``
  (the model's when it has none), else ``alternateTargetCategory``; most votes win, the category
  that got its first vote earliest on a tie (JPMML-Evaluator's rule; the standard names none);
  probabilities are the vote shares. With the model's ``alternateBinaryTargetCategory`` (one
  machine), the value rounded (half up) is 1 for ``targetCategory`` and 0 for the alternate one; any
  other rounded value gives no prediction.

A missing FieldRef input gives no prediction; a missing CategoricalPredictor input is "not this
category" (0), as PMML4S scores it (JPMML-Evaluator refuses the record). OneAgainstAll gives no
probabilities (PMML4S's outputs: the predicted value; each machine's value is its category's
affinity).
``classificationMethod`` left out is the standard's default, OneAgainstAll (as PMML4S and
JPMML-Evaluator read it). A OneAgainstAll machine with an ``alternateTargetCategory`` (a
one-against-one document without its classificationMethod: both JVM engines then let a later
machine's value replace an earlier one's for the same category) is refused rather than guessed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numba
import numpy as np

from ...pmml import tag_of
from .fields import cast, elements, first, parse_value
from .ir import Env, Prediction, unsupported
from .trees import array_values

LINEAR, POLYNOMIAL, RBF, SIGMOID = 0, 1, 2, 3
_KERNELS = {"LinearKernelType": LINEAR, "PolynomialKernelType": POLYNOMIAL, "RadialBasisKernelType": RBF,
            "SigmoidKernelType": SIGMOID}
_OPTIONS = {"cache": True, "nogil": True}


@numba.njit(**_OPTIONS)
def _machine_values(X, vectors, kind, gamma, coef0, degree, index, coefficients, starts, intercepts
                    ):  # pragma: no cover - compiled
    """One column per machine: its kernel sum over its support vectors (NaN where an input is missing)."""
    rows, width = X.shape
    machines = len(intercepts)
    out = np.empty((rows, machines))
    kernel = np.empty(vectors.shape[0])
    for r in range(rows):
        missing = False
        for j in range(width):
            if np.isnan(X[r, j]):
                missing = True
        if missing:
            out[r, :] = np.nan
            continue
        for v in range(vectors.shape[0]):
            if kind == RBF:
                total = 0.0
                for j in range(width):
                    d = X[r, j] - vectors[v, j]
                    total += d * d
                kernel[v] = math.exp(-gamma * total)
            else:
                dot = 0.0
                for j in range(width):
                    dot += X[r, j] * vectors[v, j]
                if kind == LINEAR:
                    kernel[v] = dot
                elif kind == POLYNOMIAL:
                    kernel[v] = math.pow(gamma * dot + coef0, degree)
                else:
                    kernel[v] = math.tanh(gamma * dot + coef0)
        for k in range(machines):
            total = 0.0
            for t in range(starts[k], starts[k + 1]):
                total += coefficients[t] * kernel[index[t]]
            out[r, k] = total + intercepts[k]
    return out


def _number(node: Any, name: str, default: str) -> float:
    return float(node.get(name, default))


def _vector_fields(node: Any, numeric: Callable[[str], bool]) -> list[tuple[str, Any]]:
    """(field, category) per VectorField: category None for a FieldRef, the value a
    CategoricalPredictor indicates otherwise."""
    fields = first(node, "VectorFields")
    if fields is None:
        raise unsupported(node, "a <VectorDictionary> without VectorFields")
    out: list[tuple[str, Any]] = []
    for item in elements(fields):
        if tag_of(item) == "FieldRef":
            out.append((item.get("field"), None))
        elif tag_of(item) == "CategoricalPredictor":
            if float(item.get("coefficient", "1")) != 1.0:
                raise unsupported(item, "a VectorFields <CategoricalPredictor> with a coefficient other than 1")
            out.append((item.get("name"), parse_value(item.get("value"), numeric(item.get("name")))))
        else:
            raise unsupported(item)
    return out


def _instance(node: Any, width: int) -> list[float]:
    dense = first(node, "Array")
    sparse = first(node, "REAL-SparseArray")
    if dense is not None and sparse is None:
        values = [float(v) for v in array_values(dense)]
    elif sparse is not None and dense is None:
        size = int(sparse.get("n", str(width)))
        values = [0.0] * size
        indices = first(sparse, "Indices")
        entries = first(sparse, "REAL-Entries")
        positions = [int(i) for i in (indices.text or "").split()] if indices is not None else []
        numbers = [float(v) for v in (entries.text or "").split()] if entries is not None else []
        if len(positions) != len(numbers) or any(not 1 <= p <= size for p in positions):
            raise unsupported(sparse, "a <REAL-SparseArray> whose Indices and REAL-Entries do not match")
        for p, v in zip(positions, numbers):
            values[p - 1] = v
    else:
        raise unsupported(node, "a <VectorInstance> without exactly one Array or REAL-SparseArray")
    if len(values) != width:
        raise unsupported(node, f"a <VectorInstance> with {len(values)} values for {width} VectorFields")
    return values


def _method(node: Any) -> str:
    method = node.get("classificationMethod", "OneAgainstAll")
    if method not in ("OneAgainstAll", "OneAgainstOne"):
        raise unsupported(node, f"classificationMethod={method!r}")
    return method


def svm_model(node: Any, numeric: Callable[[str], bool]) -> Callable[[Env], Prediction]:
    function = node.get("functionName")
    if function not in ("regression", "classification"):
        raise unsupported(node, f"a SupportVectorMachineModel with functionName={function!r}")
    kernels = [c for c in elements(node) if tag_of(c) in _KERNELS]
    if len(kernels) != 1:
        raise unsupported(node, "a SupportVectorMachineModel without one of the four kernel types")
    kernel = kernels[0]
    kind = _KERNELS[tag_of(kernel)]
    gamma, coef0, degree = (_number(kernel, "gamma", "1"), _number(kernel, "coef0", "1"),
                            _number(kernel, "degree", "1"))
    representation = node.get("svmRepresentation", "SupportVectors")
    if representation not in ("SupportVectors", "Coefficients"):
        raise unsupported(node, f"svmRepresentation={representation!r}")
    if representation == "Coefficients" and kind != LINEAR:
        raise unsupported(node, "svmRepresentation=\"Coefficients\" with a kernel other than linear")
    dictionary = first(node, "VectorDictionary")
    if dictionary is None:
        raise unsupported(node, "a SupportVectorMachineModel without VectorDictionary")
    fields = _vector_fields(dictionary, numeric)
    ids: dict[str, int] = {}
    vectors: list[list[float]] = []
    for instance in elements(dictionary, "VectorInstance"):
        ids[instance.get("id")] = len(vectors)
        vectors.append(_instance(instance, len(fields)))
    machines = elements(node, "SupportVectorMachine")
    if not machines:
        raise unsupported(node, "a SupportVectorMachineModel without SupportVectorMachine")
    index: list[int] = []
    coefficients: list[float] = []
    starts = [0]
    intercepts = []
    for machine in machines:
        block = first(machine, "Coefficients")
        if block is None:
            raise unsupported(machine, "a <SupportVectorMachine> without Coefficients")
        values = [_number(c, "value", "0") for c in elements(block, "Coefficient")]
        if representation == "SupportVectors":
            support = first(machine, "SupportVectors")
            references = [s.get("vectorId") for s in elements(support, "SupportVector")] if support is not None else []
            if len(references) != len(values) or any(r not in ids for r in references):
                raise unsupported(machine, "a <SupportVectorMachine> whose SupportVectors and Coefficients do not "
                                  "match the VectorDictionary")
            index.extend(ids[r] for r in references)
        else:
            if len(values) != len(fields):
                raise unsupported(machine, f"{len(values)} Coefficients for {len(fields)} VectorFields")
            index.extend(range(len(fields)))
        coefficients.extend(values)
        starts.append(len(index))
        intercepts.append(_number(block, "absoluteValue", "0"))
    # The Coefficients representation is a linear kernel over unit vectors: x . e_j is x_j exactly.
    vector_array = np.eye(len(fields)) if representation == "Coefficients" else \
        np.array(vectors, dtype=np.float64).reshape(len(vectors), len(fields))
    arrays = (vector_array, kind, gamma, coef0, degree, np.array(index, dtype=np.int64),
              np.array(coefficients, dtype=np.float64), np.array(starts, dtype=np.int64),
              np.array(intercepts, dtype=np.float64))

    def values(env: Env) -> np.ndarray:
        columns = []
        for name, category in fields:
            column = env.get(name)
            if category is None:
                columns.append(cast(column, "double") if column.dtype == object else column.astype(np.float64))
            else:
                # A missing value is "not this category" (0), as PMML4S scores it.
                hit = np.array([v == category for v in column], dtype=bool) if column.dtype == object \
                    else column == category
                columns.append(hit.astype(np.float64))
        X = np.ascontiguousarray(np.column_stack(columns)) if columns else np.zeros((env.rows, 0))
        return _machine_values(X, *arrays)

    if function == "regression":
        if len(machines) != 1:
            raise unsupported(node, "a regression SupportVectorMachineModel with more than one SupportVectorMachine")
        return lambda env: Prediction(values(env)[:, 0])
    method = _method(node)
    max_wins = node.get("maxWins", "false") == "true"
    if method == "OneAgainstAll":
        return _one_against_all(node, machines, values, max_wins)
    if max_wins:
        raise unsupported(node, "maxWins=\"true\" with classificationMethod=\"OneAgainstOne\"")
    return _one_against_one(node, machines, values)


def _one_against_all(node: Any, machines: list[Any], values: Callable[[Env], np.ndarray],
                     max_wins: bool) -> Callable[[Env], Prediction]:
    labels = [m.get("targetCategory") for m in machines]
    if any(label is None for label in labels) or any(m.get("alternateTargetCategory") is not None for m in machines):
        raise unsupported(node, "a OneAgainstAll SupportVectorMachine without targetCategory or with "
                          "alternateTargetCategory (a OneAgainstOne model needs classificationMethod=\"OneAgainstOne\")")
    names = np.array(labels, dtype=object)

    def run(env: Env) -> Prediction:
        table = values(env)
        unknown = np.isnan(table).any(axis=1)
        best = np.argmax(np.where(np.isnan(table), -np.inf, table), axis=1) if max_wins else \
            np.argmin(np.where(np.isnan(table), np.inf, table), axis=1)
        winner = names[best] if len(names) else np.full(env.rows, None, dtype=object)
        winner[unknown] = None
        return Prediction(winner, affinities={label: table[:, k] for k, label in enumerate(labels)})
    run.gives_probabilities = False  # type: ignore[attr-defined]  # read by Program's default outputs
    return run


def _one_against_one(node: Any, machines: list[Any], values: Callable[[Env], np.ndarray]
                     ) -> Callable[[Env], Prediction]:
    binary = node.get("alternateBinaryTargetCategory")
    model_threshold = _number(node, "threshold", "0")
    pairs = []
    for machine in machines:
        target, alternate = machine.get("targetCategory"), machine.get("alternateTargetCategory")
        if target is None or (binary is None) == (alternate is None):
            raise unsupported(machine, "a OneAgainstOne <SupportVectorMachine> without targetCategory and exactly "
                              "one of its alternateTargetCategory or the model's alternateBinaryTargetCategory")
        pairs.append((target, alternate if binary is None else binary,
                      float(machine.get("threshold", str(model_threshold)))))
    if binary is not None and len(machines) != 1:
        raise unsupported(node, "alternateBinaryTargetCategory with more than one SupportVectorMachine")
    labels: list[str] = []
    for target, alternate, _ in pairs:
        for label in (target, alternate):
            if label not in labels:
                labels.append(label)

    def run(env: Env) -> Prediction:
        table = values(env)
        rows = env.rows
        unknown = np.isnan(table).any(axis=1)
        votes = np.zeros((rows, len(labels)))
        first_vote = np.full((rows, len(labels)), len(pairs))  # when each label got its first vote
        for k, (target, alternate, threshold) in enumerate(pairs):
            column = table[:, k]
            if binary is not None:
                rounded = np.floor(column + 0.5)  # Java's Math.round: half up
                unknown = unknown | ~((rounded == 0.0) | (rounded == 1.0))
                for_target = rounded == 1.0
            else:
                for_target = column < threshold
            for label, chosen in ((target, for_target), (alternate, ~for_target)):
                j = labels.index(label)
                votes[chosen, j] += 1.0
                first_vote[chosen, j] = np.minimum(first_vote[chosen, j], k)
        # Most votes; on a tie the label voted for earliest (JPMML-Evaluator's insertion order).
        key = votes * (len(pairs) + 1) - first_vote
        best = np.argmax(key, axis=1)
        winner = np.array(labels, dtype=object)[best]
        winner[unknown] = None
        share = votes / len(pairs)
        share[unknown] = np.nan
        return Prediction(winner, {label: share[:, j] for j, label in enumerate(labels)})
    return run


__all__ = ["svm_model"]
