"""sklearn2pmml as an optional engine: `convert(..., engine="sklearn2pmml"|"auto")`.

The real engine runs where the extra, Java and a scikit-learn it accepts are all here, and skips
with sklearn2pmml's own refusal, translated, otherwise. A fake sklearn2pmml package (its jar list,
its Python entry points) and a fake Java run test what pmmlkit does around it everywhere: the
classpath without the failure-reporting client, the translation of its refusals and Java errors,
and its output going through the same verification as native output.
"""

from __future__ import annotations

import logging
import os
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pmmlkit.converters.sklearn import sklearn2pmml_engine
from sklearn.cross_decomposition import PLSRegression
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import LinearRegression, LogisticRegression, TheilSenRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import pmmlkit
from pmmlkit.cli import main
from pmmlkit.errors import ConversionError, EngineUnavailableError, JavaNotFoundError, NoConverterError
from pmmlkit.names import public_name
from pmmlkit.parsing import parse_bytes
from pmmlkit.registry import REGISTRY

# Classes sklearn2pmml converts and pmmlkit does not (the first one still without a native converter is used).
ONLY_SKLEARN2PMML = (PLSRegression, KernelRidge, TheilSenRegressor)


def _data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    return X, X.to_numpy() @ [1.5, -2.0, 0.25] + 0.5 + rng.normal(scale=0.1, size=60)


def _without_native_converter() -> type:
    for cls in ONLY_SKLEARN2PMML:
        try:
            REGISTRY.lookup(cls())
        except NoConverterError:
            return cls
    raise AssertionError(f"every class of {ONLY_SKLEARN2PMML} now converts natively: add one that does not")


def test_auto_converts_what_only_sklearn2pmml_converts(tmp_path: Path) -> None:
    X, y = _data()
    model = make_pipeline(StandardScaler(), _without_native_converter()()).fit(X, y)
    try:
        document = pmmlkit.convert(model, X, engine="auto", verification=X.head(5))
    except EngineUnavailableError as exc:  # no extra, no Java, or a scikit-learn it refuses: why, in its words
        pytest.skip(f"engine='auto' needs sklearn2pmml here, which cannot run: {exc.__cause__ or exc}")
    assert document.engine == "sklearn2pmml"
    path = document.save(tmp_path / "auto.pmml")
    assert pmmlkit.validate(path).ok
    report = pmmlkit.verify(model, path, X)
    assert report.ok and "predicted_y" in report.differences, report


# -- around the engine, with a fake sklearn2pmml ------------------------------------------------------------

FAKE_PACKAGE = '''
__version__ = "0.0.fake"
escaped = []


def make_pmml_pipeline(estimator, active_fields=None, target_fields=None):
    return {"estimator": estimator, "active_fields": list(active_fields), "target_fields": list(target_fields)}


def _escape(obj, escape_func=None):
    obj["estimator"].escaped_by_sklearn2pmml_ = True  # sklearn2pmml's preparation rewrites the model in place
    escaped.append(obj)
    return obj
'''

REFUSED_VERSION = textwrap.dedent("""\
    Nov 30, 2026 11:00:05 AM [com.sklearn2pmml.Main]  main
    SEVERE: Failed to convert PKL to PMML

    ===============================================================================
                                       EXCEPTION
    ===============================================================================
    org.jpmml.sklearn.SkLearnException: Scikit-Learn version '1.9.1' is not supported
    Solution:
    \tUpgrade the converter to the latest version, or downgrade Scikit-Learn to version '1.9.0'
    Context:
    \tsklearn.neighbors._classification.KNeighborsClassifier
    Stack trace:
    \tat sklearn.Step.checkSkLearnVersion(Step.java:69)

    Exception in thread "main" java.lang.NoClassDefFoundError: org/jpmml/telemetry/Incident
    \tat com.sklearn2pmml.Main.main(Main.java:126)
    """)

EXPIRED = textwrap.dedent("""\
    SEVERE: The SkLearn2PMML package is older than 12 months and must be updated
    SEVERE: Failed to convert PKL to PMML
    com.sklearn2pmml.SkLearn2PMMLException: The SkLearn2PMML package has expired
    """)

