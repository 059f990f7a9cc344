"""pmmlkit.convert: a fitted model or pipeline -> PMMLDocument, through the model's front end
(natively) or an external converter the front end offers (``engine=``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from .document import PMMLDocument
from .errors import ConversionError, EngineUnavailableError, NoConverterError
from .frontends import FRONT_ENDS, FrontEnd
from .parsing import parse_bytes
from .report import Report
from .validation.gate import refusal
from .validation.scan import check_root
from .validation.schema import Schema
from .verify import embed_verification

NATIVE = "native"
AUTO = "auto"

log = logging.getLogger("pmmlkit")


def convert(estimator: Any, X: Any, *, target: str | None = None,
            feature_names: Sequence[str] | None = None, verification: Any = None,
            description: str | None = None, engine: str = NATIVE) -> PMMLDocument:
    """Convert a fitted model or pipeline to PMML 4.4.

    ``X`` gives the raw input columns (names and dtypes): a pandas DataFrame of training-like
    rows for scikit-learn (a few rows are enough), a Spark DataFrame or its schema for Spark ML.
    ``target`` names the predicted field (default: ``y``, or the label column for Spark).
    ``verification``, a sample of rows like ``X``, embeds a ModelVerification block with the
    model's own predictions, so that Java evaluators can check the file when they load it.

    ``engine`` chooses the converter: ``"native"`` (pmmlkit's own, the default), an external one
    the model's framework offers (``"sklearn2pmml"`` for scikit-learn, the optional extra
    ``pmmlkit[sklearn2pmml]``, AGPL-3.0, needs Java), or ``"auto"``: native when every step has a
    native converter, else the external one. The document's ``engine`` attribute says which
    converter wrote it; ``"auto"`` also logs it (logger ``pmmlkit``).
    """
    if X is None:
        raise ConversionError("convert() needs X, a sample of the input columns, to name and type the fields")
    if target is not None and not (isinstance(target, str) and target.strip()):
        raise ConversionError(f"target={target!r} is not a field name: pass target='name' for the predicted field, "
                              "or leave it out (default 'y')")
    front_end = FRONT_ENDS.for_model(estimator)
    choices = (NATIVE, AUTO, *front_end.engines)
    if engine not in choices:
        raise ConversionError(f"engine={engine!r} is not one of {', '.join(map(repr, choices))} "
                              f"(for {front_end.title} models)")
    if engine == AUTO:
        try:
            document = _native(front_end, estimator, X, target, feature_names, description)
        except NoConverterError as exc:
            if not front_end.engines:
                raise
            engine = front_end.engines[0]
            log.info("%s; converting with %s instead (engine='auto')", str(exc).rstrip("."), engine)
            try:
                document = _external(front_end, engine, estimator, X, target, feature_names, description)
            except EngineUnavailableError as unavailable:
                raise EngineUnavailableError(f"{exc} engine='auto' would convert it with {engine} instead, but: {unavailable}")\
                    from unavailable
        else:
            engine = NATIVE
        log.info("converted %s with the %s converter", type(estimator).__name__, engine)
    elif engine == NATIVE:
        document = _native(front_end, estimator, X, target, feature_names, description)
    else:
        document = _external(front_end, engine, estimator, X, target, feature_names, description)
    document.engine = engine
    _refuse_unloadable(document)
    if verification is not None:
        embed_verification(document, estimator, verification)
    return document


#: The schema step is left out: the rules alone find what makes a document unloadable, cheaply.
_RULES_ONLY = Schema(None, "no schema", None, "rules only")


def _refuse_unloadable(document: PMMLDocument) -> None:
    """Refuse a document pmmlkit's own gate would refuse to load (its blocking rules), naming the fault.

    Trees written in bulk (:mod:`pmmlkit.builders.tree_text`) stay unchecked here: checking them
    means building their DOM, which costs more than the whole conversion of a large forest; their
    fields are checked by the tree converters, and ``pmmlkit.load`` runs every rule."""
    if document.has_bulk_trees():
        return
    report = Report(source="<converted document>")
    check_root(document.root, report, _RULES_ONLY)
    fault = refusal(report)
    if fault is not None:
        raise ConversionError(f"the converted PMML would be refused when loaded: {fault.message} [{fault.code}]; "
                              "check the column types of X and the target name (target=...)")


def _native(front_end: FrontEnd, estimator: Any, X: Any, target: str | None,
            feature_names: Sequence[str] | None, description: str | None) -> PMMLDocument:
    conversion = front_end.walk(estimator, X, target=target, feature_names=feature_names)
    return PMMLDocument.assemble(conversion.scope, conversion.model, conversion.target, description,
                                 conversion.trained)


def _external(front_end: FrontEnd, engine: str, estimator: Any, X: Any, target: str | None,
              feature_names: Sequence[str] | None, description: str | None) -> PMMLDocument:
    rows = front_end.rows(X, estimator)
    if feature_names is not None:
        rows = rows.set_axis(list(feature_names), axis=1)
    data = front_end.convert_with(engine, estimator, rows, target=target)
    document = PMMLDocument(parse_bytes(data, f"<{engine} output>").getroot())
    if description is not None:
        header = document.root.find("{*}Header")
        if header is not None:
            header.set("description", description)
    return document
