"""The ASGI app: TensorFlow Serving's REST API over PMML models, on Starlette.

The request path is kept lean, because one request usually scores one record: the body is read
under its size limit, parsed with the standard json module, taken apart into records (signature.py),
and a few records are scored inline on the event loop through the model's single-record path (tens
of microseconds each). Larger requests, or any request that finds the engine busy, are scored on
a worker thread under the request timeout. Names and values are checked once, by the model's input
contract while it scores (``Model.predict_records``): a refusal names the instance.

A score JSON cannot hold (an overflow to infinity) is answered as null, and the answer lists it under
``non_finite`` (index, output, "Infinity" or "-Infinity"): a value is never a 500.

A body must arrive within the body timeout (else 408, and the connection is closed); a client
that goes away mid-body is logged in one line and counted under status 499, not as a failure of
the server. Headers have their own deadline, in the HTTP protocol (protocol.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import math
import re
import signal
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import EvaluationError, PMMLError
from ..io import json_object
from ..scoring import jvm
from ..scoring.evaluator import FEW_RECORDS
from .config import Limits, ServingConfig, config_from_environment
from .explain import explain_records, records_of
from .feature_store import close_clients, warm_up
from .metrics import CONTENT_TYPE, Meters, exposition
from .openapi import openapi_document
from .rank import rank
from .signature import SIGNATURE_NAME, RequestError, refused
from .versions import LoadedVersion, Poller, ServedModel

log = logging.getLogger("pmmlkit.serve")

# Requests of at most this many rows score inline on the event loop when the engine is free.
INLINE_ROWS = 8
# From this many rows a request is scored as one column batch instead of record by record (the
# library's list path decides: Model.predict_records).
BATCH_ROWS = FEW_RECORDS + 1
# The status metrics count a request under when its client went away before the whole body came
# (nginx's "client closed request"): no answer is sent, and it is not a server error.
CLIENT_CLOSED = 499

# The POST operations on a model path; which of them a model answers is openapi.operations'.
APIS = ("predict", "classify", "regress", "rank", "explain")
_MODEL_PATH = re.compile(r"^/v1/models/(?P<name>[^/:]+)(?:/versions/(?P<version>[0-9]{1,9}))?"
                         rf"(?:(?P<metadata>/metadata)|:(?P<api>{'|'.join(APIS)}))?$")


def json_response(content: Any, status: int = 200) -> Response:
    # Answers never hold NaN (missing results are null): allow_nan=False keeps the JSON strict.
    return Response(json.dumps(content, allow_nan=False, separators=(",", ":")).encode(), status_code=status,
                    media_type="application/json")


def error_response(message: str, status: int) -> Response:
    return json_response({"error": message}, status)


class ModelServer:
    """The served models, their poller and the request handlers."""

    def __init__(self, config: ServingConfig) -> None:
        config.limits.check()
        self.config = config
        self.limits: Limits = config.limits
        self.models = {source.name: ServedModel(source) for source in config.models}
        self.poller = Poller(list(self.models.values()), config.poll_seconds)
        self._meters: dict[tuple[str, str, str], Meters] = {}

    # -- lifecycle -----------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        # The JVM starts here, in the worker, on its main thread: in the process that uses it,
        # after any fork. It takes SIGTERM and SIGINT for itself (a stop would end the process
        # at once, dropping requests in flight): hand them back to uvicorn's graceful shutdown.
        try:
            jvm.start()
        except PMMLError as exc:
            log.error("the Java runtime did not start: %s", exc)
        _reclaim_signals()
        for served in self.models.values():
            served.refresh()
            if served.current is None:
                log.error("model %s: no version could be loaded; readiness fails until one is", served.name)
        await warm_up([s.current.online.store for s in self.models.values() if s.current and s.current.online])
        # Everything loaded so far (libraries, models) lives as long as the worker: moved out of
        # the collector's reach, full collections stay short and stop spiking request latency.
        gc.collect()
        gc.freeze()
        self.poller.start()
        try:
            yield
        finally:
            self.poller.stop()
            await close_clients()

    # -- endpoints -----------------------------------------------------------------------------
    async def live(self, request: Request) -> Response:
        return json_response({"status": "alive"})

    async def ready(self, request: Request) -> Response:
        missing = [name for name, served in self.models.items() if served.current is None]
        if missing:
            return error_response(f"no version available for model(s) {', '.join(missing)}", 503)
        return json_response({"status": "ready",
                              "models": {name: str(s.current.version) for name, s in self.models.items()
                                         if s.current is not None}})

    async def metrics(self, request: Request) -> Response:
        return Response(exposition(), media_type=CONTENT_TYPE)

    async def openapi(self, request: Request) -> Response:
        return json_response(openapi_document(list(self.models.values()), self.limits))

    async def list_models(self, request: Request) -> Response:
        # TensorFlow Serving has no such endpoint: a list is friendlier than a 404 at the root of the API.
        listed = []
        for name, served in self.models.items():
            current = served.current
            listed.append({"name": name, "version": str(current.version) if current is not None else None,
                           "model_version_status": served.status(None)})
        return json_response({"models": listed})

    async def model_endpoint(self, request: Request) -> Response:
        started = time.perf_counter()
        match = _MODEL_PATH.match(request.scope["path"])
        api = (match["api"] or ("metadata" if match["metadata"] else "status")) if match else "unknown"
        served = self.models.get(match["name"]) if match else None
        meters_version = "-"
        try:
            if match is None:
                raise RequestError(f"no such endpoint: {request.scope['path']} (see /v1/openapi.json)", 404)
            if served is None:
                raise RequestError(f"model {match['name']!r} is not served here (served: "
                                   f"{', '.join(sorted(self.models))})", 404)
            version = int(match["version"]) if match["version"] else None
            wants = "POST" if match["api"] else "GET"
            if request.method != wants:
                raise RequestError(f"{request.method} is not allowed here; use {wants}", 405)
            if api == "status":
                statuses = served.status(version)
                if not statuses:
                    raise RequestError(f"model {served.name!r} has no version {version}", 404)
                response = json_response({"model_version_status": statuses})
            else:
                loaded = self._serving(served, version)
                meters_version = str(loaded.version)
                if api == "metadata":
                    response = json_response({
                        "model_spec": {"name": served.name, "signature_name": "", "version": str(loaded.version)},
                        "metadata": {"signature_def": loaded.signature.signature_def(),
                                     **({"feature_sources": loaded.online.describe()} if loaded.online else {})}})
                elif api == "rank":
                    response = json_response(await rank(
                        _parse_json(await self._read_body(request)), loaded,
                        lambda version, records: self._score(version, records, "candidate"), self.limits))
                elif api == "explain":
                    response = await self._explain_request(request, loaded)
                else:
                    response = await self._score_request(request, loaded, api)
        except RequestError as exc:
            response = error_response(str(exc), exc.status)
            if exc.status == 405:
                response.headers["Allow"] = "POST" if match and match["api"] else "GET"
            elif exc.status == 408:
                response.headers["Connection"] = "close"  # the rest of the body is not awaited
        except ClientDisconnect:
            # The client closed the connection before its whole body came: nobody reads an answer.
            log.warning("%s: the client closed the connection before sending the whole body",
                        request.scope["path"])
            response = Response(status_code=CLIENT_CLOSED)
        except Exception as exc:  # a defect, never a user error: answer, log, keep serving
            log.exception("unexpected failure on %s", request.scope["path"])
            response = error_response(f"internal error: {type(exc).__name__}: {exc}", 500)
        self._meters_for(served.name if served else "", meters_version, api).observe(
            response.status_code, time.perf_counter() - started)
        return response

    # -- scoring -------------------------------------------------------------------------------
    def _serving(self, served: ServedModel, version: int | None) -> LoadedVersion:
        loaded = served.serving(version)
        if loaded is not None:
            return loaded
        current = served.current
        if version is not None:
            now = f"version {current.version} is serving" if current else "no version is serving"
            raise RequestError(f"version {version} of model {served.name!r} is not available ({now})", 404)
        raise RequestError(f"no version of model {served.name!r} is available (see "
                           f"/v1/models/{served.name} for why)", 503)

    async def _score_request(self, request: Request, loaded: LoadedVersion, api: str) -> Response:
        payload = _parse_json(await self._read_body(request))
        signature = loaded.signature
        online = loaded.online  # inputs looked up in Redis: the request gives the others (serving/online.py)
        view = online.request_signature if online is not None else signature
        name = payload.get("signature_name", "")
        if name not in ("", SIGNATURE_NAME):
            raise RequestError(f"unknown signature_name {name!r}; this model has only {SIGNATURE_NAME!r}")
        if api == "predict":
            allowed = {"signature_name", "instances", "inputs"}
            if "instances" in payload and "inputs" in payload:
                raise RequestError("give either 'instances' (row form) or 'inputs' (columnar form), not both")
            if "instances" in payload:
                records = view.records_from_instances(payload["instances"])
                label = "instance"
            elif "inputs" in payload:
                records = view.records_from_columns(payload["inputs"])
                label = "'inputs' row"
            else:
                raise RequestError("the body needs 'instances' (row form) or 'inputs' (columnar form)")
        else:
            allowed = {"signature_name", "examples", "context"}
            if "examples" not in payload:
                raise RequestError(f":{api} needs 'examples', an array of objects")
            if online is not None and type(payload.get("context")) is dict:
                online.refuse_looked_up(payload["context"], "'context'")
            records = view.records_from_examples(payload["examples"], payload.get("context"))
            label = "example"
        if online is not None:
            allowed.add("missing_features")
        extra = [key for key in payload if key not in allowed]
        if extra:
            raise RequestError(f"unknown key(s) {extra} in the body; expected {sorted(allowed)}")
        if len(records) > self.limits.max_rows:
            raise RequestError(f"{len(records)} rows in one request; the limit is {self.limits.max_rows} "
                               "(--max-rows)")
        if api == "classify":
            signature.classify_results([])  # refuse a model that cannot classify before scoring
        elif api == "regress":
            signature.regress_results([])
        missing: dict[str, Any] = {}
        if online is not None and records:
            records, missing = await online.complete(records, "instance" if api == "predict" else "example")
        results, non_finite = _finite(await self._score(loaded, records, label))
        if api == "classify":
            answer: dict[str, Any] = {"results": signature.classify_results(results)}
        elif api == "regress":
            answer = {"results": signature.regress_results(results)}
        elif "instances" in payload:
            answer = {"predictions": signature.predictions(results)}
        else:
            answer = {"outputs": signature.outputs_columns(results)}
        if non_finite:
            answer["non_finite"] = non_finite
        if payload.get("missing_features") is True:
            answer["missing_features"] = missing
        return json_response(answer)

    async def _explain_request(self, request: Request, loaded: LoadedVersion) -> Response:
        payload = _parse_json(await self._read_body(request))
        if payload.get("signature_name", "") not in ("", SIGNATURE_NAME):
            raise RequestError(f"unknown signature_name {payload['signature_name']!r}; this model has only "
                               f"{SIGNATURE_NAME!r}")
        online = loaded.online  # the same lookups as :predict: the request gives only its own inputs and ids
        records = records_of(payload, online.request_signature if online is not None else loaded.signature,
                             allowed=("missing_features",) if online is not None else ())
        if len(records) > self.limits.max_rows:
            raise RequestError(f"{len(records)} rows in one request; the limit is {self.limits.max_rows} "
                               "(--max-rows)")
        missing: dict[str, Any] = {}
        if online is not None and records:
            records, missing = await online.complete(records, "instance")
        answer = await explain_records(loaded, records, self.limits.timeout_seconds)
        if payload.get("missing_features") is True:
            answer["missing_features"] = missing
        return json_response(answer)

    async def _read_body(self, request: Request) -> bytes:
        limit = self.limits.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise RequestError(f"the body has {declared} bytes; the limit is {limit} (--max-body-bytes)", 413)
        # The deadline cancels this task itself: asyncio.wait_for would start a task per request,
        # several times the cost of a timer on the lean path.
        seconds = self.limits.body_timeout_seconds
        task = asyncio.current_task()
        expired = False

        def expire() -> None:
            nonlocal expired
            expired = True
            task.cancel()

        deadline = asyncio.get_running_loop().call_later(seconds, expire)
        try:
            return await self._receive_body(request, limit)
        except asyncio.CancelledError:
            if not expired:
                raise  # a cancellation from elsewhere (a stop)
            if hasattr(task, "uncancel"):  # Python 3.11+: the cancellation was ours, and is handled
                task.uncancel()
            raise RequestError(f"the request body did not arrive within {seconds:g} s (--body-timeout)", 408) from None
        finally:
            deadline.cancel()

    @staticmethod
    async def _receive_body(request: Request, limit: int) -> bytes:
        chunks = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise RequestError(f"the body exceeds the limit of {limit} bytes (--max-body-bytes)", 413)
            chunks.append(chunk)
        return b"".join(chunks)

    async def _score(self, loaded: LoadedVersion, records: list[dict[str, Any]], label: str) -> list[dict[str, Any]]:
        if len(records) <= INLINE_ROWS and loaded.lock.acquire(blocking=False):
            try:
                return _predict(loaded, records, label)
            finally:
                loaded.lock.release()
        loop = asyncio.get_running_loop()
        task = loop.run_in_executor(None, _score_blocking, loaded, records, label)
        try:
            return await asyncio.wait_for(task, self.limits.timeout_seconds)
        except asyncio.TimeoutError:
            raise RequestError(f"scoring {len(records)} rows took longer than the request timeout of "
                               f"{self.limits.timeout_seconds:g} s (--request-timeout)", 504) from None

    def _meters_for(self, model: str, version: str, api: str) -> Meters:
        key = (model, version, api)
        meters = self._meters.get(key)
        if meters is None:
            meters = self._meters[key] = Meters(model, version, api)
        return meters


def _parse_json(body: bytes) -> dict[str, Any]:
    if not body.strip():
        raise RequestError("the request has no body; send a JSON object")
    try:
        payload = json.loads(body, parse_constant=_refuse_constant, object_pairs_hook=json_object)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise RequestError(f"the body is not valid JSON: {exc}") from None
    if type(payload) is not dict:
        raise RequestError("the body must be a JSON object with 'instances', 'inputs' or 'examples'")
    return payload


def _reclaim_signals() -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for number in (signal.SIGTERM, signal.SIGINT):
        handler = signal.getsignal(number)
        if callable(handler):  # a Python handler (uvicorn's): install it again, over the JVM's
            signal.signal(number, handler)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number (give null for a missing value)")


def _score_blocking(loaded: LoadedVersion, records: list[dict[str, Any]], label: str) -> list[dict[str, Any]]:
    with loaded.lock:
        return _predict(loaded, records, label)


def _predict(loaded: LoadedVersion, records: list[dict[str, Any]], label: str) -> list[dict[str, Any]]:
    """Score under the input contract, as TensorFlow Serving takes inputs: every input given (null for a
    missing value), no key the model does not know; a refusal names the record ("instance 3")."""
    try:
        return loaded.model.predict_records(records, missing="error", extra="error", label=label)
    except EvaluationError as exc:
        raise refused(exc) from None


_NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


def _finite(results: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The results with every score JSON cannot hold (infinity, NaN) as null, and where each one was."""
    found = []
    for i, result in enumerate(results):
        for name, value in result.items():
            if type(value) is float and value - value != 0.0:  # inf - inf and nan - nan are nan
                found.append({"index": i, "output": name, "value": _NON_FINITE.get(value, "NaN")})
    for note in found:
        results[note["index"]][note["output"]] = None
    return results, found


