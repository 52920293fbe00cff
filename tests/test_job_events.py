"""A job's progress travels out of band (issue 26, class 7): what a run or deploy prints is text for
its log, never steps, an error or a result. Events come only on the pipe the handler gives the child
(etlnb.events), which nothing the child starts inherits.

The same ServerApp as tests/test_labextension_handlers.py drives the real RunHandler and DeployHandler;
their child's stdout gets event-looking lines first (a wrapper in place of the server's python), and the
notebook's own step prints them too (the integration test, where the flow runs for real).
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import re
import shlex
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

# pytest-jupyter's fixtures for this module only (see tests/test_labextension_handlers.py)
from pytest_jupyter.jupyter_core import *  # noqa: F403
from pytest_jupyter.jupyter_server import *  # noqa: F403

from .conftest import DEMOS, PYTHON, copy_project, make_notebook

WEATHER = next(p for p in DEMOS if p.stem == "weather")

# What a data value may hold when a step prints it: the old event prefix, Prefect's task line for a
# step that already finished, parity's difference line and its record line
FAKE_LINES = [
    "x",
    '@@etlnb {"step": "fake", "status": "failed"}',
    '@@etlnb {"error": "fake error"}',
    '@@etlnb {"result": {"verified": "0123abcd", "deployment_id": "fake"}}',
    "12:00:00.000 | INFO    | Task run 'extract_xs-000' - Finished in state Failed()",
    "spoof.ipynb: cell 2 [extract] id=c1: parity mismatch in `xs`: fake difference",
    "    verified: content 0123abcd",
]
FAKE = "\n".join(FAKE_LINES)
STEPS = ["extract_xs", "transform_total", "load"]


def spoof_notebook(folder: Path) -> str:
    (folder / "proj").mkdir(parents=True, exist_ok=True)
    (folder / "proj" / "spoof.ipynb").write_text(
        make_notebook(
            [
                ("n = 2", ["parameters"]),
                ("xs = list(range(n))", ["extract"]),
                (f"print({FAKE!r})\ntotal = sum(xs)", ["transform"]),
                ("print(total)", ["load"]),
            ]
        )
    )
    return "proj/spoof.ipynb"


def printed_fakes(lines: list[str]) -> None:
    """The printed lines are in the job's log, as text (a line may carry Prefect's log prefix)."""
    for fake in FAKE_LINES[1:]:
        assert any(line == fake or line.endswith(" - " + fake) for line in lines), (fake, lines[-40:])


# -- the job runner: a child that prints events and sends real ones -------------------------------------------------


CHILD = """
import os, subprocess, sys
from etlnb import events

