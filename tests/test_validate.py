"""pmmlkit.validate: a table of good and broken documents with the issue codes each must get."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cases.validation import BASES, RULE_CASES, RuleCase

import pmmlkit
from pmmlkit.cli import main
from pmmlkit.errors import ValidationError
from pmmlkit.report import Report
from pmmlkit.validate import validate
from pmmlkit.validation import RULES, rules
from pmmlkit.validation import schema as schema_step

ORACLE = Path(__file__).resolve().parent.parent.parent / "shared" / "oracle"
_SCHEMA_CODES = {"schema", "schema-skipped"}  # the schema step has its own tests


def codes(report: Report, severity: str) -> set[str]:
    return {i.code for i in report.issues if i.severity == severity and i.code not in _SCHEMA_CODES}

# A document in the style sklearn2pmml writes: TransformationDictionary, a modelChain whose second
# segment reads the first segment's Output, a global derived field used inside a segment.
CHAIN = """<?xml version="1.0" encoding="UTF-8"?>
<PMML xmlns="http://www.dmg.org/PMML-4_4" xmlns:data="http://jpmml.org/jpmml-model/InlineTable" version="4.4">
  <Header>
    <Application name="SkLearn2PMML package" version="0.110.0"/>
  </Header>
  <DataDictionary numberOfFields="3">
    <DataField name="y" optype="categorical" dataType="string">
      <Value value="no"/>
      <Value value="yes"/>
    </DataField>
    <DataField name="age" optype="continuous" dataType="double"/>
    <DataField name="color" optype="categorical" dataType="string">
      <Value value="red"/>
      <Value value="blue"/>
    </DataField>
  </DataDictionary>
  <TransformationDictionary>
    <DefineFunction name="half" optype="continuous" dataType="double">
      <ParameterField name="value"/>
      <Apply function="/"><FieldRef field="value"/><Constant>2</Constant></Apply>
    </DefineFunction>
    <DerivedField name="age_scaled" optype="continuous" dataType="double">
      <Apply function="half"><FieldRef field="age"/></Apply>
    </DerivedField>
  </TransformationDictionary>
  <MiningModel functionName="classification">
    <MiningSchema>
      <MiningField name="y" usageType="target"/>
      <MiningField name="age"/>
      <MiningField name="color"/>
    </MiningSchema>
    <Output>
      <OutputField name="decision" optype="continuous" dataType="double" feature="predictedValue" segmentId="1"/>
    </Output>
    <LocalTransformations>
      <DerivedField name="is_red" optype="continuous" dataType="double">
        <NormDiscrete field="color" value="red"/>
      </DerivedField>
    </LocalTransformations>
    <Segmentation multipleModelMethod="modelChain">
      <Segment id="1">
        <True/>
        <RegressionModel functionName="regression">
          <MiningSchema>
            <MiningField name="age"/>
            <MiningField name="color"/>
            <MiningField name="is_red"/>
          </MiningSchema>
          <Output>
            <OutputField name="decisionFunction(yes)" optype="continuous" dataType="double" isFinalResult="false"/>
          </Output>
          <RegressionTable intercept="0.5">
            <NumericPredictor name="age_scaled" coefficient="1.5"/>
            <NumericPredictor name="is_red" coefficient="0.25"/>
            <CategoricalPredictor name="color" value="blue" coefficient="-0.2"/>
          </RegressionTable>
        </RegressionModel>
      </Segment>
      <Segment id="2">
        <SimplePredicate field="age" operator="greaterOrEqual" value="0"/>
        <RegressionModel functionName="classification" normalizationMethod="logit">
          <MiningSchema>
            <MiningField name="y" usageType="target"/>
            <MiningField name="decisionFunction(yes)"/>
          </MiningSchema>
          <Output>
            <OutputField name="probability(no)" optype="continuous" dataType="double" feature="probability" value="no"/>
            <OutputField name="probability(yes)" optype="continuous" dataType="double" feature="probability" value="yes"/>
          </Output>
          <RegressionTable intercept="0" targetCategory="yes">
            <NumericPredictor name="decisionFunction(yes)" coefficient="1"/>
          </RegressionTable>
          <RegressionTable intercept="0" targetCategory="no"/>
        </RegressionModel>
      </Segment>
    </Segmentation>
  </MiningModel>
