"""The baseline benchmarks/serve.py compares against: the minimal FastAPI wrapper around pypmml
that a team writes first (sync handler, one uvicorn worker). The PMML path comes from
$PMML_PATH; POST /predict with one record as a JSON object answers the model's outputs."""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI
from pypmml import Model

model = Model.fromFile(os.environ["PMML_PATH"])
app = FastAPI()


@app.post("/predict")
def predict(record: dict[str, Any]) -> dict[str, Any]:
    return model.predict(record)
