"""``POST /v1/models/NAME[/versions/N]:rank``: score candidates for one context and sort them.

Body: ``{"context": {...}, "candidates": [{...}, ...], "top_k": 20, "by": "probability(1)"}``.
Each candidate, completed by the context (a candidate's own value wins), is one record, with the
same checks and the same feature lookups as ``:predict``. ``by`` names the output to sort on:
an output field's name, or ``probability(LABEL)`` for the output holding that class's probability;
a regression model sorts on its predicted value by default. The answer lists the best ``top_k``
candidates, highest score first (a missing score last, ties in request order)::

    {"by": "p_1", "results": [{"index": 17, "score": 0.93, "candidate": {...}}, ...]}
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from .config import Limits
from .signature import SIGNATURE_NAME, RequestError, Signature

Scorer = Callable[[Any, list[dict[str, Any]]], Awaitable[list[dict[str, Any]]]]
ALLOWED = {"signature_name", "context", "candidates", "top_k", "by", "missing_features"}
_PROBABILITY = re.compile(r"^probability\((?P<label>.*)\)$")


def rank_choices(signature: Signature) -> list[str]:
    """What ``by`` may say: the numeric outputs and ``probability(LABEL)`` for each class."""
    names = [f.name for f in signature.outputs if f.data_type is None or f.is_numeric]
    return names + [f"probability({label})" for _, label in signature.probabilities
                    if f"probability({label})" not in names]


def score_output(signature: Signature, by: Any) -> str:
    """The output field that ``by`` names (RequestError when none does)."""
    if by is None:
        if signature.function_name == "regression" and signature.predicted is not None:
            return signature.predicted
        raise RequestError("give 'by': the output to rank on, e.g. "
                           + (f"\"probability({signature.probabilities[-1][1]})\"" if signature.probabilities
                              else f"{signature.output_names[0]!r}" if signature.output_names else "an output"))
    if not isinstance(by, str):
        raise RequestError("'by' must be an output name or \"probability(LABEL)\"")
    if by in signature.output_names:
        field = next(f for f in signature.outputs if f.name == by)
        if field.data_type is not None and not field.is_numeric:
            raise RequestError(f"output {by!r} is {field.data_type}, not a number: rank by a numeric output "
                               f"({', '.join(repr(f.name) for f in signature.outputs if f.is_numeric)})")
        return by
    match = _PROBABILITY.match(by)
    if match:
        for name, label in signature.probabilities:
            if label == match["label"]:
                return name
        labels = [label for _, label in signature.probabilities]
        raise RequestError(f"'by': no output holds the probability of class {match['label']!r} "
                           f"(classes with a probability output: {labels})")
    raise RequestError(f"'by': {by!r} is not an output of the model (outputs: {signature.output_names}, or "
                       "\"probability(LABEL)\")")


async def rank(payload: dict[str, Any], loaded: Any, score: Scorer, limits: Limits) -> dict[str, Any]:
    """The answer to a :rank request (``loaded`` is a LoadedVersion, ``score`` the server's scorer)."""
    extra = [key for key in payload if key not in ALLOWED]
    if extra:
        raise RequestError(f"unknown key(s) {extra} in the body; expected {sorted(ALLOWED)}")
    name = payload.get("signature_name", "")
    if name not in ("", SIGNATURE_NAME):
        raise RequestError(f"unknown signature_name {name!r}; this model has only {SIGNATURE_NAME!r}")
    candidates = payload.get("candidates")
    if type(candidates) is not list:
        raise RequestError(":rank needs 'candidates', an array of objects")
    if len(candidates) > limits.max_rows:
        raise RequestError(f"{len(candidates)} candidates in one request; the limit is {limits.max_rows} "
                           "(--max-rows)")
    for name, kind in (("context", dict), ("by", str)):
        if name in payload and type(payload[name]) is not kind:
            raise RequestError(f"'{name}' must be " + ("an object of features shared by every candidate"
                                                       if kind is dict else "an output name or \"probability(LABEL)\""))
    top_k = payload.get("top_k", len(candidates) or 1)
    if type(top_k) is float and top_k.is_integer() and top_k >= 1:  # JSON Schema's integer: 20.0 is 20
        top_k = int(top_k)
    if type(top_k) is not int or top_k < 1:
        raise RequestError(f"'top_k' must be a whole number of at least 1, not {top_k!r}")
    report = payload.get("missing_features", False)
    if type(report) is not bool:
        raise RequestError("'missing_features' must be true or false")
    online = loaded.online
    output = score_output(loaded.signature, payload.get("by"))
    view = online.request_signature if online is not None else loaded.signature
    if online is not None and payload.get("context"):
        online.refuse_looked_up(payload["context"], "'context'")
    records = view.records_from_examples(candidates, payload.get("context"))
    missing: dict[str, Any] = {}
    if online is not None and records:
        records, missing = await online.complete(records, "candidate")
    results = await score(loaded, records) if records else []
    scores = [r[output] for r in results]
    for i, value in enumerate(scores):
        if value is not None and (type(value) is bool or not isinstance(value, (int, float))):
            raise RequestError(f"output {output!r} of candidate {i} is {value!r}, not a number: rank by a numeric "
                               "output", 500)
    order = sorted(range(len(scores)), key=lambda i: (scores[i] is None, -(scores[i] or 0.0), i))
    answer: dict[str, Any] = {"by": output, "results": [
        {"index": i, "score": scores[i], "candidate": candidates[i]} for i in order[:top_k]]}
    if report:
        answer["missing_features"] = missing
    return answer
