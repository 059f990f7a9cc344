"""``POST /v1/models/NAME[/versions/N]:explain``: per-instance explanations (README "Serving").

The body takes the shapes ``:predict`` takes (``instances`` or ``inputs``). The answer holds, per
instance, the contributions of each input to each explained output, the base value and the
explained value (base plus contributions), and the explanation's ``space`` (``identity``, or the
margin before ``logit``/``softmax``). A model without an exact method answers 400 with the reason.
"""

from __future__ import annotations

import asyncio
import math
import weakref
from typing import Any

import pandas as pd

from ..errors import EvaluationError, PMMLError
from ..inspection.explain import Explanation
from ..scoring.evaluator import Model
from ..scoring.explaining import Explainer
from .signature import RequestError, Signature, refused
from .versions import LoadedVersion

# One Explainer (or the reason there is none) per loaded model, dropped with the model.
_explainers: weakref.WeakKeyDictionary[Model, Explainer | str] = weakref.WeakKeyDictionary()


def explainable(model: Model) -> bool:
    """Whether ``model`` has an exact explanation (the OpenAPI document lists ``:explain`` then)."""
    try:
        explainer_for(model)
    except RequestError:
        return False
    return True


def explainer_for(model: Model) -> Explainer:
    known = _explainers.get(model)
    if known is None:
        try:
            known = Explainer(model)
        except PMMLError as exc:
            known = f"this model has no exact explanation: {exc}"
        _explainers[model] = known
    if isinstance(known, str):
        raise RequestError(known)
    return known


def records_of(payload: dict[str, Any], signature: Signature, allowed: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The records of an ``:explain`` body (the ``:predict`` shapes; ``allowed``: more keys the body may have)."""
    known = sorted(("signature_name", "instances", "inputs", *allowed))
    extra = [key for key in payload if key not in known]
    if extra:
        raise RequestError(f"unknown key(s) {extra} in the body; expected {known}")
    if type(payload.get("missing_features", False)) is not bool:
        raise RequestError("'missing_features' must be true or false")
    if "instances" in payload and "inputs" in payload:
        raise RequestError("give either 'instances' (row form) or 'inputs' (columnar form), not both")
    if "instances" in payload:
        return signature.records_from_instances(payload["instances"])
    if "inputs" in payload:
        return signature.records_from_columns(payload["inputs"])
    raise RequestError("the body needs 'instances' (row form) or 'inputs' (columnar form)")


async def explain_records(loaded: LoadedVersion, records: list[dict[str, Any]], timeout: float) -> dict[str, Any]:
    """The ``:explain`` answer for ``records``, computed on a worker thread under ``timeout``."""
    explainer = explainer_for(loaded.model)
    # The values meet the input contract :predict's do (a value of the wrong type is refused, naming
    # the instance), not the frame conversion's coercion to missing.
    contract = loaded.model.contract
    for i, record in enumerate(records):
        try:
            contract.record(record, "error", "error", f"instance {i}")
        except EvaluationError as exc:
            raise refused(exc) from None
    frame = pd.DataFrame({name: [record[name] for record in records] for name in loaded.signature.input_names})
    task = asyncio.get_running_loop().run_in_executor(None, explainer.explain, frame)
    try:
        explanation = await asyncio.wait_for(task, timeout)
    except asyncio.TimeoutError:
        raise RequestError(f"explaining {len(records)} rows took longer than the request timeout of {timeout:g} s "
                           "(--request-timeout)", 504) from None
    except PMMLError as exc:
        raise RequestError(str(exc)) from None
    return answer(explanation)


def answer(explanation: Explanation) -> dict[str, Any]:
    totals = explanation.totals()
    rows = []
    for row in range(explanation.values.shape[0]):
        rows.append({
            "contributions": {output: {name: _plain(explanation.values[row, i, k])
                                       for i, name in enumerate(explanation.inputs)}
                              for k, output in enumerate(explanation.outputs)},
            "base_value": {output: _plain(explanation.base[k]) for k, output in enumerate(explanation.outputs)},
            "explained_value": {output: _plain(totals[row, k]) for k, output in enumerate(explanation.outputs)},
        })
    return {"space": explanation.space, "explanations": rows}


def _plain(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None  # strict JSON: a missing or overflowing value is null