ATTRIBUTE = textwrap.dedent("""\
    SEVERE: Failed to convert PKL to PMML
    org.jpmml.python.AttributeException: Attribute 'sklearn.linear_model._base.LinearRegression.coef_' not set
    Solution:
    \tFit the estimator before converting it
    Stack trace:
    \tat org.jpmml.python.PythonObject.get(PythonObject.java:86)
    """)

FAKE = "sklearn.linear_model.LinearRegression"
TRANSLATIONS = [
    ("refused-scikit-learn", REFUSED_VERSION, EngineUnavailableError,
     "sklearn2pmml 0.0.fake refuses scikit-learn 1.9.1 (it supports scikit-learn up to 1.9.0): upgrade sklearn2pmml "
     "(pip install -U sklearn2pmml) or use scikit-learn 1.9.0, or convert with engine='native' where pmmlkit "
     "supports every step"),
    ("expired", EXPIRED, EngineUnavailableError,
     "sklearn2pmml 0.0.fake has expired: it refuses to run once its build is 360 days old. Upgrade it (pip install "
     "-U sklearn2pmml), or convert with engine='native' where pmmlkit supports every step"),
    ("java-exception", ATTRIBUTE, ConversionError,
     f"sklearn2pmml 0.0.fake could not convert {FAKE}: Attribute "
     "'sklearn.linear_model._base.LinearRegression.coef_' not set; its advice: Fit the estimator before converting it"),
    ("old-java", "Error: LinkageError occurred while loading main class com.sklearn2pmml.Main\n"
     "\tjava.lang.UnsupportedClassVersionError: com/sklearn2pmml/Main has been compiled by a more recent version\n",
     EngineUnavailableError, "sklearn2pmml 0.0.fake needs a newer Java (11 or newer). " + pmmlkit.jvm.INSTALL_HINT),
    ("no-exception", "Killed\n", ConversionError, f"sklearn2pmml 0.0.fake could not convert {FAKE}: Killed"),
]


