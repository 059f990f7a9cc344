"""Run the app on uvicorn, in this process or in ``workers`` spawned worker processes.

The process that calls :func:`run` never starts a JVM: it checks the configuration and hands it
to uvicorn. With one worker the app runs here and starts its JVM on startup; with several,
uvicorn spawns fresh interpreters (no fork of a process with a JVM) that each build the app from
the environment and start their own JVM.

A stop (SIGTERM, Ctrl-C) lets requests in flight finish for up to the configured graceful
timeout (by default the body timeout plus the request timeout: the longest a request already
being received can take), and connections that are slow to send their headers are closed
(protocol.py).
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from .config import ENVIRONMENT_VARIABLE, ServingConfig
from .metrics import MULTIPROCESS_VARIABLE

APP_FACTORY = "pmmlkit.serving.app:app_from_environment"
# By import name, not the class: uvicorn hands its configuration to spawned workers pickled, and
# unpickling a class of pmmlkit would import pmmlkit (seconds) before the worker answers uvicorn's
# 5-second health check, which then kills and restarts it.
HTTP_PROTOCOL = "pmmlkit.serving.protocol:HeaderTimeoutProtocol"


def logging_config() -> dict:
    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["pmmlkit.serve"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def run(config: ServingConfig, host: str = "0.0.0.0", port: int = 8501, workers: int = 1,
        access_log: bool = False) -> None:
    """Serve until interrupted."""
    config.check()
    os.environ[ENVIRONMENT_VARIABLE] = config.to_json()
    metrics_dir = None
    if workers > 1 and not os.environ.get(MULTIPROCESS_VARIABLE):
        # Workers write their metric samples here, so that a scrape of any one sums them all.
        metrics_dir = tempfile.mkdtemp(prefix="pmmlkit-serve-metrics-")
        os.environ[MULTIPROCESS_VARIABLE] = metrics_dir
    try:
        uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=workers, access_log=access_log,
                    log_config=logging_config(), loop="auto", http=HTTP_PROTOCOL,
                    timeout_graceful_shutdown=config.limits.shutdown_seconds)
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
