"""etlnb's /etlnb/... handlers under Jupyter's Authorizer, hidden-file rule and bad requests (issue 26,
classes 5 and 10), through a real ServerApp (pytest-jupyter, as tests/test_labextension_handlers.py).

The server's Authorizer is a read-only one unless a test names another (indirect `jp_server_config`):
contents and the rest may be read, nothing written, kernels and terminals refused, as Jupyter's own
/api/contents and /api/kernels answer it. Every etlnb handler and method is tried: the reads answer,
runs and deploys are 403 and nothing ran. Every answer is checked for the server root's absolute path.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import ClassVar

import pytest
from jupyter_server.auth.authorizer import AllowAllAuthorizer, Authorizer

# pytest-jupyter's fixtures for this module only (see tests/test_labextension_handlers.py)
from pytest_jupyter.jupyter_core import *  # noqa: F403
from pytest_jupyter.jupyter_server import *  # noqa: F403
from tornado.httpclient import HTTPClientError

from .conftest import DEMOS, copy_project

WEATHER = next(p for p in DEMOS if p.stem == "weather")
DEPLOYMENT = "0b5e3f1c-2d4a-4e6b-8c9d-0a1b2c3d4e5f"
SAMPLE_RAN = "sample-ran.txt"  # the weather copy's sample cell writes it when anything runs that cell


class ReadOnlyAuthorizer(Authorizer):
    """Reads only: no contents written (PUT, POST, DELETE), no kernel or terminal at all."""

    asked: ClassVar[list[tuple[str, str]]] = []  # (action, resource) as handlers asked

    def is_authorized(self, handler, user, action, resource):
        ReadOnlyAuthorizer.asked.append((action, resource))
        return action == "read" and resource not in ("kernels", "terminals")


ALLOW_ALL = {"authorizer": AllowAllAuthorizer}
ALLOW_HIDDEN = {"authorizer": ReadOnlyAuthorizer, "allow_hidden": True}


@pytest.fixture
def jp_server_config(request):
    chosen = getattr(request, "param", {})
    config = {
        "ServerApp": {
            "jpserver_extensions": {"etlnb.labext": True},
            "authorizer_class": chosen.get("authorizer", ReadOnlyAuthorizer),
        }
    }
    if chosen.get("allow_hidden"):
        config["ContentsManager"] = {"allow_hidden": True}
    return config


@pytest.fixture
def weather(jp_root_dir: Path) -> str:
    """The weather demo, its sample cell also writing SAMPLE_RAN next to the notebook."""
    notebook = copy_project(WEATHER, jp_root_dir / "weather")
    data = json.loads(notebook.read_text())
    sample = next(c for c in data["cells"] if "sample" in c["metadata"].get("tags", []))
    sample["source"] = "".join(sample["source"]) + f"\nopen({SAMPLE_RAN!r}, 'w').close()\n"
    notebook.write_text(json.dumps(data, indent=1))
    return "weather/weather.ipynb"


@pytest.fixture
def roots(jp_serverapp, jp_root_dir: Path) -> list[str]:
    return sorted({str(jp_root_dir), str(jp_root_dir.resolve()), jp_serverapp.root_dir})


def _run(loop, make):
    asyncio.set_event_loop(loop)  # see tests/test_labextension_handlers.py
    return loop.run_until_complete(make())


class Fetch:
    """Requests to the test server; every answer is checked: JSON, and never the root's absolute path."""

    def __init__(self, loop, fetch, roots: list[str]):
        self.loop, self.fetch, self.roots = loop, fetch, roots

    def __call__(self, *parts, method="GET", body=None, params=None) -> tuple[int, dict]:
        kwargs = {"method": method, "params": params or {}}
        if body is not None:
            kwargs["body"] = body if isinstance(body, str) else json.dumps(body)
        elif method in ("POST", "PUT"):
            kwargs["body"] = ""
        try:
            response = _run(self.loop, lambda: self.fetch(*parts, **kwargs))
        except HTTPClientError as exc:
            assert exc.response is not None, exc
            code, text = exc.code, exc.response.body.decode()
        else:
            code, text = response.code, response.body.decode()
        for root in self.roots:
            assert root not in text, f"{'/'.join(parts)} answered with the server's root {root}: {text[:500]}"
        try:
            return code, json.loads(text)
        except ValueError:  # Jupyter's own 404 of a hidden file is plain text
            assert code == 404 and parts[0] == "api", (parts, code, text)
            return code, {"text": text}

    def error(self, *parts, **kwargs) -> tuple[int, str]:
        """An etlnb error: one line in {"message": ...}, never a traceback."""
        code, data = self(*parts, **kwargs)
        assert code >= 400, (code, data)
        assert set(data) == {"message"}, data
        message = data["message"]
        assert isinstance(message, str) and message.strip(), data
        assert len(message.splitlines()) == 1 and "Traceback" not in message and len(message) < 400, message
        return code, message


