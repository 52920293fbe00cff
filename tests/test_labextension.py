"""etlnb's JupyterLab extension in a real JupyterLab and Debian's Chromium: role badges match the
tags, the role picker writes the saved tags, a hidden-state mistake is marked on the right cell,
the Graph's nodes select their cells, Run on samples shows each step, and Deploy from the side
panel registers the deployment on the session's Prefect server and links to a working flow-run page.

The lab is the session's (tests/jupyterlab_fixtures.py): the extension is the one built from
labextension/ (scripts/setup builds it into etlnb/labextension), found with the server extension's
config in private Jupyter dirs, as an installed wheel puts them in the environment's share/jupyter and
etc/jupyter. Screenshots of each state go to build/test-artifacts/labextension/ (kept after the run:
CI uploads them).
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from pathlib import Path

import pytest
from playwright import sync_api

from .conftest import REPO, copy_project
from .jupyterlab_fixtures import WEATHER, close_folder

SHOTS = REPO / "build" / "test-artifacts" / "labextension"
CELLS = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell"

pytestmark = [pytest.mark.integration]


@pytest.fixture(scope="module")
def lab(session_lab):
    """The session's JupyterLab (tests/jupyterlab_fixtures.py), with a folder of this module's own holding a
    copy of notebooks/weather; the tests here share it, in order. Its kernels are shut down at the end."""
    lab = session_lab.folder("labextension")
    copy_project(WEATHER, lab.root / "weather1")  # target = "prefect1"
    (lab.root / "weather1" / "etlnb.toml").write_text('target = "prefect1"\n')
    try:
        yield lab
    finally:
        close_folder(lab)


class Page:
    """A JupyterLab tab with a notebook open; `shot(name)` writes SHOTS/<test>/<name>.png."""

    def __init__(self, page, folder: Path):
        self.page, self.folder = page, folder

    def shot(self, name: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def cell(self, index: int):
        return self.page.locator(CELLS).nth(index)

    def panel(self):
        """The etlnb side panel, opened from its tab in the left sidebar."""
        panel = self.page.locator("#etlnb-panel")
        if not panel.is_visible():
            self.page.locator(".jp-SideBar.jp-mod-left [data-id='etlnb-panel']").click()
        sync_api.expect(panel).to_be_visible()
        return panel

    def active_cell_index(self) -> int:
        return self.page.evaluate(
            "() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')]"
            ".findIndex(c => c.classList.contains('jp-mod-active'))"
        )


@pytest.fixture
def open_notebook(lab, browser, request):
    pages = []

    def open_(path: str) -> Page:
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.set_default_timeout(30_000)
        pages.append(page)
        page.goto(lab.tree(path))  # a fresh workspace: no tabs of earlier tests
        page.locator(CELLS).nth(8).wait_for(timeout=60_000)
        return Page(page, SHOTS / request.node.name)

    yield open_
    for page in pages:
        try:
            Page(page, SHOTS / request.node.name).shot("last")
        finally:
            page.close()


def _tags_on_disk(notebook: Path) -> list[list[str] | None]:
    return [c["metadata"].get("tags") for c in json.loads(notebook.read_text())["cells"]]


def _wait_saved(notebook: Path, index: int, tags: list[str] | None) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            found = _tags_on_disk(notebook)[index]
        except json.JSONDecodeError:  # caught mid-write
            found = "(being written)"
        if found == tags:
            return
        assert time.monotonic() < deadline, f"cell {index} saved with tags {found}, not {tags}"
        time.sleep(0.2)


def test_badges_show_roles_and_names_and_the_picker_writes_saved_tags(lab, open_notebook):
    notebook = lab.root / "weather" / "weather.ipynb"
    ui = open_notebook("weather/weather.ipynb")
    page = ui.page
    expected = [
        "untagged"
        if c["cell_type"] == "code" and not c["metadata"].get("tags")
        else (c["metadata"].get("tags") or [None])[0]
        for c in json.loads(notebook.read_text())["cells"]
    ]
    for index, role in enumerate(expected):
        badge = ui.cell(index).locator(".etlnb-badge")
        if role is None:  # markdown: no badge
            assert badge.count() == 0
            continue
        sync_api.expect(badge).to_have_text(role)
        assert f"etlnb-role-{role}" in badge.get_attribute("class")
    # names as etlnb's analysis of the saved file gives them; the mapped line is marked
    extract = ui.cell(4).locator(".etlnb-badges")
    sync_api.expect(extract.locator(".etlnb-writes")).to_contain_text("raw_data")
    sync_api.expect(extract.locator(".etlnb-mapped")).to_contain_text("line 13: extract() mapped over sources")
    mapped = ui.cell(4).locator(".cm-line.etlnb-line-mapped")  # and the line itself is marked in the editor
    sync_api.expect(mapped).to_have_count(1)
    assert mapped.inner_text() == "raw_data = [extract(s) for s in sources]"
    sync_api.expect(ui.cell(6).locator(".etlnb-reads")).to_contain_text("raw_data")
    assert ui.cell(5).locator(".etlnb-reads, .etlnb-writes").count() == 0  # exploration: no names
    ui.shot("badges")

    # the picker on the badge: every role listed, the current one checked
    ui.cell(8).locator(".etlnb-badge").click()
    menu = page.locator(".etlnb-role-menu")
    sync_api.expect(menu).to_be_visible()
    items = menu.locator(".lm-Menu-item .lm-Menu-itemLabel")
    assert items.all_inner_texts() == [
        "parameters",
        "imports",
        "functions",
        "extract",
        "transform",
        "load",
        "validate",
        "sample",
        "skip",
        "untagged (no role tag)",
    ]
    assert "lm-mod-toggled" in menu.locator(".lm-Menu-item").nth(9).get_attribute("class")
    ui.shot("picker")
    items.nth(8).click()  # skip
    sync_api.expect(ui.cell(8).locator(".etlnb-badge")).to_have_text("skip")

    # the keyboard: Alt+R on the active cell opens the same picker; a new role replaces the old one
    ui.cell(6).locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    page.keyboard.press("Alt+r")
    sync_api.expect(menu).to_be_visible()
    menu.locator(".lm-Menu-item", has_text="validate").click()
    sync_api.expect(ui.cell(6).locator(".etlnb-badge")).to_have_text("validate")
    page.keyboard.press("Control+s")
    _wait_saved(notebook, 8, ["skip"])
    _wait_saved(notebook, 6, ["validate"])  # not ["transform", "validate"]: conflicts are impossible
    # after the save the badges show the new analysis (a validate cell writes nothing)
    sync_api.expect(ui.cell(6).locator(".etlnb-badge")).to_have_text("validate")
    ui.shot("roles-saved")

    # back to untagged: the role tag goes, the cell keeps no empty tag list
    ui.cell(8).locator(".etlnb-badge").click()
    menu.locator(".lm-Menu-item", has_text="untagged").click()
    ui.cell(6).locator(".etlnb-badge").click()
    menu.locator(".lm-Menu-item", has_text="transform").click()
    page.keyboard.press("Control+s")
    _wait_saved(notebook, 8, None)
    _wait_saved(notebook, 6, ["transform"])


def test_hidden_state_is_marked_on_the_right_cell_and_the_check_list_selects_it(lab, open_notebook):
    source = json.loads((lab.root / "weather" / "weather.ipynb").read_text())
    source["cells"][5]["source"] = ["# Exploration that changes step data (a mistake)\n", "raw_data.pop()\n"]
    (lab.root / "weather" / "hidden.ipynb").write_text(json.dumps(source, indent=1))
    ui = open_notebook("weather/hidden.ipynb")
    marker = ui.cell(6).locator(".etlnb-marker")
    sync_api.expect(marker).to_contain_text("line 18: hidden state: step reads `raw_data`, which cell 6 [untagged]")
    assert "etlnb-has-error" in ui.cell(6).get_attribute("class")
    assert ui.page.locator(".etlnb-marker").count() == 1  # on that cell only
    marker.scroll_into_view_if_needed()
    line = ui.cell(6).locator(".cm-line.etlnb-line-error")  # the line it names is marked in the editor
    sync_api.expect(line).to_have_text("clean_data = [transform(r) for r in raw_data]")
    ui.shot("marker")

    panel = ui.panel()
    panel.locator(".etlnb-check-button").click()
    item = panel.locator(".etlnb-diagnostic.etlnb-error")
    sync_api.expect(item).to_have_count(1)
    sync_api.expect(item).to_contain_text("cell 7, line 18: hidden state")
    sync_api.expect(item).to_contain_text("tag cell 6 as a step")
    ui.cell(1).locator(".jp-InputPrompt").click()
    item.click()
    ui.page.wait_for_function(
        "() => document.querySelector('.jp-Notebook .jp-Cell.jp-mod-active .cm-selectionBackground') !== null"
    )
    assert ui.active_cell_index() == 6
    # the cursor is on that line (the status bar says so) and the line is selected
    sync_api.expect(ui.page.locator("#jp-main-statusbar")).to_contain_text("Ln 18, Col")
    ui.shot("check-list-selects")

    # fixing it in the notebook and saving clears the marker
    ui.cell(5).locator(".cm-content").click()
    ui.page.keyboard.press("Control+a")
    ui.page.keyboard.type("len(raw_data)")
    ui.page.keyboard.press("Escape")
    ui.page.keyboard.press("Control+s")
    sync_api.expect(ui.page.locator(".etlnb-marker")).to_have_count(0)
    sync_api.expect(ui.page.locator(".cm-line.etlnb-line-error")).to_have_count(0)
    sync_api.expect(panel.locator(".etlnb-ok")).to_contain_text("ok:")
    ui.shot("fixed")


def test_graph_renders_and_a_node_click_selects_its_cell(lab, open_notebook):
    ui = open_notebook("weather/weather.ipynb")
    panel = ui.panel()
    panel.locator(".etlnb-graph-button").click()
    nodes = panel.locator(".etlnb-graph svg g.etlnb-node")
    sync_api.expect(nodes.first).to_be_visible()
    keys = sorted(nodes.evaluate_all("ns => ns.map(n => n.dataset.key)"))
    assert keys == ["extract_raw_data", "load", "params", "transform_clean_data"], keys
    assert "]>" not in panel.locator(".etlnb-section-graph").inner_text()  # no doctype shown as text
    assert 'aria-roledescription="flowchart' in panel.locator(".etlnb-graph").inner_html()
    ui.shot("graph")
    panel.locator(".etlnb-graph g.etlnb-node[data-key='transform_clean_data']").click()
    ui.page.wait_for_function("() => document.querySelector('.jp-Notebook .jp-Cell:nth-child(7).jp-mod-active')")
    assert ui.active_cell_index() == 6
    ui.shot("graph-node-selects")


def test_run_on_samples_shows_each_step(lab, open_notebook):
    ui = open_notebook("weather/weather.ipynb")
    panel = ui.panel()
    panel.locator(".etlnb-run-button").click()
    status = panel.locator(".etlnb-section-run .etlnb-job-status")
    sync_api.expect(status).to_have_text(re.compile(r"run on samples: (ok|failed)"), timeout=120_000)
    steps = panel.locator(".etlnb-section-run .etlnb-step")
    names = steps.evaluate_all("s => s.map(x => [x.dataset.step, x.className])")
    assert status.inner_text() == "run on samples: ok", panel.locator(".etlnb-section-run").inner_text()
    assert [n for n, _ in names][:2] == ["extract_raw_data", "transform_clean_data"], names
    assert all("etlnb-step-ok" in cls for _, cls in names), names
    ui.shot("run")


def test_a_failed_parity_is_red_with_the_difference_on_its_step_and_a_link_to_the_cell(lab, open_notebook):
    folder = copy_project(WEATHER, lab.root / "weather_unseeded").parent
    notebook = folder / "weather.ipynb"
    nb = json.loads(notebook.read_text())
    transform = nb["cells"][6]
    assert "transform" in transform["metadata"]["tags"]
    # an unseeded draw in the transform step: the notebook and the flow get different numbers
    transform["source"] = "".join(transform["source"]) + "\n\nimport random\n\nnoise = random.random()\n"
    notebook.write_text(json.dumps(nb))
    ui = open_notebook("weather_unseeded/weather.ipynb")
    panel = ui.panel()
    panel.locator(".etlnb-parity-button").click()
    run = panel.locator(".etlnb-section-run")
    sync_api.expect(run.locator(".etlnb-job-status")).to_have_text("parity: failed", timeout=180_000)
    verdict = run.locator(".etlnb-parity-failed")
    sync_api.expect(verdict).to_contain_text("parity failed: 1 difference(s); first in cell 7 [transform]")
    assert verdict.evaluate("e => getComputedStyle(e).color") == run.locator(".etlnb-job-status").evaluate(
        "e => getComputedStyle(e).color"
    )  # both in the theme's error colour
    failed = run.locator(".etlnb-step.etlnb-step-failed")
    names = failed.evaluate_all("s => s.map(x => x.dataset.step)")
    assert names and all(n.startswith("transform") for n in names), run.inner_text()  # the transform cell's tasks
    failed = failed.first
    difference = failed.locator(".etlnb-step-difference")
    sync_api.expect(difference).to_contain_text("`noise`: notebook ")
    sync_api.expect(difference.locator(".etlnb-step-why")).to_contain_text("the global `random` generator")
    ok = run.locator(".etlnb-step.etlnb-step-ok")
    assert ok.count() >= 2  # the other steps' values were equal: green
    ui.shot("parity-failed")
    ui.cell(1).click()
    failed.click()  # the link: the mismatching step's cell becomes the active one
    ui.page.wait_for_function("() => document.querySelector('.jp-Notebook .jp-Cell:nth-child(7).jp-mod-active')")
    assert ui.active_cell_index() == 6
    ui.shot("parity-failed-cell-selected")


def test_deploy_from_the_panel_registers_and_links_to_a_flow_run(lab, open_notebook, browser, prefect_server):
    ui = open_notebook("weather/weather.ipynb")
    panel = ui.panel()
    deploy = panel.locator(".etlnb-section-deploy")
    sync_api.expect(deploy.locator("input[name='project']")).to_have_value("weather")
    sync_api.expect(deploy.locator("input[name='work_pool']")).to_have_value("etlnb-local")
    ui.shot("deploy-form")
    deploy.locator("input[name='schedule']").fill("every day")
    deploy.locator(".etlnb-deploy-button").click()
    refused = deploy.locator(".etlnb-deploy-progress .etlnb-error-message")
    sync_api.expect(refused).to_have_text(
        "deploy: schedule \"every day\" is neither a cron expression like '0 6 * * *' nor an interval in seconds"
        " (from --schedule)"
    )
    ui.shot("deploy-refused")
    deploy.locator("input[name='schedule']").fill("")
    deploy.locator(".etlnb-deploy-button").click()  # no parity of this content on record: the gate says so
    status = deploy.locator(".etlnb-job-status")
    sync_api.expect(status).to_have_text("deploy: failed", timeout=60_000)
    sync_api.expect(refused).to_contain_text(re.compile(r"^deploy: verify failed: .*is not verified: .*--parity"))
    ui.shot("deploy-unverified-refused")
    deploy.locator("input[name='unverified']").check()
    deploy.locator(".etlnb-deploy-button").click()
    summary = deploy.locator(".etlnb-deploy-summary")
    # "ok", not "(ok|failed)": the refused attempt's "deploy: failed" shows until this job starts
    sync_api.expect(status).to_have_text("deploy: ok", timeout=120_000)
    sync_api.expect(summary.or_(deploy.locator(".etlnb-error-message"))).to_be_visible()
    assert summary.count() == 1, deploy.inner_text()
    steps = deploy.locator(".etlnb-step").evaluate_all("s => s.map(x => [x.dataset.step, x.className])")
    assert [n for n, _ in steps] == ["compile", "verify", "check", "upload", "register"]
    assert all("etlnb-step-ok" in cls for _, cls in steps), steps
    link = summary.locator("a.etlnb-deployment-link")
    href = link.get_attribute("href")
    prefix = f"{prefect_server.url}/deployments/deployment/"
    assert href.startswith(prefix), href
    with urllib.request.urlopen(f"{prefect_server.api_url}/deployments/{href.removeprefix(prefix)}", timeout=10) as r:
        deployment = json.load(r)
    assert deployment["name"] == "weather" and deployment["work_pool_name"] == "etlnb-local", deployment
    assert "unverified" in deployment["tags"] and "UNVERIFIED" in deployment["description"], deployment
    assert deployment["version"] in summary.inner_text()
    assert summary.locator(".etlnb-workers").inner_text().strip()  # worker status, as Prefect reports it
    ui.shot("deployed")

    summary.locator(".etlnb-flow-run-button").click()
    run_link = summary.locator("a.etlnb-flow-run-link")
    run_link.wait_for(timeout=60_000)
    run_href = run_link.get_attribute("href")
    assert run_href.startswith(f"{prefect_server.url}/runs/flow-run/"), run_href
    run_id = run_href.rsplit("/", 1)[1]
    with urllib.request.urlopen(f"{prefect_server.api_url}/flow_runs/{run_id}", timeout=10) as r:
        flow_run = json.load(r)
    assert flow_run["deployment_id"] == deployment["id"], flow_run
    ui.shot("flow-run-link")
    try:
        with ui.page.context.expect_page() as opened:
            run_link.click()
        prefect_page = opened.value
        try:
            prefect_page.get_by_text(flow_run["name"]).first.wait_for(timeout=60_000)
            prefect_page.get_by_text("Scheduled").first.wait_for(timeout=30_000)
            assert "Can't connect" not in prefect_page.content()
        finally:
            Page(prefect_page, ui.folder).shot("prefect-flow-run")
            prefect_page.close()
    finally:  # no worker runs it here; a worker another test starts must not pick it up later
        request = urllib.request.Request(f"{prefect_server.api_url}/flow_runs/{run_id}", method="DELETE")
        urllib.request.urlopen(request, timeout=10).close()


def test_deploy_from_the_panel_with_target_prefect1_shows_the_commands(lab, open_notebook):
    """No Prefect 1 backend in the lab's environment: the summary gives the two commands; no work
    pool field, no worker status, no "Run deployment now" (that is a Prefect 3 deployment's)."""
    ui = open_notebook("weather1/weather.ipynb")
    deploy = ui.panel().locator(".etlnb-section-deploy")
    sync_api.expect(deploy.locator("input[name='project']")).to_have_value("weather1")
    assert deploy.locator("input[name='work_pool']").count() == 0
    options = deploy.locator("select[name='work_pool_type'] option").evaluate_all("o => o.map(x => x.textContent)")
    assert options == ["LocalRun", "KubernetesRun"]
    image = deploy.locator("input[name='image']")
    sync_api.expect(image).to_be_hidden()  # LocalRun runs in the agent's environment
    deploy.locator("select[name='work_pool_type']").select_option("kubernetes")
    sync_api.expect(image).to_be_visible()
    assert image.get_attribute("placeholder") == "$WEATHER1_BASE_IMAGE, else KV key weather1_base_image"
    deploy.locator("select[name='work_pool_type']").select_option("process")
    sync_api.expect(deploy.locator(".etlnb-verification-no")).to_contain_text("is not verified")
    deploy.locator("input[name='unverified']").check()
    ui.shot("deploy-form-prefect1")
    deploy.locator(".etlnb-deploy-button").click()
    sync_api.expect(deploy.locator(".etlnb-job-status")).to_have_text(
        re.compile(r"deploy: (ok|failed)"), timeout=120_000
    )
    summary = deploy.locator(".etlnb-deploy-summary.etlnb-prefect1")
    sync_api.expect(summary.or_(deploy.locator(".etlnb-error-message"))).to_be_visible()
    assert summary.count() == 1, deploy.inner_text()
    sync_api.expect(summary.locator(".etlnb-not-registered")).to_contain_text("no Prefect 1 backend is configured")
    commands = summary.locator("pre.etlnb-prefect1-commands").inner_text().splitlines()
    script = lab.root / "weather1" / "build" / "weather1" / "weather.py"  # project weather1: its folder
    assert [c.split()[1:3] for c in commands] == [["build", "-p"], ["register", "--json"]], commands
    assert f" {script.resolve()} " in commands[0] and commands[1].endswith("--project weather1"), commands
    sync_api.expect(summary.locator(".etlnb-agent")).to_contain_text("runs will need a Prefect 1 local agent")
    assert summary.locator(".etlnb-flow-run-button").count() == 0 and summary.locator(".etlnb-workers").count() == 0
    ui.shot("deploy-prefect1-commands")
