"""The warm flow runner (etlnb/targets/prefect3/warm.py): a forked child must look to the flow
exactly like a fresh `python -m etlnb.targets.prefect3.run` process: the caller's environment,
folder and output, fresh random seeds, working subprocesses, and it can be stopped."""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path

import pytest

from etlnb.targets.prefect3 import warm

FLOW = """\
import os, random, subprocess, sys, time

import numpy as np
from prefect import flow


@flow
def probe(seconds: float = 0.0):
    child = subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True, text=True).stdout.strip()
    facts = {
        "ppid": os.getppid(), "token": os.environ.get("ETLNB_TEST_TOKEN"), "cwd": os.getcwd(),
        "path": sys.path[:2], "draw": random.random(), "np": float(np.random.rand()), "child": child,
    }
    print("FACTS " + __import__("json").dumps(facts), flush=True)
    time.sleep(seconds)
"""


def start(tmp_path: Path, env: dict[str, str], seconds: float = 0.0, name: str = "run"):
    folder = tmp_path / name
    folder.mkdir()
    (tmp_path / "probe.py").write_text(FLOW)
    manifest = {
        "script": str(tmp_path / "probe.py"),
        "flow_function": "probe",
        "parameters": {"seconds": seconds},
        "cwd": str(folder),
        "capture": None,
        "segments": [],
        "report": str(folder / "report.json"),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    command = [sys.executable, "-m", "etlnb.targets.prefect3.run", str(folder / "manifest.json")]
    return warm.spawn(command, env), folder


def facts(process) -> dict:
    for line in process.stdout:
        if line.startswith("FACTS "):
            return json.loads(line[6:])
    raise AssertionError("the flow printed no facts")


def wait_for_daemon(env: dict[str, str], timeout: float = 60) -> Path:
    path = warm.socket_path(warm.key(env))
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, "no warm runner started"
        time.sleep(0.2)
    return path


def warmed(tmp_path: Path, flow_env: dict[str, str]) -> dict[str, str]:
    """An environment whose daemon is up: one cold run started it."""
    env = dict(flow_env, PYTHONUNBUFFERED="1")
    process, _ = start(tmp_path, env, name="warmup")
    process.wait()
    wait_for_daemon(env)
    return env


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


@pytest.mark.integration
def test_a_warm_child_sees_what_a_fresh_process_would(tmp_path, flow_env):
    env = dict(flow_env, ETLNB_TEST_TOKEN="first", PYTHONUNBUFFERED="1")
    first, _ = start(tmp_path, env, name="first")
    seen_first = facts(first)
    assert first.wait() == 0
    wait_for_daemon(env)

    runs = []
    for token in ("second", "third"):
        process, folder = start(tmp_path, dict(env, ETLNB_TEST_TOKEN=token), name=token)
        assert isinstance(process, warm.WarmProcess), "the daemon did not take the run"
        runs.append((facts(process), folder))
        assert process.wait() == 0
        assert json.loads((folder / "report.json").read_text())["state"] == "Completed"
    (second, folder2), (third, _) = runs
    # forked by the daemon, not started by this process
    assert second["ppid"] != os.getpid() and "warm import serve" in cmdline(second["ppid"])
    # the caller's environment, folder and sys.path, not the daemon's or the first run's
    assert (seen_first["token"], second["token"], third["token"]) == ("first", "second", "third")
    assert second["cwd"] == str(folder2) and second["path"] == [str(folder2), os.getcwd()]
    assert seen_first["path"][1] == os.getcwd()
    # the flow's own subprocesses are waited for (SIGCHLD is the default again)
    assert second["child"] == "42" == third["child"]
    # every run has its own random and numpy seeds, as fresh processes do
    assert len({seen_first["draw"], second["draw"], third["draw"]}) == 3
    assert len({seen_first["np"], second["np"], third["np"]}) == 3


@pytest.mark.integration
def test_a_warm_child_can_be_stopped(tmp_path, flow_env):
    env = warmed(tmp_path, flow_env)
    process, _ = start(tmp_path, env, seconds=120, name="long")
    assert isinstance(process, warm.WarmProcess)
    facts(process)
    started = time.monotonic()
    process.kill()
    assert process.wait() != 0
    deadline = started + 10
    while Path(f"/proc/{process.pid}").exists() and "Z" not in Path(f"/proc/{process.pid}/stat").read_text().split()[2]:
        assert time.monotonic() < deadline, "the killed child is still running"
        time.sleep(0.1)


@pytest.mark.integration
def test_the_daemon_keeps_none_of_its_first_callers_other_variables(tmp_path, flow_env):
    """A JupyterLab's runtime folder or a token in the first caller's environment must not live on
    in the daemon (each run brings its own environment)."""
    import psutil

    env = dict(flow_env, PYTHONUNBUFFERED="1", JUPYTER_RUNTIME_DIR=str(tmp_path / "lab"), ETLNB_TEST_TOKEN="secret")
    process, _ = start(tmp_path, env, name="first")
    process.wait()
    path = wait_for_daemon(env)
    daemon = next(p for p in psutil.process_iter(["cmdline"]) if str(path) in " ".join(p.info["cmdline"] or []))
    assert "JUPYTER_RUNTIME_DIR" not in daemon.environ() and "ETLNB_TEST_TOKEN" not in daemon.environ()
    process, _ = start(tmp_path, env, name="second")
    assert isinstance(process, warm.WarmProcess)
    assert facts(process)["token"] == "secret"  # the run itself gets it
    process.wait()


def test_runs_whose_prefect_settings_differ_get_different_daemons():
    base = {"PREFECT_API_URL": "http://127.0.0.1:1/api", "HOME": "/root", "PATH": "/usr/bin"}
    assert warm.key(base) == warm.key(dict(base, JUPYTER_RUNTIME_DIR="/tmp/lab", ETLNB_TEST_TOKEN="x"))
    assert warm.key(base) != warm.key(dict(base, HOME="/tmp"))  # Prefect's home defaults to ~/.prefect
    assert warm.key(base) != warm.key(dict(base, PREFECT_API_URL="http://127.0.0.1:2/api"))
    assert warm.key(base) != warm.key(dict(base, PYTHONHASHSEED="0"))
    assert warm.key(base) != warm.key(dict(base, TZ="Asia/Tokyo"))
    assert not warm.enabled(dict(base, ETLNB_WARM_RUNNER="0"))


@pytest.mark.integration
def test_the_daemon_leaves_when_its_server_stops(tmp_path):
    """No runner outlives the Prefect server it reports to (nor the test session's)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    env = dict(os.environ, PREFECT_API_URL=f"http://127.0.0.1:{listener.getsockname()[1]}/api")
    path = warm.socket_path(warm.key(env))
    warm.start_daemon(path, env)
    wait_for_daemon(env)
    pid = int(next(ln for ln in os.popen(f"pgrep -f '{path}'").read().split()))
    listener.close()
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and "warm import serve" in cmdline(pid):
        assert time.monotonic() < deadline, "the runner outlived its server"
        time.sleep(0.5)
    assert not path.exists()


CALLER = """
import json, sys
sys.path.insert(0, {tests!r})
from test_warm_runner import start, facts
from pathlib import Path
process, _ = start(Path({tmp!r}), json.loads({env!r}), seconds=120, name="orphan")
print(type(process).__name__, process.pid, flush=True)
facts(process)
print("running", flush=True)
process.wait()
"""


@pytest.mark.integration
def test_a_warm_child_dies_with_its_caller(tmp_path, flow_env):
    """Ctrl-C or a kill of `etlnb run` ends the flow it started, as with a cold child."""
    import subprocess

    env = warmed(tmp_path, flow_env)
    code = CALLER.format(tests=str(Path(__file__).parent), tmp=str(tmp_path), env=json.dumps(env))
    caller = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    kind, pid = caller.stdout.readline().split()
    assert kind == "WarmProcess"
    assert caller.stdout.readline().strip() == "running"
    caller.kill()
    caller.wait()
    deadline = time.monotonic() + 15
    while Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]:
        assert time.monotonic() < deadline, "the warm child outlived its caller"
        time.sleep(0.2)