@pytest.fixture
def api(jp_serverapp, jp_fetch, jp_asyncio_loop, roots) -> Fetch:
    return Fetch(jp_asyncio_loop, jp_fetch, roots)


@pytest.fixture
def jobs():
    """etlnb's job table, as it was before the test (no run may add to it) and restored after."""
    from etlnb.jupyter.handlers import JOBS

    before = dict(JOBS)
    yield before
    JOBS.clear()
    JOBS.update(before)


def _nothing_ran(jp_root_dir: Path, jobs_before: dict, wait: bool = True) -> None:
    """No job was started (start_job records it before the answer) and nothing wrote in the project."""
    from etlnb.jupyter.handlers import JOBS

    if wait:
        time.sleep(1.0)  # a child process started by mistake would have begun writing by now
    assert JOBS == jobs_before, "a job was started"
    project = jp_root_dir / "weather"
    made = [
        p.name for p in (project / "build", project / "out", project / SAMPLE_RAN, project / ".etlnb") if p.exists()
    ]
    assert made == [], f"something ran and wrote {made}"


# -- the read-only user: reads answer, nothing runs --------------------------------------------------------------


def test_read_only_user_checks_the_notebook_and_sees_its_graph(api, weather, jp_root_dir, jobs):
    ReadOnlyAuthorizer.asked.clear()
    code, data = api("etlnb", "check", params={"path": weather})
    assert code == 200 and data["ok"] and data["flow"] == "weather", data
    assert data["mermaid"].startswith("flowchart TD") and data["nodes"]
    assert ("read", "contents") in ReadOnlyAuthorizer.asked  # asked, not skipped
    _nothing_ran(jp_root_dir, jobs)


def test_read_only_user_reads_deploy_settings_without_running_the_sample_cells(api, weather, jp_root_dir, jobs):
    code, fields = api("etlnb", "deploy", "settings", params={"path": weather})
    assert code == 200 and fields["project"] == "weather" and fields["work_pool"] == "etlnb-local", fields
    assert fields["verified"] is False
    assert fields["verification"].startswith("not checked: ") and "execute kernels" in fields["verification"]
    _nothing_ran(jp_root_dir, jobs)


@pytest.mark.parametrize("jp_server_config", [ALLOW_ALL], indirect=True)
def test_whoever_may_execute_gets_the_verification_which_runs_the_sample_cells(api, weather, jp_root_dir):
    """The control of the test above: with execute allowed, the sample cell does run (SAMPLE_RAN)."""
    code, fields = api("etlnb", "deploy", "settings", params={"path": weather})
    assert code == 200 and not fields["verification"].startswith("not checked"), fields
    assert "is not verified" in fields["verification"], fields
    assert (jp_root_dir / "weather" / SAMPLE_RAN).exists()


@pytest.mark.parametrize(
    ("parts", "body", "needs"),
    [
        (("run",), {"path": "weather/weather.ipynb"}, "execute kernels"),
        (("run",), {"path": "weather/weather.ipynb", "mode": "flow"}, "execute kernels"),
        (("run",), {"path": "weather/weather.ipynb", "mode": "parity"}, "execute kernels"),
        (("run",), {"path": "weather/weather.ipynb", "mode": "sample"}, "execute kernels"),
        (("deploy",), {"path": "weather/weather.ipynb", "unverified": True}, "write contents"),
        (("flow-run",), {"deployment_id": DEPLOYMENT}, "execute kernels"),
        # refused before the body is read: a bad one says nothing about the notebook
        (("run",), {"path": 7}, "execute kernels"),
        (("deploy",), "[1]", "write contents"),
    ],
)
def test_read_only_user_cannot_run_or_deploy(api, weather, jp_root_dir, jobs, parts, body, needs):
    code, message = api.error("etlnb", *parts, method="POST", body=body)
    assert code == 403, message
    assert message.startswith("not allowed: ") and f"needs permission to {needs}" in message, message
    _nothing_ran(jp_root_dir, jobs)


