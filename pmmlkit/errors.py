"""The exceptions pmmlkit raises. Every failure a user can cause derives from PMMLError."""

from __future__ import annotations


class PMMLError(Exception):
    """Base class of every error pmmlkit raises on bad input."""


class ConversionError(PMMLError):
    """A model or pipeline could not be converted to PMML."""


class NoConverterError(ConversionError):
    """A class in the model has no native converter (``convert(..., engine="auto")`` then tries an
    external engine)."""


class EngineUnavailableError(ConversionError):
    """An external converter (``convert(..., engine=...)``) cannot run here: not installed, no Java,
    or it refuses this environment (a library version it does not support, an expired build)."""


class UsageError(PMMLError):
    """Arguments that do not fit together or do not say enough (the CLI exits with code 2)."""


class ValidationError(PMMLError):
    """A document is not PMML that pmmlkit can read (see ``validate`` for a full report)."""


class EvaluationError(PMMLError):
    """A PMML document could not be loaded or scored."""


class JavaNotFoundError(EvaluationError):
    """No Java runtime could be found to start the scoring engine."""


class UnsupportedElement(EvaluationError):
    """The native compiler does not compile this element (``engine="auto"`` then uses PMML4S)."""
