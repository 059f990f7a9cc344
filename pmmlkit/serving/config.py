"""What a server serves: the models (name + base path or file), request limits and polling.

The configuration crosses from the ``pmmlkit serve`` process to its workers as JSON in an
environment variable, so that workers are started fresh (spawned) and build everything, the JVM
included, themselves.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import PMMLError
from .features import parse_features

ENVIRONMENT_VARIABLE = "PMMLKIT_SERVE_CONFIG"
MODEL_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")


@dataclass(frozen=True)
class ModelSource:
    """One served model: ``base_path`` is a folder of numbered version folders (``1/``, ``2/`` ...,
    each with one ``.pmml`` file), or a single ``.pmml`` file served as version 1."""

    name: str
    base_path: str
    # The "features" object of the model's entry (serving/features.py): inputs looked up in Redis.
    features: dict[str, Any] | None = None
    engine: str = "pmml4s"  # what scores it: load(..., engine=...) (README, "Engines")


@dataclass(frozen=True)
class Limits:
    """Per-request limits; a request over one is refused with a message saying which.

    ``timeout_seconds`` bounds scoring (504), ``body_timeout_seconds`` the time to receive a
    request's body (408, and the connection is closed), ``header_timeout_seconds`` the time from
    a connection's opening (or its previous answer) to the end of the next request's headers (the
    connection is closed). ``graceful_seconds`` is how long a stop waits for requests in flight;
    None: the body timeout plus the request timeout, the longest a request already being received
    can still take."""

    max_body_bytes: int = 10 * 1024 * 1024
    max_rows: int = 10_000
    timeout_seconds: float = 30.0
    body_timeout_seconds: float = 30.0
    header_timeout_seconds: float = 10.0
    graceful_seconds: float | None = None

    @property
    def shutdown_seconds(self) -> float:
        """How long a stop waits for requests in flight."""
        if self.graceful_seconds is not None:
            return self.graceful_seconds
        return self.body_timeout_seconds + self.timeout_seconds

    def check(self) -> None:
        """Refuse limits that cannot work (a zero timeout would time out every request)."""
        for name, value in (("max_body_bytes", self.max_body_bytes), ("max_rows", self.max_rows),
                            ("timeout_seconds", self.timeout_seconds),
                            ("body_timeout_seconds", self.body_timeout_seconds),
                            ("header_timeout_seconds", self.header_timeout_seconds)):
            if not value > 0 or value == float("inf"):
                raise PMMLError(f"Limits.{name} must be a positive finite number, not {value!r}")
        if self.graceful_seconds is not None and not self.timeout_seconds <= self.graceful_seconds < float("inf"):
            raise PMMLError(f"a graceful shutdown of {self.graceful_seconds:g} s is shorter than the request "
                            f"timeout of {self.timeout_seconds:g} s: requests in flight at a stop would be cut off; "
                            f"give at least {self.timeout_seconds:g} s")


@dataclass(frozen=True)
class ServingConfig:
    models: tuple[ModelSource, ...]
    limits: Limits = field(default_factory=Limits)
    poll_seconds: float = 1.0  # 0: never look for new versions

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ServingConfig:
        data = json.loads(text)
        return cls(models=tuple(ModelSource(**m) for m in data["models"]), limits=Limits(**data["limits"]),
                   poll_seconds=float(data["poll_seconds"]))

    def check(self) -> None:
        """Refuse names, paths and limits that cannot work, before any worker starts."""
        self.limits.check()
        if not self.models:
            raise PMMLError("no model to serve: give MODEL.pmml, --model-base-path or --model-config-file")
        seen: set[str] = set()
        for model in self.models:
            if not MODEL_NAME.match(model.name):
                raise PMMLError(f"model name {model.name!r}: use letters, digits, '_', '-' and '.' only")
            if model.name in seen:
                raise PMMLError(f"model name {model.name!r} is given twice")
            seen.add(model.name)
            path = Path(model.base_path)
            if not path.exists():
                raise PMMLError(f"model {model.name!r}: {path} does not exist")
            if path.is_file() and path.suffix.lower() != ".pmml":
                raise PMMLError(f"model {model.name!r}: {path} is not a .pmml file (or a folder of version folders)")
            if model.features is not None:
                parse_features(model.features, f"model {model.name!r}")


def read_model_config_file(path: str | os.PathLike[str]) -> list[ModelSource]:
    """Models listed in a JSON file ``{"models": [{"name": ..., "base_path": ...}, ...]}`` or in the
    subset of TensorFlow Serving's text format that names them::

        model_config_list { config { name: "a" base_path: "/models/a" } config { ... } }

    A JSON entry may add ``"features"`` (inputs looked up in Redis, see serving/features.py); a text
    config block may point to a JSON file holding that object with ``features_file: "x.json"``.
    Relative paths are taken from the file's folder.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PMMLError(f"{path}: cannot read the model config file: {exc.strerror or exc}") from None
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
            entries = [(str(m["name"]), str(m["base_path"]), m.get("features")) for m in data["models"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise PMMLError(f"{path}: expected JSON {{\"models\": [{{\"name\": ..., \"base_path\": ...}}]}} "
                            f"({type(exc).__name__}: {exc})") from None
    else:
        entries = _text_config_entries(text, path)
    if not entries:
        raise PMMLError(f"{path}: the model config file lists no model")
    return [ModelSource(name, str(path.parent / base if not Path(base).is_absolute() else base),
                        _features_file(features, path, name) if isinstance(features, str) else features)
            for name, base, features in entries]


def _features_file(name: str, config: Path, model: str) -> dict[str, Any]:
    """The features object a text config block points to with ``features_file``."""
    path = config.parent / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PMMLError(f"{config}: model {model!r}: cannot read its features_file {path}: {exc}") from None


_CONFIG_BLOCK = re.compile(r"config\s*\{([^{}]*)\}")
_TEXT_FIELD = re.compile(r"(\w+)\s*:\s*(?:\"([^\"]*)\"|'([^']*)'|(\S+))")


def _text_config_entries(text: str, path: Path) -> list[tuple[str, str, str | None]]:
    text = re.sub(r"#[^\n]*", "", text)
    if "model_config_list" not in text:
        raise PMMLError(f"{path}: neither JSON nor a TensorFlow Serving model_config_list")
    entries = []
    for block in _CONFIG_BLOCK.findall(text):
        values = {m[0]: m[1] or m[2] or m[3] for m in _TEXT_FIELD.findall(block)}
        if "name" not in values or "base_path" not in values:
            raise PMMLError(f"{path}: a config block needs name and base_path: {' '.join(block.split())}")
        entries.append((values["name"], values["base_path"], values.get("features_file")))
    return entries


def config_from_environment() -> ServingConfig:
    text = os.environ.get(ENVIRONMENT_VARIABLE)
    if not text:
        raise PMMLError(f"{ENVIRONMENT_VARIABLE} is not set: start the server with `pmmlkit serve`")
    return ServingConfig.from_json(text)
