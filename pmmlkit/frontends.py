"""Front ends: all that pmmlkit knows about one machine-learning framework.

A front end recognises the framework's models, reads their input fields from a sample or a
schema, walks a fitted model into converter calls, computes the model's own outputs (what
``verify`` and embedded ModelVerification compare with), loads a saved model and reads a sample
file. The core and the CLI know front ends only through :data:`FRONT_ENDS`, which is filled from
the ``pmmlkit.frontends`` entry point group: a package adds a framework by declaring, in its
packaging metadata::

    [options.entry_points]
    pmmlkit.frontends =
        xgboost = pmmlkit_xgboost.frontend:XGBoost

pmmlkit's own four front ends (``converters/sklearn``, ``converters/spark``, ``converters/lightgbm``,
``converters/xgboost``) are registered the same way in its setup.cfg. A front end's module must
import without its framework installed (import the framework at its point of use), so that
listing the front ends costs nothing.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import pkgutil
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from lxml import etree

from .builders.fields import Scope, Target
from .errors import ConversionError, PMMLError
from .names import public_name

if TYPE_CHECKING:  # for annotations only: the contract lives beside the Context that calls it
    from .context import Converter

ENTRY_POINT_GROUP = "pmmlkit.frontends"


@dataclass
class Conversion:
    """What walking a model produces: the fields it starts from and derives, its model element
    and its target (None for clustering), and the columns it was trained on."""

    scope: Scope
    model: etree._Element
    target: Target | None
    #: The input columns the model was trained on (all of X for a model fitted on X); the document
    #: declares those it does not use in its DataDictionary. Empty: only the inputs it uses.
    trained: tuple[str, ...] = ()


class FrontEnd(ABC):
    """One framework. Subclass it, implement the abstract methods, and register the class under
    the ``pmmlkit.frontends`` entry point group."""

    #: Short name, as in ``pmmlkit convert --framework NAME`` and the registry's entries.
    name: str = ""
    #: Human name, for the README's coverage table and messages.
    title: str = ""
    #: Top-level packages whose classes this front end converts (``type(model).__module__``'s first part).
    packages: tuple[str, ...] = ()
    #: What its saved models look like, for messages ("a .skops, .joblib or .pkl file").
    saved_as: str = ""

    # -- which models are its own ------------------------------------------------------------------------

    def owns_class(self, cls: type) -> bool:
        """Whether ``cls`` comes from one of this front end's packages."""
        return cls.__module__.split(".")[0] in self.packages

    def recognises(self, model: Any) -> bool:
        """Whether ``model`` is one this front end converts. By default: its class is from one of
        ``packages``; a front end may also accept duck-typed objects (see the scikit-learn one)."""
        return self.owns_class(type(model))

    def no_pmml_form(self, cls: type) -> str | None:
        """Why ``cls`` can have no PMML form at all (with the nearest supported alternative), or
        None; the registry adds it to its "no converter" error."""
        return None

    def available(self) -> bool:
        """Whether the framework is installed here."""
        return all(importlib.util.find_spec(name) is not None for name in self.packages)

    # -- converting ---------------------------------------------------------------------------------------

    @abstractmethod
    def converters(self) -> Mapping[type, Converter]:
        """The framework's converters, by fitted class (imports the framework)."""

    @abstractmethod
    def walk(self, model: Any, X: Any, *, target: str | None = None,
             feature_names: Sequence[str] | None = None) -> Conversion:
        """Read the input fields from ``X`` (a sample or a schema) and convert ``model``
        through :class:`pmmlkit.context.Context`."""

    #: External converters that ``convert(..., engine=NAME)`` can run for this framework's models;
    #: ``engine="auto"`` falls back to the first when a class has no native converter.
    engines: tuple[str, ...] = ()

    def convert_with(self, engine: str, model: Any, X: Any, *, target: str | None = None) -> bytes:
        """The PMML document an external converter writes for ``model``, its inputs named by the
        columns of ``X`` (the rows :meth:`rows` gives)."""
        raise ConversionError(f"no external converter {engine!r} for {self.title} models")

    # -- the model's own outputs --------------------------------------------------------------------------

    @abstractmethod
    def reference_outputs(self, model: Any, X: Any, output_fields: Sequence[etree._Element]) -> pd.DataFrame:
        """The model's own predictions for the rows ``X``, one column per PMML output field."""

    def rows(self, X: Any, model: Any) -> Any:
        """The user's rows in the form :meth:`reference_outputs` takes (e.g. an array as a DataFrame)."""
        return X

    def to_pandas(self, X: Any) -> pd.DataFrame:
        """Rows as a pandas DataFrame, for pmmlkit's evaluator."""
        if isinstance(X, pd.DataFrame):
            # convert() names a field by str(column): a frame with integer column names
            # (pd.DataFrame(array)) is scored under those names.
            if all(isinstance(c, str) for c in X.columns):
                return X
            return X.set_axis([str(c) for c in X.columns], axis=1)
        raise PMMLError(f"{self.title} rows of type {type(X).__name__} cannot be read as a table")

    def head(self, X: Any, rows: int) -> Any:
        """The first ``rows`` rows of a sample."""
        return X.head(rows)

    # -- files ----------------------------------------------------------------------------------------------

    @abstractmethod
    def can_load(self, path: Path) -> bool:
        """Whether ``path`` looks like a model this front end saves (by suffix or layout)."""

    @abstractmethod
    def load_model(self, path: Path, *, trusted: Sequence[str] = (), allow_pickle: bool = False) -> Any:
        """The fitted model saved at ``path``. ``trusted`` names types to trust beyond a safe format's
        defaults (``package.*`` trusts a whole package); ``allow_pickle`` permits formats that run
        arbitrary code when loaded. A front end ignores what does not apply to its files."""

    @abstractmethod
    def read_sample(self, path: str | os.PathLike[str] | None, model: Any, *, features: Sequence[str] | None = None,
                    target: str | None = None, string_columns: Iterable[str] = (), rows: int | None = None) -> Any:
        """Rows naming and typing ``model``'s inputs, read from ``path`` (.csv or .parquet), or
        made from what the model itself knows when ``path`` is None (refuse when that is not enough)."""