def _jar(path: Path, *entries: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for entry in entries:
            archive.writestr(entry, b"")
    return path


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """A fake sklearn2pmml on sys.path (jars: the converter, a library, the reporting client) and a
    fake Java run that answers with ``fake["stderr"]`` or writes ``fake["pmml"]``."""
    package = tmp_path / "site" / "sklearn2pmml"
    (package / "resources").mkdir(parents=True)
    (package / "__init__.py").write_text(FAKE_PACKAGE)
    _jar(package / "resources" / "sklearn2pmml-1.1.jar", "com/sklearn2pmml/Main.class")
    _jar(package / "resources" / "pmml-sklearn-1.9.jar", "org/jpmml/sklearn/SkLearnException.class")
    _jar(package / "resources" / "telemetry-client-1.0.3.jar", "org/jpmml/telemetry/TelemetryClient.class")
    (package / "resources" / "classpath.txt").write_text(
        "sklearn2pmml-1.1.jar\npmml-sklearn-1.9.jar\ntelemetry-client-1.0.3.jar\n")
    monkeypatch.delitem(sys.modules, "sklearn2pmml", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    state: dict = {"stderr": "", "pmml": None, "commands": [], "package": package}

    def run_java(command: list[str]):
        state["commands"].append(command)
        if state["pmml"] is not None:
            Path(command[command.index("--pmml-output") + 1]).write_bytes(state["pmml"])
            return _Done(0, "WARNING: The SkLearn2PMML package is older than 6 months and should be updated\n")
        return _Done(1, state["stderr"])

    monkeypatch.setattr(sklearn2pmml_engine, "run_java", run_java)
    yield state
    sys.modules.pop("sklearn2pmml", None)


class _Done:
    def __init__(self, returncode: int, stderr: str) -> None:
        self.returncode, self.stderr, self.stdout = returncode, stderr, ""


@pytest.mark.parametrize("stderr, error, message", [t[1:] for t in TRANSLATIONS], ids=[t[0] for t in TRANSLATIONS])
def test_refusals_and_java_errors_become_a_conversion_error(fake: dict, stderr: str, error: type, message: str) -> None:
    X, y = _data()
    fake["stderr"] = stderr
    with pytest.raises(error) as raised:
        pmmlkit.convert(LinearRegression().fit(X, y), X, engine="sklearn2pmml")
    assert str(raised.value) == message


def test_runs_java_without_the_failure_reporting_client(fake: dict) -> None:
    X, y = _data()
    model = LinearRegression().fit(X, y)
    fake["stderr"] = ATTRIBUTE
    with pytest.raises(ConversionError):
        pmmlkit.convert(model, X, engine="sklearn2pmml", target="price")
    (command,) = fake["commands"]
    classpath = command[command.index("-cp") + 1].split(os.pathsep)
    resources = fake["package"] / "resources"
    assert classpath == [str(resources / "sklearn2pmml-1.1.jar"), str(resources / "pmml-sklearn-1.9.jar")]
    assert command[command.index("-cp") + 2] == "com.sklearn2pmml.Main"
    import sklearn2pmml  # the fake: what pmmlkit handed to it

    (pipeline,) = sklearn2pmml.escaped
    assert pipeline["active_fields"] == ["a", "b", "c"] and pipeline["target_fields"] == ["price"]
    assert not hasattr(model, "escaped_by_sklearn2pmml_"), "sklearn2pmml's preparation changed the user's model"


def test_a_converter_that_bundles_the_reporting_client_is_not_run(fake: dict) -> None:
    X, y = _data()
    _jar(fake["package"] / "resources" / "sklearn2pmml-1.1.jar", "com/sklearn2pmml/Main.class",
         "org/jpmml/telemetry/Incident.class")
    with pytest.raises(EngineUnavailableError, match=r"bundles its reports of failures .* cannot turn them off"):
        pmmlkit.convert(LinearRegression().fit(X, y), X, engine="sklearn2pmml")
    assert fake["commands"] == []


def test_its_output_goes_through_verification(fake: dict, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    X, y = _data()
    model = LinearRegression().fit(X, y)
    fake["pmml"] = pmmlkit.convert(model, X).to_bytes()  # stands in for what sklearn2pmml writes
    with caplog.at_level(logging.WARNING, logger="pmmlkit"):
        document = pmmlkit.convert(model, X, engine="sklearn2pmml", verification=X.head(4))
    assert document.engine == "sklearn2pmml"
    assert "sklearn2pmml 0.0.fake: The SkLearn2PMML package is older than 6 months" in caplog.text
    assert document.model.find("{*}ModelVerification").get("recordCount") == "4"
    path = document.save(tmp_path / "external.pmml")
    assert pmmlkit.validate(path).ok
    assert pmmlkit.verify(model, path, X).ok


def test_auto_says_which_engine_it_used(fake: dict, tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                        capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = _data()
    cls = _without_native_converter()
    model = cls().fit(X, y)
    fake["pmml"] = pmmlkit.convert(LinearRegression().fit(X, y), X).to_bytes()
    with caplog.at_level(logging.INFO, logger="pmmlkit"):
        document = pmmlkit.convert(model, X, engine="auto")
    assert document.engine == "sklearn2pmml"
    assert f"{cls.__name__} has no PMML converter. " in caplog.text
    assert "converting with sklearn2pmml instead (engine='auto')" in caplog.text
    native = pmmlkit.convert(LinearRegression().fit(X, y), X, engine="auto")
    assert native.engine == "native" and len(fake["commands"]) == 1
    # The CLI says it too.
    import skops.io

    skops.io.dump(model, tmp_path / "model.skops")
    X.to_csv(tmp_path / "sample.csv", index=False)
    monkeypatch.chdir(tmp_path)
    assert main(["convert", "model.skops", "--trust-sklearn", "--sample", "sample.csv", "--verification-rows", "0",
                 "--engine", "auto", "-o", "out.pmml"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("; converted by sklearn2pmml)")


def test_without_the_extra_or_java_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = _data()
    model = make_pipeline(StandardScaler(), _without_native_converter()()).fit(X, y)
    monkeypatch.setitem(sys.modules, "sklearn2pmml", None)  # as if not installed
    with pytest.raises(EngineUnavailableError) as raised:
        pmmlkit.convert(model, X, engine="auto")
    assert str(raised.value).endswith(
        "engine='auto' would convert it with sklearn2pmml instead, but: the sklearn2pmml engine needs the optional "
        "sklearn2pmml package: pip install 'pmmlkit[sklearn2pmml]' (sklearn2pmml is AGPL-3.0 and needs Java 11 or "
        "newer)")
    cls = _without_native_converter()
    assert str(raised.value).startswith(f"{public_name(cls)} at Pipeline > "
                                        f"{cls.__name__.lower()} has no PMML converter.")


def test_without_java(fake: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = _data()

    def no_java():
        raise JavaNotFoundError("no Java")

    monkeypatch.setattr(pmmlkit.jvm, "java_home", no_java)
    with pytest.raises(EngineUnavailableError) as raised:
        pmmlkit.convert(LinearRegression().fit(X, y), X, engine="sklearn2pmml")
    assert str(raised.value) == f"sklearn2pmml converts on Java, and none was found. {pmmlkit.jvm.INSTALL_HINT}"


def test_an_unknown_engine_is_refused() -> None:
    X, y = _data()
    with pytest.raises(ConversionError) as raised:
        pmmlkit.convert(LinearRegression().fit(X, y), X, engine="jpmml")
    assert str(raised.value) == ("engine='jpmml' is not one of 'native', 'auto', 'sklearn2pmml' "
                                 "(for scikit-learn models)")


def test_the_core_does_not_import_sklearn2pmml() -> None:
    import subprocess

    code = ("import sys, numpy as np, pandas as pd, pmmlkit\n"
            "from sklearn.linear_model import LinearRegression\n"
            "X = pd.DataFrame({'a': np.arange(5.0)})\n"
            "pmmlkit.convert(LinearRegression().fit(X, np.arange(5.0)), X, engine='auto')\n"
            "assert 'sklearn2pmml' not in sys.modules, 'a native conversion imported sklearn2pmml'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


def _strip_outputs(document: pmmlkit.PMMLDocument, keep_probabilities: bool) -> bytes:
    """A native document reshaped as sklearn2pmml writes one: no Output, or only `probability(<label>)` fields."""
    output = document.model.find("{*}Output")
    for field in list(output):
        if keep_probabilities and field.get("feature") == "probability":
            field.set("name", f"probability({field.get('value')})")
        else:
            output.remove(field)
    if not len(output):
        document.model.remove(output)
    return document.to_bytes()


@pytest.mark.parametrize("kind, outputs", [
    ("regressor", ["predicted_y"]),
    ("classifier-with-probabilities", ["predicted_y", "probability_0", "probability_1", "probability(0)",
                                       "probability(1)"]),
    ("classifier-without-probabilities", ["predicted_y"]),
])
def test_its_documents_get_the_outputs_native_ones_have(kind: str, outputs: list[str], tmp_path: Path) -> None:
    X, y = _data()
    model = LinearRegression().fit(X, y) if kind == "regressor" else LogisticRegression().fit(X, (y > 0).astype(int))
    data = _strip_outputs(pmmlkit.convert(model, X), keep_probabilities=kind == "classifier-with-probabilities")
    document = pmmlkit.PMMLDocument(parse_bytes(sklearn2pmml_engine.with_standard_outputs(data, model, "y")).getroot())
    assert [f.get("name") for f in document.output_fields()] == outputs
    report = pmmlkit.verify(model, document.save(tmp_path / f"{kind}.pmml"), X)
    assert report.ok and set(report.differences) == set(outputs)


def test_the_installed_sklearn2pmml_runs_without_its_reporting_client() -> None:
    """On the real package's jars: the reporting client's jar is dropped, the converter's is kept."""
    package = pytest.importorskip("sklearn2pmml", reason="the sklearn2pmml extra is not installed")
    jars = sklearn2pmml_engine.package_jars(package)
    classpath = sklearn2pmml_engine.reporting_free_classpath(jars)
    dropped = [jar for jar in jars if str(jar) not in classpath]
    assert dropped and all(any(n.startswith("org/jpmml/telemetry/") for n in _entries(j)) for j in dropped)
    assert any("com/sklearn2pmml/Main.class" in _entries(j) for j in classpath)


def _entries(jar: Path | str) -> list[str]:
    with zipfile.ZipFile(jar) as archive:
        return archive.namelist()
