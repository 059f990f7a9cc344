"""pmmlkit: convert scikit-learn, Spark ML, XGBoost and LightGBM models to PMML, validate PMML and score it on the
JVM."""

from __future__ import annotations

from .convert import convert
from .document import PMMLDocument
from .errors import ConversionError, EvaluationError, JavaNotFoundError, PMMLError, ValidationError
from .inspection.api import describe, diff, explain, importance
from .registry import register
from .scoring import jvm
from .scoring.evaluator import Model, load
from .validate import validate
from .verify import verify
from .version import __version__

__all__ = [
    "__version__", "convert", "load", "describe", "explain", "importance", "diff", "jvm", "register", "validate", "verify", "PMMLDocument", "Model",
    "PMMLError", "ConversionError", "ValidationError", "EvaluationError", "JavaNotFoundError",
]
