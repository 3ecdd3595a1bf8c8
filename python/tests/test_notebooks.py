"""The example notebooks (examples/*.ipynb), executed headless as a user runs them (nbclient,
Debian's ipykernel on /usr/bin/python3), then rendered to HTML (nbconvert) and opened in
headless Chromium: the explorer shown inline in the notebook answers a hover with the cell the
explanation's own nnf.npy holds."""

import json
import os

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from selenium.webdriver.common.by import By

from conftest import CLI, SOURCE_DIR
from test_explorer import browser, click_cell, console_errors  # noqa: F401 (a fixture)

EXAMPLES = os.path.join(SOURCE_DIR, "examples")


def execute(name, work, monkeypatch):
    """Runs examples/NAME in `work`; returns the executed notebook."""
    monkeypatch.setenv("COMPNN_CLI", CLI)
    monkeypatch.setenv("COMPNN_EXAMPLE_DIR", str(work))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    python_dir = os.path.dirname(os.path.dirname(os.path.abspath(__import__("compnn").__file__)))
    monkeypatch.setenv("PYTHONPATH", python_dir)
    nb = nbformat.read(os.path.join(EXAMPLES, name), as_version=4)
    # The repository keeps notebooks without outputs, so that they never hold stale results.
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), name
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": EXAMPLES}}).execute()
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", output
    return nb


def test_torchvision_notebook_runs_and_its_inline_explorer_answers_hovers(
        browser, tmp_path, monkeypatch):  # noqa: F811
    nb = execute("torchvision-hooks.ipynb", tmp_path / "work", monkeypatch)
    inline = [o for c in nb.cells for o in c.get("outputs", [])
              if "text/html" in o.get("data", {}) and "compnn-explorer" in o["data"]["text/html"]]
    assert len(inline) == 2  # the Explanation, and the Explorer of both queries
    page = tmp_path / "notebook.html"
    body, _ = HTMLExporter().from_notebook_node(nb)
    page.write_text(body)

    saved = tmp_path / "work" / "scene_val_0000"
    nnf = np.load(saved / "nnf.npy")
    names = json.loads((saved / "summary.json").read_text())
    browser.get(page.resolve().as_uri())
    frames = browser.find_elements(By.CSS_SELECTOR, "iframe.compnn-explorer")
    assert len(frames) == 2
    # The second: the Explorer of both queries, the first shown.
    browser.execute_script("arguments[0].scrollIntoView()", frames[1])
    browser.switch_to.frame(frames[1])
    try:
        y, x = 20, 30
        shown = click_cell(browser, y, x, nnf.shape[:2])
        assert shown["query"] == "scene_val_0000"
        assert (shown["query-y"], shown["query-x"]) == (str(y), str(x))
        assert (shown["y"], shown["x"]) == (str(nnf[y, x, 1]), str(nnf[y, x, 2]))
        assert shown["image"] in {s["image"] for s in names["sources"]}
    finally:
        browser.switch_to.default_content()
    # nbconvert's page asks for require.js from the Jupyter install, absent here; the explorer
    # itself reports nothing.
    assert [e for e in console_errors(browser) if "require" not in e["message"]] == []


def test_facades_notebook_runs_the_whole_workflow_and_shows_each_result(tmp_path, monkeypatch):
    pytest.importorskip("pandas")  # its last cell shows a DataFrame
    pytest.importorskip("markdown")  # the table shows as HTML
    nb = execute("facades.ipynb", tmp_path / "work", monkeypatch)
    shown = [o["data"]["text/html"] for c in nb.cells for o in c.get("outputs", [])
             if "text/html" in o.get("data", {})]
    assert sum("compnn-explorer" in h for h in shown) == 1  # the explanation
    figures = [h for h in shown if h.startswith("<figure><img src=\"data:image/png;base64,")]
    assert len(figures) == 2  # the sweep's and the control's
    tables = [h for h in shown if "<table>" in h and "IR (top 16)" in h]
    assert tables  # the paper's Table 2 rows, as a table
    assert any("dataframe" in h for h in shown)  # and as a DataFrame
    control = json.loads((tmp_path / "work" / "control" / "facade_val_0000" /
                          "summary.json").read_text())
    assert [d["database"] for d in control["databases"]] == [
        "all training images", "wall_colour=red", "wall_colour=grey"]
    # Each restricted database pastes only its own facades.
    meta = {}
    for line in (tmp_path / "work" / "facades" / "meta.jsonl").read_text().splitlines():
        record = json.loads(line)
        meta[record["name"]] = record
    for database, colour in zip(control["databases"][1:], ("red", "grey")):
        assert database["used_images"]
        assert all(meta[name]["wall_colour"] == colour for name in database["used_images"])


CAMVID = os.environ.get("COMPNN_CAMVID",
                        os.path.join(SOURCE_DIR, "..", "shared", "datasets", "camvid"))


@pytest.mark.skipif(not os.path.isdir(os.path.join(CAMVID, "trainannot")),
                    reason="CamVid (SegNet's copy) is not at hand")
def test_camvid_notebook_measures_credibility_and_draws_its_map(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPNN_CAMVID", CAMVID)
    nb = execute("camvid-credibility.ipynb", tmp_path / "work", monkeypatch)
    shown = [o["data"]["text/html"] for c in nb.cells for o in c.get("outputs", [])
             if "text/html" in o.get("data", {})]
    assert any("credibility x max probability" in h and "<table>" in h for h in shown)
    assert sum("compnn-explorer" in h for h in shown) == 1
    assert any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    record = json.loads((tmp_path / "work" / "credibility" / "credibility.json").read_text())
    assert record["evaluated"]["images"] == 40 and record["calibration"]["images"] == 20
    # Calibrated p-values: the share of true classes at most each level stays near the level.
    check = record["calibration_check"]
    for level, share in zip(check["levels"], check["true_class_at_most"]):
        assert share <= level + 0.2
