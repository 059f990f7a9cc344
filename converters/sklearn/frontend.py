"""The scikit-learn front end: fitted estimators and pipelines, their input columns, their own
predictions, and the files they are saved in (.skops, .joblib, .pkl)."""

from __future__ import annotations

import os
import pickle
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import skops.io
from lxml import etree
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from pmmlkit.builders.ensemble import source_method
from pmmlkit.builders.fields import Scope
from pmmlkit.context import Context, Converter
from pmmlkit.errors import ConversionError, PMMLError, UsageError
from pmmlkit.frontends import Conversion, FrontEnd, collect_converters
from pmmlkit.io import read_table
from pmmlkit.names import public_name
from pmmlkit.pmml import format_value, plain
from pmmlkit.scoring.inputs import numbers_from_text, prepare_frame

from . import sklearn2pmml_engine
from .columns import array_names, fitted_columns
from .no_pmml_form import no_pmml_form
from .text_inputs import text_categories, text_inputs

MODEL_SUFFIXES = (".skops", ".joblib", ".pkl", ".pickle")
#: In ``trusted``: every type scikit-learn defines (``--trust-sklearn``), and the few types from
#: outside scikit-learn that its fitted estimators hold (:data:`SKLEARN_COMPANIONS`).
TRUST_SKLEARN = "sklearn.*"
#: Trusted with :data:`TRUST_SKLEARN`: a numpy dtype (SimpleImputer keeps its fitted one), and
#: functools.partial (HistGradientBoosting's categorical preprocessing wraps scikit-learn's
#: check_array in one; skops still checks the wrapped function and its arguments on their own).
SKLEARN_COMPANIONS = ("numpy.dtype", "functools.partial")

# Output fields named after a model's decision_function or cluster distances (see
# pmmlkit.builders.scores.value_outputs).
DECISION = re.compile(r"decision_function(?:\((\d+)\))?")
DISTANCE = re.compile(r"distance\((\d+)\)")


