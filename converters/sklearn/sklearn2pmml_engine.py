"""sklearn2pmml as an optional engine: ``pmmlkit.convert(model, X, engine="sklearn2pmml")``.

sklearn2pmml (AGPL-3.0, the optional extra ``pmmlkit[sklearn2pmml]``) converts through the Java
library JPMML-SkLearn, and covers classes pmmlkit has no native converter for. It is imported here,
at its single point of use, and nowhere else. pmmlkit runs its Java converter itself rather than
through ``sklearn2pmml.sklearn2pmml()``, so that:

- it never reports failures to a remote service: sklearn2pmml's Java entry point posts every
  failed conversion to an outside service, unconditionally; the jar that holds that reporting
  client (``org/jpmml/telemetry``) is left off the classpath, so the report cannot even be built;
- nothing is printed on the user's stdout (sklearn2pmml prints Java's output and a banner);
- its refusals (a scikit-learn release newer than it supports, a build over 360 days old, no Java)
  and its Java errors become a ConversionError that says what to do.

The model is deep-copied first: the preparation sklearn2pmml makes before pickling
(``_escape``) rewrites pipelines in place.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import subprocess
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import joblib
import numpy as np
from lxml import etree
from sklearn.base import is_classifier, is_regressor

from pmmlkit.builders.fields import Target
from pmmlkit.builders.model import classification_output, label_output, merge_output, regression_output
from pmmlkit.errors import ConversionError, EngineUnavailableError, JavaNotFoundError
from pmmlkit.names import public_name
from pmmlkit.parsing import parse_bytes
from pmmlkit.pmml import NAMESPACE, find_child, model_element, plain
from pmmlkit.scoring import jvm

NAME = "sklearn2pmml"
INSTALL = "pip install 'pmmlkit[sklearn2pmml]' (sklearn2pmml is AGPL-3.0 and needs Java 11 or newer)"
MAIN_CLASS = "com.sklearn2pmml.Main"
# Classes of the client that posts failed conversions to a remote service: a jar holding any of
# them stays off the classpath.
TELEMETRY_PACKAGE = "org/jpmml/telemetry/"

log = logging.getLogger("pmmlkit")


def convert(model: Any, columns: Sequence[str], target: str) -> bytes:
    """The PMML that sklearn2pmml writes for the fitted ``model``, inputs named ``columns``."""
    package = _import()
    java = _java()
    classpath = reporting_free_classpath(package_jars(package))
    pipeline = package.make_pmml_pipeline(copy.deepcopy(model), active_fields=[str(c) for c in columns],
                                          target_fields=[target])
    escape = getattr(package, "_escape", None)  # what sklearn2pmml() does before pickling (selectors, tags)
    if callable(escape):
        pipeline = escape(pipeline, escape_func=escape)
    with tempfile.TemporaryDirectory(prefix="pmmlkit-sklearn2pmml-") as folder:
        pickled = Path(folder) / "model.pkl.z"
        written = Path(folder) / "model.pmml"
        joblib.dump(pipeline, pickled, compress=3)
        done = run_java([java, "-cp", os.pathsep.join(classpath), MAIN_CLASS,
                         "--pkl-input", str(pickled), "--pmml-output", str(written)])
        version = str(getattr(package, "__version__", "?"))
        if done.returncode != 0 or not written.is_file():
            raise translate(done.stderr, version, model)
        for line in warnings_in(done.stderr):
            # Its nag about verification data is moot: convert(verification=...) embeds pmmlkit's own.
            level = logging.DEBUG if "verification" in line.lower() else logging.WARNING
            log.log(level, "sklearn2pmml %s: %s", version, line)
        return with_standard_outputs(written.read_bytes(), model, target)


def with_standard_outputs(data: bytes, model: Any, target: str) -> bytes:
    """sklearn2pmml's document, with the outputs pmmlkit's own converters give added to its own:
    ``predicted_<target>``, and ``probability_<label>`` where sklearn2pmml's model declares
    probabilities. They are the columns users score, and the ones ``verify`` and embedded
    verification compare with the model's own predictions (sklearn2pmml writes no Output for
    regressors, and neighbour ids for k-nearest neighbours)."""
    root = parse_bytes(data, "<sklearn2pmml output>").getroot()
    node = model_element(root)
    if node is None or etree.QName(root).namespace != NAMESPACE:
        return data
    output = find_child(node, "Output")
    has_probabilities = output is not None and any(f.get("feature") == "probability" for f in output)
    standard = _standard_output(model, target, has_probabilities)
    if standard is None:
        return data
    merge_output(node, standard)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _standard_output(model: Any, target: str, probabilities: bool) -> etree._Element | None:
    classes = getattr(model, "classes_", None)
    if is_classifier(model) and isinstance(classes, np.ndarray) and classes.ndim == 1:
        labelled = Target(target, tuple(plain(c) for c in classes))
        return classification_output(labelled) if probabilities else label_output(labelled)
    if is_regressor(model):
        return regression_output(Target(target))
    return None


def run_java(command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run sklearn2pmml's Java converter; its output is captured, never shown as is."""
    try:
        return subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    except OSError as exc:
        raise EngineUnavailableError(f"sklearn2pmml needs Java, and {command[0]} could not be run ({exc}). "
                                     f"{jvm.INSTALL_HINT}") from None


