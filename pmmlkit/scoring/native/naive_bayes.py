"""NaiveBayesModel (PMML 4.4 "Naive Bayes"): class log-likelihoods summed over the inputs.

For each class T_k (the target's DataDictionary values, in order) the log-likelihood starts at
``log count[T_k]`` (BayesOutput) and adds, input by input in document order, ``log P(I_i | T_k)``:

- an input with PairCounts (a discrete input, or a continuous one binned by the BayesInput's
  DerivedField, a Discretize): ``count[I_ij, T_k] / count[T_k]``, the denominator summed over that
  input's PairCounts; a zero or omitted count gives ``threshold`` instead; a value no PairCounts
  names gives ``threshold`` for every class (which cancels out);
- an input with TargetValueStats: the class's GaussianDistribution density
  ``exp(-0.5 (x - mean)^2 / variance) / sqrt(2 pi variance)`` or PoissonDistribution
  ``mean^x exp(-mean) / x!``, raised to ``threshold`` where it falls below;
- a missing input (or a binned value outside every bin) adds nothing.

The probabilities are the likelihoods normalised to sum to 1, computed as PMML4S does:
``exp(l_k - max l) / sum_j exp(l_j - max l)``. The predicted class is the most probable, the first
on a tie. (PMML4S divides a Poisson term by digamma(x + 1) where the standard has x!; here the
standard's, as JPMML-Evaluator computes it.)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ...pmml import tag_of
from . import mathlib
from .expressions import Compiler
from .fields import NUMERIC, elements, first, parse_value
from .ir import Column, Env, Prediction, missing_mask, unsupported
from .regression import _argmax

Term = Callable[[Env], np.ndarray]  # (classes, rows) of log P(input | class); 0 where the input is missing


def _numbers(values: Column) -> np.ndarray:
    if values.dtype != object:
        return values.astype(np.float64)
    return np.array([np.nan if v is None else float(parse_value(str(v), True)) for v in values], dtype=np.float64)


def _counts(node: Any, classes: list[str]) -> np.ndarray:
    """A <TargetValueCounts>' counts in class order (0 where a class is omitted)."""
    out = np.zeros(len(classes))
    for item in elements(node, "TargetValueCount"):
        k = class_index(item.get("value"), classes)
        if k is None:
            raise unsupported(item, f"a <TargetValueCount> for {item.get('value')!r}, which is not a value of the target")
        out[k] = float(item.get("count"))
    return out


def class_index(value: str | None, classes: list[str]) -> int | None:
    """The class ``value`` names ("1" and "1.0" name the same numeric class)."""
    if value in classes:
        return classes.index(value)
    number = parse_value(value, True)
    found = [k for k, c in enumerate(classes) if number == number and parse_value(c, True) == number]
    return found[0] if found else None


def _continuous(item: Any, stats: Any, name: str, classes: list[str], threshold: float) -> Term:
    by_class: dict[str, Any] = {}
    for stat in elements(stats, "TargetValueStat"):
        distributions = elements(stat)
        if len(distributions) != 1 or tag_of(distributions[0]) not in ("GaussianDistribution", "PoissonDistribution"):
            raise unsupported(stat, "a <TargetValueStat> without one GaussianDistribution or PoissonDistribution")
        k = class_index(stat.get("value"), classes)
        if k is None:
            raise unsupported(stat, f"a <TargetValueStat> for {stat.get('value')!r}, which is not a value of the target")
        by_class[classes[k]] = distributions[0]
    missing = [c for c in classes if c not in by_class]
    if missing:
        raise unsupported(stats, f"<TargetValueStats> without a TargetValueStat for the class {missing[0]!r}")
    distributions = [by_class[c] for c in classes]

    def density(distribution: Any, x: np.ndarray) -> np.ndarray:
        mean = float(distribution.get("mean"))
        if tag_of(distribution) == "GaussianDistribution":
            variance = float(distribution.get("variance"))
            a = x - mean
            return mathlib.exp(-0.5 * (a * a) / variance) / math.sqrt(2.0 * math.pi * variance)
        gamma = np.array([math.gamma(v + 1.0) if v == v and v + 1.0 > 0 else np.nan for v in x.tolist()])
        return mathlib.power(np.full(len(x), mean), x) * math.exp(-mean) / gamma

    def term(env: Env) -> np.ndarray:
        x = _numbers(env.get(name))
        out = np.zeros((len(classes), env.rows))
        present = ~np.isnan(x)
        with np.errstate(all="ignore"):
            for k, distribution in enumerate(distributions):
                p = density(distribution, x[present])
                out[k, present] = mathlib.log(np.where(p < threshold, threshold, p))
        return out
    return term


