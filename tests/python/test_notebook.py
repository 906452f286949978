"""notebooks/analysis.ipynb runs headless, cell by cell, against a small run.

nbclient raises on the first failing cell, naming it. The run is made with
--trajectories so the notebook's optional last section runs too.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from test_outputs import BIN, ROOT

NOTEBOOK = ROOT / "notebooks" / "analysis.ipynb"


def test_notebook_executes_every_cell(tmp_path, monkeypatch):
    out = tmp_path / "results"
    subprocess.run(
        [str(BIN), "run", str(ROOT / "configs" / "baseline.toml"), "--runs", "200", "--out",
         str(out), "--quiet", "--no-charts", "--trajectories"],
        check=True,
        cwd=ROOT,
    )
    monkeypatch.setenv("FASTLAKARE_RESULTS", str(out))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    images = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs
        if "image/png" in o.get("data", {})
    ]
    assert len(images) >= 4, "fan chart, probability, parameters, trajectories"
    text = json.dumps([c.outputs for c in nb.cells if c.cell_type == "code"])
    assert "no trajectories/ here" not in text


def test_committed_notebook_is_small():
    size = NOTEBOOK.stat().st_size
    assert size < 300_000, f"{NOTEBOOK.name} is {size} bytes: clear its outputs before committing"
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert len(json.dumps(cell.outputs)) < 200_000, "a large output is committed"