class ScikitLearn(FrontEnd):
    name = "sklearn"
    title = "scikit-learn"
    packages = ("sklearn",)
    saved_as = "a .skops, .joblib, .pkl or .pickle file"
    engines = (sklearn2pmml_engine.NAME,)

    def recognises(self, model: Any) -> bool:
        # Estimators of other libraries that follow scikit-learn's API (and classes of your own
        # with a registered converter) convert through this front end too.
        return self.owns_class(type(model)) or any(hasattr(model, m) for m in ("predict", "transform", "get_params"))

    def no_pmml_form(self, cls: type) -> str | None:
        return no_pmml_form(cls)

    def converters(self) -> Mapping[type, Converter]:
        return collect_converters(__package__)

    def walk(self, model: Any, X: Any, *, target: str | None = None,
             feature_names: Sequence[str] | None = None) -> Conversion:
        if isinstance(X, pd.DataFrame) and feature_names is None:
            X = self.fitted_columns(X, model, "X")
        elif feature_names is None:
            feature_names = array_names(np.shape(X), self.fitted_names(model), "X")
        scope = Scope.from_frame(X, feature_names)
        target_name = target or "y"
        if target_name in scope.inputs:
            default = "" if target else " (the default)"
            raise ConversionError(f"target name {target_name!r}{default} is also an input column: pass target=... a "
                                  f"name that is not one of the inputs {list(scope.inputs)}")
        context = Context(scope, target_name=target_name)
        columns = tuple(scope.inputs)  # the model was fitted on every column of X
        element = context.model(model, list(scope.inputs.values()), type(model).__name__)
        # An output named like an input ('predicted_y', 'probability_1') would make a document no
        # evaluator loads: a field name is declared once.
        clashes = [n.get("name") for n in element.iter("{*}OutputField") if n.get("name") in scope.inputs]
        if clashes:
            raise ConversionError(f"the input columns {clashes} have the names of the model's outputs: rename "
                                  f"those columns, or pass target=... (the outputs are named after it)")
        return Conversion(scope, element, context.target, trained=columns)

    def convert_with(self, engine: str, model: Any, X: Any, *, target: str | None = None) -> bytes:
        if engine != sklearn2pmml_engine.NAME:
            return super().convert_with(engine, model, X, target=target)
        return sklearn2pmml_engine.convert(model, list(self.rows(X, model).columns), target or "y")

    def reference_outputs(self, model: Any, X: Any, output_fields: Sequence[etree._Element]) -> pd.DataFrame:
        try:
            return self._reference_outputs(model, X, output_fields)
        except PMMLError:
            raise
        except Exception as exc:  # the model refuses these rows or lacks the method an output needs
            raise ConversionError(
                f"the model ({public_name(model)}) cannot compute the PMML's outputs on these rows: "
                f"{type(exc).__name__}: {_first_line(exc)}; are these rows like the model's training data, "
                "and is this the model the PMML was converted from?") from None

    def predictions(self, model: Any, X: Any) -> Any:
        """What ``model`` predicts for the rows ``X`` (its ``predict``)."""
        return model.predict(X)

    def _reference_outputs(self, model: Any, X: Any, output_fields: Sequence[etree._Element]) -> pd.DataFrame:
        columns: dict[str, Any] = {}
        probabilities = None
        labels: list[str] = []
        for node in output_fields:
            feature = node.get("feature", "predictedValue")
            name = node.get("name")
            method = source_method(node)
            if method is not None:
                # The field reproduces another method of the model (decision_function, score_samples, ...);
                # for a method with one column per class, ``value`` names the class.
                values = np.asarray(getattr(model, method)(X))
                if values.ndim == 2 and node.get("value") is not None:
                    classes = [format_value(plain(c)) for c in model.classes_]
                    values = values[:, classes.index(node.get("value"))]
                columns[name] = values
            elif feature == "predictedValue":
                columns[name] = np.asarray(self.predictions(model, X))
            elif feature == "probability":
                if probabilities is None:
                    probabilities = np.asarray(model.predict_proba(X), dtype=np.float64)
                    # A mixture model's "classes" are its component indices.
                    classes = getattr(model, "classes_", range(probabilities.shape[1]))
                    labels = [format_value(plain(c)) for c in classes]
                columns[name] = probabilities[:, labels.index(node.get("value"))]
            elif feature == "clusterAffinity":
                # The distance to the cluster ``value``, as the clusterer's transform() gives it.
                columns[name] = np.asarray(model.transform(X), dtype=np.float64)[:, int(node.get("value"))]
            elif feature == "transformedValue" and DECISION.fullmatch(name):
                # decision_function(), whole ("decision_function") or one of its columns ("decision_function(k)").
                column = DECISION.fullmatch(name).group(1)
                values = np.asarray(model.decision_function(X), dtype=np.float64)
                columns[name] = values if column is None else values[:, int(column)]
            elif feature == "transformedValue" and DISTANCE.fullmatch(name):
                # The distance to one cluster ("distance(k)"), as the clusterer's transform() gives it.
                columns[name] = np.asarray(model.transform(X), dtype=np.float64)[:, int(DISTANCE.fullmatch(name).group(1))]
        return pd.DataFrame(columns, index=X.index if isinstance(X, pd.DataFrame) else None)

    # -- input columns ----------------------------------------------------------------------------------

    def fitted_names(self, model: Any) -> list[str] | None:
        """The names of the columns ``model`` was fitted on, in order (``feature_names_in_``); None
        for a model fitted on a plain array."""
        names = getattr(model, "feature_names_in_", None)
        return None if names is None else [str(n) for n in names]

    def stored_name(self, column: str) -> str:
        """How the model's library writes the name of a frame's column in the fitted model."""
        return column

    def fitted_columns(self, frame: pd.DataFrame, model: Any, source: str) -> pd.DataFrame:
        return fitted_columns(frame, self.fitted_names(model), source, self.stored_name)

    def rows(self, X: Any, model: Any) -> Any:
        if isinstance(X, pd.DataFrame):
            return self.fitted_columns(X, model, "the rows to score")
        array = np.asarray(X)
        if array.ndim != 2:
            raise PMMLError(f"X must be a DataFrame or a 2-D array, not shape {array.shape}")
        names = array_names(array.shape, self.fitted_names(model), "the rows to score")
        return pd.DataFrame(array, columns=names or [f"x{i + 1}" for i in range(array.shape[1])])

    # -- files ------------------------------------------------------------------------------------------

    def can_load(self, path: Path) -> bool:
        return path.suffix.lower() in MODEL_SUFFIXES and not path.is_dir()

    def load_model(self, path: Path, *, trusted: Sequence[str] = (), allow_pickle: bool = False) -> Any:
        """A model saved with skops (``.skops``), joblib (``.joblib``) or pickle (``.pkl``/``.pickle``).

        A ``.skops`` file is loaded if every type in it is one skops trusts by default or one
        named in ``trusted`` (exact type names as skops lists them; ``"sklearn.*"`` trusts every
        scikit-learn type). joblib and pickle files run arbitrary code when loaded, so they are
        loaded only with ``allow_pickle=True``: load only files you trust.
        """
        if path.is_dir():
            raise ConversionError(f"{path} is a folder; for a saved Spark model add --spark (spark=True)")
        if not path.exists():
            raise ConversionError(f"{path}: no such file")
        suffix = path.suffix.lower()
        if suffix == ".skops":
            return _load_skops(path, trusted)
        if suffix in (".joblib", ".pkl", ".pickle"):
            if not allow_pickle:
                kind = "a joblib" if suffix == ".joblib" else "a pickle"
                raise ConversionError(
                    f"{path} is {kind} file, which runs arbitrary code when it is loaded: if you trust it, pass "
                    "--allow-pickle (Python: allow_pickle=True); or save the model with skops "
                    "(skops.io.dump(model, 'model.skops')) and convert that")
            return _load_pickled(path, suffix)
        raise ConversionError(f"{path}: unknown model file type {suffix!r}; expected one of "
                              f"{', '.join(MODEL_SUFFIXES)}")

    def read_sample(self, path: str | os.PathLike[str] | None, model: Any, *, features: Sequence[str] | None = None,
                    target: str | None = None, string_columns: Iterable[str] = (), rows: int | None = None) -> Any:
        """The model's input columns from ``path``; without a file, empty double columns named
        by ``features``, the model's ``feature_names_in_`` or ``x1, x2, ...``."""
        _check_fitted(model)
        fitted = self.fitted_names(model)
        features = list(features) if features else None
        if features and fitted and [self.stored_name(f) for f in features] != [self.stored_name(f) for f in fitted]:
            raise UsageError(f"--features {','.join(features)} differs from the columns the model was fitted on: "
                             f"{','.join(fitted)}")
        if path is not None:
            if Path(path).is_file() and not _head(Path(path)).strip():
                raise ConversionError(f"{path}: cannot read the table: it is empty (no header line); give a header "
                                      "line naming the input columns and at least one row")
            # Columns the model learned text categories for stay text, whatever their cells look like
            # ("007", "NA"): they are categories, not numbers.
            string_columns = [*string_columns, *(c for c, _, _ in text_categories(model) if c is not None)]
            frame = read_table(path, string_columns=string_columns, nrows=rows)
            if fitted is not None:
                return _checked_rows(self.fitted_columns(frame, model, str(path)), path, string_columns)
            columns = features or [c for c in frame.columns if c != target]
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise ConversionError(f"{path} lacks the model's input columns {missing} (it has {list(frame.columns)})")
            return _checked_rows(frame[columns], path, string_columns)
        text = text_inputs(model)
        if text:
            raise UsageError(f"the model reads text in {text}, but without a sample every input is typed as a "
                             "number: pass --sample data.csv (a few typical rows) to name and type the inputs")
        names = features or fitted
        expected = getattr(model, "n_features_in_", None)
        if names is None:
            if expected is None:
                raise UsageError("cannot tell the model's input columns: give --features a,b,c or --sample data.csv")
            names = [f"x{i + 1}" for i in range(int(expected))]
        if expected is not None and len(names) != int(expected):
            raise UsageError(f"--features gives {len(names)} names but the model takes {int(expected)} inputs")
        return pd.DataFrame({name: pd.Series(dtype="float64") for name in names})