def test_deploy_needs_execute_as_well_as_write(api, weather, jp_root_dir, jobs, monkeypatch):
    """An authorizer that lets contents be written but no kernel: deploy runs the sample cells, refused."""
    monkeypatch.setattr(
        ReadOnlyAuthorizer,
        "is_authorized",
        lambda self, handler, user, action, resource: resource not in ("kernels", "terminals"),
    )
    code, message = api.error("etlnb", "deploy", method="POST", body={"path": weather, "unverified": True})
    assert code == 403 and "needs permission to execute kernels" in message, message
    code, message = api.error("etlnb", "run", method="POST", body={"path": weather, "mode": "sample"})
    assert code == 403 and "needs permission to execute kernels" in message, message
    _nothing_ran(jp_root_dir, jobs)


def test_runs_need_write_as_well_as_execute(api, weather, jp_root_dir, jobs, monkeypatch):
    """An authorizer that lets kernels run but nothing be written: a run writes build/, refused."""
    monkeypatch.setattr(
        ReadOnlyAuthorizer, "is_authorized", lambda self, handler, user, action, resource: action != "write"
    )
    for mode in ("flow", "parity", "sample"):
        code, message = api.error("etlnb", "run", method="POST", body={"path": weather, "mode": mode})
        assert code == 403 and "needs permission to write contents" in message, message
    code, message = api.error("etlnb", "deploy", method="POST", body={"path": weather, "unverified": True})
    assert code == 403 and "needs permission to write contents" in message, message
    _nothing_ran(jp_root_dir, jobs)


def test_read_only_user_cannot_follow_a_job(api, weather, jobs):
    """A job's lines are the output of code a run ran: a kernel's output, refused with kernels."""
    from etlnb.jupyter.handlers import JOBS, Job

    job = Job("f" * 32, "run-sample", {"load": "ok"}, lines=["secret output"], status="ok")
    JOBS[job.id] = job
    code, message = api.error("etlnb", "jobs", job.id)
    assert code == 403 and "needs permission to read kernels" in message, message


@pytest.mark.parametrize("jp_server_config", [ALLOW_ALL], indirect=True)
def test_jobs_answer_with_relative_paths_and_unknown_ids_in_one_line(api, jp_root_dir, jobs):
    from etlnb.jupyter.handlers import JOBS, Job

    root = str(jp_root_dir)
    job = Job("e" * 32, "run-flow", {"load": "failed"}, status="failed")
    job.lines = [f'  File "{root}/weather/build/weather/weather.py", line 3', f"cwd {root}"]
    job.message = f"etlnb run: {root}/weather/weather.ipynb failed"
    job.result = {"commands": [f"prefect build -p {root}/weather/build/weather/weather.py"]}
    JOBS[job.id] = job
    code, text = _raw(api, "etlnb", "jobs", job.id)
    assert code == 200
    data = json.loads(text)
    assert data["message"] == "etlnb run: weather/weather.ipynb failed"
    assert data["lines"] == ['  File "weather/build/weather/weather.py", line 3', "cwd ."]
    assert data["result"] == job.result  # commands to paste into a terminal keep their absolute paths
    for job_id in ("0" * 32, "not-a-job", "x" * 5000):
        code, message = api.error("etlnb", "jobs", job_id)
        assert code == 404 and message.startswith("no such job "), message


def _raw(api: Fetch, *parts) -> tuple[int, str]:
    response = _run(api.loop, lambda: api.fetch(*parts))
    return response.code, response.body.decode()


def test_methods_a_handler_does_not_have_are_one_line(api, weather):
    for parts, method in [
        (("check",), "POST"),
        (("check",), "DELETE"),
        (("run",), "GET"),
        (("run",), "PUT"),
        (("deploy",), "GET"),
        (("deploy", "settings"), "POST"),
        (("flow-run",), "GET"),
        (("jobs", "a" * 32), "POST"),
    ]:
        code, message = api.error("etlnb", *parts, method=method)
        assert code == 405, (parts, method, message)


# -- Jupyter's hidden-file rule --------------------------------------------------------------------------------------


