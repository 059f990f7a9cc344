"""The state a converter function receives: the field scope, the target and its place in a pipeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .builders.fields import Field, Scope, Target
from .errors import ConversionError
from .pmml import plain
from .registry import REGISTRY, Registry


@dataclass
class Context:
    """Passed to every converter as ``function(estimator, features, context)``.

    A transformer's converter returns the list of its output features (fields); a model's
    converter returns its model element and sets ``context.target``.
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
        return Context(self.scope, self.target_name, self.registry, self.path + (step,), None)

    def error(self, message: str) -> ConversionError:
        return ConversionError(f"{self.where}: {message}")

    def _convert(self, estimator: Any, features: Sequence[Field], step: str) -> tuple[Context, Any]:
        child = self.at(step)
        return child, self.registry.lookup(estimator, child.where)(estimator, list(features), child)

    def transform(self, estimator: Any, features: Sequence[Field], step: str) -> list[Field]:
        """Convert a transformer step; returns the fields of its output columns."""
        child, result = self._convert(estimator, features, step)
        if not isinstance(result, list):
            raise child.error(f"{type(estimator).__name__} is a model, but a transformer is expected here")
        return result

    def model(self, estimator: Any, features: Sequence[Field], step: str) -> etree._Element:
        """Convert a model step; returns its model element and sets ``self.target``."""
        child, result = self._convert(estimator, features, step)
        if isinstance(result, list):
            raise child.error(
                f"{type(estimator).__name__} is a transformer; a pipeline must end with a model to convert"
            )
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
