"""The OpenAPI 3.1 document of a running server, built from the models it serves now: every path,
the request bodies each model accepts (typed from its PMML inputs) and every answer it can give."""

from __future__ import annotations

from typing import Any

from ..version import __version__
from .config import Limits
from .explain import explainable
from .online_openapi import online_operation, rank_operation
from .rank import rank_choices
from .signature import SIGNATURE_NAME, Signature
from .versions import LoadedVersion, ServedModel

ERROR = {"$ref": "#/components/schemas/Error"}
STATUS = {"$ref": "#/components/schemas/ModelVersionStatus"}
VERSION_STATUSES = {"type": "array", "items": {
    "type": "object", "required": ["version", "state", "status"], "properties": {
        "version": {"type": "string"}, "state": {"type": "string"},
        "status": {"type": "object", "properties": {"error_code": {"type": "string"},
                                                    "error_message": {"type": "string"}}}}}}
MODEL_LIST = {"type": "object", "required": ["models"], "properties": {"models": {"type": "array", "items": {
    "type": "object", "required": ["name", "version", "model_version_status"],
    "properties": {"name": {"type": "string"}, "version": {"type": ["string", "null"]},
                   "model_version_status": VERSION_STATUSES}}}}}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "Bad request: the message says what is wrong", 404: "Unknown model or version",
            413: "Request body too large", 503: "No version of the model is available", 504: "Timed out"}
    return {str(code): _json(ERROR, text[code]) for code in codes}


def _properties(signature: Signature) -> dict[str, Any]:
    """Each input's values; an input the model was trained on but does not use takes any value (ignored)."""
    return {**{n: {} for n in signature.unused_inputs}, **{n: signature.input_schema(n) for n in signature.input_names}}


# Scores JSON cannot hold (an overflow to infinity) are answered as null, and listed here.
NON_FINITE = {"type": "array", "items": {
    "type": "object", "required": ["index", "output", "value"],
    "properties": {"index": {"type": "integer"}, "output": {"type": "string"},
                   "value": {"type": "string", "enum": ["Infinity", "-Infinity", "NaN"]}}}}


def _row_schema(signature: Signature) -> dict[str, Any]:
    record = {"type": "object", "additionalProperties": False, "required": list(signature.input_names),
              "properties": _properties(signature)}
    if len(signature.input_names) == 1:
        return {"anyOf": [signature.input_schema(signature.input_names[0]), record]}
    return record


def _output_row(signature: Signature) -> dict[str, Any]:
    if len(signature.outputs) == 1:
        return signature.output_schema(signature.outputs[0])
    return {"type": "object", "properties": {f.name: signature.output_schema(f) for f in signature.outputs}}


def _predict(name: str, signature: Signature, limits: Limits) -> dict[str, Any]:
    answer = {"type": "object", "properties": {
        "predictions": {"type": "array", "items": _output_row(signature)},
        "outputs": {"type": "array", "items": _output_row(signature)} if len(signature.outputs) == 1 else
        {"type": "object", "properties": {f.name: {"type": "array", "items": signature.output_schema(f)}
                                          for f in signature.outputs}},
        "non_finite": NON_FINITE}}
    return {"summary": f"Score rows with {name} (row form 'instances' or columnar 'inputs')",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _rows_body(signature,
                                                                                                   limits)}}},
            "responses": {"200": _json(answer, "Predictions")}}


def _explain(name: str, signature: Signature, limits: Limits) -> dict[str, Any]:
    per_output = {"type": "object", "additionalProperties": {"type": ["number", "null"]}}
    explanation = {"type": "object", "required": ["contributions", "base_value", "explained_value"], "properties": {
        "contributions": {"type": "object", "description": "output -> input -> contribution",
                          "additionalProperties": per_output},
        "base_value": per_output, "explained_value": per_output}}
    answer = {"type": "object", "required": ["space", "explanations"], "properties": {
        "space": {"type": "string", "description": "identity, or the margin before the link (logit, softmax, ...)"},
        "explanations": {"type": "array", "items": explanation}}}
    return {"summary": f"Explain rows with {name}: each input's contribution, the base value and the explained "
                       "value per output (400 for a model without an exact method)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _rows_body(signature,
                                                                                                   limits)}}},
            "responses": {"200": _json(answer, "Explanations")}}


def _rows_body(signature: Signature, limits: Limits) -> dict[str, Any]:
    """The body of :predict and :explain: row form 'instances' or columnar 'inputs'."""
    rows = {"type": "array", "items": _row_schema(signature), "maxItems": limits.max_rows}
    columns = {"type": "object", "additionalProperties": False, "required": list(signature.input_names),
               "properties": {n: {"type": "array", "items": schema, "maxItems": limits.max_rows}
                              for n, schema in _properties(signature).items()}}
    signature_name = {"type": "string", "enum": [SIGNATURE_NAME, ""]}
    body = {"oneOf": [
        {"type": "object", "required": ["instances"], "additionalProperties": False,
         "properties": {"signature_name": signature_name, "instances": rows}},
        {"type": "object", "required": ["inputs"], "additionalProperties": False,
         "properties": {"signature_name": signature_name, "inputs": columns}},
    ]}
    return body


