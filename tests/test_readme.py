"""The README stays true: its coverage table matches the registry, and its Python examples run."""

from __future__ import annotations

import difflib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pmmlkit import coverage

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# A code block runs in this test when the line before its fence is this marker.
MARKER = "<!-- readme-test -->"
BLOCK = re.compile(re.escape(MARKER) + r"\n```python\n(.*?)\n```", re.DOTALL)


def examples(text: str) -> list[str]:
    return BLOCK.findall(text)


def test_coverage_table_is_current():
    text = README.read_text(encoding="utf-8")
    start, end = coverage.section(text)
    current = text[start:end].strip().splitlines()
    generated = coverage.table().strip().splitlines()
    diff = "\n".join(difflib.unified_diff(current, generated, "README.md", "registry", lineterm=""))
    assert coverage.is_current(text), (
        "README.md's coverage table differs from the converter registry: "
        f"run `.venv/bin/python -m pmmlkit.coverage --write README.md`\n{diff}"
    )


def test_coverage_table_lists_the_core_converters():
    table = coverage.table()
    for name in ("Pipeline", "StandardScaler", "LogisticRegression"):
        assert f"`{name}`" in table


def test_readme_opens_with_the_two_commands():
    head = README.read_text(encoding="utf-8")[:400]
    assert "make demo" in head and "make test" in head


def test_python_examples_run(tmp_path):
    blocks = examples(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 4, "the README's marked Python examples were not found"
    # All blocks in order, as one script: later examples use what earlier ones made.
    script = tmp_path / "readme_examples.py"
    script.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"README examples failed:\n{result.stdout}\n{result.stderr}"
    out = result.stdout
    assert "['predicted_species', 'probability_0', 'probability_1', 'probability_2']" in out
    assert "True 150" in out
    assert "has no PMML converter" in out
    assert "no such file" in out
    # The load-gate example's comment shows the message as printed, line number included.
    shown = re.search(r"print\(exc\)   # (<string>: line \d+: classification target 'species' is continuous)",
                      README.read_text(encoding="utf-8"))
    assert shown and shown.group(1) in out, out
    assert (tmp_path / "iris.pmml").is_file()


def test_coverage_render_is_idempotent_and_needs_markers():
    readme = f"intro\n{coverage.START}\nold table\n{coverage.END}\noutro\n"
    once = coverage.render(readme, "| new |\n")
    assert once == f"intro\n{coverage.START}\n| new |\n{coverage.END}\noutro\n"
    assert coverage.render(once, "| new |\n") == once
    with pytest.raises(ValueError, match="coverage:start"):
        coverage.render("no markers here", "| new |\n")
