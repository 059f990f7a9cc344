"""The native engine's one-record function (pmmlkit/scoring/native/rows.py) gives the column program's
doubles, bit for bit: over a table of converted models and records with missing values, unseen
categories, zeros that divide and scores whose exp overflows (which the row function hands back to
the column program); the input contract still refuses what it refused, with the same words."""

from __future__ import annotations

import math
import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor, RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import pmmlkit
from pmmlkit.errors import EvaluationError


def _frame(rows: int = 300, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(rows, 4)), columns=["x1", "x2", "x3", "x4"])
    X["c"] = np.array(["a", "b", "c"], dtype=object)[rng.integers(0, 3, rows)]
    y = (X["x1"] + X["x2"] * X["x3"] > 0).astype(int).to_numpy()
    three = np.digitize(X["x1"] + X["x4"], [-0.5, 0.5])
    return X, y, three


NUMERIC = ["x1", "x2", "x3", "x4"]
ESTIMATORS = {
    "scaler + logistic": lambda: make_pipeline(StandardScaler(), LogisticRegression()),
    "multinomial logistic": lambda: make_pipeline(StandardScaler(), LogisticRegression()),
    "linear regression": lambda: LinearRegression(),
    "one-hot + logistic": lambda: make_pipeline(
        ColumnTransformer([("num", StandardScaler(), NUMERIC), ("cat", OneHotEncoder(handle_unknown="ignore"), ["c"])]),
        LogisticRegression()),
    "gradient boosting": lambda: GradientBoostingClassifier(n_estimators=15, max_depth=3, random_state=0),
    "gradient boosting, 3 classes": lambda: GradientBoostingClassifier(n_estimators=8, max_depth=2, random_state=0),
    "gradient boosting regression": lambda: GradientBoostingRegressor(n_estimators=15, max_depth=3, random_state=0),
    "random forest": lambda: RandomForestClassifier(n_estimators=8, max_depth=5, random_state=0),
    "MLP": lambda: make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(8, 4), max_iter=200, random_state=0)),
    "MLP, 3 classes": lambda: make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(6,), activation="tanh",
                                                                           max_iter=200, random_state=0)),
    "MLP regression": lambda: MLPRegressor(hidden_layer_sizes=(6,), activation="logistic", max_iter=200, random_state=0),
    "decision tree": lambda: DecisionTreeClassifier(max_depth=4, random_state=0),
    "regression tree": lambda: DecisionTreeRegressor(max_depth=4, random_state=0),
}


def _records(X: pd.DataFrame, categorical: bool) -> list[dict]:
    records = X.head(40).to_dict("records")
    for i, record in enumerate(records[:12]):
        record[NUMERIC[i % 4]] = None if i % 2 else math.nan  # missing values, both ways
    records.append({**records[20], "x1": 1e300, "x2": -1e300})  # scores beyond exp's range
    records.append({**records[21], "x1": 0.0, "x2": -0.0})
    if categorical:
        records += [{**records[22], "c": "unseen"}, {**records[23], "c": None}]
    return records


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    X, y, three = _frame()
    built = {}
    for title, make in ESTIMATORS.items():
        categorical = "one-hot" in title
        columns = X if categorical else X[NUMERIC]
        target = three if ("3 classes" in title or "multinomial" in title) else \
            (X["x1"] * 2 + X["x2"]).to_numpy() if "regression" in title else y
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (an MLP that has not converged in these few iterations)
            estimator = make().fit(columns, target)
        path = pmmlkit.convert(estimator, columns, target="y").save(tmp_path_factory.mktemp("rows") / "m.pmml")
        built[title] = (pmmlkit.load(path, engine="native", cache=False), _records(columns, categorical))
    return built


def _same(got: object, expected: object) -> bool:
    if isinstance(expected, float) and math.isnan(expected):
        return got is None
    if isinstance(got, (int, float)) and isinstance(expected, float):  # (a frame's integer column with NaN is float)
        return np.float64(got).tobytes() == np.float64(expected).tobytes()  # -0.0 is not 0.0
    return got == expected and type(got) is type(expected)


@pytest.mark.parametrize("title", list(ESTIMATORS))
def test_one_record_gives_the_batch_doubles(models, title):
    model, records = models[title]
    assert model._engine.program.row is not None, "this document should have a row function"
    batch = model.predict(pd.DataFrame(records, columns=model.input_names)).to_dict("records")
    for record, expected in zip(records, batch):
        got = model.predict(record)
        assert list(got) == list(expected)
        for key, value in expected.items():
            if isinstance(value, (np.integer, np.floating)):
                value = value.item()
            assert _same(got[key], value), (title, record, key, got[key], value)


@pytest.mark.parametrize("title", list(ESTIMATORS))
def test_the_row_function_and_the_column_program_agree_directly(models, title):
    """Below Model: the engine's two one-record paths on the same contract values."""
    model, records = models[title]
    engine = model._engine
    row = engine.program.row
    for record in records:
        values = model.contract.record(record)
        try:
            fast = row(*values)
        except Exception:
            continue  # handed to the column program (the test above covers what the user gets)
        engine.program.row = None
        try:
            slow = engine.score_record(values)
        finally:
            engine.program.row = row
        assert [np.float64(v).tobytes() if isinstance(v, float) else v for v in fast] == \
            [np.float64(v).tobytes() if isinstance(v, float) else v for v in slow], (title, record)