def _examples(name: str, signature: Signature, limits: Limits, api: str) -> dict[str, Any]:
    # Each example with the shared context must give every input: either every example is whole
    # (context optional), or the context is (examples then give what differs).
    properties = _properties(signature)
    whole = {"type": "object", "additionalProperties": False, "required": list(signature.input_names),
             "properties": properties}
    partial = {"type": "object", "additionalProperties": False, "properties": properties}
    signature_name = {"type": "string", "enum": [SIGNATURE_NAME, ""]}

    def body(example: dict[str, Any], context: dict[str, Any], required: list[str]) -> dict[str, Any]:
        return {"type": "object", "required": required, "additionalProperties": False,
                "properties": {"signature_name": signature_name, "context": context,
                               "examples": {"type": "array", "items": example, "maxItems": limits.max_rows}}}

    request = {"anyOf": [body(whole, partial, ["examples"]), body(partial, whole, ["examples", "context"])]}
    if api == "classify":
        item: dict[str, Any] = {"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 2,
                                                           "items": {"anyOf": [{"type": "string"},
                                                                               {"type": ["number", "null"]}]}}}
    else:
        item = {"type": ["number", "null"]}
    answer = {"type": "object", "required": ["results"],
              "properties": {"results": {"type": "array", "items": item}, "non_finite": NON_FINITE}}
    return {"summary": f"{api.capitalize()} examples with {name}",
            "requestBody": {"required": True, "content": {"application/json": {"schema": request}}},
            "responses": {"200": _json(answer, "Results")}}


def operations(loaded: LoadedVersion) -> list[str]:
    """The POST operations ``loaded`` answers (the document lists these and no others; with feature
    sources too, where each takes the request inputs and ids and Redis gives the rest)."""
    signature = loaded.signature
    found = ["predict"]
    found += [api for api in ("classify", "regress") if signature.refusal(api) is None]
    if rank_choices(signature):  # something numeric to rank on
        found.append("rank")
    if explainable(loaded.model):
        found.append("explain")
    return found


def _operation(api: str, name: str, loaded: LoadedVersion, limits: Limits) -> dict[str, Any]:
    """The POST operation ``api`` of ``loaded``: its request and answer, and the errors every operation gives."""
    signature = loaded.online.request_signature if loaded.online else loaded.signature
    if api == "predict":
        operation = _predict(name, signature, limits)
    elif api == "explain":
        operation = _explain(name, signature, limits)
    elif api == "rank":
        operation = rank_operation(name, signature, limits)
    else:
        operation = _examples(name, signature, limits, api)
    operation["responses"].update(_errors(400, 404, 413, 503, 504))
    return operation


def openapi_document(models: list[ServedModel], limits: Limits) -> dict[str, Any]:
    version_parameter = {"name": "version", "in": "path", "required": True,
                         "schema": {"type": "string", "pattern": "^[0-9]{1,9}$"}}
    model_list = {"get": {"summary": "The models served, with the version serving and their version status",
                          "responses": {"200": _json(MODEL_LIST, "Models")}}}
    paths: dict[str, Any] = {
        "/v1/health/live": {"get": {"summary": "Liveness: the process answers",
                                    "responses": {"200": _json({"type": "object"}, "Alive")}}},
        "/v1/health/ready": {"get": {"summary": "Readiness: every model has a version serving",
                                     "responses": {"200": _json({"type": "object"}, "Ready"), **_errors(503)}}},
        "/v1/openapi.json": {"get": {"summary": "This document: the models served now, their requests and answers",
                                     "responses": {"200": _json({"type": "object", "required": ["openapi", "paths"]},
                                                                "OpenAPI 3.1 document")}}},
        "/monitoring/prometheus/metrics": {"get": {
            "summary": "Prometheus metrics: requests, errors and latency per model, version and API; version loads",
            "responses": {"200": {"description": "Prometheus text exposition format",
                                  "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
        "/v1/models": model_list,
        "/v1/models/": model_list,
    }
    for served in models:
        base = f"/v1/models/{served.name}"
        for prefix, parameters in ((base, []), (base + "/versions/{version}", [version_parameter])):
            paths[prefix] = {"get": {"summary": f"Version status of {served.name}", "parameters": parameters,
                                     "responses": {"200": _json(STATUS, "Version status"), **_errors(404)}}}
            current = served.current
            if current is None:  # metadata and operations describe the version serving: none yet
                continue
            paths[prefix + "/metadata"] = {"get": {
                "summary": f"Inputs and outputs of {served.name}", "parameters": parameters,
                "responses": {"200": _json({"type": "object", "required": ["model_spec", "metadata"]}, "Metadata"),
                              **_errors(404, 503)}}}
            for api in operations(current):
                paths[f"{prefix}:{api}"] = {"post": online_operation(
                    {**_operation(api, served.name, current, limits), "parameters": parameters}, current.online)}
    return {
        "openapi": "3.1.0",
        "info": {"title": "pmmlkit serve", "version": __version__,
                 "description": "PMML models behind TensorFlow Serving's REST API"},
        "paths": paths,
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
            "ModelVersionStatus": {"type": "object", "required": ["model_version_status"],
                                   "properties": {"model_version_status": VERSION_STATUSES}},
        }},
    }
