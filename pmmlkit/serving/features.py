"""Feature sources: which of a served model's inputs come from Redis instead of the request.

A model entry of the ``--model-config-file`` JSON may carry a ``"features"`` object::

    "features": {
      "redis": {"url": "redis://127.0.0.1:6379/0", "connect_timeout": 0.25, "timeout": 0.25},
      "ids": ["user_id", "item_id"],
      "vectors": {
        "user": {"key": "emb:user:{user_id}", "encoding": "float32", "length": 64},
        "item": {"key": "emb:item:{item_id}", "encoding": "json", "length": 64, "inputs": "item_emb_"}
      },
      "inputs": {
        "age": {"hash": "user:{user_id}", "field": "age", "default": 35},
        "price": {"key": "price:{item_id}", "required": true},
        "affinity": {"dot": ["user", "item"]},
        "similarity": {"cosine": ["user", "item"], "default": 0.0},
        "bias": {"constant": 1.0}
      }
    }

``ids`` are request values the model does not read, used only in key templates. A vector is
little-endian float32/float64 bytes or a JSON list; ``"inputs": "item_emb_"`` spreads it over the
model inputs item_emb_0..item_emb_{length-1}. Every model input not named here comes from the request.
This module only describes and checks the sources (at config read, then against each version's
PMML fields); feature_store.py reads Redis and online.py joins the values into records.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import PMMLError
from ..key_templates import KeyTemplate

ENCODINGS = {"float32": "<f4", "float64": "<f8", "json": None}
DERIVED = ("dot", "cosine", "constant")


@dataclass(frozen=True)
class RedisOptions:
    url: str
    connect_timeout: float = 0.25  # seconds to open a connection
    timeout: float = 0.25  # seconds for one request's lookups, all round trips included
    max_connections: int = 64  # per worker process
    cache_seconds: float = 0.0  # 0: nothing is kept between requests


@dataclass(frozen=True)
class ScalarSource:
    """One input read from a hash field (``HMGET key field``) or a string key (``MGET key``)."""

    input: str
    template: KeyTemplate
    field: str | None  # None: a string key
    required: bool = False
    default: Any = None


@dataclass(frozen=True)
class VectorSource:
    name: str
    template: KeyTemplate
    encoding: str
    length: int
    spread: str | None = None  # input name prefix: <prefix>0 .. <prefix>{length-1}
    required: bool = False

    def spread_inputs(self) -> list[str]:
        return [f"{self.spread}{i}" for i in range(self.length)] if self.spread else []


@dataclass(frozen=True)
class DerivedInput:
    input: str
    op: str  # dot, cosine or constant
    vectors: tuple[str, ...] = ()
    value: Any = None  # constant's value, or the default when a vector is missing


@dataclass(frozen=True)
class FeatureSpec:
    redis: RedisOptions
    ids: tuple[str, ...]
    scalars: tuple[ScalarSource, ...]
    vectors: tuple[VectorSource, ...]
    derived: tuple[DerivedInput, ...]

    def looked_up(self) -> list[str]:
        """The model inputs filled here, not by the request."""
        names = [s.input for s in self.scalars] + [d.input for d in self.derived]
        for vector in self.vectors:
            names.extend(vector.spread_inputs())
        return names

    def templates(self) -> list[tuple[str, KeyTemplate]]:
        return ([(f"input {s.input!r}", s.template) for s in self.scalars]
                + [(f"vector {v.name!r}", v.template) for v in self.vectors])

    def request_inputs(self, input_names: Sequence[str]) -> list[str]:
        looked_up = set(self.looked_up())
        return [n for n in input_names if n not in looked_up]

    def check_fields(self, input_names: Sequence[str], where: str) -> None:
        """Refuse a spec that cannot work with a model whose inputs are ``input_names``."""
        inputs = set(input_names)
        shown = ", ".join(repr(n) for n in list(input_names)[:30])
        seen: dict[str, str] = {}
        for source in [s.input for s in self.scalars] + [d.input for d in self.derived]:
            if source not in inputs:
                raise PMMLError(f"{where}: features: {source!r} is not an input of the model (its inputs: {shown})")
            seen[source] = "inputs"
        for vector in self.vectors:
            if vector.spread is None:
                continue
            pattern = re.compile(re.escape(vector.spread) + r"([0-9]+)")
            present = sorted(int(m[1]) for n in input_names if (m := pattern.fullmatch(n)))
            if present != list(range(vector.length)):
                have = f"{len(present)} inputs {vector.spread}N" + (
                    f" ({vector.spread}{present[0]}..{vector.spread}{present[-1]})" if present else "")
                raise PMMLError(f"{where}: features: vector {vector.name!r} has length {vector.length}, spread over "
                                f"{vector.spread}0..{vector.spread}{vector.length - 1}, but the model has {have}")
            for name in vector.spread_inputs():
                if name in seen:
                    raise PMMLError(f"{where}: features: input {name!r} is filled twice (by {seen[name]} and by "
                                    f"vector {vector.name!r})")
                seen[name] = f"vector {vector.name!r}"
        request = set(self.request_inputs(input_names)) | set(self.ids)
        for what, template in self.templates():
            for name in template.names:
                if name in seen:
                    raise PMMLError(f"{where}: features: the key template {template.text!r} of {what} uses {{{name}}}, "
                                    "which is itself looked up; templates take request values only")
                if name not in request:
                    raise PMMLError(f"{where}: features: the key template {template.text!r} of {what} uses {{{name}}}, "
                                    "which the request does not give: list it in \"ids\" (a request value the "
                                    "model does not read) or use a model input the request gives")
        for name in self.ids:
            if name in seen:
                raise PMMLError(f"{where}: features: id {name!r} is also a looked-up input")

    def describe(self) -> dict[str, Any]:
        """Where each looked-up input comes from, for metadata and OpenAPI."""
        sources: dict[str, Any] = {}
        for s in self.scalars:
            sources[s.input] = {"redis": "hash" if s.field is not None else "string", "key": s.template.text,
                                **({"field": s.field} if s.field is not None else {}), "required": s.required,
                                **({"default": s.default} if s.default is not None else {})}
        for v in self.vectors:
            for i, name in enumerate(v.spread_inputs()):
                sources[name] = {"redis": "vector", "key": v.template.text, "encoding": v.encoding, "element": i,
                                 "required": v.required}
        for d in self.derived:
            sources[d.input] = ({"constant": d.value} if d.op == "constant" else
                                {d.op: [_vector_text(v, self) for v in d.vectors],
                                 **({"default": d.value} if d.value is not None else {})})
        return sources


def _vector_text(name: str, spec: FeatureSpec) -> str:
    vector = next(v for v in spec.vectors if v.name == name)
    return f"{vector.template.text} ({vector.encoding}[{vector.length}])"


# -- parsing -------------------------------------------------------------------------------------
def parse_features(data: Any, where: str) -> FeatureSpec:
    """The ``"features"`` object of one model entry, checked for shape (not yet against a PMML)."""
    _object(data, where, {"redis", "ids", "vectors", "inputs"}, required={"redis", "inputs"})
    redis = _redis_options(data["redis"], f"{where}: features.redis")
    ids = data.get("ids", [])
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise PMMLError(f"{where}: features.ids must be a list of request value names, like [\"user_id\"]")
    vectors = []
    for name, entry in _mapping(data.get("vectors", {}), f"{where}: features.vectors").items():
        vectors.append(_vector(name, entry, f"{where}: features.vectors.{name}"))
    known_vectors = {v.name: v for v in vectors}
    scalars: list[ScalarSource] = []
    derived: list[DerivedInput] = []
    for name, entry in _mapping(data["inputs"], f"{where}: features.inputs").items():
        at = f"{where}: features.inputs.{name}"
        if not isinstance(entry, dict):
            raise PMMLError(f"{at} must be an object like {{\"hash\": \"user:{{user_id}}\", \"field\": \"age\"}}")
        kinds = [k for k in ("hash", "key", *DERIVED) if k in entry]
        if len(kinds) != 1:
            raise PMMLError(f"{at} needs exactly one of \"hash\", \"key\", \"dot\", \"cosine\" or \"constant\"")
        kind = kinds[0]
        if kind in ("hash", "key"):
            _object(entry, at, {kind, "field", "required", "default"} if kind == "hash" else
                    {kind, "required", "default"})
            required = _flag(entry, "required", at)
            if required and entry.get("default") is not None:
                raise PMMLError(f"{at}: give \"required\" or a \"default\", not both")
            field = str(entry.get("field", name)) if kind == "hash" else None
            scalars.append(ScalarSource(name, KeyTemplate.parse(entry[kind], at), field, required, entry.get("default")))
        elif kind == "constant":
            _object(entry, at, {"constant"})
            derived.append(DerivedInput(name, "constant", value=entry["constant"]))
        else:
            _object(entry, at, {kind, "default"})
            pair = entry[kind]
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
                raise PMMLError(f"{at}: \"{kind}\" takes two vector names, like [\"user\", \"item\"]")
            for vector in pair:
                if vector not in known_vectors:
                    raise PMMLError(f"{at}: vector {vector!r} is not declared in features.vectors "
                                    f"(declared: {sorted(known_vectors)})")
            a, b = (known_vectors[p] for p in pair)
            if a.length != b.length:
                raise PMMLError(f"{at}: {kind} of vectors of different lengths ({a.name}: {a.length}, "
                                f"{b.name}: {b.length})")
            derived.append(DerivedInput(name, kind, tuple(pair), entry.get("default")))
    return FeatureSpec(redis, tuple(ids), tuple(scalars), tuple(vectors), tuple(derived))


def _redis_options(data: Any, where: str) -> RedisOptions:
    _object(data, where, {"url", "connect_timeout", "timeout", "max_connections", "cache_seconds"},
            required={"url"})
    url = data["url"]
    if not isinstance(url, str) or not re.match(r"^(redis|rediss|unix)://", url):
        raise PMMLError(f"{where}: url must be like redis://HOST:PORT/DB, not {url!r}")
    numbers = {}
    for name in ("connect_timeout", "timeout", "cache_seconds"):
        if name in data:
            value = data[name]
            if type(value) not in (int, float) or not value >= 0 or (name != "cache_seconds" and value == 0):
                raise PMMLError(f"{where}: {name} must be a positive number of seconds, not {value!r}")
            numbers[name] = float(value)
    if "max_connections" in data:
        value = data["max_connections"]
        if type(value) is not int or value < 1:
            raise PMMLError(f"{where}: max_connections must be a positive whole number, not {value!r}")
        numbers["max_connections"] = value
    return RedisOptions(url, **numbers)


def _vector(name: str, entry: Any, at: str) -> VectorSource:
    _object(entry, at, {"key", "encoding", "length", "inputs", "required"}, required={"key", "encoding", "length"})
    if entry["encoding"] not in ENCODINGS:
        raise PMMLError(f"{at}: encoding must be one of {sorted(ENCODINGS)}, not {entry['encoding']!r}")
    length = entry["length"]
    if type(length) is not int or length < 1:
        raise PMMLError(f"{at}: length must be a positive whole number, not {length!r}")
    spread = entry.get("inputs")
    if spread is not None and (not isinstance(spread, str) or not spread):
        raise PMMLError(f"{at}: inputs must be the prefix of the inputs the vector fills, like \"emb_\"")
    return VectorSource(name, KeyTemplate.parse(entry["key"], at), entry["encoding"], length, spread,
                        _flag(entry, "required", at))


def _object(data: Any, where: str, allowed: set[str], required: set[str] = frozenset()) -> None:
    if not isinstance(data, dict):
        raise PMMLError(f"{where} must be a JSON object")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise PMMLError(f"{where}: unknown key(s) {unknown}; expected {sorted(allowed)}")
    absent = sorted(required - set(data))
    if absent:
        raise PMMLError(f"{where}: missing {absent}")


def _mapping(data: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(data, dict):
        raise PMMLError(f"{where} must be a JSON object")
    return data


def _flag(entry: Mapping[str, Any], name: str, where: str) -> bool:
    value = entry.get(name, False)
    if type(value) is not bool:
        raise PMMLError(f"{where}: {name} must be true or false, not {value!r}")
    return value
