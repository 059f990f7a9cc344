"""Fitted scikit-learn models saved as JSON of their fitted attributes, for the golden tests.

A refit is not reproducible to the last digit across processors (BLAS kernels and SIMD loops
sum in different orders: the FACTS of issue 15 show iris LogisticRegression's first coefficient
changing in the 3rd digit with OpenBLAS's kernel), so a golden document pins pmmlkit's output
only when the model it converts comes from stored numbers. :func:`dump` writes what a fitted
estimator holds (constructor parameters by name, every other attribute by value: arrays with
their dtype, floats as Python's shortest round-trip text, so they come back bit for bit);
:func:`load` builds the estimator from its parameters and sets the stored attributes, without
fitting. Not a pickle: readable, diffable, and it needs only the classes named in it.

Objects that are not estimators (a tree's Cython ``Tree``, a loss, a ``RandomState``) are stored
through their own ``__reduce__`` (constructor arguments and state), the same way.
"""

from __future__ import annotations

import importlib
import json
import math
import types
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

FORMAT = 1


def _name(obj: Any) -> str:
    module = getattr(obj, "__module__", None)
    if isinstance(obj, np.ufunc):
        module = "numpy"
    if module is None:
        raise TypeError(f"cannot name {obj!r}")
    name = f"{module}:{obj.__qualname__ if hasattr(obj, '__qualname__') else obj.__name__}"
    if _resolve(name) is not obj:
        raise TypeError(f"{obj!r} is not reachable as {name}")
    return name


def _resolve(name: str) -> Any:
    module, _, qualname = name.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _float(value: float) -> Any:
    return value if math.isfinite(value) else {"float": repr(value)}


def encode(obj: Any) -> Any:  # noqa: C901 - one case per kind of value
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int) and type(obj) is int:
        return obj
    if type(obj) is float:
        return _float(obj)
    if isinstance(obj, np.ndarray):
        if obj.dtype.names is not None:  # a structured array (a tree's nodes): its fields in order
            return {"ndarray": _structure(obj.dtype), "shape": list(obj.shape),
                    "data": [[encode(v) for v in row] for row in obj.reshape(-1).tolist()]}
        if obj.dtype == object:
            return {"ndarray": "object", "shape": list(obj.shape), "data": [encode(v) for v in obj.reshape(-1)]}
        data = obj.reshape(-1).tolist()
        if obj.dtype.kind in "fc":
            data = [_float(v) for v in data]
        return {"ndarray": obj.dtype.str, "shape": list(obj.shape), "data": data}
    if isinstance(obj, np.generic):
        return {"scalar": obj.dtype.str, "value": encode(obj.item())}
    if isinstance(obj, np.dtype):
        return {"dtype": _structure(obj) if obj.names is not None else obj.str}
    if isinstance(obj, tuple):
        return {"tuple": [encode(v) for v in obj]}
    if isinstance(obj, list):
        return [encode(v) for v in obj]
    if isinstance(obj, dict):
        return {"dict": [[encode(k), encode(v)] for k, v in obj.items()]}
    if isinstance(obj, slice):
        return {"slice": [obj.start, obj.stop, obj.step]}
    if isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType, np.ufunc)):
        return {"ref": _name(obj)}
    if isinstance(obj, BaseEstimator):
        params = obj.get_params(deep=False)
        fitted = {k: v for k, v in vars(obj).items() if k not in params}
        return {"estimator": _name(type(obj)), "params": encode(params), "fitted": encode(fitted)}
    reduced = obj.__reduce_ex__(2)
    if not isinstance(reduced, tuple) or len(reduced) < 2 or any(part is not None for part in reduced[3:]):
        raise TypeError(f"cannot store a {type(obj).__name__}")
    call, args, *state = reduced[:3]
    if getattr(call, "__name__", "") == "__newobj__":  # a plain Python object: its class and attributes
        return {"object": _name(args[0]), "state": encode(state[0] if state else None)}
    return {"reduced": _name(call), "args": encode(args), "state": encode(state[0] if state else None)}


def decode(data: Any) -> Any:  # noqa: C901 - one case per kind of value
    if data is None or isinstance(data, (bool, int, str)):
        return data
    if isinstance(data, float):
        return data
    if isinstance(data, list):
        return [decode(v) for v in data]
    if "float" in data:
        return float(data["float"])
    if "ndarray" in data:
        kind, shape = data["ndarray"], tuple(data["shape"])
        if kind == "object":
            array = np.empty(len(data["data"]), dtype=object)
            array[:] = [decode(v) for v in data["data"]] if data["data"] else []
            return array.reshape(shape)
        if isinstance(kind, dict):
            dtype = np.dtype(kind)
            return np.array([tuple(decode(v) for v in row) for row in data["data"]], dtype=dtype).reshape(shape)
        return np.array([decode(v) for v in data["data"]], dtype=np.dtype(kind)).reshape(shape)
    if "scalar" in data:
        return np.dtype(data["scalar"]).type(decode(data["value"]))
    if "dtype" in data:
        return np.dtype(data["dtype"])
    if "tuple" in data:
        return tuple(decode(v) for v in data["tuple"])
    if "dict" in data:
        return {_hashable(decode(k)): decode(v) for k, v in data["dict"]}
    if "slice" in data:
        return slice(*data["slice"])
    if "ref" in data:
        return _resolve(data["ref"])
    if "estimator" in data:
        estimator = _resolve(data["estimator"])(**decode(data["params"]))
        for key, value in decode(data["fitted"]).items():
            setattr(estimator, key, value)
        return estimator
    if "object" in data:
        cls = _resolve(data["object"])
        obj = cls.__new__(cls)
        state = decode(data["state"])
        if state is not None:
            _set_state(obj, state)
        return obj
    if "reduced" in data:
        obj = _resolve(data["reduced"])(*decode(data["args"]))
        state = decode(data["state"])
        if state is not None:
            _set_state(obj, state)
        return obj
    raise ValueError(f"unknown stored value: {sorted(data)}")


def _structure(dtype: np.dtype) -> dict[str, Any]:
    """A structured dtype as numpy's own dict form (names, formats, offsets: padding included)."""
    return {"names": list(dtype.names), "formats": [dtype.fields[n][0].str for n in dtype.names],
            "offsets": [dtype.fields[n][1] for n in dtype.names], "itemsize": dtype.itemsize}


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def _set_state(obj: Any, state: Any) -> None:
    if hasattr(obj, "__setstate__"):
        obj.__setstate__(state)
    else:
        obj.__dict__.update(state)


def dump(estimator: Any, path: Path) -> None:
    text = json.dumps({"format": FORMAT, "model": encode(estimator)}, indent=None, separators=(",", ":"),
                      allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def load(path: Path) -> Any:
    stored = json.loads(path.read_text(encoding="utf-8"))
    if stored.get("format") != FORMAT:
        raise ValueError(f"{path}: stored in format {stored.get('format')}, this reader knows {FORMAT}")
    return decode(stored["model"])
