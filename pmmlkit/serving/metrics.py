"""Prometheus metrics, served at /monitoring/prometheus/metrics: requests, errors and latency
per model, version and API, and version loads.

With several workers, ``pmmlkit serve`` sets PROMETHEUS_MULTIPROC_DIR before they start, so each
worker writes its samples there and any worker answers a scrape with the sum of all of them.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
LABELS = ("model", "version", "api")

REQUESTS = Counter("pmmlkit_serving_requests", "Requests answered, by model, version, API and HTTP status",
                   (*LABELS, "status"))
ERRORS = Counter("pmmlkit_serving_request_errors", "Requests answered with an error (status 400 or more)",
                 (*LABELS, "status"))
LATENCY = Histogram("pmmlkit_serving_request_latency_seconds", "Time from request to answer, in seconds",
                    LABELS, buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
                                     10.0, 30.0))
LOADS = Counter("pmmlkit_serving_model_loads", "Model versions loaded or refused", ("model", "outcome"))


class Meters:
    """The metric children of one (model, version, API), looked up once rather than per request."""

    def __init__(self, model: str, version: str, api: str) -> None:
        self.labels = (model, version, api)
        self.latency = LATENCY.labels(*self.labels)
        self._requests: dict[int, Any] = {}

    def observe(self, status: int, seconds: float) -> None:
        child = self._requests.get(status)
        if child is None:
            child = self._requests[status] = REQUESTS.labels(*self.labels, str(status))
        child.inc()
        if status >= 400:
            ERRORS.labels(*self.labels, str(status)).inc()
        self.latency.observe(seconds)


def record_load(model: str, outcome: str) -> None:
    LOADS.labels(model, outcome).inc()


def exposition() -> bytes:
    """The metrics in Prometheus' text format (summed over workers in multi-process mode)."""
    if os.environ.get(MULTIPROCESS_VARIABLE):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
