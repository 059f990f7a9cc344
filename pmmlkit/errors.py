"""The exceptions pmmlkit raises. Every failure a user can cause derives from PMMLError."""

from __future__ import annotations


class PMMLError(Exception):
    """Base class of every error pmmlkit raises on bad input."""


class ConversionError(PMMLError):
    """A model or pipeline could not be converted to PMML."""


class UsageError(PMMLError):
    """Arguments that do not fit together or do not say enough (the CLI exits with code 2)."""


class ValidationError(PMMLError):
    """A document is not PMML that pmmlkit can read (see ``validate`` for a full report)."""


class EvaluationError(PMMLError):
    """A PMML document could not be loaded or scored."""


class JavaNotFoundError(EvaluationError):
    """No Java runtime could be found to start the scoring engine."""
