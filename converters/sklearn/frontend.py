"""The scikit-learn front end: fitted estimators and pipelines, their input columns, their own
predictions, and the files they are saved in (.skops, .joblib, .pkl)."""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import skops.io
from lxml import etree

from pmmlkit.builders.fields import Scope
from pmmlkit.context import Context, Converter
from pmmlkit.errors import ConversionError, PMMLError, UsageError
from pmmlkit.frontends import Conversion, FrontEnd, collect_converters
from pmmlkit.io import read_table
from pmmlkit.pmml import format_value, plain

MODEL_SUFFIXES = (".skops", ".joblib", ".pkl", ".pickle")


class ScikitLearn(FrontEnd):
    name = "sklearn"
    title = "scikit-learn"
    packages = ("sklearn",)
    saved_as = "a .skops, .joblib, .pkl or .pickle file"

    def recognises(self, model: Any) -> bool:
        # Estimators of other libraries that follow scikit-learn's API (and classes of your own
        # with a registered converter) convert through this front end too.
        return self.owns_class(type(model)) or any(hasattr(model, m) for m in ("predict", "transform", "get_params"))

    def converters(self) -> Mapping[type, Converter]:
        return collect_converters(__package__)

    def walk(self, model: Any, X: Any, *, target: str | None = None,
             feature_names: Sequence[str] | None = None) -> Conversion:
        scope = Scope.from_frame(X, feature_names)
        context = Context(scope, target_name=target or "y")
        element = context.model(model, list(scope.inputs.values()), type(model).__name__)
        return Conversion(scope, element, context.target)

    def reference_outputs(self, model: Any, X: Any, output_fields: Sequence[etree._Element]) -> pd.DataFrame:
        columns: dict[str, Any] = {}
        probabilities = None
        labels: list[str] = []
        for node in output_fields:
            feature = node.get("feature", "predictedValue")
            if feature == "predictedValue":
                columns[node.get("name")] = np.asarray(model.predict(X))
            elif feature == "probability":
                if probabilities is None:
                    probabilities = np.asarray(model.predict_proba(X), dtype=np.float64)
                    labels = [format_value(plain(c)) for c in model.classes_]
                columns[node.get("name")] = probabilities[:, labels.index(node.get("value"))]
        return pd.DataFrame(columns, index=X.index if isinstance(X, pd.DataFrame) else None)

    def rows(self, X: Any, model: Any) -> Any:
        if isinstance(X, pd.DataFrame):
            return X
        array = np.asarray(X)
        if array.ndim != 2:
            raise PMMLError(f"X must be a DataFrame or a 2-D array, not shape {array.shape}")
        names = getattr(model, "feature_names_in_", None)
        names = list(names) if names is not None else [f"x{i + 1}" for i in range(array.shape[1])]
        return pd.DataFrame(array, columns=names)

    # -- files ------------------------------------------------------------------------------------------

    def can_load(self, path: Path) -> bool:
        return path.suffix.lower() in MODEL_SUFFIXES and not path.is_dir()

    def load_model(self, path: Path) -> Any:
        """A model saved with skops (``.skops``), joblib (``.joblib``) or pickle (``.pkl``/``.pickle``).

        A ``.skops`` file is loaded only if every type in it is one skops trusts by default;
        joblib and pickle files run arbitrary code when loaded: load only files you trust.
        """
        if path.is_dir():
            raise ConversionError(f"{path} is a folder; for a saved Spark model add --spark (spark=True)")
        if not path.exists():
            raise ConversionError(f"{path}: no such file")
        suffix = path.suffix.lower()
        if suffix == ".skops":
            return _load_skops(path)
        if suffix in (".joblib", ".pkl", ".pickle"):
            return _load_pickled(path, suffix)
        raise ConversionError(f"{path}: unknown model file type {suffix!r}; expected one of "
                              f"{', '.join(MODEL_SUFFIXES)}")

    def read_sample(self, path: str | os.PathLike[str] | None, model: Any, *, features: Sequence[str] | None = None,
                    target: str | None = None, string_columns: Iterable[str] = (), rows: int | None = None) -> Any:
        """The model's input columns from ``path``; without a file, empty double columns named
        by ``features``, the model's ``feature_names_in_`` or ``x1, x2, ...``."""
        fitted = getattr(model, "feature_names_in_", None)
        fitted = [str(n) for n in fitted] if fitted is not None else None
        features = list(features) if features else None
        if features and fitted and features != fitted:
            raise UsageError(f"--features {','.join(features)} differs from the columns the model was fitted on: "
                             f"{','.join(fitted)}")
        if path is not None:
            frame = read_table(path, string_columns=string_columns, nrows=rows)
            columns = features or fitted
            if columns is None:
                columns = [c for c in frame.columns if c != target]
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise PMMLError(f"{path} lacks the model's input columns {missing} (it has {list(frame.columns)})")
            return frame[columns]
        if _has_text_categories(model):
            raise UsageError("the model has text (categorical) inputs, so their types cannot be guessed: give "
                             "--sample data.csv with typical rows")
        names = features or fitted
        expected = getattr(model, "n_features_in_", None)
        if names is None:
            if expected is None:
                raise UsageError("cannot tell the model's input columns: give --features a,b,c or --sample data.csv")
            names = [f"x{i + 1}" for i in range(int(expected))]
        if expected is not None and len(names) != int(expected):
            raise UsageError(f"--features gives {len(names)} names but the model takes {int(expected)} inputs")
        return pd.DataFrame({name: pd.Series(dtype="float64") for name in names})


def _has_text_categories(model: Any) -> bool:
    """Whether any step learned string categories (e.g. a OneHotEncoder fitted on text)."""
    try:
        parts = [model, *model.get_params(deep=True).values()]
    except Exception:  # not a scikit-learn estimator: let convert() say what it is
        return False
    for part in parts:
        for categories in getattr(part, "categories_", None) or ():
            if getattr(categories, "dtype", None) is not None and categories.dtype.kind in "OUS":
                return True
    return False


def _load_skops(path: Path) -> Any:
    try:
        untrusted = skops.io.get_untrusted_types(file=path)
    except Exception as exc:  # a damaged or foreign file: skops raises zipfile/json/key errors
        raise ConversionError(f"{path}: not a readable skops file ({type(exc).__name__}: {exc})") from None
    if untrusted:
        raise ConversionError(
            f"{path} contains types skops does not trust by default: {', '.join(sorted(untrusted))}. "
            "pmmlkit loads only default-trusted types; inspect the file, then load it yourself with "
            "skops.io.load(path, trusted=[...]) and call pmmlkit.convert()")
    try:
        return skops.io.load(path)
    except Exception as exc:
        raise ConversionError(f"{path}: skops could not load the model ({type(exc).__name__}: {exc})") from None


def _load_pickled(path: Path, suffix: str) -> Any:
    try:
        if suffix == ".joblib":
            return joblib.load(path)
        with open(path, "rb") as handle:
            return pickle.load(handle)  # noqa: S301 - the user asked for this file; --help warns
    except (ModuleNotFoundError, AttributeError) as exc:
        raise ConversionError(f"{path}: the model needs code that is not installed here ({exc})") from None
    except OSError:
        raise
    except Exception as exc:
        raise ConversionError(f"{path}: could not load the model ({type(exc).__name__}: {exc})") from None
