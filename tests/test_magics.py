"""The %etl_* magics, through IPython's own in-process shell."""

from __future__ import annotations

import html
import json
import socket
from types import SimpleNamespace

import pytest
from IPython.testing.globalipapp import start_ipython
from IPython.utils.capture import capture_output

from .conftest import DEMOS, copy_project, make_notebook


@pytest.fixture(scope="module")
def ip():
    shell = start_ipython()
    shell.run_line_magic("load_ext", "etlnb")
    return shell


@pytest.fixture
def weather(tmp_path, ip, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("")  # the project root: build/ goes here
    path = copy_project(next(p for p in DEMOS if p.stem == "weather"), tmp_path / "weather")
    monkeypatch.chdir(path.parent)
    ip.user_ns["__session__"] = str(path)
    # a fresh notebook: what the shell "ran" for an earlier test's copy (same cell ids) is not this one's
    tracker = ip.magics_manager.registry["EtlMagics"].tracker
    tracker.latest.clear()
    tracker.ran_at.clear()
    yield path
    ip.user_ns.pop("__session__", None)


def run(ip, line: str):
    name, _, rest = line.partition(" ")
    with capture_output() as cap:
        ip.run_line_magic(name, rest)
    return cap


def test_etl_check_shows_ok_for_a_good_notebook(ip, weather):
    cap = run(ip, "etl_check")
    (out,) = cap.outputs
    assert out.data["text/plain"] == "weather.ipynb: ok (3 tasks)"
    assert "&#10003;" in out.data["text/html"]


def test_etl_check_lists_diagnostics_with_cells_and_hints(ip, tmp_path, monkeypatch):
    bad = tmp_path / "badnb.ipynb"
    bad.write_text(make_notebook([("x = 1", []), ("y = x + 1", ["transform"]), ("%timeit y", ["load"])]))
    cap = run(ip, f"etl_check {bad}")
    (out,) = cap.outputs
    page = out.data["text/html"]
    assert "hidden state" in page and 'href="#cell-id=c1"' in page and "cell 2 (id=c1)" in page
    assert "%timeit y" in page and "what to do" in page
    assert "Traceback" not in cap.stdout + cap.stderr


def test_etl_graph_is_a_mermaid_bundle_with_a_text_fallback(ip, weather):
    (out,) = run(ip, "etl_graph").outputs
    assert out.data["text/vnd.mermaid"].startswith("flowchart TD")
    assert "extract_raw_data" in out.data["text/vnd.mermaid"]
    assert out.data["text/plain"] == out.data["text/vnd.mermaid"]


def test_unsaved_changes_are_refused_with_a_request_to_save(ip, weather):
    nb = json.loads(weather.read_text())
    transform = next(c for c in nb["cells"] if "transform" in c["metadata"].get("tags", []))
    # the kernel ran an edited version of the transform cell that was never saved
    ip.events.trigger("pre_run_cell", SimpleNamespace(cell_id=transform["id"], raw_cell="clean_data = []"))
    cap = run(ip, "etl_compile")
    assert "was changed and run but not saved: save the notebook (Ctrl+S)" in cap.stderr
    assert not (weather.parent.parent / "build").exists()
    ip.events.trigger("pre_run_cell", SimpleNamespace(cell_id=transform["id"], raw_cell="".join(transform["source"])))
    run(ip, "etl_compile")
    assert (weather.parent.parent / "build").exists()


def test_errors_are_one_short_message_not_a_traceback(ip, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ip.user_ns.pop("__session__", None)
    cap = run(ip, "etl_graph")
    assert cap.stderr.strip() == "cannot tell which notebook this is: pass its path, e.g. %etl_check my.ipynb"
    cap = run(ip, "etl_deploy --bogus")
    assert cap.stderr.strip() == "%etl_deploy: unrecognized arguments: --bogus (see %etl_deploy --help)"


@pytest.mark.integration
def test_etl_deploy_options_deploy_at_once_and_show_a_summary(ip, weather, prefect_server, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", prefect_server.api_url)
    cap = run(ip, f"etl_deploy --unverified --storage {weather.parent / 'store'} --work-pool magic-pool")
    assert "register: ok" in cap.stdout, cap.stderr
    summary = cap.outputs[-1].data
    assert "etlnb-deploy-summary" in summary["text/html"] and "weather/weather" in summary["text/plain"]
    assert f"{prefect_server.url}/deployments/deployment/" in summary["text/html"]


@pytest.mark.integration
def test_deploy_panel_is_prefilled_and_its_button_deploys(weather, prefect_server, monkeypatch):
    from etlnb.jupyter.panel import DeployPanel

    monkeypatch.setenv("PREFECT_API_URL", prefect_server.api_url)
    panel = DeployPanel(weather)
    assert (panel.project.value, panel.work_pool.value, panel.pool_type.value) == ("weather", "etlnb-local", "process")
    assert (panel.name.value, panel.retries.value, panel.tags.value) == ("weather", 2, "")
    assert panel.image.layout.display == "none"  # a process pool runs no image
    panel.pool_type.value = "kubernetes"
    assert panel.image.layout.display == ""
    panel.pool_type.value = "process"
    panel.storage.value = str(weather.parent / "store")
    panel.work_pool.value = "panel-pool"
    panel.unverified.value = True
    panel.deploy()
    assert panel.progress.value == 5 and panel.progress.bar_style == "success", panel.summary.value
    assert "etlnb-deploy-summary" in panel.summary.value and "panel-pool" in panel.summary.value
    assert "etlnb worker start --pool panel-pool" in panel.summary.value  # no worker serves it yet
    assert "text-decoration:underline" in panel.summary.value  # the UI link looks like a link
    # a failing deploy shows the failed step in the panel, not a traceback, and leaves the notebook as it was
    saved = weather.read_bytes()
    panel.pool_type.value = "kubernetes"
    panel.unverified.value = True
    panel.deploy()
    assert panel.progress.bar_style == "danger"
    assert "failed" in panel.summary.value and "Traceback" not in panel.summary.value
    assert "the live deployment is unchanged" in panel.summary.value
    assert weather.read_bytes() == saved


@pytest.mark.integration
def test_panel_settings_are_kept_for_the_cli(weather, prefect_server, monkeypatch):
    """Deployed from the panel with a schedule, name, tags and retries; `etlnb deploy` of the same
    notebook later registers the same deployment, and every artifact agrees with it."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from etlnb.cli import main as cli
    from etlnb.jupyter.panel import DeployPanel

    monkeypatch.setenv("PREFECT_API_URL", prefect_server.api_url)
    panel = DeployPanel(weather)
    assert "no schedule" in panel.timezone.value
    panel.schedule.value = "0 6 * * *"
    assert "UTC" in panel.timezone.value
    panel.name.value, panel.tags.value, panel.retries.value = "kept", "etl, daily", 4
    panel.storage.value = str(weather.parent / "store")
    panel.unverified.value = True
    panel.deploy()
    assert panel.progress.bar_style == "success", panel.summary.value
    meta = json.loads(weather.read_text())["metadata"]["etlnb"]
    assert meta == {
        "deployment": "kept",
        "schedule": "0 6 * * *",
        "retries": 4,
        "tags": ["etl", "daily"],
        "storage": str(weather.parent / "store"),
    }
    assert "settings kept in weather.ipynb" in panel.summary.value

    def live():
        with temporary_settings({PREFECT_API_URL: prefect_server.api_url}), get_client(sync_client=True) as client:
            deployment = client.read_deployment_by_name("weather/kept")
        return deployment.version, [s.schedule.cron for s in deployment.schedules], sorted(deployment.tags)

    first = live()
    assert first[1:] == (["0 6 * * *"], ["daily", "etl", "unverified"])  # deployed with the box ticked
    assert cli(["deploy", str(weather), "--unverified", "-o", str(weather.parent.parent / "build")]) == 0
    assert live() == first  # same version, schedule kept
    build_yaml = (weather.parent.parent / "build" / "weather" / "prefect.yaml").read_text()
    stored_yaml = (weather.parent / "store" / "weather" / "weather" / first[0] / "prefect.yaml").read_text()
    for text in (build_yaml, stored_yaml):
        assert '- cron: "0 6 * * *"' in text and 'name: "kept"' in text, text
    assert build_yaml == stored_yaml


@pytest.mark.integration
def test_a_failed_first_deploy_does_not_speak_of_a_previous_deployment(weather, prefect_server, monkeypatch):
    from etlnb.jupyter.panel import DeployPanel

    monkeypatch.setenv("PREFECT_API_URL", prefect_server.api_url)
    panel = DeployPanel(weather)
    panel.name.value, panel.pool_type.value = "never-deployed", "kubernetes"  # no image: check fails
    panel.unverified.value = True
    panel.deploy()
    assert panel.progress.bar_style == "danger"
    assert "nothing was registered" in panel.summary.value and "unchanged" not in panel.summary.value


@pytest.mark.integration
def test_etl_run_streams_the_flow_run_and_parity(ip, weather, prefect_server, monkeypatch):
    monkeypatch.setenv("ETLNB_HOME", str(prefect_server.home))
    monkeypatch.setenv("ETLNB_SERVER_PORT", str(prefect_server.port))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    cap = run(ip, "etl_run --parity")
    assert "weather.ipynb: parity ok" in cap.stdout, cap.stdout + cap.stderr
    assert f"flow run http://127.0.0.1:{prefect_server.port}/runs/flow-run/" in cap.stdout
    # what the user reads: their own cell count, no progress-bar ticks, no kernel transport warning
    assert "on its samples: 8 code cells" in cap.stdout
    assert "Executing:" not in cap.stdout and "without encryption" not in cap.stdout, cap.stdout
    table = cap.stdout.split("  task ", 1)[1].split("parity ok", 1)[0].splitlines()[1:-1]
    assert table and all(row.split()[1] == "Completed" for row in table), table  # final states, once recorded
    verdict = cap.outputs[-1].data  # the display on top, updated once parity is done
    assert verdict["text/plain"].startswith("parity ok: verified, content "), verdict
    assert "&#10003;" in verdict["text/html"]
    cap = run(ip, "etl_run --param min_valid_temp_c=oops")
    assert "%etl_run: the run failed" in cap.stderr


def test_etl_run_and_compile_with_target_prefect1(ip, weather, p1_python, prefect1_home):
    cap = run(ip, "etl_run --parity --target prefect1")
    assert "Prefect 1 flow.run(): Success" in cap.stdout, cap.stdout + cap.stderr
    assert "weather.ipynb: parity ok" in cap.stdout
    run(ip, "etl_compile --target prefect1")
    assert "with Flow(" in (weather.parent.parent / "build" / "weather" / "weather.py").read_text()


def test_magics_have_help(ip):
    cap = run(ip, "etl_deploy --help")
    assert cap.stdout.startswith("usage: %etl_deploy"), cap.stdout + cap.stderr
    for option in ("--schedule", "--work-pool", "--name", "--tag", "--retries", "--now", "--target"):
        assert option in cap.stdout
    assert "UTC" in cap.stdout and not cap.stderr
    assert run(ip, "etl_check -h").stdout.startswith("usage: %etl_check")


def test_etl_check_table_is_left_aligned(ip, tmp_path):
    bad = tmp_path / "badnb.ipynb"
    bad.write_text(make_notebook([("x = 1", []), ("y = x + 1", ["transform"])]))
    page = run(ip, f"etl_check {bad}").outputs[0].data["text/html"]
    cells = page.count("<td") + page.count("<th")
    assert cells and page.count("text-align:left") >= cells, page


def test_etl_compile_writes_the_script_and_links_to_it_instead_of_embedding_it(ip, weather):
    (out,) = run(ip, "etl_compile").outputs
    assert (weather.parent.parent / "build" / "weather" / "weather.py").exists()
    page = out.data["text/html"]
    assert "href='../build/weather/weather.py'" in page  # relative to the notebook: JupyterLab opens it
    assert len(page) < 1000 and "weather_flow" not in page  # the saved notebook stays small
    assert out.data["text/plain"].startswith("wrote ") and "3 tasks" in out.data["text/plain"]


def test_an_edit_run_then_undone_and_saved_is_not_refused(ip, weather):
    import os
    import time

    nb = json.loads(weather.read_text())
    transform = next(c for c in nb["cells"] if "transform" in c["metadata"].get("tags", []))
    ip.events.trigger("pre_run_cell", SimpleNamespace(cell_id=transform["id"], raw_cell="clean_data = []"))
    assert "was changed and run but not saved" in run(ip, "etl_check").stderr
    later = time.time() + 2  # the user undid the edit and saved after running it
    os.utime(weather, (later, later))
    cap = run(ip, "etl_check")
    assert not cap.stderr and cap.outputs[0].data["text/plain"] == "weather.ipynb: ok (3 tasks)"


def test_panel_settings_differ_from_the_config_file_only_where_chosen(weather):
    from etlnb.jupyter.panel import metadata_update

    (weather.parent.parent / "pyproject.toml").write_text('[tool.etlnb]\nschedule = "0 6 * * *"\ntags = ["etl"]\n')
    chosen = {"schedule": "0 6 * * *", "tags": ["etl"], "retries": 2, "work_pool": "etlnb-local"}
    assert metadata_update(weather, chosen, "weather") == {}  # all as the file says: nothing to keep
    cleared = metadata_update(weather, {**chosen, "schedule": None, "tags": []}, "weather")
    assert cleared == {"schedule": "", "tags": []}  # cleared in the panel: none, though the file has some


# -- target = "prefect1": registered with Prefect 1's CLI, or the commands that do it; no Prefect 3 worker line --


def test_etl_deploy_target_prefect1_without_a_backend_shows_the_commands(ip, weather, p1_python, prefect1_home):
    cap = run(ip, "etl_deploy --now --unverified --target prefect1")
    assert not cap.stderr, cap.stderr
    assert "compile: ok" in cap.stdout and "check: ok" in cap.stdout and "register" not in cap.stdout
    out = cap.outputs[-1].data
    script = (weather.parent.parent / "build" / "weather" / "weather.py").resolve()
    flows_json = script.with_name("weather.flows.json")
    prefect = p1_python.parent / "prefect"
    commands = [
        f"{prefect} build -p {script} -o {flows_json}",
        f"{prefect} register --json {flows_json} --project weather",
    ]
    assert "no Prefect 1 backend is configured, so nothing was registered" in out["text/plain"]
    assert all(f"  {c}" in out["text/plain"] for c in commands), out["text/plain"]
    page = out["text/html"]
    assert "Not registered" in page and html.escape("\n".join(commands)) in page and "etlnb-prefect1-commands" in page
    # Prefect 1 runs on agents: no work pool, no Prefect 3 worker status
    assert (
        "runs will need a Prefect 1 local agent with the flow's labels: none configured plus this machine's hostname"
        in cap.stdout
    )
    assert "worker" not in cap.stdout + page and "work pool" not in page
    assert "with Flow(" in script.read_text()


def test_etl_deploy_target_prefect1_registers_and_shows_the_flow_id_and_version(
    ip, weather, p1_python, prefect1_home, prefect1_graphql, monkeypatch
):
    monkeypatch.setenv("PREFECT__BACKEND", "server")
    monkeypatch.setenv("PREFECT__SERVER__ENDPOINT", prefect1_graphql.url)
    cap = run(ip, "etl_deploy --target prefect1 --tag etl --unverified")  # options alone deploy at once
    assert "register: ok" in cap.stdout and "Traceback" not in cap.stderr, cap.stdout + cap.stderr
    out = cap.outputs[-1].data
    assert "registered Prefect 1 flow weather in project weather (id flow-1, version 1)" in out["text/plain"]
    page = out["text/html"]
    assert "Registered with Prefect 1" in page
    for key, value in (("flow id", "flow-1"), ("version", "1"), ("project", "weather"), ("run config", "LocalRun")):
        assert f"<th style='text-align:left'>{key}</th><td style='text-align:left'>{value}</td>" in page, page
    labels = sorted(["etl", socket.gethostname()])  # the configured tag, and Local storage's hostname label
    assert f"runs need a Prefect 1 local agent with the flow's labels [{', '.join(labels)}]" in cap.stdout
    assert "worker" not in cap.stdout + page
    assert len(prefect1_graphql.queries("create_flow_from_compressed_string")) == 1


def test_etl_deploy_target_prefect1_failure_is_one_line(
    ip, weather, p1_python, prefect1_home, prefect1_graphql, monkeypatch
):
    monkeypatch.setenv("PREFECT__BACKEND", "server")
    monkeypatch.setenv("PREFECT__SERVER__ENDPOINT", prefect1_graphql.url)
    (weather.parent / "etlnb.toml").write_text(
        'target = "prefect1"\nproject = "elsewhere"\n'
    )  # no such Prefect 1 project
    cap = run(ip, "etl_deploy --now --unverified")
    (line,) = cap.stderr.strip().splitlines()
    assert line.startswith("deploy: register failed: prefect register failed:"), line
    assert "Project 'elsewhere' does not exist" in line and "create project elsewhere" in line
    assert line.endswith(
        "(nothing was registered, but runs of an already registered flow load build/'s script (Local storage), which now holds this code)"
    )
    assert not cap.outputs and not prefect1_graphql.queries("create_flow_from_compressed_string")


def test_deploy_panel_for_prefect1_without_a_backend_shows_the_commands(weather, p1_python, prefect1_home):
    from etlnb.jupyter.panel import DeployPanel

    (weather.parent / "etlnb.toml").write_text('target = "prefect1"\n')
    panel = DeployPanel(weather)
    # no deployment name or work pool in Prefect 1; the pool type picks the run config
    assert panel.name.layout.display == "none" and panel.work_pool.layout.display == "none"
    assert (panel.pool_type.description, panel.pool_type.label) == ("run config", "LocalRun")
    assert panel.tags.description == "labels" and "Prefect 1" in panel.status.value
    assert panel.image.layout.display == "none"
    panel.pool_type.value = "kubernetes"  # KubernetesRun(image=base_image()): the image means something
    assert panel.pool_type.label == "KubernetesRun" and panel.image.layout.display == ""
    assert panel.image.placeholder == "$WEATHER_BASE_IMAGE, else KV key weather_base_image"
    panel.pool_type.value = "process"
    saved = weather.read_bytes()
    panel.unverified.value = True
    panel.deploy()
    assert panel.progress.bar_style == "warning" and panel.progress.value == 3, panel.summary.value
    assert "not registered: no Prefect 1 backend" in panel.status.value
    page = panel.summary.value
    assert "Not registered" in page and "etlnb-prefect1-commands" in page and " register --json " in page
    assert "etlnb-agent-status" in page and "runs will need a Prefect 1 local agent" in page
    assert "worker" not in page and "work pool" not in page and "Traceback" not in page
    assert weather.read_bytes() == saved  # the panel's choices are the config's: nothing to keep


def test_deploy_panel_for_prefect1_registers(weather, p1_python, prefect1_home, prefect1_graphql, monkeypatch):
    from etlnb.jupyter.panel import DeployPanel

    monkeypatch.setenv("PREFECT__BACKEND", "server")
    monkeypatch.setenv("PREFECT__SERVER__ENDPOINT", prefect1_graphql.url)
    nb = json.loads(weather.read_text())
    nb["metadata"]["etlnb"] = {"target": "prefect1"}  # the target from the notebook's metadata
    weather.write_text(json.dumps(nb))
    panel = DeployPanel(weather)
    panel.unverified.value = True
    panel.deploy()
    assert panel.progress.bar_style == "success" and panel.progress.value == 5, panel.summary.value
    assert "registered with Prefect 1" in panel.status.value
    page = panel.summary.value
    assert "Registered with Prefect 1" in page and ">flow-1<" in page
    assert f"with the flow&#x27;s labels [{socket.gethostname()}]" in page
    assert "<code>prefect agent local start --label " in page
    assert "worker" not in page and "Traceback" not in page


def test_a_failed_parity_shows_on_top_in_red_with_each_difference_linked_to_its_cell():
    from etlnb.jupyter.magics import _parity_bundle
    from etlnb.verify.parity import Finding
    from etlnb.verify.runner import keep_record  # noqa: F401 - the record line's producer

    finding = Finding("cell 7 [transform] id=250bed23", "`noise`", "notebook 0.1, flow 0.2")
    lines = [
        "running weather.ipynb on its samples: 8 code cells",
        finding.line("weather.ipynb"),
        "    why: cell 7 [transform] id=250bed23 reads the global `random` generator, so ...",
        "    1 difference(s); 5 values compared (exact)",
        "    not verified: content 0123456789ab failed parity; `etlnb deploy` refuses it until parity passes",
    ]
    bundle = _parity_bundle(1, lines)
    assert bundle["text/plain"].splitlines()[:2] == [
        "parity failed: 1 difference(s)",
        "  cell 7 [transform] id=250bed23: `noise`: notebook 0.1, flow 0.2",
    ]
    page = bundle["text/html"]
    assert "var(--jp-error-color1" in page and '<a href="#cell-id=250bed23">cell 7 [transform] id=250bed23</a>' in page
    assert "reads the global `random` generator" in html.unescape(page)


def test_etl_deploy_refuses_unverified_content_in_one_line(ip, weather):
    cap = run(ip, "etl_deploy --now")
    lines = cap.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in cap.stderr, cap.stderr
    assert lines[0].startswith(f"deploy: verify failed: {weather} is not verified: no parity has run"), lines
    assert "--parity" in lines[0] and lines[0].endswith("(nothing was registered)"), lines
    assert not (weather.parent / ".etlnb" / "storage").exists()  # nothing uploaded