async def _http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    detail = getattr(exc, "detail", None) or "error"
    if status == 404:
        detail = f"no such endpoint: {request.scope['path']} (see /v1/openapi.json)"
    response = error_response(str(detail), status)
    if getattr(exc, "headers", None):
        response.headers.update(exc.headers)
    return response


def create_app(config: ServingConfig) -> Starlette:
    """The ASGI app serving ``config``'s models (the JVM starts when the app starts)."""
    server = ModelServer(config)
    routes = [
        Route("/v1/health/live", server.live, methods=["GET"]),
        Route("/v1/health/ready", server.ready, methods=["GET"]),
        Route("/monitoring/prometheus/metrics", server.metrics, methods=["GET"]),
        Route("/v1/openapi.json", server.openapi, methods=["GET"]),
        # Both spellings list the models: "/v1/models" used to be redirected to "/v1/models/",
        # which the route below answered 404.
        Route("/v1/models", server.list_models, methods=["GET"]),
        Route("/v1/models/", server.list_models, methods=["GET"]),
        Route("/v1/models/{rest:path}", server.model_endpoint, methods=["GET", "POST"]),
    ]
    app = Starlette(routes=routes, lifespan=server.lifespan, exception_handlers={HTTPException: _http_error})
    app.state.server = server
    return app


def app_from_environment() -> Starlette:
    """uvicorn's app factory in each worker: the configuration comes from the environment."""
    return create_app(config_from_environment())
