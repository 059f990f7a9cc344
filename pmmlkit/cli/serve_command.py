"""`pmmlkit serve`: serve PMML models over TensorFlow Serving's REST API."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import PMMLError
from ..scoring.engine import DEFAULT_ENGINE, ENGINES
from .common import PORT, ROWS, SECONDS, UsageError, bounded, check_pmml_argument


def add_parser(commands: Any) -> None:
    serve = commands.add_parser(
        "serve", help="serve PMML models over TensorFlow Serving's REST API",
        description="Serve PMML models with TensorFlow Serving's REST API: POST /v1/models/NAME:predict with "
                    "{\"instances\": [...]}. Give one MODEL.pmml, or --model-name with --model-base-path (a folder "
                    "of numbered version folders 1/, 2/, ... each holding one .pmml; the latest serves and new "
                    "ones are picked up while running), or --model-config-file for several models. TensorFlow "
                    "Serving's own spellings (--model_name, --model_base_path, --rest_api_port, ...) work too.")
    serve.add_argument("pmml", metavar="MODEL.pmml", nargs="?", help="one PMML file to serve as version 1")
    serve.add_argument("--model-name", "--model_name", dest="model_name", metavar="NAME",
                       help="the model's name in URLs (default: the file's or folder's name)")
    serve.add_argument("--model-base-path", "--model_base_path", dest="model_base_path", metavar="DIR",
                       help="folder of numbered version folders")
    serve.add_argument("--model-config-file", "--model_config_file", dest="model_config_file", metavar="FILE",
                       help="several models: JSON {\"models\": [{\"name\": ..., \"base_path\": ...}]} or "
                            "TensorFlow Serving's model_config_list text format; an entry's \"features\" (text "
                            "format: features_file) names inputs looked up in Redis (README, 'Online features')")
    serve.add_argument("--port", type=PORT, default=8501, help="port for the REST API (default 8501)")
    # TensorFlow Serving's --port is its gRPC port: where --rest_api_port is given, it wins.
    serve.add_argument("--rest-api-port", "--rest_api_port", dest="rest_api_port", type=PORT, metavar="PORT",
                       help="the REST API port as TensorFlow Serving spells it (takes precedence over --port)")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0; 127.0.0.1 for "
                       "this machine only)")
    serve.add_argument("--workers", type=bounded(int, 1, 256, "worker processes"), default=1, metavar="N",
                       help="worker processes, each with its own JVM (default 1)")
    serve.add_argument("--file-system-poll-wait-seconds", "--file_system_poll_wait_seconds", dest="poll_seconds",
                       type=bounded(float, 0.0, 86_400.0, "seconds"), default=1.0, metavar="S",
                       help="look for new version folders every S seconds; 0: never (default 1)")
    serve.add_argument("--max-body-bytes", type=bounded(int, 1, 2**31, "bytes"), default=10 * 1024 * 1024,
                       metavar="N",
                       help="largest request body accepted (default 10 MiB; larger: 413)")
    serve.add_argument("--max-rows", type=ROWS, default=10_000, metavar="N",
                       help="most rows in one request (default 10000)")
    serve.add_argument("--request-timeout", type=SECONDS, default=30.0, metavar="S",
                       help="longest time to score one request (default 30 s; then 504)")
    serve.add_argument("--body-timeout", type=SECONDS, default=30.0, metavar="S",
                       help="longest time to receive a request's body (default 30 s; then 408 and the connection "
                            "is closed)")
    serve.add_argument("--header-timeout", type=SECONDS, default=10.0, metavar="S",
                       help="longest time from a connection's opening (or its last answer) to the end of a "
                            "request's headers (default 10 s; then the connection is closed)")
    serve.add_argument("--graceful-timeout", type=SECONDS, metavar="S",
                       help="on SIGTERM or Ctrl-C, how long requests in flight may take to finish (at least "
                            "--request-timeout; default: --body-timeout plus --request-timeout)")
    serve.add_argument("--access-log", action="store_true", help="log every request")
    serve.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                       help="what scores the models: pmml4s (the JVM reference, default), native (compiled, no "
                            "Java) or auto (native where it compiles a document); README 'Engines'")
    serve.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        from ..serving.config import Limits, ModelSource, ServingConfig, read_model_config_file
        from ..serving.server import run as run_server
    except ImportError as exc:
        raise PMMLError(f"serving needs the serve extra ({exc}): pip install 'pmmlkit[serve]'") from None
    given = [x for x in (args.pmml, args.model_base_path, args.model_config_file) if x]
    if len(given) != 1:
        raise UsageError("give exactly one of MODEL.pmml, --model-base-path DIR or --model-config-file FILE")
    if args.model_config_file:
        if args.model_name:
            raise UsageError("--model-name does not go with --model-config-file (the file names the models)")
        models = read_model_config_file(args.model_config_file)
    else:
        path = Path(args.pmml or args.model_base_path)
        if args.pmml and path.is_dir():
            raise UsageError(f"{path} is a folder: serve it with --model-base-path {path}")
        if args.pmml:
            check_pmml_argument(args.pmml, usage="pmmlkit serve MODEL.pmml")
        if args.model_base_path and path.is_file():
            raise UsageError(f"{path} is a file: serve it as `pmmlkit serve {path}`")
        name = args.model_name or (path.stem if path.is_file() or path.suffix.lower() == ".pmml"
                                   else path.resolve().name)
        models = [ModelSource(name, str(path))]
    if args.graceful_timeout is not None and args.graceful_timeout < args.request_timeout:
        raise UsageError(f"--graceful-timeout {args.graceful_timeout:g} is shorter than --request-timeout "
                         f"{args.request_timeout:g}: requests in flight at a stop would be cut off")
    models = [replace(m, engine=args.engine) for m in models]
    limits = Limits(args.max_body_bytes, args.max_rows, args.request_timeout, body_timeout_seconds=args.body_timeout,
                    header_timeout_seconds=args.header_timeout, graceful_seconds=args.graceful_timeout)
    config = ServingConfig(models=tuple(models), poll_seconds=args.poll_seconds, limits=limits)
    port = args.rest_api_port if args.rest_api_port is not None else args.port
    run_server(config, host=args.host, port=port, workers=args.workers, access_log=args.access_log)
    return 0
