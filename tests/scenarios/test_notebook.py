"""The example notebook runs top to bottom in a real Jupyter kernel and draws its figures."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).parents[2] / "examples" / "notebook.ipynb"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory):
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")  # jupyter_core's own deprecation
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    folder = tmp_path_factory.mktemp("notebook")  # the kernel's working folder
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": folder}}
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    assert not any(folder.iterdir()), "the notebook wrote files into its working folder"
    return notebook


def _images(cell: nbformat.NotebookNode) -> list[bytes]:
    return [
        base64.b64decode(out["data"]["image/png"])
        for out in cell.get("outputs", [])
        if out["output_type"] == "display_data" and "image/png" in out.get("data", {})
    ]


def test_every_figure_cell_draws_a_png_inline(executed):
    figures = [c for c in executed.cells if "figure" in c.metadata.get("tags", [])]
    sources = " ".join(c.source for c in figures)
    for drawer in ("draw_traffic_share", "draw_metric", "draw_regret", "draw_ab_analysis"):
        assert drawer in sources  # a scenario, an evaluation and an A/B analysis
    for cell in figures:
        images = _images(cell)
        assert len(images) == 1, cell.source
        assert images[0].startswith(PNG)
        assert len(images[0]) > 10_000, f"{cell.source}: an empty-looking image"


def test_the_frames_are_shown_as_tables(executed):
    tables = [
        out
        for cell in executed.cells
        for out in cell.get("outputs", [])
        if out["output_type"] == "execute_result" and "text/html" in out.get("data", {})
    ]
    assert len(tables) == 3  # the run, the evaluation and the A/B analysis
    assert "cumulative_regret" in tables[0]["data"]["text/html"]
    assert "oracle-per-prompt" in tables[1]["data"]["text/html"]
    assert "quality_score" in tables[2]["data"]["text/html"]


def test_the_notebook_keeps_its_own_backend(executed):
    last = executed.cells[-1]["outputs"][0]["text"]
    assert "backend: inline" in last or "matplotlib_inline" in last
    assert "agg" not in last.lower().replace("backend: inline", "")
