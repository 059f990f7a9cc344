"""The gate: load, score, info, verify and the Spark scorer refuse what validate marks as blocking,
and score what has one unambiguous reading (with a warning, unless strict)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from cases.shape_gaps import SHAPE_CASES
from cases.validation import BASES, ISSUE_15_CASES, NEURAL, RULE_CASES, SILENT_WRONG_SCORES, RuleCase, edit

import pmmlkit
import pmmlkit.scoring.spark
from pmmlkit.cli import main
from pmmlkit.errors import ValidationError
from pmmlkit.parsing import read_source
from pmmlkit.validate import validate
from pmmlkit.validation import gate, refusal, rules
from pmmlkit.validation import schema as schema_step

ORACLE = Path(__file__).resolve().parent.parent.parent / "shared" / "oracle" / "pmml-4-4-1.xsd"
BLOCKING = [c for c in RULE_CASES if rules.rule(c.code).blocks]
PASSING = [c for c in RULE_CASES if not rules.rule(c.code).blocks]


def _bytes(source: str | bytes) -> bytes:
    return read_source(source)[0]


@pytest.fixture
def with_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    """The project's schema, or the DMG oracle in its place until it lands."""
    if not schema_step.PMML_4_4.is_file():
        if not ORACLE.is_file():
            pytest.skip("neither the project's PMML 4.4 schema nor the DMG oracle is present")
        monkeypatch.setattr(schema_step, "PMML_4_4", ORACLE)


@pytest.mark.parametrize("rule", BLOCKING, ids=[c.id for c in BLOCKING])
def test_blocking_rules_refuse(rule: RuleCase) -> None:
    data = _bytes(rule.trigger())
    expected = refusal(validate(data))
    assert expected is not None
    with pytest.raises(ValidationError) as caught:
        gate(data)
    message = str(caught.value)
    assert f"[{expected.code}]" in message
    if expected.line:
        assert f"line {expected.line}:" in message
    gate(_bytes(rule.clean()))  # the same document without the fault passes


@pytest.mark.parametrize("rule", PASSING, ids=[c.id for c in PASSING])
def test_other_rules_pass_the_gate(rule: RuleCase, caplog: pytest.LogCaptureFixture) -> None:
    data = _bytes(rule.trigger())
    errors = [i for i in validate(data).errors if not i.code.startswith("schema")]
    blocked = refusal(validate(data))
    if blocked is not None:  # the rule does not block, but the schema error its document has does
        assert blocked.code == "schema", str(blocked)
        with pytest.raises(ValidationError, match=re.escape("[schema]")):
            gate(data)
        return
    with caplog.at_level(logging.WARNING, logger="pmmlkit"):
        gate(data)
    if errors:  # a non-blocking error: scored with a warning naming it; strict refuses
        assert any(f"[{rule.code}]" in r.getMessage() for r in caplog.records)
    first = refusal(validate(data), strict=True)
    if first is None:
        gate(data, strict=True)
    else:
        with pytest.raises(ValidationError, match=re.escape(f"[{first.code}]")):
            gate(data, strict=True)