@pytest.fixture
def hidden(jp_root_dir: Path, weather: str) -> list[str]:
    """A notebook in a hidden folder and a hidden notebook, both valid copies of the weather one."""
    text = (jp_root_dir / weather).read_text()
    (jp_root_dir / ".private").mkdir()
    (jp_root_dir / ".private" / "x.ipynb").write_text(text)
    (jp_root_dir / "weather" / ".x.ipynb").write_text(text)
    return [".private/x.ipynb", "weather/.x.ipynb"]


def test_hidden_notebooks_are_missing_as_under_api_contents(api, hidden, jp_root_dir, jobs):
    missing_code, missing = api.error("etlnb", "check", params={"path": "weather/missing.ipynb"})
    assert missing_code == 404, missing
    for path in hidden:
        code, data = api("api", "contents", *path.split("/"))
        assert code == 404, data  # Jupyter's own answer
        for parts in (("check",), ("deploy", "settings")):
            code, message = api.error("etlnb", *parts, params={"path": path})
            # the same 404 as a missing file: whether a hidden file exists is not told either
            assert (code, message) == (404, missing.replace("weather/missing.ipynb", path)), message
    _nothing_ran(jp_root_dir, jobs)


@pytest.mark.parametrize("jp_server_config", [ALLOW_ALL], indirect=True)
def test_hidden_notebooks_are_not_run_either(api, hidden, jp_root_dir, jobs):
    for path in hidden:
        for parts, body in [
            (("run",), {"path": path, "mode": "sample"}),
            (("deploy",), {"path": path, "unverified": True}),
        ]:
            code, message = api.error("etlnb", *parts, method="POST", body=body)
            assert code == 404 and message == f"{path} is not saved yet: save it (Ctrl+S) and try again", message
    _nothing_ran(jp_root_dir, jobs)


@pytest.mark.parametrize("jp_server_config", [ALLOW_HIDDEN], indirect=True)
def test_allow_hidden_shows_them_as_api_contents_does(api, hidden):
    for path in hidden:
        code, data = api("api", "contents", *path.split("/"))
        assert code == 200, data
        code, data = api("etlnb", "check", params={"path": path})
        assert code == 200 and data["ok"] and data["path"] == path, data


# -- bad requests: 400 and one line, never a 500 ------------------------------------------------------------------

LONG = "a" * 5000 + ".ipynb"
BAD_PATHS = [
    ({"path": 1}, "path must be a string"),
    ({"path": 1.5}, "path must be a string"),
    ({"path": True}, "path must be a string"),
    ({"path": ["weather/weather.ipynb"]}, "path must be a string"),
    ({"path": {"path": "weather/weather.ipynb"}}, "path must be a string"),
    ({}, "no notebook given"),
    ({"path": None}, "no notebook given"),
    ({"path": ""}, "no notebook given"),
    ({"path": LONG}, "is too long"),
    ({"path": "weather/" + "b" * 300 + ".ipynb"}, "is too long"),
    ({"path": "weather/a\nb.ipynb"}, "holds control characters"),
    ({"path": "weather/a\u0000b.ipynb"}, "holds control characters"),
    ('{"path": "weather/\\ud800.ipynb"}', "holds control characters"),  # a lone surrogate
    ("[" * 100_000, "the request body is not JSON"),
    ("not json", "the request body is not JSON"),
    ('"weather/weather.ipynb"', "the request body is not a JSON object"),
    ("[1]", "the request body is not a JSON object"),
    ("12", "the request body is not a JSON object"),
    ("", "no notebook given"),
]


@pytest.mark.parametrize("jp_server_config", [ALLOW_ALL], indirect=True)
@pytest.mark.parametrize("endpoint", ["run", "deploy"])
def test_bad_bodies_are_400_and_one_line(api, weather, jp_root_dir, jobs, endpoint):
    for body, says in BAD_PATHS:
        code, message = api.error("etlnb", endpoint, method="POST", body=body)
        assert code == 400 and says in message, (str(body)[:100], message)
        assert len(message) < 300, message  # a long path is not echoed whole
    _nothing_ran(jp_root_dir, jobs, wait=False)