def _checked_rows(frame: pd.DataFrame, path: str | os.PathLike[str], string_columns: Iterable[str]) -> pd.DataFrame:
    """Refuse rows from a file that the model would choke on, naming the column and row, by the
    input contract ``pmmlkit score`` applies: a numeric column (``string_columns`` aside) with text
    or an infinity in it. A column of text only is a text input, left to the model."""
    if frame.empty:
        raise ConversionError(f"{path} has no rows (a header only?): give at least one row of input values")
    text = set(string_columns)
    names, kinds = [], []
    checked = {}
    for name in frame.columns:
        column = frame[name]
        if name in text:
            continue
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            numbers = numbers_from_text(column)
            if not any(isinstance(v, float) and v == v for v in numbers):  # no number at all: a text column
                continue
            column = numbers
        elif column.dtype.kind not in "fiub":
            continue
        names.append(name)
        kinds.append("double")
        checked[name] = column
    try:
        prepare_frame(pd.DataFrame(checked, index=frame.index), names, kinds, [None] * len(names))
    except PMMLError as exc:
        raise ConversionError(f"{path}: {exc}; fix that cell or remove the row") from None
    return frame


def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(4096)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0]


def _check_fitted(model: Any) -> None:
    """Refuse an unfitted scikit-learn model, naming it (its inputs cannot be known). Only
    scikit-learn's classes and those that say how (``__sklearn_is_fitted__``) are asked: another
    class's fitted state is not its trailing-underscore attributes."""
    if type(model).__module__.split(".")[0] != "sklearn" and not hasattr(model, "__sklearn_is_fitted__"):
        return
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise ConversionError(f"the model ({public_name(model)}) is not fitted: call fit() on it before saving it, "
                              "then convert the fitted model") from None
    except TypeError:  # not a scikit-learn estimator: its converter says what it needs
        pass