@pytest.mark.parametrize("name, document, code", SILENT_WRONG_SCORES, ids=[c[0] for c in SILENT_WRONG_SCORES])
def test_load_refuses_silent_wrong_scores(name: str, document: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        pmmlkit.load(document)
    assert f"[{code}]" in str(caught.value) and "line " in str(caught.value)
    assert code in {i.code for i in validate(document).errors}


@pytest.mark.parametrize("name, document, code, words", ISSUE_15_CASES, ids=[c[0] for c in ISSUE_15_CASES])
def test_validate_blocks_what_load_refuses(name: str, document: str, code: str, words: str) -> None:
    """Issue 15, item 4: validate said OK for each of these, while load refused it or scored every
    record null. Now validate blocks it with a named rule, and load refuses it naming the problem."""
    first = refusal(validate(document))
    assert first is not None and first.code == code, str(validate(document))
    with pytest.raises(pmmlkit.PMMLError) as caught:
        pmmlkit.load(document)
    assert f"[{code}]" in str(caught.value) and words in str(caught.value), str(caught.value)


@pytest.mark.parametrize("name, document, code, words", SHAPE_CASES, ids=[c[0] for c in SHAPE_CASES])
def test_validate_blocks_what_load_refuses_after_a_shape_change(name: str, document: str, code: str, words: str
                                                                ) -> None:
    """The full differential's shape mutations found validate passing each of these while load
    refused it, failed on every record or scored every record null (tests/cases/shape_gaps.py)."""
    test_validate_blocks_what_load_refuses(name, document, code, words)


def test_unambiguous_schema_deviation_scores_with_a_warning(with_schema: None, caplog: pytest.LogCaptureFixture
                                                            ) -> None:
    # The R pmml package's habit: an OutputField without the required dataType.
    document = edit(BASES["verified"], 'optype="continuous" dataType="double" feature="predictedValue"',
                    'optype="continuous" feature="predictedValue"')
    report = validate(document)
    assert [i.code for i in report.errors] == ["schema"] and "dataType" in report.errors[0].message
    with caplog.at_level(logging.WARNING, logger="pmmlkit"):
        model = pmmlkit.load(document)
    assert model.predict({"x": 2.0})["predicted_y"] == 4.5
    assert any("dataType" in r.getMessage() for r in caplog.records)
    with pytest.raises(ValidationError, match="dataType"):
        pmmlkit.load(document, strict=True)


def test_commands_and_spark_refuse(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _, document, code = SILENT_WRONG_SCORES[-1]
    path = tmp_path / "bad.pmml"
    path.write_text(document)
    (tmp_path / "in.csv").write_text("x\n1\n")
    for args in (["info", path], ["score", path, tmp_path / "in.csv"], ["verify", path]):
        assert main([str(a) for a in args]) == 1
        err = capsys.readouterr().err
        assert f"[{code}]" in err and "line " in err, err
    with pytest.raises(ValidationError, match=code):
        pmmlkit.scoring.spark.score(object(), path)  # refused on the driver, before Spark is touched


def test_loaded_bytes_are_what_was_checked() -> None:
    # The engine reads the gate's UTF-8 re-serialization: a Latin-1 file's names arrive intact.
    latin = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n'
             + NEURAL.replace('name="x"', 'name="café"').replace('field="x"', 'field="café"')).encode("latin-1")
    assert validate(latin).ok
    model = pmmlkit.load(latin)
    assert model.input_names == ["café"]
    expected = pmmlkit.load(NEURAL).predict({"x": 0.3})
    assert model.predict({"café": 0.3}) == expected


@pytest.mark.parametrize("encode", [
    lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
    lambda text: text.encode("utf-16"),
    lambda text: text.replace("<PMML", '<?xml version="1.0" encoding="UTF-16"?>\n<PMML', 1).encode("utf-16"),
], ids=["utf-8 BOM", "utf-16", "utf-16 declared"])
def test_encodings_agree_between_validate_and_load(encode, tmp_path: Path) -> None:  # noqa: ANN001
    data = encode(BASES["verified"])
    path = tmp_path / "model.pmml"
    path.write_bytes(data)
    report = validate(path)
    assert report.ok, str(report)
    assert pmmlkit.load(path).predict({"x": 2.0})["predicted_y"] == 4.5
    assert pmmlkit.load(data).predict({"x": 2.0})["predicted_y"] == 4.5


CORPUS = Path(__file__).resolve().parent / "corpus"
VALID = sorted((CORPUS / "models").glob("*.pmml")) + sorted((CORPUS / "valid").glob("*.pmml"))
# Schema-valid documents with a semantic fault on purpose (the schema cannot see it), and model types
# pmmlkit's engine cannot score (valid PMML that load refuses: validate says so).
SEMANTIC_FAULTS = {"statistics_explanation.pmml": "non-finite", "tree_classification.pmml": "lost-records",
                   "transformations.pmml": "unsupported", "naive_bayes.pmml": "unsupported",
                   "general_regression_cox.pmml": "unsupported", "mining_embedded_models.pmml": "unsupported",
                   "nearest_neighbor_regression.pmml": "unsupported", "ruleset.pmml": "output-feature",
                   "anomaly_detection_iforest.pmml": "unsupported", "anomaly_detection_ocsvm.pmml": "unsupported",
                   "clustering_center.pmml": "unsupported", "clustering_measures.pmml": "unsupported"}
SEMANTIC_FAULTS.update({p.name: "unsupported" for p in VALID if p.stem.split("_")[0] in (
    "association", "baseline", "bayesian", "gaussian", "sequence", "text", "time")})


@pytest.mark.parametrize("path", VALID, ids=[p.name for p in VALID])
def test_schema_valid_documents_of_every_model_type(path: Path) -> None:
    # Hand-written schema-valid documents of every PMML 4.4 model type: only a real fault, or a
    # construct the engine cannot score, may block one.
    report = validate(path)
    assert not [i for i in report.errors if i.code == "schema"], str(report)
    fault = SEMANTIC_FAULTS.get(path.name)
    if fault is None:
        assert report.ok, str(report)
        gate(path.read_bytes(), str(path))
        pmmlkit.load(path)
    else:
        assert fault in {i.code for i in report.errors}
        with pytest.raises(ValidationError, match=fault):
            gate(path.read_bytes(), str(path))


def test_misplaced_extension_scores_with_a_warning(with_schema: None, caplog: pytest.LogCaptureFixture) -> None:
    # An Extension where the schema expects none: both engines ignore it, so it is a tolerated deviation.
    document = edit(BASES["verified"], "    <Output>", '    <Extension name="vendor" value="1"/>\n    <Output>')
    assert [i.code for i in validate(document).errors] == ["schema"]
    with caplog.at_level(logging.WARNING, logger="pmmlkit"):
        assert pmmlkit.load(document).predict({"x": 2.0})["predicted_y"] == 4.5
    assert any("Extension" in r.getMessage() for r in caplog.records)
    with pytest.raises(ValidationError, match=re.escape("[schema]")):
        pmmlkit.load(document, strict=True)


@pytest.mark.parametrize("also", [None, "unknown feature"])
def test_many_tolerated_deviations_still_load(also: str | None, with_schema: None) -> None:
    """More schema errors than a report lists one by one: the rest is grouped by kind, so 60 R-style
    OutputFields without dataType still load, and a blocking error among the rest is still found."""
    fields = "".join(f'<OutputField name="p{i}" optype="continuous" feature="predictedValue"/>' for i in range(60))
    if also:
        fields += '<OutputField name="q" optype="continuous" dataType="double" feature="bogus"/>'
    document = edit(BASES["verified"], "<Output>", "<Output>" + fields)
    report = validate(document)
    assert any(i.message.startswith("... and 10 more like this: Element 'OutputField': The attribute 'dataType'")
               for i in report.errors)
    if also is None:
        assert pmmlkit.load(document).predict({"x": 2.0})["p0"] == 4.5
    else:
        with pytest.raises(ValidationError, match="bogus"):
            pmmlkit.load(document)


@pytest.mark.parametrize("context", ["double", "float"])
def test_vendor_attributes_load_with_a_warning(context: str, with_schema: None, caplog: pytest.LogCaptureFixture
                                               ) -> None:
    """JPMML's x- attributes break the schema but PMML4S ignores them: the document scores, with the
    schema deviation logged; float arithmetic is named as the interoperability risk it is."""
    document = edit(BASES["verified"], '<RegressionModel functionName="regression"',
                    f'<RegressionModel functionName="regression" x-mathContext="{context}"')
    codes = [i.code for i in validate(document).issues]
    assert "schema" in codes and ("interop-float" in codes) == (context == "float")
    with caplog.at_level(logging.WARNING, logger="pmmlkit"):
        assert pmmlkit.load(document).predict({"x": 2.0})["predicted_y"] == 4.5
    assert any("x-mathContext" in r.getMessage() for r in caplog.records)
    with pytest.raises(ValidationError, match="x-mathContext"):
        pmmlkit.load(document, strict=True)
