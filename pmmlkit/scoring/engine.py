"""The engines behind :class:`pmmlkit.Model`, chosen with ``load(..., engine=...)``.

Every engine takes the columns the input contract prepared (:mod:`pmmlkit.scoring.inputs`) and
gives one array per output field; :class:`~pmmlkit.scoring.evaluator.Model` does the rest (the
contract, the gate, output dtypes), so both engines answer with the same columns and dtypes.

An engine object has: ``name``; ``function_name``; ``input_names``, ``target_names``;
``output_fields`` (FieldInfo, with the dataType of each output) and ``numeric_outputs``;
``score_columns(prepared, rows)`` -> one array per output (float64 with NaN for missing, or an
object array of str/None); ``score_record(values)`` -> one value per output; and the warm-up hooks
``prepare_warm_up()``, ``compiler_busy_marker()`` and ``check_usable()``.

- "pmml4s": PMML4S on the JVM (:mod:`.pmml4s`), the reference.
- "native": the document compiled into array programs (:mod:`.native`), no Java.
- "auto": native where it compiles the document, PMML4S otherwise (a document with an element
  the native compiler does not support). A document the gate refuses only because PMML4S cannot
  score it (rule ``unsupported``) goes to the native compiler alone (``load_parsed``).
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from ..errors import EvaluationError
from .pmml4s import PMML4SEngine

ENGINES = ("pmml4s", "native", "auto")
# The JVM engine stays the default until the native one has run the whole fidelity table
# (README, "Engines").
DEFAULT_ENGINE = "pmml4s"
log = logging.getLogger("pmmlkit")


def check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise EvaluationError(f"engine={engine!r}: use 'pmml4s' (PMML4S on the JVM), 'native' (compiled, no Java) "
                              "or 'auto' (native where it compiles the document, PMML4S otherwise)")


def make_engine(engine: str, root: Any, data: bytes, name: str, threads: int | None) -> Any:
    """The engine object for a gated document (``root``, parsed from ``data``)."""
    check_engine(engine)
    if engine == "pmml4s":
        return PMML4SEngine(root, data, name, threads)
    native = _native()
    if engine == "native":
        return native.NativeEngine(root, data, name, threads)
    try:
        return native.NativeEngine(root, data, name, threads)
    except native.UnsupportedElement as exc:
        log.info("%s: scored on PMML4S: %s", name, exc)
        return PMML4SEngine(root, data, name, threads)


def _native() -> Any:
    """The native engine's package, imported on first use: numba's import (and the loading of its
    compiled functions) costs about a second, which ``import pmmlkit`` and the CLI's commands
    that never score natively should not pay."""
    return importlib.import_module(".native", __package__)
