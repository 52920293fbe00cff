"""etlnb's jupyter_server extension (/etlnb/...), driven through a real ServerApp by jupyter_server's
pytest plugin (pytest-jupyter): roles, names and diagnostics of the saved notebook, one clear
message for bad requests (never a traceback), authentication required, deploy progress per step.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

# pytest-jupyter's fixtures for this module only: registering the plugin for the whole session
# (pytest_plugins) would give every other test its autouse event loop and ServerApp cleanup.
from pytest_jupyter.jupyter_core import *  # noqa: F403
from pytest_jupyter.jupyter_server import *  # noqa: F403
from tornado.httpclient import HTTPClientError

from .conftest import DEMOS, copy_project, make_notebook

WEATHER = next(p for p in DEMOS if p.stem == "weather")


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"etlnb.labext": True}}}


@pytest.fixture
def weather(jp_root_dir: Path) -> str:
    copy_project(WEATHER, jp_root_dir / "weather")
    return "weather/weather.ipynb"


def _run(loop, make):
    # tornado's fetch makes its Future on the current loop at call time; an earlier test in this
    # process (asyncio.run, Prefect) may have left the main thread without one
    asyncio.set_event_loop(loop)
    return loop.run_until_complete(make())


def _get(loop, fetch, *parts, **params):
    response = _run(loop, lambda: fetch("etlnb", *parts, params=params))
    return json.loads(response.body)


def _post(loop, fetch, *parts, body):
    response = _run(loop, lambda: fetch("etlnb", *parts, method="POST", body=json.dumps(body)))
    return json.loads(response.body)


def _error(loop, fetch, *parts, method="GET", **kwargs) -> tuple[int, dict]:
    with pytest.raises(HTTPClientError) as raised:
        _run(loop, lambda: fetch("etlnb", *parts, method=method, **kwargs))
    return raised.value.code, json.loads(raised.value.response.body)


def test_check_gives_roles_names_mapped_lines_and_graph(jp_serverapp, jp_fetch, jp_asyncio_loop, weather):
    data = _get(jp_asyncio_loop, jp_fetch, "check", path=weather)
    assert data["ok"] and data["diagnostics"] == [] and data["flow"] == "weather"
    roles = {c["index"]: c["role"] for c in data["cells"]}
    assert roles == {
        1: "imports",
        2: "parameters",
        3: "sample",
        4: "extract",
        5: "untagged",
        6: "transform",
        7: "load",
        8: "untagged",
    }
    by_index = {c["index"]: c for c in data["cells"]}
    assert by_index[2]["writes"][:2] == ["sources", "destination"]
    assert "raw_data" in by_index[4]["writes"] and by_index[4]["mapped"], by_index[4]
    assert by_index[4]["mapped"][0]["func"] == "extract"
    assert "raw_data" in by_index[6]["reads"]
    assert data["mermaid"].startswith("flowchart TD")
    # every graph node names its cell, so a click can select it
    assert {n["cell"] for n in data["nodes"].values()} >= {4, 6, 7}


def test_hidden_state_is_a_diagnostic_on_the_right_cell_and_line(jp_serverapp, jp_fetch, jp_asyncio_loop, jp_root_dir):
    (jp_root_dir / "hidden.ipynb").write_text(
        make_notebook(
            [
                ("rows = [1, 2, 3]", ["extract"]),
                ("x = 1\nrows.append(4)", []),
                ("total = sum(rows)", ["transform"]),
            ]
        )
    )
    data = _get(jp_asyncio_loop, jp_fetch, "check", path="hidden.ipynb")
    assert not data["ok"]
    errors = [d for d in data["diagnostics"] if d["severity"] == "error"]
    assert errors, data["diagnostics"]
    first = errors[0]
    assert "hidden state" in first["message"] and first["cell"] in (1, 2), first
    assert first["text"].startswith("hidden.ipynb: cell "), first["text"]
    assert "/" not in first["text"].split(":")[0]  # named as JupyterLab shows it, not an absolute path
    assert data["mermaid"] == ""


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("", 400, "no notebook given"),
        ("missing.ipynb", 404, "is not saved yet: save it (Ctrl+S)"),
        ("notes.txt", 400, "is not a notebook"),
        ("../outside.ipynb", 403, "outside the folder Jupyter serves"),
    ],
)
def test_bad_paths_are_one_clear_message(jp_serverapp, jp_fetch, jp_asyncio_loop, path, status, says):
    code, body = _error(jp_asyncio_loop, jp_fetch, "check", params={"path": path})
    assert code == status
    assert says in body["message"], body
    assert set(body) == {"message"} and "Traceback" not in body["message"] and "\n" not in body["message"]


def test_broken_notebook_file_is_a_diagnostic_not_a_traceback(jp_serverapp, jp_fetch, jp_asyncio_loop, jp_root_dir):
    (jp_root_dir / "broken.ipynb").write_text("{not json")
    data = _get(jp_asyncio_loop, jp_fetch, "check", path="broken.ipynb")
    assert not data["ok"] and len(data["diagnostics"]) == 1
    assert data["diagnostics"][0]["text"].startswith("broken.ipynb: error: "), data
    code, body = _error(jp_asyncio_loop, jp_fetch, "deploy", method="POST", body="[1]")
    assert (code, body) == (400, {"message": "the request body is not a JSON object"})
    code, body = _error(jp_asyncio_loop, jp_fetch, "run", method="POST", body=json.dumps({"path": "broken.ipynb"}))
    assert code == 400 and body["message"].startswith("fix this first (Check lists all): broken.ipynb: error:"), body


def test_requests_need_the_token(jp_serverapp, jp_fetch, jp_asyncio_loop, jp_http_port, weather):
    from tornado.httpclient import AsyncHTTPClient

    url = f"http://localhost:{jp_http_port}/a%40b/etlnb/check?path={weather}"  # jp_base_url is /a@b/
    with pytest.raises(HTTPClientError) as refused:
        jp_asyncio_loop.run_until_complete(AsyncHTTPClient().fetch(url))
    assert refused.value.code == 403


def test_deploy_settings_are_prefilled_from_config(jp_serverapp, jp_fetch, jp_asyncio_loop, weather):
    fields = _get(jp_asyncio_loop, jp_fetch, "deploy", "settings", path=weather)
    assert fields["project"] == "weather" and fields["work_pool"] == "etlnb-local"
    assert fields["work_pool_type"] == "process"
    code, body = _error(
        jp_asyncio_loop,
        jp_fetch,
        "deploy",
        method="POST",
        body=json.dumps({"path": weather, "work_pool": "etl", "schedule": "every day"}),
    )
    assert code == 400 and body["message"].startswith('deploy: schedule "every day" is neither a cron'), body


@pytest.mark.integration
def test_deploy_job_reports_each_step_and_the_deployment(
    jp_serverapp, jp_fetch, jp_asyncio_loop, weather, prefect_server, monkeypatch
):
    monkeypatch.setenv("PREFECT_API_URL", prefect_server.api_url)
    # no parity of this content on record: refused at verify in one line, nothing registered
    job = _post(jp_asyncio_loop, jp_fetch, "deploy", body={"path": weather, "work_pool_type": "process"})
    assert [s["name"] for s in job["steps"]] == ["compile", "verify", "check", "upload", "register"]
    job = _finished(jp_asyncio_loop, jp_fetch, job)
    assert job["status"] == "failed" and "\n" not in job["message"], job
    assert job["message"].startswith("deploy: verify failed: ") and "is not verified" in job["message"], job
    assert "etlnb run " in job["message"] and "--parity" in job["message"], job["message"]
    assert [s["status"] for s in job["steps"]] == ["ok", "failed", "pending", "pending", "pending"]
    job = _post(
        jp_asyncio_loop, jp_fetch, "deploy", body={"path": weather, "work_pool_type": "process", "unverified": True}
    )
    deadline = time.monotonic() + 120
    while job["status"] == "running":
        assert time.monotonic() < deadline, job
        jp_asyncio_loop.run_until_complete(__import__("asyncio").sleep(0.3))
        job = _get(jp_asyncio_loop, jp_fetch, "jobs", job["id"])
    assert job["status"] == "ok", job
    assert [s["status"] for s in job["steps"]] == ["ok"] * 5
    result = job["result"]
    assert result["full_name"] == "weather/weather"
    assert result["ui_url"].endswith(f"/deployments/deployment/{result['deployment_id']}")
    assert result["workers"]["pool"] == "etlnb-local"


def _finished(loop, fetch, job: dict, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while job["status"] == "running":
        assert time.monotonic() < deadline, job
        loop.run_until_complete(asyncio.sleep(0.3))
        job = _get(loop, fetch, "jobs", job["id"])
    return job


def test_deploy_job_for_prefect1_without_a_backend_gives_the_commands(
    jp_serverapp, jp_fetch, jp_asyncio_loop, jp_root_dir, weather, p1_python, prefect1_home
):
    (jp_root_dir / "weather" / "etlnb.toml").write_text('target = "prefect1"\n')
    fields = _get(jp_asyncio_loop, jp_fetch, "deploy", "settings", path=weather)
    assert fields["target"] == "prefect1" and fields["work_pool_type"] == "process"
    assert fields["image_placeholder"] == "$WEATHER_BASE_IMAGE, else KV key weather_base_image"
    assert fields["storage_placeholder"] == "s3://bucket/prefix, else Local"
    job = _post(
        jp_asyncio_loop, jp_fetch, "deploy", body={"path": weather, "work_pool_type": "process", "unverified": True}
    )
    job = _finished(jp_asyncio_loop, jp_fetch, job)
    assert job["status"] == "ok", job
    steps = {s["name"]: s["status"] for s in job["steps"]}
    assert steps == {"compile": "ok", "verify": "ok", "check": "ok", "upload": "pending", "register": "pending"}
    result = job["result"]
    assert result["target"] == "prefect1" and not result["registered"]
    script = (jp_root_dir / "weather" / "build" / "weather" / "weather.py").resolve()
    prefect = p1_python.parent / "prefect"
    flows_json = script.with_name("weather.flows.json")
    assert result["commands"] == [
        f"{prefect} build -p {script} -o {flows_json}",
        f"{prefect} register --json {flows_json} --project weather",
    ]
    assert result["agent"].startswith("runs will need a Prefect 1 local agent")
    assert "workers" not in result and "ui_url" not in result and "deployment_id" not in result


def test_deploy_job_for_prefect1_registers_and_reports_the_flow(
    jp_serverapp,
    jp_fetch,
    jp_asyncio_loop,
    jp_root_dir,
    weather,
    p1_python,
    prefect1_home,
    prefect1_graphql,
    monkeypatch,
):
    import socket

    monkeypatch.setenv("PREFECT__BACKEND", "server")
    monkeypatch.setenv("PREFECT__SERVER__ENDPOINT", prefect1_graphql.url)
    (jp_root_dir / "weather" / "etlnb.toml").write_text('target = "prefect1"\n')
    job = _post(
        jp_asyncio_loop,
        jp_fetch,
        "deploy",
        body={"path": weather, "work_pool_type": "kubernetes", "image": "reg/w:7", "unverified": True},
    )
    job = _finished(jp_asyncio_loop, jp_fetch, job)
    assert job["status"] == "ok", job
    assert [s["status"] for s in job["steps"]] == ["ok"] * 5
    result = job["result"]
    assert (result["registered"], result["flow_id"], result["version"]) == (True, "flow-1", "1")
    assert (result["flow"], result["project"], result["run_config"], result["image"]) == (
        "weather",
        "weather",
        "KubernetesRun",
        "reg/w:7",
    )
    assert result["labels"] == [socket.gethostname()]  # Local storage's label, as `prefect build` wrote it
    assert result["agent"].startswith("runs need a Prefect 1 Kubernetes agent with the flow's labels [")
    # a failed registration is one line that says what it left
    (jp_root_dir / "weather" / "etlnb.toml").write_text('target = "prefect1"\nproject = "elsewhere"\n')
    job = _finished(
        jp_asyncio_loop,
        jp_fetch,
        _post(jp_asyncio_loop, jp_fetch, "deploy", body={"path": weather, "unverified": True}),
    )
    assert job["status"] == "failed" and "\n" not in job["message"], job
    assert job["message"].startswith("deploy: register failed: prefect register failed:"), job["message"]
    assert job["message"].endswith(
        "(nothing was registered, but runs of an already registered flow load build/'s script (Local storage), which now holds this code)"
    )
    assert [s["status"] for s in job["steps"]] == ["ok", "ok", "ok", "ok", "failed"]


def test_a_failed_job_is_one_line_and_marks_the_running_step_failed(tmp_path):
    """A run's child process: Prefect's task lines move the steps; on failure the panel gets etlnb's line."""
    import asyncio
    import sys

    from etlnb.jupyter.handlers import Job, _run_job

    script = "\n".join(
        [
            "import sys",
            "print(\"12:00:00.000 | INFO    | Task run 'extract_raw_data-0' - Finished in state Completed()\")",
            "print(\"12:00:01.000 | INFO    | Task run 'transform_clean_data-1' - started\")",
            "print('Traceback (most recent call last):')",
            "print('x' * 100_000)",  # longer than asyncio's default line limit
            "print('etlnb run: flow weather failed', file=sys.stderr)",
            "sys.exit(1)",
        ]
    )
    job = Job("j", "run-flow", dict.fromkeys(["extract_raw_data", "transform_clean_data", "load"], "pending"))
    asyncio.run(_run_job(job, [sys.executable, "-c", script], tmp_path))
    assert job.status == "failed"
    assert job.message == "etlnb run: flow weather failed"
    assert job.steps == {"extract_raw_data": "ok", "transform_clean_data": "failed", "load": "pending"}


def test_prefect1_task_lines_move_the_steps_too(tmp_path):
    """target = prefect1: flow.run() logs Prefect 1's own task lines; mapped items are not steps."""
    from etlnb.jupyter.handlers import Job, _line

    job = Job("j", "run-flow", dict.fromkeys(["extract_raw_data", "transform_clean_data", "load"], "pending"))
    head = "[2026-11-26 02:31:59+0000] INFO - prefect.TaskRunner | "
    _line(job, head + "Task 'extract_raw_data': Starting task run...")
    assert job.steps["extract_raw_data"] == "running"
    _line(job, head + "Task 'extract_raw_data': Finished task run for task with final state: 'Mapped'")
    _line(job, head + "Task 'transform_clean_data[1]': Starting task run...")
    assert job.steps == {"extract_raw_data": "ok", "transform_clean_data": "pending", "load": "pending"}
    _line(job, head + "Task 'transform_clean_data': Starting task run...")
    _line(job, head + "Task 'transform_clean_data': Finished task run for task with final state: 'Failed'")
    _line(job, head + "Task 'load': Finished task run for task with final state: 'TriggerFailed'")
    assert job.steps == {"extract_raw_data": "ok", "transform_clean_data": "failed", "load": "failed"}