@pytest.mark.parametrize("jp_server_config", [ALLOW_ALL], indirect=True)
def test_bad_fields_are_400_and_one_line(api, weather, jp_root_dir, jobs):
    cases = [
        ("run", {"path": weather, "mode": ["flow"]}, "unknown run mode ["),
        ("run", {"path": weather, "mode": 3}, "unknown run mode 3"),
        ("run", {"path": weather, "mode": {"a": 1}}, "unknown run mode {"),
        ("run", {"path": weather, "mode": "x" * 10_000}, "unknown run mode "),
        ("deploy", {"path": weather, "work_pool": ["a"]}, "deploy: work_pool must be a string, not list"),
        ("deploy", {"path": weather, "work_pool_type": {"a": 1}}, "deploy: work_pool_type must be a string, not dict"),
        ("deploy", {"path": weather, "image": 5}, "deploy: image must be a string, not int"),
        ("deploy", {"path": weather, "schedule": [1]}, "deploy: schedule must be a string, not list"),
        ("deploy", {"path": weather, "storage": True}, "deploy: storage must be a string, not bool"),
        ("deploy", {"path": weather, "unverified": "yes"}, 'deploy: unverified must be true or false, not "yes"'),
        ("deploy", {"path": weather, "unverified": 1}, "deploy: unverified must be true or false, not 1"),
        ("flow-run", {}, "no deployment to run: deploy first"),
        ("flow-run", {"deployment_id": 12}, "deployment_id 12 is not a deployment's id"),
        ("flow-run", {"deployment_id": [DEPLOYMENT]}, "is not a deployment's id"),
        ("flow-run", {"deployment_id": "x" * 10_000}, "is not a deployment's id"),
        ("flow-run", "[1]", "the request body is not a JSON object"),
        ("flow-run", "[" * 100_000, "the request body is not JSON"),
    ]
    for endpoint, body, says in cases:
        code, message = api.error("etlnb", endpoint, method="POST", body=body)
        assert code == 400 and says in message, (endpoint, body if len(str(body)) < 200 else "long", message)
        assert len(message) < 300, message
    _nothing_ran(jp_root_dir, jobs, wait=False)


@pytest.mark.parametrize("endpoint", [("check",), ("deploy", "settings")])
def test_bad_query_paths_are_one_line(api, weather, endpoint):
    for path, status, says in [
        ("", 400, "no notebook given"),
        (LONG, 400, "is too long"),
        ("weather/" + "b" * 300 + ".ipynb", 400, "is too long"),
        ("weather/a\u0085b.ipynb", 400, "holds control characters"),
        ("../outside.ipynb", 403, "outside the folder Jupyter serves"),
        ("/" + "../" * 30 + "etc/x.ipynb", 403, "outside the folder Jupyter serves"),
        ("weather", 400, "is not a notebook"),
        ("weather/samples", 400, "is not a notebook"),
        ("weather/missing.ipynb", 404, "is not saved yet"),
    ]:
        code, message = api.error("etlnb", *endpoint, params={"path": path})
        assert (code, says in message) == (status, True), (path[:100], message)
        assert len(message) < 300, message


# -- the server's root is never told -------------------------------------------------------------------------------


def test_a_symlink_out_of_the_root_and_a_broken_config_name_no_absolute_path(api, weather, jp_root_dir, tmp_path):
    outside = tmp_path / "elsewhere.ipynb"
    outside.write_text((jp_root_dir / weather).read_text())
    (jp_root_dir / "weather" / "link.ipynb").symlink_to(outside)
    code, message = api.error("etlnb", "check", params={"path": "weather/link.ipynb"})
    assert code == 403 and message == "weather/link.ipynb is outside the folder Jupyter serves", message
    (jp_root_dir / "weather" / "etlnb.toml").write_text("target = [unclosed\n")
    for parts in (("check",), ("deploy", "settings")):
        api("etlnb", *parts, params={"path": weather})  # whatever it answers, Fetch checks the root is not in it
    (jp_root_dir / "weather" / "dir.ipynb").mkdir()
    code, message = api.error("etlnb", "check", params={"path": "weather/dir.ipynb"})
    assert code == 404, message


def test_hide_root_makes_paths_relative_and_leaves_other_text():
    from etlnb.jupyter.handlers import hide_root

    roots = ["/srv/lab"]
    assert hide_root("/srv/lab/a/b.ipynb: error", roots) == "a/b.ipynb: error"
    assert hide_root("cd /srv/lab; ls", roots) == "cd .; ls"
    assert hide_root("/srv/lab2/x and /srv/labx", roots) == "/srv/lab2/x and /srv/labx"
    assert hide_root({"a": ["/srv/lab/x", 1, None]}, roots) == {"a": ["x", 1, None]}
