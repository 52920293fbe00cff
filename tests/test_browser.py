"""A real JupyterLab in a real browser: %etl_graph renders the step graph as an
SVG, a run-but-unsaved edit is refused, `%etl_deploy --now` and the %etl_deploy
panel deploy to the session's local Prefect server (the panel's status line says
what happens while the local server starts), and the schedule chosen in the
panel survives saving the notebook and a later `etlnb deploy` from the CLI.

Needs jupyterlab, ipywidgets, the playwright package and Chromium at
/usr/bin/chromium (no browser download: Playwright drives the system
Chromium; ./scripts/test installs Debian's chromium). A missing piece fails the
test: it is never skipped. Screenshots go to the test's tmp_path.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote

import ipywidgets  # noqa: F401 - required: the deploy panel
import jupyterlab  # noqa: F401 - required: the lab under test
import pytest
from playwright import sync_api

from .jupyterlab_fixtures import Lab, close_folder, describe, kernel_processes

pytestmark = [pytest.mark.integration]


@pytest.fixture
def jupyter_lab(session_lab, request):
    """The session's JupyterLab (tests/jupyterlab_fixtures.py), with a folder of this test's own holding a copy
    of notebooks/weather; its kernels deploy to the session's Prefect server and are shut down at the end."""
    lab = session_lab.folder(f"browser-{request.node.name}")
    try:
        # the token is required: without it the API refuses
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{lab.url}/api/status", timeout=5)
        assert refused.value.code == 403
        specs = lab.api("/api/kernelspecs")
        assert "python3" in specs["kernelspecs"], specs
        yield lab
    finally:
        close_folder(lab)


# -- the browser ---------------------------------------------------------------------------------------------------

CELLS = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell"


class Shots:
    """Screenshots under tmp_path: one per checkpoint, and one named after any step that fails."""

    def __init__(self, page, folder: Path):
        self.page, self.folder, self.taken = page, folder, []

    def take(self, name: str) -> Path:
        path = self.folder / f"{name}.png"
        self.page.screenshot(path=str(path))
        self.taken.append(path)
        return path

    @contextmanager
    def step(self, name: str):
        try:
            yield
        except Exception as exc:
            try:
                shot = self.take(f"FAILED-{name}")
            except Exception as shot_exc:
                shot = f"(no screenshot: {shot_exc})"
            raise AssertionError(f"{name}: {type(exc).__name__}: {exc}\nscreenshot: {shot}") from exc


def _wait_idle(page, timeout: float) -> None:
    """Every code cell has run: no `[*]` and no empty prompt left."""
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim()));
        }""",
        timeout=timeout * 1000,
    )


def _add_cell_and_run(page, source: str, timeout: float = 60):
    """Append a code cell below the last one, type `source`, run it in place (Ctrl+Enter) and wait until
    it has run; return the cell's locator."""
    cells = page.locator(CELLS)
    count = cells.count()
    cells.nth(count - 1).locator(".jp-InputPrompt").click()  # select the last cell
    page.keyboard.press("Escape")  # command mode
    page.keyboard.press("b")  # insert a cell below
    cell = cells.nth(count)
    cell.wait_for()
    cell.locator(".cm-content").click()
    for i, line in enumerate(source.splitlines()):
        if i:
            page.keyboard.press("Enter")
        page.keyboard.type(line)
    assert cell.locator(".cm-content").inner_text() == source
    page.keyboard.press("Control+Enter")
    sync_api.expect(cell.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]:"), timeout=timeout * 1000)
    return cell


def _shows(cell, target, timeout: float = 10) -> None:
    """`target` appears in the cell (rendering may lag the kernel a little); else say what the cell shows."""
    try:
        target.first.wait_for(timeout=timeout * 1000)
    except sync_api.Error:
        shown = cell.locator(".jp-OutputArea").inner_text() if cell.locator(".jp-OutputArea").count() else ""
        raise AssertionError(f"{target} did not appear; the cell's output:\n{shown}") from None


def _save(page, notebook: Path, expect: str) -> None:
    """Ctrl+S, and the file on disk has `expect`."""
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 15
    while expect not in notebook.read_text():
        assert time.monotonic() < deadline, f"Ctrl+S did not save the notebook with {expect!r}"
        time.sleep(0.2)


