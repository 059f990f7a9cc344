"""The one registry of converters, keyed by estimator class.

Converters for a framework are loaded on first use from that framework's table
(``pmmlkit.converters.sklearn.converters()``, ``pmmlkit.converters.spark.converters()``), so
pyspark is imported only when a Spark model is converted.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ConversionError

# Top-level package of a model's class -> module whose ``converters()`` lists its converters.
FRAMEWORKS = {
    "sklearn": "pmmlkit.converters.sklearn",
    "pyspark": "pmmlkit.converters.spark",
    "lightgbm": "pmmlkit.converters.lightgbm",
    "xgboost": "pmmlkit.converters.xgboost",
}

ConverterFunction = Callable[..., Any]


def framework_of(obj: Any) -> str:
    """The top-level package of an object's class ("sklearn", "pyspark", ...)."""
    return type(obj).__module__.split(".")[0]


@dataclass(frozen=True)
class Entry:
    framework: str
    estimator: type
    function: ConverterFunction


class Registry:
    def __init__(self) -> None:
        self._entries: dict[type, Entry] = {}
        self._loaded: set[str] = set()

    def register(self, estimator: type, function: ConverterFunction, framework: str = "custom") -> None:
        """Register ``function(estimator, features, context)`` as the converter of ``estimator``."""
        if not isinstance(estimator, type):
            raise TypeError(f"register() takes a class, not {estimator!r}")
        self._entries[estimator] = Entry(framework, estimator, function)

    def load(self, framework: str) -> None:
        if framework in self._loaded:
            return
        module = importlib.import_module(FRAMEWORKS[framework])
        for estimator, function in module.converters().items():
            self._entries.setdefault(estimator, Entry(framework, estimator, function))
        self._loaded.add(framework)

    def lookup(self, estimator: Any, path: str = "") -> ConverterFunction:
        cls = type(estimator)
        framework = framework_of(estimator)
        if framework in FRAMEWORKS:
            self.load(framework)
        entry = self._entries.get(cls)
        if entry is None:
            where = f" at {path}" if path else ""
            raise ConversionError(
                f"{cls.__module__}.{cls.__qualname__}{where} has no PMML converter. "
                "See the README's coverage table for what is supported, or register one with "
                "pmmlkit.register(cls, function)."
            )
        return entry.function

    def entries(self, framework: str | None = None) -> list[Entry]:
        for name in FRAMEWORKS if framework is None else [framework]:
            try:
                self.load(name)
            except ImportError:
                continue
        return [e for e in self._entries.values() if framework is None or e.framework == framework]


REGISTRY = Registry()


def register(estimator: type, function: ConverterFunction) -> None:
    """Register a converter for a class of your own (see :class:`pmmlkit.convert.Context`)."""
    REGISTRY.register(estimator, function)
