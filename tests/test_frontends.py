"""Front ends: pmmlkit's own are entry points; a new framework is one front-end folder and one entry
point (a toy framework installed in a temporary folder); the core imports no framework it does not use."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pmmlkit
from pmmlkit.cli import main
from pmmlkit.frontends import ENTRY_POINT_GROUP, FRONT_ENDS, FrontEnd

ROOT = Path(__file__).resolve().parent.parent

# The whole of a new framework's support: its front end (one folder) ...
TOY_FRONT_END = '''
from pathlib import Path

import pandas as pd

import toyml
from pmmlkit.builders.fields import Scope
from pmmlkit.builders.regression import linear_regressor
from pmmlkit.context import Context
from pmmlkit.frontends import Conversion, FrontEnd


def convert_line(line, fields, context):
    return linear_regressor(fields, [line.slope], line.intercept, context.regression_target())


class Toy(FrontEnd):
    name = "toy"
    title = "ToyML"
    packages = ("toyml",)
    saved_as = "a .toy file"

    def converters(self):
        return {toyml.Line: convert_line}

    def walk(self, model, X, *, target=None, feature_names=None):
        scope = Scope.from_frame(X, feature_names)
        context = Context(scope, target_name=target or "y")
        element = context.model(model, list(scope.inputs.values()), "Line")
        return Conversion(scope, element, context.target)

    def reference_outputs(self, model, X, output_fields):
        return pd.DataFrame({output_fields[0].get("name"): model.predict(X)}, index=X.index)

    def can_load(self, path):
        return path.suffix == ".toy"

    def load_model(self, path, *, trusted=(), allow_pickle=False):
        slope, intercept = map(float, Path(path).read_text().split())
        return toyml.Line(slope, intercept)

    def read_sample(self, path, model, *, features=None, target=None, string_columns=(), rows=None):
        return pd.read_csv(path, nrows=rows)
'''
# ... and its entry point.
TOY_ENTRY_POINTS = f"[{ENTRY_POINT_GROUP}]\ntoy = pmmlkit_toy.frontend:Toy\n"

TOY_FRAMEWORK = '''
class Line:
    def __init__(self, slope, intercept):
        self.slope, self.intercept = slope, intercept

    def predict(self, X):
        return X.iloc[:, 0].to_numpy() * self.slope + self.intercept
'''


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The toy framework and its front end, installed in a folder on sys.path (a .dist-info with
    entry_points.txt is what pip writes)."""
    (tmp_path / "toyml.py").write_text(TOY_FRAMEWORK)
    (tmp_path / "pmmlkit_toy").mkdir()
    (tmp_path / "pmmlkit_toy" / "__init__.py").write_text("")
    (tmp_path / "pmmlkit_toy" / "frontend.py").write_text(textwrap.dedent(TOY_FRONT_END))
    info = tmp_path / "pmmlkit_toy-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pmmlkit-toy\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(TOY_ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = pmmlkit.registry.REGISTRY
    monkeypatch.setattr(FRONT_ENDS, "_front_ends", None)  # read the entry points again
    monkeypatch.setattr(registry, "_entries", dict(registry._entries))
    monkeypatch.setattr(registry, "_loaded", set(registry._loaded))
    yield tmp_path
    for name in ("toyml", "pmmlkit_toy", "pmmlkit_toy.frontend"):
        sys.modules.pop(name, None)


def test_pmmlkits_front_ends_are_entry_points():
    names = {f.name: f for f in FRONT_ENDS.all()}
    assert {"sklearn", "spark"} <= set(names)
    assert all(isinstance(f, FrontEnd) for f in names.values())
    setup = (ROOT / "setup.cfg").read_text()
    assert "pmmlkit.frontends =" in setup and "pmmlkit.converters.spark.frontend:Spark" in setup


def test_a_new_framework_is_a_front_end_and_an_entry_point(toy: Path, capsys: pytest.CaptureFixture):
    import toyml

    line = toyml.Line(2.5, -1.0)
    X = pd.DataFrame({"x": np.linspace(-3, 3, 13)})
    document = pmmlkit.convert(line, X, target="y")
    assert pmmlkit.verify(line, document, X).ok
    assert np.allclose(pmmlkit.load(document.save(toy / "line.pmml")).predict(X)["predicted_y"], 2.5 * X["x"] - 1)
    # The CLI finds the toy's model files through the same front end.
    (toy / "line.toy").write_text("2.5 -1.0")
    X.to_csv(toy / "sample.csv", index=False)
    assert main(["convert", str(toy / "line.toy"), "--sample", str(toy / "sample.csv"), "-o", str(toy / "cli.pmml")]) == 0
    assert "RegressionModel" in capsys.readouterr().out


def test_an_unknown_model_file_names_what_the_front_ends_read(tmp_path: Path):
    with pytest.raises(pmmlkit.ConversionError, match=r"unknown model file type '\.txt'.*\.skops.*PipelineModel"):
        pmmlkit.io.load_model(tmp_path / "model.txt")


def test_the_core_imports_no_framework_it_does_not_use():
    code = ("import sys, numpy as np, pandas as pd, pmmlkit\n"
            "from sklearn.linear_model import LinearRegression\n"
            "X = pd.DataFrame({'a': np.arange(5.0)})\n"
            "pmmlkit.convert(LinearRegression().fit(X, np.arange(5.0)), X)\n"
            "assert 'pyspark' not in sys.modules, 'converting a scikit-learn model imported pyspark'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