</PMML>
"""

TREE = """<PMML xmlns="http://www.dmg.org/PMML-4_3" version="4.3">
  <Header/>
  <DataDictionary>
    <DataField name="x" optype="continuous" dataType="double"/>
    <DataField name="y" optype="continuous" dataType="double"/>
  </DataDictionary>
  <TreeModel functionName="regression">
    <MiningSchema>
      <MiningField name="y" usageType="target"/>
      <MiningField name="x"/>
    </MiningSchema>
    <Node score="0">
      <True/>
      <Node score="1"><SimplePredicate field="x" operator="lessOrEqual" value="1.5"/></Node>
      <Node score="2"><SimpleSetPredicate field="x" booleanOperator="isIn"><Array type="real">2 3</Array></SimpleSetPredicate></Node>
    </Node>
  </TreeModel>
</PMML>
"""


def _replace(old: str, new: str, document: str = CHAIN, count: int = 1) -> Callable[[], str]:
    def make() -> str:
        if old not in document:
            raise AssertionError(f"test table is stale: {old!r} not in the document")
        return document.replace(old, new, count)
    return make


def _deep(levels: int) -> str:
    return '<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">' + "<a>" * levels + "</a>" * levels + "</PMML>"


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header description="&lol4;"/></PMML>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE PMML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header description="&xxe;">&xxe;</Header></PMML>
"""


@dataclass(frozen=True)
class Doc:
    id: str
    make: Callable[[], str | bytes]
    errors: frozenset[str] = frozenset()
    warnings: frozenset[str] = frozenset()


def doc(id: str, make: Callable[[], str | bytes] | str | bytes, errors: tuple[str, ...] = (),
        warnings: tuple[str, ...] = ()) -> Doc:
    maker = make if callable(make) else (lambda: make)
    return Doc(id, maker, frozenset(errors), frozenset(warnings))