def test_graph_and_deploy_in_jupyterlab(jupyter_lab, browser, prefect_server, tmp_path):
    lab = jupyter_lab
    notebook = lab.root / "weather" / "weather.ipynb"
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.set_default_timeout(30_000)
        shots = Shots(page, tmp_path)

        with shots.step("open"):
            page.goto(lab.tree("weather/weather.ipynb"))
            page.locator(CELLS).nth(8).wait_for(timeout=60_000)

        with shots.step("run-all"):
            # "Run All Cells" does nothing until the kernel is connected (slow on a loaded machine)
            sync_api.expect(page.locator(".jp-StatusBar-Widget", has_text="Idle").first).to_be_visible(timeout=60_000)
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-item:visible", has_text="Run All Cells").first.click()
            _wait_idle(page, timeout=60)
            outputs = page.locator(CELLS).nth(7).locator(".jp-OutputArea-output")
            assert "loaded 9 rows for 3 cities" in outputs.inner_text()
            assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
            # the notebook's kernel is the venv's python3 kernel, started by this server
            sessions = lab.sessions()
            assert [(s["path"], s["kernel"]["name"]) for s in sessions] == [
                (lab.path("weather/weather.ipynb"), "python3")
            ]
            kernels = kernel_processes(lab)
            assert [k.cmdline()[0] for k in kernels] == [sys.executable], describe(kernels)

        with shots.step("graph"):
            cell = _add_cell_and_run(page, "%load_ext etlnb\n%etl_graph")
            mermaid = cell.locator(".jp-OutputArea .jp-RenderedMermaid")
            image = mermaid.locator("figure img")
            _shows(cell, image)
            assert "jp-mod-warning" not in (mermaid.get_attribute("class") or ""), mermaid.inner_text()
            src = image.get_attribute("src")
            assert src.startswith("data:image/svg+xml,"), src[:80]
            svg = unquote(src.partition(",")[2])
            root_tag = re.search(r"<svg\b[^>]*>", svg)
            assert root_tag and 'aria-roledescription="flowchart' in root_tag.group(), svg[:300]
            assert svg.rstrip().endswith("</svg>")
            for step in ("extract_raw_data", "transform_clean_data", "cell 8 [load]"):
                assert step in svg, f"{step} not in the rendered SVG"
            # the browser decoded and laid out the SVG
            assert image.evaluate("img => img.complete && img.naturalWidth > 0 && img.naturalHeight > 0")
            assert image.bounding_box()["height"] > 100
            image.scroll_into_view_if_needed()
            shots.take("graph")

        with shots.step("unsaved-edit"):
            # edit the load cell and run it without saving: the magics refuse to compile a stale file
            load = page.locator(CELLS).nth(7)
            prompt = load.locator(".jp-InputPrompt")
            before = prompt.inner_text()
            load.locator(".cm-content").click()
            page.keyboard.press("Control+End")
            page.keyboard.press("Enter")
            page.keyboard.type("# edited in the browser")
            page.keyboard.press("Control+Enter")
            sync_api.expect(prompt).not_to_have_text(before)
            sync_api.expect(prompt).to_have_text(re.compile(r"\[\d+\]:"))
            cell = _add_cell_and_run(page, "%etl_deploy --now --unverified")
            error = cell.locator(".jp-OutputArea")
            sync_api.expect(error).to_contain_text("was changed and run but not saved: save the notebook (Ctrl+S)")
            shown = error.inner_text()
            assert shown.count("was changed and run but not saved") == 1, f"the error is shown more than once:\n{shown}"
            assert cell.locator(".etlnb-deploy-summary").count() == 0
            error.scroll_into_view_if_needed()
            shots.take("unsaved-edit")

        with shots.step("deploy-now"):
            _save(page, notebook, "# edited in the browser")  # %etl_deploy compiles what is on disk
            cell = _add_cell_and_run(page, "%etl_deploy --now --unverified", timeout=90)
            summary = cell.locator(".jp-OutputArea-output .etlnb-deploy-summary")
            _shows(cell, summary)
            _check_summary(summary, prefect_server, lab)
            text = cell.locator(".jp-OutputArea").inner_text()
            for step in ("compile: ok", "check: ok", "upload: ok", "register: ok"):
                assert step in text, text
            summary.scroll_into_view_if_needed()
            shots.take("deploy-now")

        with shots.step("deploy-panel"):
            # the local server's start takes a while on first use; the session's server is running,
            # so make `ensure` say what the real one says and take a few seconds (then the real one)
            _add_cell_and_run(
                page,
                "import os, sys, time, etlnb.local.server as s\n"
                "real = s.ensure\n"
                "say = lambda: print('starting the local Prefect server at ' + s.default_server().url, file=sys.stderr)\n"
                "s.ensure = lambda *a, **k: (say(), time.sleep(6), real(*a, **k))[-1]\n"
                "os.environ.pop('PREFECT_API_URL', None)",
            )
            cell = _add_cell_and_run(page, "%etl_deploy")
            panel = cell.locator(".jp-OutputArea .jupyter-widgets.widget-vbox")
            _shows(cell, panel)
            panel = panel.first
            button = panel.locator("button", has_text="Deploy")
            assert panel.locator(".widget-text input").first.input_value() == "weather"
            for label in ("name", "retries", "tags", "schedule"):
                assert panel.locator(".widget-label", has_text=label).first.is_visible(), label
            assert not panel.locator(".widget-label", has_text="image").first.is_visible()  # process pool
            panel.locator(".widget-text", has_text="schedule").locator("input").fill("0 6 * * *")
            sync_api.expect(panel).to_contain_text("in UTC")
            # this content has no passing parity: the panel says so, and deploying needs the box ticked
            sync_api.expect(panel.locator(".etlnb-verified")).to_contain_text("is not verified")
            panel.locator(".widget-checkbox input").check()
            button.click()
            status = panel.locator(".etlnb-deploy-status")
            sync_api.expect(status).to_contain_text("starting the local Prefect server", timeout=5_000)
            sync_api.expect(status).to_contain_text(re.compile(r"check.*\([1-9]\d*s\)"), timeout=5_000)
            shots.take("deploy-panel-server-starting")
            done = panel.locator(".etlnb-deploy-summary, .etlnb-deploy-error")
            done.first.wait_for(timeout=90_000)
            assert panel.locator(".etlnb-deploy-error").count() == 0, panel.inner_text()
            summary = panel.locator(".etlnb-deploy-summary")
            _check_summary(summary, prefect_server, lab)
            assert "deployed" in panel.inner_text()
            bar = panel.locator(".widget-hprogress .progress-bar")
            assert bar.evaluate("b => b.style.width") == "100%"  # compile, check, upload, register
            assert "progress-bar-success" in (bar.get_attribute("class") or "")
            link = summary.locator("a")
            colour = link.evaluate("a => getComputedStyle(a).color")
            body = summary.evaluate("e => getComputedStyle(e.closest('.jp-OutputArea')).color")
            assert colour != body and link.evaluate("a => getComputedStyle(a).textDecorationLine") == "underline"
            worker = panel.locator(".etlnb-worker-status")
            sync_api.expect(worker).to_contain_text(re.compile(r"served by|etlnb worker start --pool etlnb-local"))
            sync_api.expect(panel.locator(".etlnb-settings-sync")).to_contain_text(
                "the open notebook has these settings too"
            )
            summary.scroll_into_view_if_needed()
            shots.take("deploy-panel")

        with shots.step("panel-settings-kept"):
            assert json.loads(notebook.read_text())["metadata"]["etlnb"]["schedule"] == "0 6 * * *"
            # JupyterLab's copy is saved over the file etlnb wrote: its "File Changed" question may come
            page.keyboard.press("Escape")
            page.keyboard.press("Control+s")
            overwrite = page.locator(".jp-Dialog button", has_text="Overwrite")
            try:
                overwrite.wait_for(timeout=5_000)
                overwrite.click()
            except sync_api.Error:
                pass
            deadline = time.monotonic() + 15
            while "%etl_deploy --now" not in notebook.read_text():  # the lab's copy is on disk
                assert time.monotonic() < deadline, "the notebook was not saved"
                time.sleep(0.2)
            saved = json.loads(notebook.read_text())
            assert saved["metadata"]["etlnb"] == {"schedule": "0 6 * * *"}, saved["metadata"]
            env = dict(os.environ, ETLNB_HOME=str(prefect_server.home), ETLNB_SERVER_PORT=str(prefect_server.port))
            env.pop("PREFECT_API_URL", None)
            done = subprocess.run(
                [sys.executable, "-m", "etlnb", "deploy", str(notebook), "--unverified"],
                cwd=lab.root,
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
            )
            assert done.returncode == 0, done.stderr
            with urllib.request.urlopen(
                f"{prefect_server.api_url}/deployments/name/weather/weather", timeout=10
            ) as response:
                live = json.load(response)
            assert [s["schedule"].get("cron") for s in live["schedules"]] == ["0 6 * * *"], live["schedules"]
            built = (lab.root / "build" / "weather" / "prefect.yaml").read_text()
            assert '- cron: "0 6 * * *"' in built, built
        print("screenshots:", *shots.taken, sep="\n  ")
    finally:
        page.close()


def _check_summary(summary, prefect_server, lab: Lab) -> None:
    """The deploy summary names weather/weather and links to the deployment on the session's server,
    and that deployment exists there with the code stored in the lab's copy of the project."""
    text = summary.inner_text()
    assert "weather/weather" in text, text
    link = summary.locator("a")
    href = link.get_attribute("href")
    prefix = f"{prefect_server.url}/deployments/deployment/"
    assert href.startswith(prefix), href
    assert link.inner_text() == href
    deployment_id = href.removeprefix(prefix)
    assert deployment_id in text
    with urllib.request.urlopen(f"{prefect_server.api_url}/deployments/{deployment_id}", timeout=10) as response:
        deployment = json.load(response)
    assert deployment["name"] == "weather" and deployment["work_pool_name"] == "etlnb-local", deployment
    assert deployment["version"] in text
    assert str(lab.root / "weather" / ".etlnb" / "storage") in text, text
