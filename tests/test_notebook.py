"""The notebook cleans up after itself: its store and report live in a temporary folder
that goes when the kernel stops. (``--nbmake`` runs it as a test of its own; this run
points the kernel's temporary folder at a fresh one to see what is left in it.)"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).parent.parent / "notebooks" / "explore.ipynb"

pytestmark = pytest.mark.slow


def test_notebook_leaves_nothing_behind_in_the_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the kernel's, inherited
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    printed = "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                      for output in cell.get("outputs", []))
    assert f"wrote {tmp_path}" in printed  # the report was written in the folder watched here
    assert list(tmp_path.iterdir()) == []
