"""pmmlkit.convert: a fitted model or pipeline -> PMMLDocument, through the model's front end."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .document import PMMLDocument
from .errors import ConversionError
from .frontends import FRONT_ENDS
from .verify import embed_verification


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
    conversion = FRONT_ENDS.for_model(estimator).walk(estimator, X, target=target, feature_names=feature_names)
    document = PMMLDocument.assemble(conversion.scope, conversion.model, conversion.target, description)
    if verification is not None:
        embed_verification(document, estimator, verification)
    return document