def _discrete(item: Any, name: str, classes: list[str], threshold: float, compiler: Compiler) -> Term:
    derived = first(item, "DerivedField")
    if derived is not None:
        expressions = elements(derived)
        if len(expressions) != 1 or tag_of(expressions[0]) != "Discretize":
            raise unsupported(derived, "a BayesInput <DerivedField> other than a Discretize")
        compute = compiler.expression(expressions[0])
        numeric = (derived.get("dataType") or "string") in NUMERIC
    else:
        compute = None
        numeric = compiler.is_numeric(name)
    pairs = elements(item, "PairCounts")
    counts = np.vstack([_counts(first(p, "TargetValueCounts"), classes) for p in pairs]) if pairs \
        else np.zeros((0, len(classes)))
    totals = np.zeros(len(classes))
    for row in counts:
        totals = totals + row
    with np.errstate(all="ignore"):
        table = np.where(counts > 0, counts / totals, threshold)
    # One row more: a value no PairCounts names (threshold for every class).
    table = mathlib.log(np.vstack([table, np.full((1, len(classes)), threshold)]))
    keys = [parse_value(p.get("value"), numeric) for p in pairs]
    index = {k: i for i, k in enumerate(keys) if k == k}

    def term(env: Env) -> np.ndarray:
        original = env.get(name)
        values = compute(env) if compute is not None else original
        skip = missing_mask(original) | missing_mask(values)
        if numeric and values.dtype == object:
            values = _numbers(values)
        elif not numeric and values.dtype != object:
            values = np.array([None if v != v else parse_key(v) for v in values.tolist()], dtype=object)
        rows = pd.Series(values, dtype=object).map(index).fillna(len(keys)).to_numpy(dtype=np.int64)
        out = table[rows].T.copy()
        out[:, skip] = 0.0
        return out
    return term


def parse_key(value: float) -> str:
    """A number as the text a PairCounts value of a text field would hold."""
    return str(int(value)) if float(value).is_integer() else repr(value)


def naive_bayes_model(node: Any, compiler: Compiler, classes: list[str]) -> Callable[[Env], Prediction]:
    if node.get("functionName") != "classification":
        raise unsupported(node, f"a NaiveBayesModel with functionName={node.get('functionName')!r}")
    if not classes:
        raise unsupported(node, "a NaiveBayesModel whose target lists no values")
    if node.get("threshold") is None:
        raise unsupported(node, "a NaiveBayesModel without threshold")
    threshold = float(node.get("threshold"))
    output = first(node, "BayesOutput")
    if output is None or first(output, "TargetValueCounts") is None:
        raise unsupported(node, "a NaiveBayesModel without BayesOutput counts")
    with np.errstate(divide="ignore"):
        priors = mathlib.log(_counts(first(output, "TargetValueCounts"), classes))
    inputs = first(node, "BayesInputs")
    terms = []
    for item in elements(inputs, "BayesInput") if inputs is not None else []:
        name = item.get("fieldName")
        stats = first(item, "TargetValueStats")
        if stats is not None:
            terms.append(_continuous(item, stats, name, classes, threshold))
        else:
            terms.append(_discrete(item, name, classes, threshold, compiler))

    def run(env: Env) -> Prediction:
        likelihood = np.repeat(priors[:, None], env.rows, axis=1)
        for term in terms:
            likelihood = likelihood + term(env)
        with np.errstate(all="ignore"):
            top = likelihood.max(axis=0)
            exps = mathlib.exp(likelihood - top)
            total = np.zeros(env.rows)
            for row in exps:
                total = total + row
            probabilities = [row / total for row in exps]
        return Prediction(_argmax(probabilities, classes), dict(zip(classes, probabilities)))
    return run