def collect_converters(package: str) -> dict[type, Converter]:
    """The converters of every module under ``package`` that defines ``converters()`` (a dict
    from fitted class to converter), merged in module order: adding a converter touches only
    the module that holds it."""
    table: dict[type, Converter] = {}
    root = importlib.import_module(package)
    for info in sorted(pkgutil.walk_packages(root.__path__, prefix=f"{package}."), key=lambda i: i.name):
        module = importlib.import_module(info.name)
        listing = getattr(module, "converters", None)
        if callable(listing):
            table.update(listing())
    return table


class FrontEnds:
    """The front ends installed here, loaded once from the entry point group (or added by hand)."""

    def __init__(self, group: str = ENTRY_POINT_GROUP) -> None:
        self.group = group
        self._front_ends: dict[str, FrontEnd] | None = None

    def _load(self) -> dict[str, FrontEnd]:
        if self._front_ends is None:
            found: dict[str, FrontEnd] = {}
            for point in sorted(importlib.metadata.entry_points(group=self.group), key=lambda p: p.name):
                try:
                    loaded = point.load()
                except Exception as exc:  # a broken front end: name it rather than show its trace
                    raise PMMLError(f"the pmmlkit front end {point.name!r} ({point.value}) failed to load: "
                                    f"{type(exc).__name__}: {exc}") from None
                front_end = loaded() if isinstance(loaded, type) else loaded
                if not isinstance(front_end, FrontEnd):
                    raise PMMLError(f"the entry point {point.name} = {point.value} in group {self.group} "
                                    "is not a pmmlkit.frontends.FrontEnd")
                found[front_end.name or point.name] = front_end
            self._front_ends = found
        return self._front_ends

    def add(self, front_end: FrontEnd) -> None:
        """Register a front end in this process (entry points are the lasting way)."""
        self._load()[front_end.name] = front_end

    def all(self) -> list[FrontEnd]:
        return list(self._load().values())

    def get(self, name: str) -> FrontEnd:
        front_ends = self._load()
        if name not in front_ends:
            raise PMMLError(f"no pmmlkit front end named {name!r} is installed (installed: "
                            f"{', '.join(front_ends) or 'none'}){_REINSTALL if not front_ends else ''}")
        return front_ends[name]

    def owner_of(self, cls: type) -> FrontEnd | None:
        """The front end whose packages ``cls`` comes from, if any."""
        return next((f for f in self.all() if f.owns_class(cls)), None)

    def for_model(self, model: Any) -> FrontEnd:
        """The front end that converts ``model``: the owner of its package, else the first that
        recognises it."""
        front_end = self.owner_of(type(model))
        if front_end is None:
            front_end = next((f for f in self.all() if f.recognises(model)), None)
        if front_end is None:
            cls = type(model)
            raise ConversionError(
                f"no pmmlkit front end converts {public_name(cls)} (installed: "
                f"{', '.join(f.name for f in self.all()) or 'none'}){_REINSTALL if not self.all() else ''}")
        return front_end

    def for_path(self, path: Path, name: str | None = None) -> FrontEnd:
        """The front end named ``name``, else the first that can load ``path``."""
        if name is not None:
            return self.get(name)
        front_end = next((f for f in self.all() if f.can_load(path)), None)
        if front_end is None:
            kinds = "; or ".join(f"{f.saved_as} ({f.title})" for f in self.all()) or "none: no front end installed"
            raise ConversionError(f"{path}: unknown model file type {path.suffix.lower()!r}; expected {kinds}")
        return front_end


_REINSTALL = ("; pmmlkit's own front ends are registered as entry points when it is installed: "
              "reinstall it (pip install -e . in a checkout)")

FRONT_ENDS = FrontEnds()

__all__ = ["FrontEnd", "FrontEnds", "Conversion", "FRONT_ENDS", "ENTRY_POINT_GROUP", "collect_converters"]
