"""notebooks/quickstart.ipynb runs top to bottom on a kernel of this test's own Python."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "quickstart.ipynb"
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


def test_quickstart_notebook_runs(tmp_path: Path, kernel_name: str):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    work = tmp_path / "work"
    work.mkdir()
    client = NotebookClient(notebook, timeout=300, kernel_name=kernel_name,
                            resources={"metadata": {"path": str(work)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error

    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    text = "\n".join(_text(o) for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "verified: True rows: 178" in text
    assert "predicted_cultivar" in text
    assert (work / "wine.pmml").is_file()


def test_notebook_is_committed_without_outputs():
    # Outputs hold machine-specific paths and timings; the committed notebook stays clean.
    import nbformat

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")


def _text(output: dict) -> str:
    if "text" in output:
        return output["text"]
    data = output.get("data", {})
    return data.get("text/plain", "")
