"""The public inspection API: ``pmmlkit.describe``, ``explain``, ``importance`` and ``diff``.

Each takes what ``pmmlkit.load`` takes (a path, bytes, XML text) or a loaded :class:`Model`; the
document passes the same gate as for scoring. Scores (derived-field values, samples) come from the
scoring engine, so an explanation reads the same transformed values the model scores.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from lxml import etree

from ..document import PMMLDocument
from ..errors import PMMLError
from ..parsing import Source, read_source
from ..scoring.evaluator import Model, load, score_document
from ..validation import gate
from .diff import diff as _diff
from .explain import Explanation, explain_document, frame_values
from .importance import coefficient_importance, permutation, tree_importance
from .summary import Summary, summarize

ModelSource = Source | Model | PMMLDocument


def describe(source: ModelSource) -> Summary:
    """A structured summary of a PMML document (README "Inspecting a model")."""
    return summarize(_root(source))


def explain(source: ModelSource, frame: pd.DataFrame) -> Explanation:
    """Per-record contributions of each input to the score (exact: TreeSHAP for trees and their
    ensembles, coefficient x value for regressions; other models are refused)."""
    root = _root(source)
    return explain_document(root, frame, lambda names: frame_values(root, frame, names, score_document))


def importance(source: ModelSource, kind: str = "auto", sample: pd.DataFrame | None = None,
               output: str | None = None) -> pd.Series:
    """Input importance: ``gain`` or ``splits`` (trees), ``coefficients`` (regressions, needs a
    sample for the spread), ``permutation`` (any model, needs a sample), or ``auto`` (gain for trees,
    coefficients for regressions, permutation otherwise). Sorted, largest first."""
    root = _root(source)
    kinds = ("auto", "gain", "splits", "coefficients", "permutation")
    if kind not in kinds:
        raise PMMLError(f"unknown importance kind {kind!r}: use one of {', '.join(kinds)}")
    if kind == "auto":
        has_trees = any(True for _ in root.iter("{*}TreeModel"))
        kind = "gain" if has_trees else ("coefficients" if sample is not None and
                                         any(True for _ in root.iter("{*}NumericPredictor")) else "permutation")
        if kind == "gain":
            try:
                return _sorted(tree_importance(root, "gain"))
            except PMMLError:
                kind = "splits"  # trees without recordCounts: count splits instead
    if kind in ("gain", "splits"):
        return _sorted(tree_importance(root, kind))
    if sample is None:
        raise PMMLError(f"importance kind {kind!r} needs a sample of records (sample=...)")
    if kind == "coefficients":
        return _sorted(coefficient_importance(root, sample, lambda names: frame_values(root, sample, names,
                                                                                         score_document)))
    model = load(etree.tostring(root), warm=False, cache=False)
    column = output or _first_numeric_output(model)
    inputs = [n for n in model.input_names if n in sample.columns]
    return _sorted(permutation(lambda f: model.predict(f, missing="allow")[column].to_numpy(), sample, inputs))


def diff(old: ModelSource, new: ModelSource, sample: pd.DataFrame | None = None,
         tolerance: float = 1e-9) -> dict[str, Any]:
    """Interface, structure and (on ``sample``) score differences between two versions."""
    old_root, new_root = _root(old), _root(new)
    scorers: list[Any] = [None, None]
    if sample is not None:
        models = [load(etree.tostring(r), warm=False, cache=False) for r in (old_root, new_root)]
        scorers = [lambda f, m=m: m.predict(f, missing="allow", extra="ignore") for m in models]
    return _diff(summarize(old_root), summarize(new_root), sample, scorers[0], scorers[1], tolerance)


def _root(source: ModelSource) -> etree._Element:
    if isinstance(source, PMMLDocument):
        data, name = source.to_bytes(), "<document>"
    elif isinstance(source, Model):
        data, name = source._data, source.name
    else:
        data, name = read_source(source)
    return gate(data, name)


def _first_numeric_output(model: Model) -> str:
    for field in model.output_fields:
        if field.is_numeric:
            return field.name
    raise PMMLError("the model has no numeric output to measure permutation importance on; name one with output=")


def _sorted(series: pd.Series) -> pd.Series:
    return series.sort_values(ascending=False, kind="stable")


__all__ = ["describe", "explain", "importance", "diff", "Explanation", "Summary"]