def _import() -> ModuleType:
    try:
        import sklearn2pmml
    except ImportError:
        raise EngineUnavailableError(f"the sklearn2pmml engine needs the optional sklearn2pmml package: {INSTALL}") \
            from None
    return sklearn2pmml


def _java() -> str:
    try:
        return str(jvm.java_home() / "bin" / "java")
    except JavaNotFoundError:
        raise EngineUnavailableError(f"sklearn2pmml converts on Java, and none was found. {jvm.INSTALL_HINT}") \
            from None


def package_jars(package: ModuleType) -> list[Path]:
    """The jars sklearn2pmml ships, in its own classpath order (``resources/classpath.txt``)."""
    resources = Path(package.__file__).parent / "resources"
    try:
        names = (resources / "classpath.txt").read_text(encoding="utf-8").split()
    except OSError as exc:
        raise EngineUnavailableError(f"the installed sklearn2pmml has no readable jar list ({exc}); reinstall "
                                     f"it: {INSTALL}") from None
    return [resources / name for name in names]


def reporting_free_classpath(jars: Sequence[Path]) -> list[str]:
    """``jars`` without those that carry the failure-reporting client. Refuses when the converter's
    own jar carries it (it could not be turned off then)."""
    kept = []
    for jar in jars:
        entries = _entries(jar)
        reports = any(e.startswith(TELEMETRY_PACKAGE) for e in entries)
        if reports and MAIN_CLASS.replace(".", "/") + ".class" in entries:
            raise EngineUnavailableError(
                f"this sklearn2pmml bundles its reports of failures to a remote service into its converter "
                f"({jar.name}), so pmmlkit cannot turn them off and does not run it; install another release "
                f"of sklearn2pmml, or call it yourself")
        if not reports:
            kept.append(str(jar))
    return kept


def _entries(jar: Path) -> set[str]:
    try:
        with zipfile.ZipFile(jar) as archive:
            return set(archive.namelist())
    except (OSError, zipfile.BadZipFile) as exc:
        raise EngineUnavailableError(f"sklearn2pmml's jar {jar} cannot be read ({exc}); reinstall it: {INSTALL}") \
            from None


# -- what Java said ------------------------------------------------------------------------------------------

_EXCEPTION = re.compile(r"^(?P<type>[\w.$]+(?:Exception|Error)): (?P<message>.+)$", re.MULTILINE)
_SOLUTION = re.compile(r"^Solution:\s*\n(?P<text>(?:[ \t]+.+\n?)+)", re.MULTILINE)
_SKLEARN_VERSION = re.compile(r"Scikit-Learn version '(?P<found>[^']+)' is not supported")
_SUPPORTED_VERSION = re.compile(r"downgrade Scikit-Learn to version '(?P<supported>[^']+)'")
_WARNING = re.compile(r"^WARNING: (?P<text>.+)$", re.MULTILINE)


def translate(stderr: str, version: str, model: Any) -> ConversionError:
    """The error to raise for a failed run of sklearn2pmml's Java converter, from its stderr."""
    if "has expired" in stderr:
        return EngineUnavailableError(
            f"sklearn2pmml {version} has expired: it refuses to run once its build is 360 days old. Upgrade it "
            "(pip install -U sklearn2pmml), or convert with engine='native' where pmmlkit supports every step")
    found = _SKLEARN_VERSION.search(stderr)
    if found:
        supported = _SUPPORTED_VERSION.search(stderr)
        newest = f" (it supports scikit-learn up to {supported['supported']})" if supported else ""
        return EngineUnavailableError(
            f"sklearn2pmml {version} refuses scikit-learn {found['found']}{newest}: upgrade sklearn2pmml "
            "(pip install -U sklearn2pmml)" + (f" or use scikit-learn {supported['supported']}" if supported else "")
            + ", or convert with engine='native' where pmmlkit supports every step")
    if "UnsupportedClassVersionError" in stderr:
        return EngineUnavailableError(f"sklearn2pmml {version} needs a newer Java (11 or newer). {jvm.INSTALL_HINT}")
    if "OutOfMemoryError" in stderr:
        return ConversionError(f"sklearn2pmml ran out of Java memory converting {public_name(model)}; the model "
                               "may be too large for it")
    exception = _EXCEPTION.search(stderr)
    if exception is None:
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        detail = lines[-1] if lines else "it exited without saying why"
        return ConversionError(f"sklearn2pmml {version} could not convert {public_name(model)}: {detail}")
    solution = _SOLUTION.search(stderr)
    advice = " ".join(solution["text"].split()) if solution else ""
    return ConversionError(f"sklearn2pmml {version} could not convert {public_name(model)}: "
                           f"{exception['message'].strip()}" + (f"; its advice: {advice}" if advice else ""))


def warnings_in(stderr: str) -> list[str]:
    """The warnings Java logged during a successful conversion (e.g. an ageing build)."""
    return [m["text"].strip() for m in _WARNING.finditer(stderr)]


__all__ = ["convert", "translate", "run_java", "package_jars", "reporting_free_classpath", "with_standard_outputs",
           "NAME"]