DOCUMENTS = [
    # -- good ------------------------------------------------------------------------------------
    doc("sklearn2pmml-style model chain", CHAIN),
    doc("tree, PMML 4.3", TREE),
    doc("version 4.4.1 in the 4.4 namespace", _replace('version="4.4"', 'version="4.4.1"')),
    doc("vendor function x-", _replace('function="half"', 'function="x-half"')),
    # -- fields ----------------------------------------------------------------------------------
    doc("DataField removed", _replace('<DataField name="age" optype="continuous" dataType="double"/>', "",
                                      CHAIN.replace('numberOfFields="3"', 'numberOfFields="2"')),
        errors=("undefined-field",)),
    doc("misspelled FieldRef", _replace('<FieldRef field="age"/>', '<FieldRef field="agee"/>'),
        errors=("undefined-field",)),
    doc("misspelled NumericPredictor", _replace('name="age_scaled" coefficient', 'name="age_scaledd" coefficient'),
        errors=("undefined-field",)),
    doc("misspelled NormDiscrete field", _replace('<NormDiscrete field="color"', '<NormDiscrete field="colour"'),
        errors=("undefined-field",)),
    doc("misspelled segment predicate", _replace('<SimplePredicate field="age"', '<SimplePredicate field="aeg"'),
        errors=("undefined-field",)),
    doc("misspelled tree predicate", _replace('<SimplePredicate field="x"', '<SimplePredicate field="xx"', TREE),
        errors=("undefined-field",)),
    doc("misspelled set predicate", _replace('<SimpleSetPredicate field="x"', '<SimpleSetPredicate field="z"', TREE),
        errors=("undefined-field",)),
    doc("chain output used without modelChain",
        _replace('multipleModelMethod="modelChain"', 'multipleModelMethod="selectFirst"'),
        errors=("undefined-field",)),
    doc("field in dictionary but not in segment MiningSchema",
        _replace('<MiningField name="color"/>\n            <MiningField name="is_red"/>',
                 '<MiningField name="is_red"/>'),
        errors=("not-in-mining-schema",)),
    doc("function parameter used outside its function",
        _replace('<NormDiscrete field="color" value="red"/>', '<FieldRef field="value"/>'),
        errors=("undefined-field",)),
    doc("duplicate DataField", _replace('<DataField name="age" optype="continuous" dataType="double"/>',
                                        '<DataField name="age" optype="continuous" dataType="double"/>'
                                        '<DataField name="age" optype="continuous" dataType="double"/>'),
        errors=("duplicate-field",), warnings=("number-of-fields",)),
    doc("derived field named like a data field", _replace('<DerivedField name="age_scaled"',
                                                          '<DerivedField name="age"'),
        errors=("duplicate-field", "undefined-field")),
    doc("duplicate OutputField", _replace('name="probability(yes)"', 'name="probability(no)"'),
        errors=("duplicate-field",)),
    doc("numberOfFields wrong", _replace('numberOfFields="3"', 'numberOfFields="7"'),
        warnings=("number-of-fields",)),
    doc("DataField without dataType", _replace('<DataField name="age" optype="continuous" dataType="double"/>',
                                               '<DataField name="age" optype="continuous"/>'),
        errors=("field-type",)),
    doc("OutputField segmentId unknown", _replace('segmentId="1"', 'segmentId="9"'), errors=("undefined-segment",)),
    doc("unknown function", _replace('function="half"', 'function="halve"'), errors=("unknown-function",)),
    # -- targets and functions ---------------------------------------------------------------------
    doc("classification target continuous",
        _replace('<DataField name="y" optype="categorical" dataType="string">',
                 '<DataField name="y" optype="continuous" dataType="string">'),
        errors=("target-optype", "type-conflict")),
    doc("regression target categorical", _replace('<DataField name="y" optype="continuous"',
                                                  '<DataField name="y" optype="categorical"', TREE),
        errors=("target-optype",)),
    doc("regression without target or output", _replace('<MiningField name="y" usageType="target"/>', "", TREE),
        warnings=("target",)),
    doc("two targets", _replace('<MiningField name="x"/>', '<MiningField name="x" usageType="target"/>', TREE),
        errors=("multiple-targets", "target-as-predictor")),
    doc("no functionName", _replace('<TreeModel functionName="regression">', "<TreeModel>", TREE),
        errors=("function-name",)),
    doc("unknown functionName", _replace('functionName="regression"', 'functionName="regresion"', TREE),
        errors=("function-name",)),
    # -- document structure ----------------------------------------------------------------------
    doc("no Header", _replace("<Header/>", "", TREE), errors=("missing-header",)),
    doc("no DataDictionary", lambda: TREE[:TREE.index("<DataDictionary>")] + TREE[TREE.index("<TreeModel"):],
        errors=("missing-data-dictionary", "undefined-field")),
    doc("a PMML 3.2 document", _replace("PMML-4_3", "PMML-3_2", _replace('version="4.3"', 'version="3.2"', TREE)())),
    doc("no model", lambda: TREE[:TREE.index("<TreeModel")] + "</PMML>", errors=("no-model",)),
    doc("segment without model", _replace('<TreeModel functionName="regression">',
                                          '<MiningModel functionName="regression"><MiningSchema>'
                                          '<MiningField name="y" usageType="target"/></MiningSchema><Segmentation '
                                          'multipleModelMethod="sum"><Segment><True/></Segment></Segmentation>'
                                          '</MiningModel><TreeModel functionName="regression">', TREE),
        errors=("no-model",)),
    doc("unknown top-level element", _replace("<Header/>", "<Header/><Bogus/>", TREE),
        warnings=("unknown-element",)),
    doc("unsupported PMML version", _replace("PMML-4_3", "PMML-2_1", TREE), errors=("namespace",)),
    doc("foreign namespace", _replace("http://www.dmg.org/PMML-4_3", "http://example.com/pmml", TREE),
        errors=("namespace",)),
    doc("no namespace", _replace(' xmlns="http://www.dmg.org/PMML-4_3"', "", TREE), errors=("namespace",)),
    doc("version differs from namespace", _replace('version="4.3"', 'version="4.2"', TREE), warnings=("version",)),
    # (the schema step checks an upgraded copy, which has one: PMML4S refuses the document as written)
    doc("no version", _replace(' version="4.3"', "", TREE), errors=("missing-version",)),
    doc("root is not PMML", "<model><Header/></model>", errors=("root",)),
    # -- unreadable input ------------------------------------------------------------------------
    doc("empty file", b"", errors=("empty",)),
    doc("whitespace only", b"  \n\t\n", errors=("empty",)),
    doc("truncated file", lambda: CHAIN[: len(CHAIN) // 2].encode(), errors=("xml-syntax",)),
    doc("not XML", b"age,color\n1,red\n", errors=("xml-syntax",)),
    doc("binary junk", bytes(range(256)), errors=("xml-syntax",)),
    doc("deep nesting", lambda: _deep(3000).encode(), errors=("depth",)),
    doc("billion laughs", BILLION_LAUGHS.encode(), errors=("doctype",)),
    doc("external entity (XXE)", XXE.encode(), errors=("doctype",)),
]


@pytest.mark.parametrize("case", DOCUMENTS, ids=[d.id for d in DOCUMENTS])
def test_document(case: Doc) -> None:
    source = case.make()
    report = validate(source.encode("utf-8") if isinstance(source, str) else source)
    assert isinstance(report, Report)
    assert codes(report, "error") == case.errors, str(report)
    assert codes(report, "warning") == case.warnings, str(report)
    if not {i.code for i in report.errors} - case.errors:
        assert report.ok == (not case.errors)
    for issue in report.issues:
        assert issue.message and "\n" not in issue.message
        if issue.code not in ("empty", "schema-skipped"):
            assert isinstance(issue.line, int) and issue.line >= 1, issue


def test_entities_are_never_expanded() -> None:
    for text in (BILLION_LAUGHS, XXE):
        report = validate(text.encode())
        rendered = report.to_json() + str(report)
        assert "lollollol" not in rendered and "root:" not in rendered
        assert "DOCTYPE" in report.errors[0].message


@pytest.mark.parametrize("rule", RULE_CASES, ids=[r.id for r in RULE_CASES])
def test_rule(rule: RuleCase) -> None:
    """Each rule: a document that triggers it, and the same document without the fault."""
    source = rule.trigger()
    report = validate(source)
    found = [i for i in report.issues if i.code == rule.code]
    assert found, str(report)
    assert all(i.severity == rules.rule(rule.code).severity for i in found)
    assert not any(" None " in f" {i.message} " for i in found), str(report)  # a field without a name
    assert rule.code not in {i.code for i in validate(rule.clean()).issues}


# Rules whose triggering documents live in other tests (named here, so the table stays complete).
TESTED_ELSEWHERE = {
    "io": "test_unreadable_paths_are_reported, test_hostile.py", "too-large": "test_hostile.py::test_size_limit",
    "memory": "test_memory_and_internal_errors_are_reported", "internal": "test_memory_and_internal_errors_are_reported",
    "schema": "test_schema_step", "schema-skipped": "test_schema_step_skips_without_a_schema",
    "verification-mismatch": "test_verify_embedded_rows", "verification-skipped": "test_verify_embedded_rows",
}


def test_every_rule_has_a_case() -> None:
    covered = {r.code for r in RULE_CASES} | set(TESTED_ELSEWHERE)
    assert covered == {r.code for r in RULES}
    assert len({r.code for r in RULES}) == len(RULES)


@pytest.mark.parametrize("name", sorted(BASES))
def test_base_documents_are_clean(name: str) -> None:
    report = validate(BASES[name])
    assert not codes(report, "error") and not codes(report, "warning"), str(report)
    oracle = ORACLE / "pmml-4-4-1.xsd"
    if oracle.is_file():
        checked = validate(BASES[name], xsd=oracle)
        assert checked.ok and not checked.issues, str(checked)


def test_memory_and_internal_errors_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from pmmlkit.validation import checks

    def out_of_memory(self, node):  # noqa: ANN001
        raise MemoryError

    monkeypatch.setattr(checks.Checker, "end", out_of_memory)
    assert [i.code for i in validate(BASES["tree"]).errors] == ["memory"]

    def broken(self, node):  # noqa: ANN001
        raise KeyError("bug")

    monkeypatch.setattr(checks.Checker, "end", broken)
    assert "internal" in {i.code for i in validate(BASES["tree"]).errors}


def test_lines_point_at_the_offending_element() -> None:
    text = CHAIN.replace('<FieldRef field="age"/>', '<FieldRef field="agee"/>')
    report = validate(text)
    [issue] = report.errors
    line = next(i for i, row in enumerate(text.splitlines(), 1) if 'field="agee"' in row)
    assert issue.line == line
    assert "agee" in issue.message


def test_sources(tmp_path: Path) -> None:
    path = tmp_path / "tree.pmml"
    path.write_text(TREE)
    assert validate(path).ok and validate(str(path)).ok
    assert validate(TREE).ok and validate(TREE.encode()).ok
    assert validate(path).source == str(path)


@pytest.mark.parametrize("name", ["missing.pmml", "folder"])
def test_unreadable_paths_are_reported(tmp_path: Path, name: str) -> None:
    (tmp_path / "folder").mkdir()
    report = validate(tmp_path / name)
    assert not report.ok
    assert [i.code for i in report.issues] == ["io"]


# -- documents pmmlkit writes -------------------------------------------------------------------
def _iris() -> tuple[pd.DataFrame, pd.Series]:
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, y


def _logistic():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _iris()
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y), X


def _one_hot():
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    X, y = _iris()
    X = X.assign(colour=np.array(["red", "green", "blue"] * 50, dtype=object))
    pipeline = make_pipeline(make_column_transformer((OneHotEncoder(handle_unknown="ignore"), ["colour"]),
                                                     remainder=StandardScaler()), LogisticRegression())
    return pipeline.fit(X, y), X


def _forest():
    from sklearn.ensemble import RandomForestClassifier

    X, y = _iris()
    return RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(X, y), X


def _tree_regressor():
    from sklearn.tree import DecisionTreeRegressor

    X, y = _iris()
    return DecisionTreeRegressor(max_depth=4, random_state=0).fit(X.iloc[:, 1:], X.iloc[:, 0]), X.iloc[:, 1:]


@pytest.mark.parametrize("make", [_logistic, _one_hot, _forest, _tree_regressor],
                         ids=["logistic", "one-hot", "forest", "tree-regressor"])
def test_accepts_what_pmmlkit_writes(make: Callable, tmp_path: Path) -> None:
    estimator, X = make()
    document = pmmlkit.convert(estimator, X, verification=X.head(5))
    report = validate(document)
    assert report.ok and not codes(report, "warning"), str(report)
    path = document.save(tmp_path / "model.pmml")
    assert not codes(validate(path), "warning")
    oracle = ORACLE / "pmml-4-4-1.xsd"
    if oracle.is_file():
        assert not validate(path, xsd=oracle, verify=True).issues


def test_flags_broken_variants_of_a_converted_document() -> None:
    estimator, X = _logistic()
    text = pmmlkit.convert(estimator, X).to_string()
    first_input = X.columns[0]
    broken = {
        "undefined-field": text.replace(f'<DataField name="{first_input}" optype="continuous" dataType="double"/>',
                                        "", 1).replace('numberOfFields="5"', 'numberOfFields="4"'),
        "xml-syntax": text[: len(text) * 2 // 3],
        "namespace": text.replace("PMML-4_4", "PMML-9_9"),
    }
    for code, variant in broken.items():
        report = validate(variant)
        assert code in {i.code for i in report.errors}, f"{code}: {report}"
    misspelled = text.replace(f'<FieldRef field="{first_input}"/>', '<FieldRef field="nope"/>', 1)
    assert [i.code for i in validate(misspelled).errors] == ["undefined-field"]


# -- the schema step -----------------------------------------------------------------------------
def _oracle(name: str = "pmml-4-4-1.xsd") -> Path:
    path = ORACLE / name
    if not path.is_file():
        pytest.skip(f"the DMG oracle {path} is absent (../shared/oracle is not beside the checkout)")
    return path


SCHEMA_BREAKS = [
    ("misspelled optype", 'optype="continuous" dataType="double">\n      <Interval',
     'optype="continous" dataType="double">\n      <Interval'),
    ("misspelled dataType", '<DataField name="s" optype="categorical" dataType="string">',
     '<DataField name="s" optype="categorical" dataType="strng">'),
    ("unknown element", "<Header/>", "<Header/><Bogus/>"),
    ("wrong child order", "<Header/>", ""),
    ("second DataDictionary", "  <TreeModel", '  <DataDictionary numberOfFields="0"/>\n  <TreeModel'),
    ("malformed number", 'recordCount="3"', 'recordCount="three"'),
]


@pytest.mark.parametrize("name, old, new", SCHEMA_BREAKS, ids=[b[0] for b in SCHEMA_BREAKS])
def test_schema_step(name: str, old: str, new: str) -> None:
    oracle = _oracle()
    base = BASES["tree"] if name != "wrong child order" else BASES["tree"].replace(
        "<Header/>\n", "").replace("</DataDictionary>\n", "</DataDictionary>\n  <Header/>\n")
    report = validate(base.replace(old, new, 1) if name != "wrong child order" else base, xsd=oracle)
    schema_errors = [i for i in report.errors if i.code == "schema"]
    assert schema_errors and all(isinstance(i.line, int) for i in schema_errors), str(report)
    assert report.checked == str(oracle) and report.version == "4.4"
    assert "{http" not in str(report)  # element names without their namespace


def test_older_versions_are_checked_after_an_upgrade() -> None:
    old = BASES["forest"].replace("PMML-4_4", "PMML-4_1").replace('version="4.4"', 'version="4.1"').replace(
        '<MiningField name="y" usageType="target"/>', '<MiningField name="y" usageType="predicted"/>')
    report = validate(old, xsd=_oracle())
    assert report.ok and not report.issues, str(report)
    assert report.version == "4.1" and report.checked.endswith("after upgrading from PMML 4.1")
    as_written = validate(old.replace("PMML-4_1", "PMML-4_3").replace('version="4.1"', 'version="4.3"'),
                          xsd=_oracle("pmml-4-3.xsd"))
    assert as_written.ok and as_written.checked == str(_oracle("pmml-4-3.xsd")), str(as_written)
    assert "upgrading" not in str(as_written)


def test_schema_step_skips_without_a_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the project's own schema missing from an installation skips the step.
    monkeypatch.setattr(schema_step, "PMML_4_4", tmp_path / "absent.xsd")
    report = validate(BASES["tree"])
    assert report.ok and [i.code for i in report.issues] == ["schema-skipped"]
    assert report.checked.startswith("no schema")


@pytest.mark.parametrize("name, content, fragment", [
    ("absent.xsd", None, "does not exist"),
    ("bad.xsd", "<notaschema/>", "not a usable XML Schema"),
    ("model.pmml", BASES["tree"], "not a usable XML Schema"),
    ("folder.xsd", "", "is a folder"),
    ("fifo.xsd", "fifo", "is not a regular file"),
])
def test_a_named_schema_that_cannot_be_used_raises(tmp_path: Path, name: str, content: str | None,
                                                   fragment: str) -> None:
    path = tmp_path / name
    if content == "":
        path.mkdir()
    elif content == "fifo":
        os.mkfifo(path)  # nobody writes to it: opening it would hang
    elif content is not None:
        path.write_text(content)
    with pytest.raises(ValidationError) as caught:
        validate(BASES["tree"], xsd=path)
    assert str(path) in str(caught.value) and fragment in str(caught.value)


# -- ModelVerification ---------------------------------------------------------------------------
VERIFIED_CASES = [("4.5", True), ("4.5000000000001", True), ("4.50001", False), ("", False)]


@pytest.mark.parametrize("expected, agrees", VERIFIED_CASES, ids=[f"{e or 'empty'}" for e, _ in VERIFIED_CASES])
def test_verify_embedded_rows(expected: str, agrees: bool, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from cases.validation import VERIFIED

    path = tmp_path / "model.pmml"
    path.write_text(VERIFIED.replace("EXPECTED", expected))
    report = validate(path, verify=True)
    mismatches = [i for i in report.issues if i.code == "verification-mismatch"]
    assert bool(mismatches) != agrees, str(report)
    assert report.rescored and f"{report.rescored} ModelVerification rows re-scored" in str(report).splitlines()[0]
    assert validate(path).rescored is None and "re-scored" not in str(validate(path))
    if mismatches:
        assert "precision 1e-09" in mismatches[0].message and mismatches[0].line is not None
        assert mismatches[0].line == next(i for i, row in enumerate(path.read_text().splitlines(), 1)
                                          if "<c0>2</c0>" in row)
    assert main(["verify", str(path)]) == (0 if agrees else 1)
    out = capsys.readouterr().out
    assert ("verification-mismatch" in out) != agrees


def test_verify_without_rows(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    report = validate(BASES["tree"], verify=True)
    assert report.ok and "verification-skipped" in {i.code for i in report.warnings}
    path = tmp_path / "tree.pmml"
    path.write_text(BASES["tree"])
    assert main(["verify", str(path)]) == 1
    assert "verification-skipped" in capsys.readouterr().out


# -- the command line ----------------------------------------------------------------------------
def test_cli_rules_table(capsys: pytest.CaptureFixture) -> None:
    assert main(["validate", "--rules"]) == 0
    text = capsys.readouterr().out
    assert all(f"{r.code} " in text for r in RULES) and "blocks loading" in text
    assert main(["validate", "--rules", "--json"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert [r["code"] for r in table] == [r.code for r in RULES]
    assert {r["blocks"] for r in table} == {True, False}


def test_cli_rules_with_files_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "tree.pmml"
    path.write_text(BASES["tree"])
    assert main(["validate", "--rules", str(path)]) == 2
    assert "--rules prints the rule table; give files without it" in capsys.readouterr().err


def test_cli_xsd_special_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    fifo = tmp_path / "schema.xsd"
    os.mkfifo(fifo)
    path = tmp_path / "tree.pmml"
    path.write_text(BASES["tree"])
    assert main(["validate", "--xsd", str(fifo), str(path)]) == 2
    assert "is not a regular file" in capsys.readouterr().err


def test_cli_flags(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    good, warned, bad = tmp_path / "good.pmml", tmp_path / "warned.pmml", tmp_path / "bad.pmml"
    good.write_text(BASES["tree"])
    warned.write_text(BASES["tree"].replace('version="4.4"', 'version="4.2"'))
    bad.write_text(BASES["tree"].replace('field="x" operator="lessOrEqual"', 'field="z" operator="lessOrEqual"'))
    xsd = ["--xsd", str(ORACLE / "pmml-4-4-1.xsd")] if (ORACLE / "pmml-4-4-1.xsd").is_file() else []
    assert main(["validate", *xsd, str(good), str(warned)]) == 0
    assert main(["validate", *xsd, "--strict", str(good)]) == 0
    assert main(["validate", *xsd, "--strict", str(warned)]) == 1
    assert main(["validate", *xsd, str(good), str(bad)]) == 1
    capsys.readouterr()
    assert main(["validate", "--json", "--verify", *xsd, str(good), str(bad)]) == 1
    reports = json.loads(capsys.readouterr().out)
    assert [set(r) for r in reports] == [{"source", "ok", "version", "checked", "rescored", "issues"}] * 2
    assert [r["ok"] for r in reports] == [True, False]
    assert [r["rescored"] for r in reports] == [0, 0]  # neither embeds rows; the bad one cannot load
    if xsd:
        assert reports[0]["checked"] == xsd[1]
    assert main(["validate"]) == 2
    assert "FILE" in capsys.readouterr().err


def test_readme_rule_table_is_current() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert rules.markdown() in readme, "README's rule table is stale: paste pmmlkit.validation.rules.markdown()"


@pytest.mark.parametrize("text, read", [
    ("4", 4.0), (" 1.5 ", 1.5), ("-2e3", -2000.0), ("INF", math.inf), ("4.25f", 4.25), ("7D", 7.0), (b"2", 2.0),
    ("4_0", None), ("\u0664", None), ("\uff14", None), ("1e", None), ("abc", None), ("f", None), ("", None),
])
def test_numbers_are_read_as_java_reads_them(text: str | bytes, read: float | None) -> None:
    """The rules read numbers as both engines do (Double.parseDouble): Python's digit-group
    underscores and other scripts' digits are not numbers; a Java type suffix is."""
    from pmmlkit.validation.vocabulary import number

    assert number(text) == read
