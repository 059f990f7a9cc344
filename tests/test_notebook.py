"""The notebooks in notebooks/ run top to bottom on a kernel of this test's own Python."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "quickstart.ipynb"
INSPECT_NOTEBOOK = ROOT / "notebooks" / "inspect.ipynb"
KERNEL = "pmmlkit-tests"


@pytest.fixture
def kernel_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernelspec that runs ipykernel on sys.executable, found first through JUPYTER_PATH,
    so a `python3` kernel installed elsewhere on the machine cannot be picked instead."""
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "pmmlkit tests",
        "language": "python",
    }))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return KERNEL


def _run(path: Path, work: Path, kernel_name: str):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    work.mkdir()
    client = NotebookClient(notebook, timeout=300, kernel_name=kernel_name,
                            resources={"metadata": {"path": str(work)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    return notebook


def test_quickstart_notebook_runs(tmp_path: Path, kernel_name: str):
    work = tmp_path / "work"
    notebook = _run(NOTEBOOK, work, kernel_name)
    text = "\n".join(_text(o) for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "verified: True rows: 178" in text
    assert "predicted_cultivar" in text
    assert (work / "wine.pmml").is_file()


def test_inspect_notebook_runs(tmp_path: Path, kernel_name: str):
    work = tmp_path / "work"
    notebook = _run(INSPECT_NOTEBOOK, work, kernel_name)
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    text = "\n".join(_text(o) for o in outputs)
    cards = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    # The document and the loaded model show as summary cards listing the inputs.
    assert len([c for c in cards if "pmmlkit-summary" in c and "<td>bmi</td>" in c]) == 2
    assert "model:    MiningModel (regression)" in text and "trees 30" in text
    assert "most important:" in text and "equals scikit-learn: True" in text
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the importance picture
    assert (work / "importance.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "inputs removed: ['s4']" in text and "interface changed: True" in text
    assert "adds up: True" in text
    assert text.count("strongest: contribution(") == 3


@pytest.mark.parametrize("path", [NOTEBOOK, INSPECT_NOTEBOOK], ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path: Path):
    # Outputs hold machine-specific paths and timings; the committed notebook stays clean.
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")


def _text(output: dict) -> str:
    if "text" in output:
        return output["text"]
    data = output.get("data", {})
    return data.get("text/plain", "")
