"""The converter contract, and the state every converter receives: the field scope, the target
and its place in a pipeline."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from lxml import etree

from .builders.fields import Field, Scope, Target
from .errors import ConversionError
from .pmml import plain
from .registry import REGISTRY, Registry


class Converter(Protocol):
    """The one contract of every converter, whatever the framework.

    ``converter(fitted, fields, context)`` gets the fitted object, the fields of its inputs (in
    the order the object reads its columns) and the conversion's :class:`Context`. A transformer's
    converter returns the fields of its output columns, in order (new ones made with
    ``context.scope.derive``); a model's converter returns its model element, built with
    :mod:`pmmlkit.builders`, after naming its target with ``context.classification_target`` or
    ``context.regression_target``. Errors are ``context.error(message)``, which prefixes the
    step's place in the pipeline. A converter reaches nested steps only through
    ``context.transform`` / ``context.model``.
    """

    def __call__(self, fitted: Any, fields: list[Field], context: Context, /) -> list[Field] | etree._Element: ...


@dataclass
class Context:
    """Passed to every converter as ``converter(fitted, fields, context)`` (see :class:`Converter`).

    A front end may subclass it to carry its own state (the Spark one carries the column map);
    :meth:`at` keeps the subclass and its state.
    """

    scope: Scope
    target_name: str = "y"
    registry: Registry = field(default_factory=lambda: REGISTRY)
    path: tuple[str, ...] = ()
    target: Target | None = None

    @property
    def where(self) -> str:
        return " > ".join(self.path) or "(top)"

    def at(self, step: str) -> Context:
        """The same conversion, one step deeper in the pipeline."""
        return dataclasses.replace(self, path=self.path + (step,), target=None)

    def error(self, message: str) -> ConversionError:
        return ConversionError(f"{self.where}: {message}")

    def _convert(self, estimator: Any, features: Sequence[Field], step: str) -> tuple[Context, Any]:
        # Every converter runs through here: one lookup, one contract, one error prefix.
        child = self.at(step)
        return child, self.registry.lookup(estimator, child.where)(estimator, list(features), child)

    def transform(self, estimator: Any, features: Sequence[Field], step: str) -> list[Field]:
        """Convert a transformer step; returns the fields of its output columns."""
        child, result = self._convert(estimator, features, step)
        if result is None:
            raise child.error(f"the converter for {type(estimator).__name__} returned no fields (None): a "
                              "transformer's converter must return the list of its output fields")
        if not isinstance(result, list):
            raise child.error(f"{type(estimator).__name__} is a model, but a transformer is expected here "
                              "(a pipeline converts to one model, its last step)")
        return result

    def model(self, estimator: Any, features: Sequence[Field], step: str) -> etree._Element:
        """Convert a model step; returns its model element and sets ``self.target``."""
        child, result = self._convert(estimator, features, step)
        if isinstance(result, list):
            raise child.error(
                f"{type(estimator).__name__} is a transformer; a pipeline must end with a model to convert"
            )
        if not isinstance(result, etree._Element):
            raise child.error(f"the converter of {type(estimator).__name__} returned {type(result).__name__}, "
                              "not a model element: a converter returns its output fields or its model element")
        self.target = child.target
        return result

    def classification_target(self, classes: Sequence[Any]) -> Target:
        self.target = Target(self.target_name, tuple(plain(c) for c in classes))
        return self.target

    def regression_target(self) -> Target:
        self.target = Target(self.target_name)
        return self.target

    def expect_features(self, features: Sequence[Field], count: int, estimator: Any) -> None:
        if len(features) != count:
            raise self.error(
                f"{type(estimator).__name__} was fitted on {count} features, but {len(features)} reach it; "
                "pass X with the columns the model was trained on"
            )
