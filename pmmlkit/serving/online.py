"""Joining looked-up features into request records, for a model version with feature sources.

A request gives the model inputs that come from the request, plus the ``ids`` its key templates
use; :class:`OnlineFeatures` reads the rest from Redis (feature_store.py, one round trip for the
whole request), decodes them, derives dot products and cosines, and hands every completed record
to the same input contract as a request's own values (``Signature.check_record``, then the
model's): a value from Redis that does not fit its field is refused exactly as a request value
would be, with a 502 since the data, not the caller, is at fault.

Decoding: a hash field or string key holds text, read as the CSV path reads text cells
(``numbers_from_text``: numbers for numeric fields, text that is no number stays text for the
contract to refuse); a vector is little-endian float32/float64 bytes or a JSON list of numbers.
A missing key or field is a missing value (the PMML's missing-value treatment applies), or the
source's ``default``, or, when ``required``, a 404 naming the key.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from lxml import etree

from ..errors import EvaluationError
from ..key_templates import key_text
from ..scoring.contract import InputContract
from ..scoring.evaluator import FieldInfo, Model
from ..scoring.inputs import numbers_from_text
from .feature_store import FeatureStore
from .features import ENCODINGS, FeatureSpec, ScalarSource, VectorSource
from .signature import RequestError, Signature, refused


class _RequestFields:
    """What a request gives, shaped as a model for Signature: the request inputs and the ids."""

    def __init__(self, model: Model, spec: FeatureSpec) -> None:
        request = set(spec.request_inputs(model.input_names))
        fields = [f for f in model.input_fields if f.name in request]
        names = {f.name for f in fields}
        # An id is any value a key can be made of (a string or a number): no declared type.
        fields += [FieldInfo(name, None, None) for name in spec.ids if name not in names]
        self.input_fields = fields
        # The request's own contract: its inputs and ids, checked as the model checks them.
        self.contract = InputContract(tuple(f.name for f in fields), tuple(f.java_kind for f in fields),
                                      tuple(f.data_type for f in fields), model.contract.unused)
        self.function_name = model.function_name
        self.output_fields = model.output_fields
        self.target_fields = model.target_fields


class OnlineFeatures:
    """A version's feature sources, checked against its PMML inputs (PMMLError names the field)."""

    def __init__(self, spec: FeatureSpec, model: Model, root: etree._Element, signature: Signature,
                 model_name: str, where: str) -> None:
        spec.check_fields(model.input_names, where)
        self.spec = spec
        self.signature = signature
        self.request_signature = Signature(_RequestFields(model, spec), root)  # type: ignore[arg-type]
        self.store = FeatureStore(spec.redis, model_name)
        self._fields = {f.name: f for f in model.input_fields}
        self._vectors = {v.name: v for v in spec.vectors}
        self._dropped = [n for n in spec.ids if n not in self._fields]
        self._looked_up = frozenset(spec.looked_up())
        self._variables = list(dict.fromkeys(n for _, template in spec.templates() for n in template.names))

    def describe(self) -> dict[str, Any]:
        return {"request": self.request_signature.input_names, "redis": self.spec.describe()}

    def refuse_looked_up(self, record: Mapping[str, Any], where: str) -> None:
        """Refuse a request value for an input the config looks up: the lookup would overwrite it, so the
        client's value would be dropped without a word (the request contract alone ignores it)."""
        given = [name for name in record if name in self._looked_up]
        if given:
            raise RequestError(f"{where}: {given} {'is' if len(given) == 1 else 'are'} looked up in the feature "
                               "store (the \"features\" of the model config), not taken from the request: drop "
                               f"{'it' if len(given) == 1 else 'them'} (the request gives "
                               f"{self.request_signature.input_names})")

    async def complete(self, records: list[dict[str, Any]], label: str
                       ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Records with every model input, and the keys (and hash fields) that were missing."""
        spec = self.spec
        # The request's own values first: a bad one is the client's (400), a bad looked-up one is not (502).
        request = self.request_signature.contract
        for i, record in enumerate(records):
            self.refuse_looked_up(record, f"{label} {i}")
            try:
                request.record(record, "error", "ignore", f"{label} {i}")
            except EvaluationError as exc:
                raise refused(exc) from None
        texts = {name: [key_text(r.get(name)) for r in records] for name in self._variables}
        scalar_keys = [s.template.fill_columns(texts) for s in spec.scalars]
        vector_keys = [v.template.fill_columns(texts) for v in spec.vectors]
        hashes: dict[str, list[str]] = {}
        strings: dict[str, None] = {}
        for source, keys in zip(spec.scalars, scalar_keys):
            for key in keys:
                if key is None:
                    continue
                if source.field is None:
                    strings[key] = None
                else:
                    fields = hashes.setdefault(key, [])
                    if source.field not in fields:
                        fields.append(source.field)
        for keys in vector_keys:
            strings.update(dict.fromkeys(k for k in keys if k is not None))
        hash_values, key_values = await self.store.fetch(hashes, list(strings))
        missing: dict[str, Any] = {}
        out = [{k: v for k, v in r.items() if k not in self._dropped} for r in records] if self._dropped else records
        field_values = {key: dict(zip(fields, hash_values[key])) for key, fields in hashes.items()}
        for source, keys in zip(spec.scalars, scalar_keys):
            if source.field is None:
                raw = [None if key is None else key_values.get(key) for key in keys]
            else:
                raw = [None if key is None else field_values[key][source.field] for key in keys]
            for record, value in zip(out, self._scalar_column(source, keys, raw, missing)):
                record[source.input] = value
        matrices = {v.name: self._matrix(v, keys, key_values, missing) for v, keys in zip(spec.vectors, vector_keys)}
        for vector in spec.vectors:
            if vector.spread:
                matrix, present = matrices[vector.name]
                names = vector.spread_inputs()
                for record, row, here in zip(out, matrix.tolist(), present.tolist()):
                    record.update(zip(names, row) if here else dict.fromkeys(names))
        for derived in spec.derived:
            column = self._derived(derived, matrices, len(out))
            for record, value in zip(out, column):
                record[derived.input] = value
        check = self.signature.contract.record  # the model's one input contract, before scoring
        for i, record in enumerate(out):
            try:
                check(record, "allow", "ignore", f"{label} {i}")
            except EvaluationError as exc:
                raise RequestError(f"a value looked up in Redis (or a configured default) does not fit the model: "
                                   f"{exc}", 502) from None
        return out, missing

    # -- scalars ---------------------------------------------------------------------------------
    def _scalar_column(self, source: ScalarSource, keys: list[str | None], raw: list[Any],
                       missing: dict[str, Any]) -> list[Any]:
        """One scalar input's values: Redis text decoded, missing ones reported, defaulted or refused."""
        values = self._decoded(source, raw)
        if None not in raw:
            return values
        for i, key in enumerate(keys):
            if raw[i] is not None:
                continue
            if key is not None:
                if source.field is None:
                    missing[key] = None
                else:
                    listed = missing.setdefault(key, [])
                    if source.field not in listed:
                        listed.append(source.field)
            if source.required:
                where = f"key {key!r}" + (f" (hash field {source.field!r})" if source.field is not None else "")
                if key is None:
                    where = f"the key of {source.template.text!r} (a request value it needs is null)"
                raise RequestError(f"input {source.input!r} is required, but {where} was not found in the feature "
                                   "store", 404)
            values[i] = source.default  # a configured default is a value as given, not Redis text
        return values

    def _decoded(self, source: ScalarSource, raw: list[Any]) -> list[Any]:
        """Redis text as the model's field reads it: as the CSV path reads text cells (each distinct
        text once: a user's feature repeats for every candidate)."""
        kind = self._fields[source.input].java_kind
        distinct = [v for v in dict.fromkeys(raw) if v is not None]
        text = [v.decode("utf-8", "surrogateescape") for v in distinct]
        if kind in ("double", "whole", "integer", "auto") and text:
            parsed = numbers_from_text(pd.Series(text, dtype=object), keep_text=kind != "auto",
                                       whole=kind in ("whole", "integer")).tolist()
            text = [None if v is None or v is pd.NA or (type(v) is float and math.isnan(v)) else v for v in parsed]
        decoded = dict(zip(distinct, text))
        return [None if v is None else decoded[v] for v in raw]

    # -- vectors ---------------------------------------------------------------------------------
    def _matrix(self, vector: VectorSource, keys: list[str | None], key_values: Mapping[str, Any],
                missing: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        raws = [None if key is None else key_values.get(key) for key in keys]
        present = np.array([raw is not None for raw in raws], dtype=bool)
        for key, raw in zip(keys, raws):
            if raw is None:
                if key is not None:
                    missing[key] = None
                if vector.required:
                    raise RequestError(f"vector {vector.name!r} is required, but key {key!r} was not found in the "
                                       "feature store", 404)
        dtype = ENCODINGS[vector.encoding]
        given = [raw for raw in raws if raw is not None]
        size = vector.length * np.dtype(dtype).itemsize if dtype is not None else 0
        matrix = np.full((len(keys), vector.length), np.nan)
        if dtype is not None and all(len(raw) == size for raw in given):
            # Every vector has the configured size: decoded at once, one buffer for all rows.
            if given:
                matrix[present] = np.frombuffer(b"".join(given), dtype=dtype).reshape(len(given), vector.length)
            return matrix, present
        decoded: dict[str, np.ndarray] = {}
        for i, (key, raw) in enumerate(zip(keys, raws)):
            if raw is not None:
                row = decoded.get(key)
                if row is None:
                    row = decoded[key] = self._vector(vector, key, raw)
                matrix[i] = row
        return matrix, present

    def _vector(self, vector: VectorSource, key: str, raw: bytes) -> np.ndarray:
        dtype = ENCODINGS[vector.encoding]
        if dtype is None:
            try:
                values = json.loads(raw)
                row = np.asarray(values, dtype=np.float64)
            except (ValueError, TypeError):
                raise RequestError(f"key {key!r} does not hold a JSON list of numbers (vector {vector.name!r}, "
                                   "encoding json)", 502) from None
            if row.ndim != 1:
                raise RequestError(f"key {key!r} does not hold a flat JSON list of numbers (vector "
                                   f"{vector.name!r})", 502)
        else:
            size = np.dtype(dtype).itemsize
            if len(raw) % size:
                raise RequestError(f"key {key!r} holds {len(raw)} bytes, not a whole number of {vector.encoding} "
                                   f"values (vector {vector.name!r})", 502)
            row = np.frombuffer(raw, dtype=dtype).astype(np.float64)
        if len(row) != vector.length:
            raise RequestError(f"key {key!r} holds {len(row)} values; vector {vector.name!r} is configured with "
                               f"length {vector.length}", 502)
        return row

    def _derived(self, derived: Any, matrices: Mapping[str, tuple[np.ndarray, np.ndarray]], rows: int) -> list[Any]:
        if derived.op == "constant":
            return [derived.value] * rows
        (a, a_here), (b, b_here) = (matrices[name] for name in derived.vectors)
        here = a_here & b_here
        values = np.einsum("ij,ij->i", a, b)
        if derived.op == "cosine":
            norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                values = values / norms
            here &= norms > 0  # a zero vector has no direction: its cosine is missing
        fallback = derived.value
        return [float(v) if ok else fallback for v, ok in zip(values.tolist(), here.tolist())]


def online_features(spec: FeatureSpec | None, model: Model, root: etree._Element, signature: Signature,
                    model_name: str, where: str) -> OnlineFeatures | None:
    if spec is None:
        return None
    return OnlineFeatures(spec, model, root, signature, model_name, where)