@pytest.mark.parametrize("record, message", [
    ({"x1": "high", "x2": 0.0, "x3": 0.0, "x4": 0.0}, r"input 'x1' \(dataType double\), in the record: a string"),
    ({"x1": math.inf, "x2": 0.0, "x3": 0.0, "x4": 0.0}, "inf is outside the range of a double"),
    ({"x1": [1.0], "x2": 0.0, "x3": 0.0, "x4": 0.0}, "a nested value"),
    ({"x2": 0.0, "x3": 0.0, "x4": 0.0}, "x1"),
])
def test_the_contract_refuses_what_it_refused(models, record, message):
    model, _ = models["scaler + logistic"]
    with pytest.raises(EvaluationError, match=message):
        model.predict(record)


# A derived field that divides by an input: Python raises where numpy gives inf or NaN, so those
# records go through the column program; the others through the row function.
_DIVIDES = textwrap.dedent("""<?xml version="1.0"?>
<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/>
<DataDictionary>
<DataField name="a" optype="continuous" dataType="double"/>
<DataField name="b" optype="continuous" dataType="double"/>
<DataField name="y" optype="continuous" dataType="double"/>
</DataDictionary>
<RegressionModel functionName="regression">
<MiningSchema><MiningField name="y" usageType="target"/><MiningField name="a"/><MiningField name="b"/></MiningSchema>
<LocalTransformations><DerivedField name="ratio" optype="continuous" dataType="double">
<Apply function="/"><FieldRef field="a"/><FieldRef field="b"/></Apply></DerivedField></LocalTransformations>
<RegressionTable intercept="0.5"><NumericPredictor name="ratio" coefficient="2"/>
<NumericPredictor name="a" coefficient="-1"/></RegressionTable>
</RegressionModel></PMML>""")


@pytest.mark.parametrize("a, b, expected", [(3.0, 2.0, 0.5), (1.0, 0.0, math.inf), (-1.0, 0.0, -math.inf),
                                            (0.0, 0.0, None), (None, 0.0, None), (2.0, None, None)])
def test_what_python_refuses_goes_to_the_column_program(a, b, expected):
    model = pmmlkit.load(_DIVIDES, engine="native", cache=False)
    assert model._engine.program.row is not None
    assert model.predict({"a": a, "b": b}) == {"predicted_y": expected}
    assert model.predict(pd.DataFrame({"a": [a], "b": [b]}, dtype=float))["predicted_y"].tolist()[0] == \
        pytest.approx(math.nan if expected is None else expected, nan_ok=True)


# A network with one hidden layer of each activation the one-record kernel computes
# (kernels.network_record): a neuron whose sum is -0.0 for negative x1 (the rectifier's -0.0 becomes +0.0,
# as in numpy), sums large enough to overflow exp, and missing inputs.
_NETWORK = textwrap.dedent("""<?xml version="1.0"?>
<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/>
<DataDictionary><DataField name="x1" optype="continuous" dataType="double"/>
<DataField name="x2" optype="continuous" dataType="double"/><DataField name="y" optype="continuous" dataType="double"/>
</DataDictionary>
<NeuralNetwork functionName="regression" activationFunction="identity">
<MiningSchema><MiningField name="y" usageType="target"/><MiningField name="x1"/><MiningField name="x2"/></MiningSchema>
<NeuralInputs><NeuralInput id="i1"><DerivedField optype="continuous" dataType="double"><FieldRef field="x1"/>
</DerivedField></NeuralInput><NeuralInput id="i2"><DerivedField optype="continuous" dataType="double">
<FieldRef field="x2"/></DerivedField></NeuralInput></NeuralInputs>
<NeuralLayer activationFunction="{activation}" threshold="0.25">
<Neuron id="h1" bias="0.5"><Con from="i1" weight="1.5"/><Con from="i2" weight="-2"/></Neuron>
<Neuron id="h2" bias="-0.0"><Con from="i1" weight="0"/></Neuron>
<Neuron id="h3" bias="-1"><Con from="i1" weight="1000"/></Neuron></NeuralLayer>
<NeuralLayer><Neuron id="o" bias="0.1"><Con from="h1" weight="1"/><Con from="h2" weight="-1"/>
<Con from="h3" weight="0.001"/></Neuron></NeuralLayer>
<NeuralOutputs><NeuralOutput outputNeuron="o"><DerivedField optype="continuous" dataType="double">
<FieldRef field="y"/></DerivedField></NeuralOutput></NeuralOutputs>
</NeuralNetwork></PMML>""")


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "rectifier", "exponential", "square", "Gauss",
                                        "threshold", "Elliott"])
def test_one_record_networks_give_the_batch_doubles(activation):
    model = pmmlkit.load(_NETWORK.replace("{activation}", activation), engine="native", cache=False)
    assert model._engine.program.row is not None
    rows = pd.DataFrame({"x1": [0.0, 1.0, -3.0, None, 5.0, 1e3, -1e3, 0.25, -0.0],
                         "x2": [0.0, 2.0, 0.5, 1.0, -5.0, 0.0, 1.0, None, 0.125]})
    batch = model.predict(rows)["predicted_y"].tolist()
    for record, expected in zip(rows.to_dict("records"), batch):
        assert _same(model.predict(record)["predicted_y"], expected), (activation, record)
