"""The complete training row is accepted: a converter keeps the columns a model was fitted on but
does not use in the DataDictionary (not in the MiningSchema), and the input contract accepts and
ignores them on every path, under ``extra="error"`` too and in the server (which always refuses
unknown keys), while a key the document does not know is still refused."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from lxml import etree
from serving_support import asgi_client

import pmmlkit
from pmmlkit.cli import main
from pmmlkit.errors import EvaluationError
from pmmlkit.serving import Limits, ModelSource, ServingConfig, create_app


def _xgboost() -> Any:
    return pytest.importorskip("xgboost").XGBRegressor(n_estimators=5, max_depth=2)


def _lightgbm() -> Any:
    return pytest.importorskip("lightgbm").LGBMRegressor(n_estimators=5, num_leaves=4, min_child_samples=5,
                                                         verbose=-1)


def _sklearn() -> Any:
    from sklearn.ensemble import GradientBoostingRegressor

    return GradientBoostingRegressor(n_estimators=5, max_depth=2, random_state=0)


FITTERS: dict[str, Callable[[], Any]] = {"xgboost": _xgboost, "lightgbm": _lightgbm, "sklearn": _sklearn}


def _data() -> tuple[pd.DataFrame, np.ndarray]:
    # 'constant' holds one value: no tree can split on it, so no model uses it.
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=200), "constant": np.ones(200), "b": rng.normal(size=200)})
    return X, 3 * X["a"].to_numpy() - X["b"].to_numpy()


@pytest.mark.parametrize("framework", list(FITTERS))
def test_a_full_training_row_is_accepted_everywhere(framework: str, tmp_path) -> None:
    X, y = _data()
    estimator = FITTERS[framework]().fit(X, y)
    path = pmmlkit.convert(estimator, X).save(tmp_path / "model.pmml")
    root = etree.parse(str(path)).getroot()
    declared = [f.get("name") for f in root.iter("{*}DataField")]
    mined = [f.get("name") for f in root.iter("{*}MiningField") if f.get("usageType") != "target"]
    assert "constant" in declared and "constant" not in mined, (declared, mined)

    model = pmmlkit.load(path)
    unused = sorted(model.contract.unused)  # a short boosting run may leave more than 'constant' unused
    assert "constant" in unused and set(unused) == set(declared) - set(mined) - {"y"}, (unused, declared, mined)
    rows = X.head(5).to_dict("records")
    used = X.head(5).drop(columns=unused).to_dict("records")
    expected = [r["predicted_y"] for r in model.predict(used, extra="error")]
    # The library, one record, a list and a frame, with extra="error":
    assert model.predict(rows[0], extra="error")["predicted_y"] == expected[0]
    assert [r["predicted_y"] for r in model.predict(rows, extra="error")] == expected
    assert model.predict(X.head(5), extra="error")["predicted_y"].tolist() == expected
    with pytest.raises(EvaluationError, match=r"does not know: \['zip'\]"):
        model.predict({**rows[0], "zip": 1}, extra="error")

    # The command line, --extra error:
    table = tmp_path / "in.csv"
    X.head(5).to_csv(table, index=False)
    assert main(["score", str(path), str(table), "-o", str(tmp_path / "out.csv"), "--extra", "error"]) == 0
    assert pd.read_csv(tmp_path / "out.csv")["predicted_y"].tolist() == pytest.approx(expected, rel=1e-15)

    # The server, which refuses unknown keys:
    app = create_app(ServingConfig((ModelSource("m", str(path)),), Limits(), poll_seconds=0))

    async def scenario() -> list[httpx.Response]:
        async with asgi_client(app) as client:
            return [await client.post("/v1/models/m:predict", json={"instances": rows}),
                    await client.post("/v1/models/m:predict", json={"instances": [{**rows[0], "zip": 1}]}),
                    await client.get("/v1/models/m/metadata")]

    full, unknown, metadata = asyncio.run(scenario())
    assert full.status_code == 200 and full.json()["predictions"] == expected, full.text
    assert unknown.status_code == 400 and "instance 0: the record has inputs the model does not know: ['zip']" \
        in unknown.json()["error"], unknown.text
    signature = metadata.json()["metadata"]["signature_def"]["signature_def"]["serving_default"]
    assert signature["pmml"]["unusedInputs"] == unused
