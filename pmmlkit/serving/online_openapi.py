"""The OpenAPI parts of online features: the :rank operation, and for a model with feature sources
which inputs the request gives and which Redis does (kept apart from openapi.py's TF Serving shapes)."""

from __future__ import annotations

import json
from typing import Any

from .config import Limits
from .rank import rank_choices
from .signature import SIGNATURE_NAME, Signature

_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def online_operation(operation: dict[str, Any], online: Any) -> dict[str, Any]:
    """``operation`` with the feature sources in its description and the missing_features flag."""
    if online is None:
        return operation
    sources = online.spec.describe()
    lines = "\n".join(f"- `{name}`: {json.dumps(source, sort_keys=True)}" for name, source in sources.items())
    operation["description"] = (f"The request gives {', '.join(online.request_signature.input_names)}; these inputs "
                                f"are looked up in Redis (missing: the PMML's missing-value treatment, a default, "
                                f"or 404 when required; Redis unreachable or slow: 503):\n{lines}")
    operation["responses"].setdefault("502", _json(_ERROR, "A value in Redis does not fit the model"))
    operation["responses"].setdefault("503", _json(_ERROR, "No version available, or Redis unreachable or slow"))
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    for body in schema.get("oneOf", schema.get("anyOf", [schema])):
        body["properties"]["missing_features"] = {"type": "boolean", "description": "answer with the Redis keys "
                                                  "(and hash fields) that were missing"}
    return operation


def rank_operation(name: str, signature: Signature, limits: Limits) -> dict[str, Any]:
    # As for :classify, each candidate with the context must give every input: either every
    # candidate is whole (context optional), or the context is.
    properties = {n: signature.input_schema(n) for n in signature.input_names}
    whole = {"type": "object", "additionalProperties": False, "required": list(signature.input_names),
             "properties": properties}
    partial = {"type": "object", "additionalProperties": False, "properties": properties}
    by_default = signature.function_name == "regression" and signature.predicted is not None

    def body(candidate: dict[str, Any], context: dict[str, Any], required: list[str]) -> dict[str, Any]:
        return {"type": "object", "additionalProperties": False,
                "required": required + ([] if by_default else ["by"]), "properties": {
                    "signature_name": {"type": "string", "enum": [SIGNATURE_NAME, ""]},
                    "context": context,
                    "candidates": {"type": "array", "items": candidate, "maxItems": limits.max_rows},
                    "top_k": {"type": "integer", "minimum": 1},
                    "by": {"type": "string", "enum": rank_choices(signature),
                           "description": "the output to rank on: an output name, or probability(LABEL)"},
                    "missing_features": {"type": "boolean"}}}

    request = {"anyOf": [body(whole, partial, ["candidates"]), body(partial, whole, ["candidates", "context"])]}
    answer = {"type": "object", "required": ["by", "results"], "properties": {
        "by": {"type": "string"},
        "results": {"type": "array", "items": {"type": "object", "required": ["index", "score", "candidate"],
                                               "properties": {"index": {"type": "integer"},
                                                              "score": {"type": ["number", "null"]},
                                                              "candidate": {"type": "object"}}}},
        "missing_features": {"type": "object"}}}
    return {"summary": f"Rank candidates with {name}: each candidate with the context is scored, the best top_k "
                       "come back, highest 'by' output first",
            "requestBody": {"required": True, "content": {"application/json": {"schema": request}}},
            "responses": {"200": _json(answer, "Ranked candidates")}}  # the errors: openapi._operation's
