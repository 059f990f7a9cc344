"""The one registry of converters, keyed by the fitted class they convert.

Every converter follows one contract, :class:`pmmlkit.context.Converter`:
``converter(fitted, fields, context)`` receives the fitted object, the fields of its input
columns and the :class:`pmmlkit.context.Context` of the conversion; a transformer's returns the
fields of its output columns, a model's returns its model element (and sets the target through
``context.classification_target`` / ``context.regression_target``). Converters call each other
only through ``context.transform`` / ``context.model``.

Each front end (:mod:`pmmlkit.frontends`) supplies its framework's converters; they are loaded on
first use, when a class of that framework is looked up, so pyspark is imported only when a Spark
model is converted. :func:`register` adds (or overrides) the converter of one class, for any
front end's pipelines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import NoConverterError
from .frontends import FRONT_ENDS, FrontEnd, FrontEnds
from .names import public_name

if TYPE_CHECKING:  # for annotations only: the contract lives beside the Context that calls it
    from .context import Converter

CUSTOM = "custom"  # the framework name of converters registered with register()


@dataclass(frozen=True)
class Entry:
    framework: str  # the front end's name, or "custom"
    estimator: type
    function: Converter


class Registry:
    def __init__(self, front_ends: FrontEnds = FRONT_ENDS) -> None:
        self.front_ends = front_ends
        self._entries: dict[type, Entry] = {}
        self._loaded: set[str] = set()

    def register(self, estimator: type, function: Converter, framework: str = CUSTOM) -> None:
        """Register ``function(fitted, fields, context)`` as the converter of class ``estimator``."""
        if not isinstance(estimator, type):
            raise TypeError(f"register() takes a class, not {estimator!r}")
        if not callable(function):
            raise TypeError(f"register() takes a converter function, not {function!r}")
        self._entries[estimator] = Entry(framework, estimator, function)

    def load(self, front_end: FrontEnd) -> None:
        """Add a front end's converters (once); converters registered by hand take precedence."""
        if front_end.name in self._loaded:
            return
        for estimator, function in front_end.converters().items():
            self._entries.setdefault(estimator, Entry(front_end.name, estimator, function))
        self._loaded.add(front_end.name)

    def lookup(self, fitted: Any, path: str = "") -> Converter:
        cls = type(fitted)
        entry = self._entries.get(cls)
        if entry is None:
            owner = self.front_ends.owner_of(cls)
            if owner is not None:
                self.load(owner)
                entry = self._entries.get(cls)
        if entry is None:
            where = f" at {path}" if path else ""
            reason = owner.no_pmml_form(cls) if owner is not None else None
            if reason is not None:
                raise NoConverterError(f"{public_name(cls)}{where} has no PMML form: {reason}")
            raise NoConverterError(
                f"{public_name(cls)}{where} has no PMML converter. "
                "See the README's coverage table for what is supported, or register one with "
                "pmmlkit.register(cls, function)."
            )
        return entry.function

    def entries(self, framework: str | None = None) -> list[Entry]:
        """The registered converters, of one front end (by name) or of all whose framework is installed."""
        for front_end in self.front_ends.all():
            if framework in (None, front_end.name) and front_end.available():
                self.load(front_end)
        return [e for e in self._entries.values() if framework is None or e.framework == framework]


REGISTRY = Registry()


def register(estimator: type, function: Converter) -> None:
    """Register ``function(fitted, fields, context)`` as the converter of your class ``estimator``.

    It is called wherever an instance of ``estimator`` appears, in a scikit-learn Pipeline or
    ColumnTransformer, in a Spark PipelineModel (``fields`` are then the fields of the stage's
    input column(s), and the fields it returns become its output column), or as the model itself.
    See :class:`pmmlkit.context.Converter` and the README's "Your own converter".
    """
    REGISTRY.register(estimator, function)
