"""A score that overflows (2 x for x = 1e308) is a value, never a failure: the library gives IEEE
infinity; JSON has no infinity, so the server answers null and lists it under ``non_finite`` (200,
never 500) and `pmmlkit score` writes null in JSON Lines; CSV writes inf/-inf (as pandas reads them
back) and Parquet keeps IEEE values. `pmmlkit score` counts the infinite values in its summary."""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from documents import TWICE
from serving_support import asgi_client

import pmmlkit
from pmmlkit.cli import main
from pmmlkit.serving import Limits, ModelSource, ServingConfig, create_app

XS = [1.0, 1e308, -1e308, None]


@pytest.fixture(scope="module")
def pmml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("non-finite") / "twice.pmml"
    path.write_text(TWICE)
    return path


def _strict(text: str) -> Any:
    """JSON as the standard has it: no NaN, no Infinity."""
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


def test_the_library_gives_ieee_infinity(pmml: Path) -> None:
    model = pmmlkit.load(pmml)
    assert model.predict({"x": 1e308})["predicted_y"] == math.inf
    assert [r["predicted_y"] for r in model.predict([{"x": x} for x in XS])] == [2.0, math.inf, -math.inf, None]
    frame = model.predict(pd.DataFrame({"x": XS}, dtype=float))["predicted_y"].tolist()
    assert frame[:3] == [2.0, math.inf, -math.inf] and math.isnan(frame[3])


@pytest.mark.parametrize("rows", [1, 20], ids=["one-by-one", "column-path"])
def test_the_server_answers_null_and_says_where(pmml: Path, rows: int) -> None:
    app = create_app(ServingConfig((ModelSource("twice", str(pmml)),), Limits(), poll_seconds=0))
    xs = XS * rows

    async def scenario() -> list[httpx.Response]:
        async with asgi_client(app) as client:
            return [await client.post("/v1/models/twice:predict", json={"instances": xs}),
                    await client.post("/v1/models/twice:predict", json={"inputs": {"x": xs}}),
                    await client.post("/v1/models/twice:regress", json={"examples": [{"x": x} for x in xs]})]

    expected_notes = [note for i in range(rows) for note in (
        {"index": 4 * i + 1, "output": "predicted_y", "value": "Infinity"},
        {"index": 4 * i + 2, "output": "predicted_y", "value": "-Infinity"})]
    for answer, key in zip(asyncio.run(scenario()), ("predictions", "outputs", "results")):
        assert answer.status_code == 200, answer.text
        body = _strict(answer.text)
        assert body[key] == [2.0, None, None, None] * rows
        assert body["non_finite"] == expected_notes


def test_score_writes_each_format_as_documented(pmml: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"x": x}) + "\n" for x in XS))
    written = {}
    for fmt in ("jsonl", "csv", "parquet"):
        out = tmp_path / f"out.{fmt}"
        assert main(["score", str(pmml), str(source), "-o", str(out), "--json"]) == 0
        summary = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
        assert summary["rows"] == 4 and summary["infinite_values"] == {"predicted_y": 2}, summary
        written[fmt] = out
    lines = written["jsonl"].read_text().splitlines()
    assert [_strict(line)["predicted_y"] for line in lines] == [2.0, None, None, None]
    # (A missing value is an empty cell: quoted when it is the row's only one, not to read as a blank line.)
    assert written["csv"].read_text().splitlines() == ["predicted_y", "2.0", "inf", "-inf", '""']
    assert pd.read_csv(written["csv"])["predicted_y"].tolist()[:3] == [2.0, math.inf, -math.inf]
    assert pd.read_parquet(written["parquet"])["predicted_y"].tolist()[:3] == [2.0, math.inf, -math.inf]
    # Without --json, one line says how many and what the format made of them.
    assert main(["score", str(pmml), str(source), "-o", str(tmp_path / "again.jsonl")]) == 0
    assert "2 infinite values (an overflow in the model), written as null (JSON has no infinity); per column: " \
           "predicted_y (2)" in capsys.readouterr().err


def test_an_integer_output_that_overflows_is_never_wrapped(pmml: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture) -> None:
    # PMML4S holds an integer output in a long: an overflow saturates at 2**63 - 1, 2**63 as a double.
    # It must not wrap to -2**63 in a frame, and `pmmlkit score` cannot write it as an integer: it says so.
    typed = tmp_path / "twice-integer.pmml"
    typed.write_text(TWICE.replace('name="predicted_y" optype="continuous" dataType="double"',
                                   'name="predicted_y" optype="continuous" dataType="integer"'))
    model = pmmlkit.load(typed)
    scores = model.predict(pd.DataFrame({"x": [1.0, 1e308]}))["predicted_y"].tolist()
    assert scores == [2.0, 2.0 ** 63], scores
    assert model.predict(pd.DataFrame({"x": [1.0, 2.0]}))["predicted_y"].tolist() == [2, 4]
    source = tmp_path / "in.jsonl"
    source.write_text('{"x": 1.0}\n{"x": 1e308}\n')
    assert main(["score", str(typed), str(source), "-o", str(tmp_path / "out.csv")]) == 1
    assert "output 'predicted_y' (dataType integer), row 2: the engine gave 9.22337e+18, beyond a 64-bit integer" \
        in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()
