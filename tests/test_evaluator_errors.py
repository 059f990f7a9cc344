"""pmmlkit.load / predict on bad input: PMMLError subclasses with clear messages, never Java stack traces."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from documents import LINEAR

import pmmlkit
from pmmlkit.errors import EvaluationError, JavaNotFoundError, PMMLError, ValidationError

ROOT = Path(__file__).resolve().parent.parent



def deep_tree(levels: int) -> bytes:
    """A TreeModel whose nodes are nested ``levels`` deep."""
    head = ('<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/><DataDictionary>'
            '<DataField name="x" optype="continuous" dataType="double"/>'
            '<DataField name="y" optype="continuous" dataType="double"/></DataDictionary>'
            '<TreeModel functionName="regression" noTrueChildStrategy="returnLastPrediction"><MiningSchema>'
            '<MiningField name="y" usageType="target"/>'
            '<MiningField name="x"/></MiningSchema><Node score="0"><True/>')
    body = "".join(f'<Node score="{i}"><SimplePredicate field="x" operator="greaterThan" value="{i}"/>'
                   for i in range(levels))
    return (head + body + "</Node>" * levels + "</Node></TreeModel></PMML>").encode()


def assert_clear(error: BaseException, *fragments: str) -> None:
    message = str(error)
    assert "\n\tat " not in message and "at org." not in message and "Traceback" not in message, message
    assert "java.lang." not in message, message
    for fragment in fragments:
        assert fragment in message, message


def test_good_document_scores() -> None:
    model = pmmlkit.load(LINEAR)
    assert model.predict({"x": 2.0}) == {"predicted_y": 4.5}


@pytest.mark.parametrize("source, error, fragments", [
    (LINEAR[: len(LINEAR) // 2].encode(), ValidationError, ("not well-formed XML",)),
    (b"", ValidationError, ("empty",)),
    (b"a,b\n1,2\n", ValidationError, ("not well-formed XML",)),
    (b"<model><x/></model>", ValidationError, ("not <PMML>",)),
    (LINEAR.replace("<Header/>", "").encode(), ValidationError, ("no <Header>", "[missing-header]")),
    (b'<?xml version="1.0"?>\n<!DOCTYPE PMML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n' + LINEAR.replace(
        "<Header/>", '<Header description="&xxe;"/>').encode(), ValidationError, ("DOCTYPE",)),
    (b'<?xml version="1.0"?>\n<!DOCTYPE PMML [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
     + LINEAR.replace("<Header/>", '<Header description="&b;"/>').encode(), ValidationError, ("DOCTYPE",)),
])
def test_bad_documents(source: bytes, error: type, fragments: tuple[str, ...]) -> None:
    with pytest.raises(error) as caught:
        pmmlkit.load(source)
    assert_clear(caught.value, *fragments)
    assert "root:" not in str(caught.value)  # /etc/passwd was not read


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PMMLError) as caught:
        pmmlkit.load(tmp_path / "absent.pmml")
    assert_clear(caught.value, "absent.pmml", "no such file")


def test_missing_input_column() -> None:
    model = pmmlkit.load(LINEAR)
    with pytest.raises(EvaluationError) as caught:
        model.predict(pd.DataFrame({"z": [1.0]}))
    assert_clear(caught.value, "'x'", "missing")


def test_twenty_thousand_level_tree_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        pmmlkit.load(deep_tree(20_000))
    assert_clear(caught.value, "nested too deeply")


def test_deep_but_readable_tree_scores() -> None:
    # 2,000 levels is below the parser's limit: the engine must score it without a stack overflow.
    model = pmmlkit.load(deep_tree(2_000))
    assert model.predict({"x": 10_000.0})["predicted_y"] == 1999.0


def _scrubbed_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("JAVA_HOME", "JDK_HOME", "JRE_HOME", "PATH", "CLASSPATH")}
    env["JAVA_HOME"] = str(tmp_path / "no-java-here")
    env["PATH"] = str(tmp_path / "empty-bin")
    (tmp_path / "empty-bin").mkdir(exist_ok=True)
    return env


def test_java_not_found(tmp_path: Path) -> None:
    # The JVM starts once per process, so this runs in a fresh interpreter without any Java.
    (tmp_path / "model.pmml").write_text(LINEAR)
    script = textwrap.dedent("""
        import sys, pmmlkit
        try:
            pmmlkit.load(sys.argv[1])
        except pmmlkit.JavaNotFoundError as exc:
            print("JavaNotFoundError:", exc)
    """)
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "model.pmml")], env=_scrubbed_env(tmp_path),
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("JavaNotFoundError:"), done.stdout + done.stderr
    assert "JAVA_HOME" in done.stdout and "install" in done.stdout.lower()
    assert issubclass(JavaNotFoundError, EvaluationError)


def test_java_not_found_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "model.pmml").write_text(LINEAR)
    (tmp_path / "in.csv").write_text("x\n1\n")
    done = subprocess.run([sys.executable, "-m", "pmmlkit", "score", "model.pmml", "in.csv"],
                          env=_scrubbed_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert done.stderr.startswith("pmmlkit: error: no Java runtime found"), done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
