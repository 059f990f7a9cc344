"""Scorecard (PMML 4.4 "Scorecard"): partial scores and reason codes as columns.

The score is the sum of each Characteristic's partial score (its first Attribute whose predicate is
TRUE: ``partialScore`` or the ComplexPartialScore's expression), summed in document order and
then added to ``initialScore`` (PMML4S's order); a Characteristic where no Attribute is TRUE
makes the score missing.

Reason codes (``useReasonCodes``, OutputFields ``feature="reasonCode" rank="N"``): the chosen
Attribute's code (its own ``reasonCode``, else its Characteristic's) gets ``baseline - partial``
points (``pointsBelow``) or ``partial - baseline`` (``pointsAbove``), the baseline being the
Characteristic's ``baselineScore`` or the Scorecard's; points are summed per code, and the codes
with points of at least 0 are ranked largest first, a tie going to the code that appears first in the
document. Rank N is the N-th such code, missing when there are fewer: the standard's reading and
JPMML-Evaluator's. (PMML4S repeats the last code in those ranks, and breaks ties by the codes'
alphabetical order, last first; pmmlkit's explanations of Scorecards follow the standard too:
:mod:`pmmlkit.inspection.scorecard`.) ``baselineMethod`` is informational and does not change a
score.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...pmml import tag_of
from .expressions import Compiler
from .fields import elements, first
from .ir import Column, CompiledExpression, Env, Prediction, unsupported
from .mining import segment_predicate
from .output import OutputField

_PREDICATES = ("SimplePredicate", "CompoundPredicate", "SimpleSetPredicate", "True", "False")


class _Attribute:
    def __init__(self, node: Any, compiler: Compiler, numeric: Callable[[str], bool], code: str | None) -> None:
        predicates = [c for c in elements(node) if tag_of(c) in _PREDICATES]
        if len(predicates) != 1:
            raise unsupported(node, "an <Attribute> without one predicate")
        self.predicate = segment_predicate(predicates[0], numeric)
        complex_score = first(node, "ComplexPartialScore")
        self.expression: CompiledExpression | None = None
        if complex_score is not None:
            expressions = elements(complex_score)
            if len(expressions) != 1:
                raise unsupported(complex_score, "a <ComplexPartialScore> without one expression")
            self.expression = compiler.expression(expressions[0])
        elif node.get("partialScore") is None:
            raise unsupported(node, "an <Attribute> without partialScore or ComplexPartialScore")
        self.points = float(node.get("partialScore", "nan"))
        self.code = node.get("reasonCode") or code

    def partial(self, env: Env) -> Column:
        if self.expression is None:
            return np.full(env.rows, self.points)
        values = self.expression(env)
        return values.astype(np.float64) if values.dtype != object else \
            np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def scorecard(node: Any, compiler: Compiler, numeric: Callable[[str], bool]) -> Callable[[Env], Prediction]:
    if node.get("functionName") != "regression":
        raise unsupported(node, f"a Scorecard with functionName={node.get('functionName')!r}")
    initial = float(node.get("initialScore", "0"))
    below = node.get("reasonCodeAlgorithm", "pointsBelow") == "pointsBelow"
    use_codes = node.get("useReasonCodes", "true") == "true"
    holder = first(node, "Characteristics")
    characteristics = []
    for characteristic in elements(holder, "Characteristic") if holder is not None else []:
        attributes = [_Attribute(a, compiler, numeric, characteristic.get("reasonCode"))
                      for a in elements(characteristic, "Attribute")]
        baseline = characteristic.get("baselineScore", node.get("baselineScore"))
        characteristics.append((characteristic, attributes, None if baseline is None else float(baseline)))
    if not characteristics:
        raise unsupported(node, "a Scorecard without Characteristic")
    output = first(node, "Output")
    # Without an Output, PMML4S gives every reason code rank (see default_reason_codes).
    wants_codes = output is None or any(f.get("feature") == "reasonCode" for f in elements(output, "OutputField"))
    codes: list[str] = []
    if use_codes and wants_codes:
        for characteristic, attributes, baseline in characteristics:
            if baseline is None:
                raise unsupported(characteristic, "reason codes without a baselineScore on the Characteristic or the "
                                                  "Scorecard")
            for attribute in attributes:
                if attribute.code is None:
                    raise unsupported(characteristic, "reason codes with an Attribute that has no reasonCode (nor its "
                                                      "Characteristic)")
                if attribute.code not in codes:
                    codes.append(attribute.code)

    def run(env: Env) -> Prediction:
        total = np.zeros(env.rows)
        choices = []
        for _, attributes, baseline in characteristics:
            chosen = np.full(env.rows, -1, dtype=np.int64)
            partial = np.full(env.rows, np.nan)
            for i, attribute in enumerate(attributes):
                fresh = (chosen < 0) & (attribute.predicate(env) == 1.0)
                if fresh.any():
                    chosen[fresh] = i
                    partial[fresh] = attribute.partial(env)[fresh]
            total = total + partial
            choices.append((attributes, baseline, chosen, partial))
        prediction = Prediction(total + initial)
        if codes:
            prediction.extra["reason_codes"] = _ranked(choices, codes, below, env.rows)
        prediction.extra["feature"] = lambda field, rows: reason_code(prediction, int(field.get("rank", "1")), rows)
        return prediction
    return run


def _ranked(choices: list[tuple[list[_Attribute], float, np.ndarray, np.ndarray]], codes: list[str], below: bool,
            rows: int) -> list[Column]:
    """The reason codes of each row, ranked: column r holds each row's code of rank r + 1 (None
    where a row has fewer codes with points of at least 0)."""
    index = {code: k for k, code in enumerate(codes)}
    points = np.zeros((rows, len(codes)))
    seen = np.full((rows, len(codes)), len(choices) + 1)  # the first Characteristic giving a row each code
    everywhere = np.arange(rows)
    for position, (attributes, baseline, chosen, partial) in enumerate(choices):
        code_of = np.array([index[a.code] for a in attributes] + [0], dtype=np.int64)[chosen]
        difference = baseline - partial if below else partial - baseline
        hit = chosen >= 0
        rows_hit, columns = everywhere[hit], code_of[hit]
        points[rows_hit, columns] = points[rows_hit, columns] + difference[hit]
        seen[rows_hit, columns] = np.minimum(seen[rows_hit, columns], position)
    order = np.lexsort((seen, -points), axis=-1)  # largest points first; a tie: the code met first
    names = np.array(codes + [None], dtype=object)
    ranked = []
    for rank in range(len(codes)):
        column = order[:, rank]
        value = points[everywhere, column]
        # A code the row met, with points of at least 0 (JPMML-Evaluator ranks 0 points too; the
        # standard leaves the sign out): pmmlkit.explain's reason codes follow the same rule.
        met = seen[everywhere, column] <= len(choices)
        ranked.append(names[np.where(met & (value >= 0), column, len(codes))])
    return ranked


def default_reason_codes(node: Any) -> list[OutputField]:
    """The reason codes PMML4S outputs for a Scorecard without <Output>: ``reason_code_1`` to
    ``reason_code_N``, N being the number of distinct codes the document names (on its
    Characteristics and Attributes)."""
    if node.get("useReasonCodes", "true") != "true":
        return []
    holder = first(node, "Characteristics")
    named = set()
    for characteristic in elements(holder, "Characteristic") if holder is not None else []:
        named.update(c for c in [characteristic.get("reasonCode")] +
                     [a.get("reasonCode") for a in elements(characteristic, "Attribute")] if c is not None)
    return [OutputField(f"reason_code_{rank}", "string",
                        lambda env, p, done, rank=rank: reason_code(p, rank, env.rows))
            for rank in range(1, len(named) + 1)]


def reason_code(prediction: Prediction, rank: int, rows: int) -> Column:
    """The reason code of ``rank`` (1-based) for each row."""
    ranked = prediction.extra.get("reason_codes", [])
    if 1 <= rank <= len(ranked):
        return ranked[rank - 1]
    return np.full(rows, None, dtype=object)
