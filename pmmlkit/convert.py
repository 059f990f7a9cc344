"""pmmlkit.convert: a fitted model or pipeline -> PMMLDocument."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .builders.fields import Scope
from .context import Context
from .document import PMMLDocument
from .errors import ConversionError
from .registry import framework_of


def convert(estimator: Any, X: Any, *, target: str | None = None,
            feature_names: Sequence[str] | None = None, verification: Any = None,
            description: str | None = None) -> PMMLDocument:
    """Convert a fitted model or pipeline to PMML 4.4.

    ``X`` gives the raw input columns (names and dtypes): a pandas DataFrame of training-like
    rows for scikit-learn (a few rows are enough), a Spark DataFrame or its schema for Spark ML.
    ``target`` names the predicted field (default: ``y``, or the label column for Spark).
    ``verification``, a sample of rows like ``X``, embeds a ModelVerification block with the
    model's own predictions, so that Java evaluators can check the file when they load it.
    """
    if X is None:
        raise ConversionError("convert() needs X, a sample of the input columns, to name and type the fields")
    if framework_of(estimator) == "pyspark":
        from .converters.spark import convert_spark

        document = convert_spark(estimator, X, target=target, description=description)
    else:
        scope = Scope.from_frame(X, feature_names)
        context = Context(scope, target_name=target or "y")
        features = list(scope.inputs.values())
        model = context.model(estimator, features, type(estimator).__name__)
        document = PMMLDocument.assemble(scope, model, context.target, description)
    if verification is not None:
        from .verify import embed_verification

        embed_verification(document, estimator, verification)
    return document
