"""One input contract: the same records through the library (``Model.predict`` on a list of records),
`pmmlkit score` (JSON Lines, ``--extra error``) and `pmmlkit serve` (``instances``), which always
refuses unknown keys. Each record is sent at position 1 (records scored one by one) and at position
20 (the column path): every path gives the same verdict, the same score, and the same message,
naming the record where each path names it ("record 20", "row 21 (line 21)", "instance 20") and
giving its advice in its own terms (keywords, flags, JSON).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from documents import field, regression
from serving_support import asgi_client

import pmmlkit
from pmmlkit.cli import main
from pmmlkit.cli.common import in_flags
from pmmlkit.errors import EvaluationError
from pmmlkit.scoring.input_names import in_json_terms
from pmmlkit.serving import Limits, ModelSource, ServingConfig, create_app

# predicted_y = 1 + 2 age + i + 10 [c == "a"] + 100 [b]; "ages" is a column the model was trained on
# but does not use (a DataField outside the MiningSchema): accepted and ignored, never a "did you mean".
MODEL = regression(
    [field("age"), field("c", "string"), field("i", "integer"), field("b", "boolean"), field("ages")],
    '<NumericPredictor name="age" coefficient="2"/><NumericPredictor name="i" coefficient="1"/>'
    '<CategoricalPredictor name="c" value="a" coefficient="10"/>'
    '<CategoricalPredictor name="b" value="true" coefficient="100"/>', intercept="1", inputs=["age", "c", "i", "b"])
GOOD = {"age": 1.0, "c": "a", "i": 3, "b": True}


def _but(**changes: Any) -> dict[str, Any]:
    record = {**GOOD, **changes}
    return {k: v for k, v in record.items() if v is not _DROP}


_DROP = object()

# (id, record, the score, or the words the refusal must hold)
TABLE: list[tuple[str, dict[str, Any], Any]] = [
    ("good", GOOD, 116.0),
    ("trained-but-unused", _but(ages=5.0), 116.0),
    ("trained-but-unused-any-value", _but(ages="not looked at"), 116.0),
    ("null-is-missing", _but(age=None), None),
    ("number-in-text-field", _but(c=7), 106.0),
    ("boolean-text", _but(b="TRUE"), 116.0),
    ("boolean-zero", _but(b=0), 16.0),
    ("boolean-in-numeric-field", _but(age=True), 116.0),
    ("whole-float-in-integer-field", _but(i=4.0), 117.0),
    ("big-integer-in-double-field", _but(age=10 ** 20), 1 + 2e20 + 113),
    ("unknown-key", _but(zip="75001"), "the record has inputs the model does not know: ['zip']"),
    ("misspelt-key", _but(age=_DROP, Age=1.0), "Did you mean 'Age' for 'age'?"),
    ("absent-key", _but(b=_DROP), "inputs missing from the record: ['b']"),
    ("absent-key-unused-given", _but(age=_DROP, ages=1.0),  # 'ages' is known: no "Did you mean 'ages'"
     "inputs missing from the record: ['age'] (the model needs ['age', 'c', 'i', 'b']). Give a missing"),
    ("string-in-numeric-field", _but(age="1.5"), "input 'age' (dataType double), <where>: a string ('1.5')"),
    ("fraction-in-integer-field", _but(i=1.5), "input 'i' (dataType integer), <where>: 1.5 is not a whole number"),
    ("beyond-2-53", _but(i=2 ** 53 + 1), "9007199254740993 is beyond 2**53"),
    ("not-a-boolean", _but(b="yes"), "input 'b' (dataType boolean), <where>: 'yes' is not a boolean"),
    ("nested-list", _but(age=[1.0]), "a nested value (list [1.0])"),
    ("nested-object", _but(c={"k": 1}), "a nested value (dict {'k': 1})"),
    ("beyond-double-range", _but(age=10 ** 400), "is outside the range of a double"),
    ("lone-surrogate", _but(c="\ud800"), "not valid Unicode"),
]
POSITIONS = (1, 20)  # one by one (up to 16 records), and the column path


@pytest.fixture(scope="module")
def pmml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("one-contract") / "model.pmml"
    path.write_text(MODEL)
    return path


def _records(record: dict[str, Any], position: int) -> list[dict[str, Any]]:
    return [GOOD] * position + [record]


def _lines(records: list[dict[str, Any]]) -> list[str]:
    # The JSON every path reads: the library takes what a JSON parser gives back.
    return [json.dumps(r) for r in records]


@pytest.fixture(scope="module")
def served(pmml: Path) -> dict[tuple[str, int], httpx.Response]:
    """Every table row at every position, answered by one in-process server."""
    app = create_app(ServingConfig((ModelSource("m", str(pmml)),), Limits(), poll_seconds=0))

    async def scenario() -> dict[tuple[str, int], httpx.Response]:
        answers = {}
        async with asgi_client(app) as client:
            for case_id, record, _ in TABLE:
                for position in POSITIONS:
                    body = '{"instances": [' + ", ".join(_lines(_records(record, position))) + "]}"
                    answers[case_id, position] = await client.post(
                        "/v1/models/m:predict", content=body.encode(), headers={"Content-Type": "application/json"})
        return answers

    return asyncio.run(scenario())


def _library(pmml: Path, records: list[dict[str, Any]], position: int) -> tuple[bool, Any]:
    parsed = [json.loads(line) for line in _lines(records)]
    try:
        return True, pmmlkit.load(pmml).predict(parsed, extra="error")[position]["predicted_y"]
    except EvaluationError as exc:
        return False, str(exc)


def _cli(pmml: Path, records: list[dict[str, Any]], position: int, folder: Path,
         capsys: pytest.CaptureFixture) -> tuple[bool, Any]:
    source = folder / "in.jsonl"
    source.write_text("\n".join(_lines(records)) + "\n", encoding="ascii")
    out = folder / "out.jsonl"
    code = main(["score", str(pmml), str(source), "-o", str(out), "--extra", "error"])
    _, err = capsys.readouterr()
    if code != 0:
        assert code == 1 and err.startswith("pmmlkit: error: ") and len(err.strip().splitlines()) == 1, err
        return False, err.strip().removeprefix("pmmlkit: error: ")
    return True, json.loads(out.read_text(encoding="utf-8").splitlines()[position])["predicted_y"]


def _server(answer: httpx.Response, position: int) -> tuple[bool, Any]:
    if answer.status_code != 200:
        assert answer.status_code == 400, answer.text
        return False, answer.json()["error"]
    return True, answer.json()["predictions"][position]


def _placed(message: str, *places: str) -> str:
    """The message with where it names the record replaced by <where>."""
    for place in places:
        if place in message:
            return message.replace(place, "<where>", 1)
    raise AssertionError(f"the message does not name the record as {places}: {message}")


FLAGS = argparse.Namespace(missing="error", extra="error")  # the options `pmmlkit score` has


@pytest.mark.parametrize("position", POSITIONS)
@pytest.mark.parametrize("case_id, record, expected", TABLE, ids=[row[0] for row in TABLE])
def test_library_cli_and_server_give_one_verdict(case_id: str, record: dict[str, Any], expected: Any,
                                                  position: int, pmml: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture, served) -> None:
    records = _records(record, position)
    library = _library(pmml, records, position)
    cli = _cli(pmml, records, position, tmp_path, capsys)
    server = _server(served[case_id, position], position)
    if not isinstance(expected, str):
        assert library == cli == server == (True, expected), (library, cli, server)
        return
    assert not library[0] and not cli[0] and not server[0], (library, cli, server)
    said = _placed(library[1], f"record {position}")
    src = tmp_path / "in.jsonl"
    assert expected in said, said
    assert _placed(cli[1], f"{src}: row {position + 1} (line {position + 1})", f"row {position + 1}") == \
        in_flags(said, FLAGS)
    assert _placed(server[1], f"instance {position}") == in_json_terms(said)


def test_the_server_advice_is_for_json(served) -> None:
    error = served["absent-key", 1].json()["error"]
    assert error.endswith("Give a missing value as null") and "None/NaN" not in error, error
    assert "missing='allow'" not in error and "extra='ignore'" not in served["unknown-key", 1].json()["error"]


def test_the_contract_knows_the_unused_inputs_from_the_document(pmml: Path) -> None:
    assert pmmlkit.load(pmml).contract.unused == frozenset({"ages"})