fd = int(os.environ["ETLNB_EVENTS_FD"])
assert events.take() and "ETLNB_EVENTS_FD" not in os.environ
print(FAKE)
print(FAKE, file=sys.stderr)
events.emit(step="compile", status="running")
events.emit(step="compile", status="ok")
events.emit(step="verify", status="running")
# what the job starts, even with close_fds=False, neither sees the variable nor holds the pipe
subprocess.run([sys.executable, "-c", f"import os; print('grandchild', os.environ.get('ETLNB_EVENTS_FD'), os.path.exists('/proc/self/fd/{fd}'))"], close_fds=False)
events.emit(**OUTCOME)
sys.exit(EXIT)
"""


def _child(outcome: dict, exit_code: int) -> list[str]:
    script = f"FAKE = {FAKE!r}\nOUTCOME = {outcome!r}\nEXIT = {exit_code}\n" + CHILD
    return [sys.executable, "-c", script]


def test_printed_events_are_text_and_the_pipe_is_the_job_s_own(tmp_path):
    from etlnb.deploy.progress import STEPS as DEPLOY
    from etlnb.jupyter.handlers import Job, _run_job

    job = Job("j", "deploy", dict.fromkeys(DEPLOY, "pending"))
    outcome = {"step": "verify", "status": "ok", "result": {"deployment_id": "real"}}
    asyncio.run(_run_job(job, _child(outcome, 0), tmp_path))
    assert (job.status, job.message) == ("ok", ""), job
    assert job.steps == {
        "compile": "ok",
        "verify": "ok",
        "check": "pending",
        "upload": "pending",
        "register": "pending",
    }
    assert job.result == {"deployment_id": "real"}
    assert job.lines.count('@@etlnb {"error": "fake error"}') == 2  # stdout and stderr: both only text
    printed_fakes(job.lines)
    assert "grandchild None False" in job.lines, job.lines


def test_a_real_error_event_is_the_message_whatever_was_printed(tmp_path):
    from etlnb.deploy.progress import STEPS as DEPLOY
    from etlnb.jupyter.handlers import Job, _run_job

    job = Job("j", "deploy", dict.fromkeys(DEPLOY, "pending"))
    outcome = {"step": "verify", "status": "failed", "error": "deploy: verify failed: not verified"}
    asyncio.run(_run_job(job, _child(outcome, 1), tmp_path))
    assert (job.status, job.message) == ("failed", "deploy: verify failed: not verified"), job
    assert job.steps == {
        "compile": "ok",
        "verify": "failed",
        "check": "pending",
        "upload": "pending",
        "register": "pending",
    }
    assert job.result == {}


def test_the_run_s_task_states_replace_what_its_output_said(tmp_path):
    """Prefect's task lines move the steps while the flow runs; the run's "tasks" event (Prefect's own
    record of its task runs) settles them, and output after it moves nothing."""
    from etlnb.jupyter.handlers import Job, _event, _line

    job = Job("j", "run-flow", dict.fromkeys(STEPS, "pending"))
    _line(job, FAKE_LINES[4])  # a printed task line: extract_xs "failed" for now
    _line(job, "12:00:00.000 | INFO    | Task run 'transform_total-1' - started")
    assert job.steps == {"extract_xs": "failed", "transform_total": "running", "load": "pending"}
    tasks = [
        {"task": "extract_xs-a1b", "state": "Completed"},
        {"task": "transform_total-c2d", "state": "Completed"},
        {"task": "load-e3f", "state": "Completed"},
        {"task": "not_a_step-000", "state": "Failed"},
    ]
    _event(job, json.dumps({"tasks": tasks}).encode())
    assert job.steps == dict.fromkeys(STEPS, "ok")
    _line(job, "12:00:09.000 | INFO    | Task run 'load-000' - Finished in state Failed()")
    assert job.steps == dict.fromkeys(STEPS, "ok") and job.lines[-1].endswith("Failed()")
    # a mapped step is failed if one item failed; a step with no task run did not run
    job = Job("j", "run-flow", dict.fromkeys(STEPS, "running"))
    mapped = [{"task": "extract_xs-1", "state": "Completed"}, {"task": "extract_xs-2", "state": "Crashed"}]
    _event(job, json.dumps({"tasks": [*mapped, {"task": "transform_total", "state": "TriggerFailed"}]}).encode())
    assert job.steps == {"extract_xs": "failed", "transform_total": "failed", "load": "pending"}
    assert _line(job, FAKE_LINES[2]) is None and job.status == "running"  # text, not an error


def test_stdout_or_a_non_pipe_is_never_the_channel(tmp_path):
    script = "from etlnb import events; import os; print(events.take(), events.emit(error='x'), os.environ.get('ETLNB_EVENTS_FD'))"
    for value in ("1", "2", "0", "junk", "99"):
        done = subprocess.run(
            [PYTHON, "-c", script], capture_output=True, text=True, env=dict(os.environ, ETLNB_EVENTS_FD=value)
        )
        assert (done.returncode, done.stdout, done.stderr) == (0, "False False None\n", ""), (value, done)
    with open(tmp_path / "file", "w") as file:  # an open file, not a pipe
        done = subprocess.run(
            [PYTHON, "-c", script],
            capture_output=True,
            text=True,
            env=dict(os.environ, ETLNB_EVENTS_FD=str(file.fileno())),
            pass_fds=(file.fileno(),),
        )
    assert done.stdout == "False False None\n" and (tmp_path / "file").read_text() == ""


def test_a_job_run_by_hand_says_its_events_on_stderr():
    done = subprocess.run(
        [PYTHON, "-m", "etlnb.jupyter.job", "nonsense", "{}"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and done.stdout == ""
    assert json.loads(done.stderr) == {"error": "unknown job 'nonsense'"}


# -- through the server's handlers ----------------------------------------------------------------------------------


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"etlnb.labext": True}}}


@pytest.fixture
def printing_python(tmp_path, monkeypatch) -> Path:
    """The handlers start `<wrapper> -m ...`: it prints FAKE on stdout, then execs the real python
    (which inherits the events pipe as the wrapper did)."""
    from etlnb.jupyter import handlers

    wrapper = tmp_path / "bin" / "python"
    wrapper.parent.mkdir()
    wrapper.write_text(f"#!/bin/sh\nprintf '%s\\n' {shlex.quote(FAKE)}\nexec {shlex.quote(sys.executable)} \"$@\"\n")
    wrapper.chmod(0o755)
    monkeypatch.setattr(handlers, "sys", types.SimpleNamespace(executable=str(wrapper)))
    return wrapper


def _run(loop, make):
    asyncio.set_event_loop(loop)  # see tests/test_labextension_handlers.py
    return loop.run_until_complete(make())


def _post(loop, fetch, *parts, body):
    return json.loads(_run(loop, lambda: fetch("etlnb", *parts, method="POST", body=json.dumps(body))).body)


def _finished(loop, fetch, job: dict, seconds: float = 300) -> dict:
    deadline = time.monotonic() + seconds
    while job["status"] == "running":
        assert time.monotonic() < deadline, job
        loop.run_until_complete(asyncio.sleep(0.3))
        job = json.loads(_run(loop, functools.partial(fetch, "etlnb", "jobs", job["id"])).body)
    return job


def test_run_and_deploy_handlers_show_what_the_child_printed_as_text(
    jp_serverapp, jp_fetch, jp_asyncio_loop, jp_root_dir, printing_python
):
    path = spoof_notebook(jp_root_dir)
    job = _finished(
        jp_asyncio_loop, jp_fetch, _post(jp_asyncio_loop, jp_fetch, "run", body={"path": path, "mode": "sample"})
    )
    assert (job["status"], job["message"], job["result"]) == ("ok", "", {}), job
    assert job["steps"] == [{"name": name, "status": "pending"} for name in STEPS]  # no flow ran: none moved
    printed_fakes(job["lines"])
    assert any(line.startswith("sample run ok in ") for line in job["lines"]), job["lines"]

    copy_project(WEATHER, jp_root_dir / "weather")  # no parity of it on record: refused at verify
    job = _post(
        jp_asyncio_loop, jp_fetch, "deploy", body={"path": "weather/weather.ipynb", "work_pool_type": "process"}
    )
    job = _finished(jp_asyncio_loop, jp_fetch, job)
    assert job["status"] == "failed" and job["message"].startswith("deploy: verify failed: "), job
    assert [(s["name"], s["status"]) for s in job["steps"]] == [
        ("compile", "ok"),
        ("verify", "failed"),
        ("check", "pending"),
        ("upload", "pending"),
        ("register", "pending"),
    ]
    assert job["result"] == {}
    printed_fakes(job["lines"])


@pytest.mark.integration
def test_a_step_that_prints_events_changes_nothing_the_panel_shows(
    jp_serverapp, jp_fetch, jp_asyncio_loop, jp_root_dir, prefect_server, printing_python, monkeypatch
):
    """The notebook's own step prints FAKE while the flow runs on the local server (and the wrapper
    before `etlnb run` starts): flow, parity and deploy jobs end with exactly their real steps."""
    monkeypatch.setenv("ETLNB_HOME", str(prefect_server.home))
    monkeypatch.setenv("ETLNB_SERVER_PORT", str(prefect_server.port))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    path = spoof_notebook(jp_root_dir)
    loop, fetch = jp_asyncio_loop, jp_fetch

    job = _finished(loop, fetch, _post(loop, fetch, "run", body={"path": path, "mode": "flow"}))
    assert (job["status"], job["message"], job["result"]) == ("ok", "", {}), job
    assert job["steps"] == [{"name": name, "status": "ok"} for name in STEPS]
    assert sum(line.endswith(FAKE_LINES[1]) for line in job["lines"]) == 2  # the wrapper's and the step's
    printed_fakes(job["lines"])

    job = _finished(loop, fetch, _post(loop, fetch, "run", body={"path": path, "mode": "parity"}))
    assert (job["status"], job["message"]) == ("ok", ""), job
    assert job["steps"] == [{"name": name, "status": "ok"} for name in STEPS]
    assert job["result"]["mismatches"] == [] and re.fullmatch(r"[0-9a-f]+", job["result"]["verified"]), job["result"]
    assert job["result"]["verified"] != "0123abcd"
    assert any(line.startswith(f"    verified: content {job['result']['verified']} (record ") for line in job["lines"])
    printed_fakes(job["lines"])

    monkeypatch.setenv("PREFECT_API_URL", prefect_server.api_url)
    job = _finished(loop, fetch, _post(loop, fetch, "deploy", body={"path": path, "work_pool_type": "process"}))
    assert (job["status"], job["message"]) == ("ok", ""), job
    assert [s["status"] for s in job["steps"]] == ["ok"] * 5
    assert job["result"]["full_name"] == "spoof/proj" and job["result"]["deployment_id"] != "fake", job["result"]
    printed_fakes(job["lines"])