def _is_trusted(name: str, trusted: Sequence[str]) -> bool:
    if TRUST_SKLEARN in trusted and name in SKLEARN_COMPANIONS:
        return True
    return any(name == t or (t.endswith(".*") and name.startswith(t[:-1])) for t in trusted)


def _is_sklearns(name: str) -> bool:
    """A type that --trust-sklearn trusts."""
    return name.split(".")[0] == "sklearn" or name in SKLEARN_COMPANIONS


def _load_skops(path: Path, trusted: Sequence[str]) -> Any:
    try:
        untrusted = skops.io.get_untrusted_types(file=path)
    except Exception as exc:  # a damaged or foreign file: skops raises zipfile/json/key errors
        raise ConversionError(f"{path}: not a readable skops file ({type(exc).__name__}: {exc})") from None
    refused = sorted(t for t in untrusted if not _is_trusted(t, trusted))
    if refused:
        sklearn_only = all(_is_sklearns(t) for t in refused)
        raise ConversionError(
            f"{path} contains types skops does not trust by default: {', '.join(refused)}. If you trust the file, "
            f"pass --trusted {','.join(refused)}"
            + (" or --trust-sklearn (scikit-learn's own types)" if sklearn_only else "")
            + f" (Python: pmmlkit.io.load_model(path, trusted={[TRUST_SKLEARN] if sklearn_only else refused!r}))")
    try:
        return skops.io.load(path, trusted=list(untrusted) or None)
    except Exception as exc:
        raise ConversionError(f"{path}: skops could not load the model ({type(exc).__name__}: {exc})") from None


def _load_pickled(path: Path, suffix: str) -> Any:
    try:
        if suffix == ".joblib":
            return joblib.load(path)
        with open(path, "rb") as handle:
            return pickle.load(handle)  # noqa: S301 - only with allow_pickle: the user trusts this file
    except (ModuleNotFoundError, AttributeError) as exc:
        raise ConversionError(f"{path}: the model needs code that is not installed here ({exc})") from None
    except OSError:
        raise
    except Exception as exc:
        raise ConversionError(f"{path}: could not load the model ({type(exc).__name__}: {exc})") from None


class ScikitLearnAPI(ScikitLearn):
    """A library whose models follow scikit-learn's API (XGBoost, LightGBM): its models convert like
    scikit-learn's (same inputs, samples and reference outputs); its saved models load through the
    scikit-learn front end. A subclass names the library and lists its converters."""

    engines = ()

    def recognises(self, model: object) -> bool:
        return self.owns_class(type(model))

    def can_load(self, path: Path) -> bool:
        return False

    def no_pmml_form(self, cls: type) -> str | None:
        return None
