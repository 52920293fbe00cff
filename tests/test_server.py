"""`etlnb server start | stop | status` as a user runs it: the real CLI, a real local Prefect server.

Every command runs `python -m etlnb server ...` in a subprocess with ETLNB_HOME set to a temporary
folder and ETLNB_SERVER_PORT to a free port (never the default 4321, where a developer's server may
run). Starting Prefect is slow, so one server is started for the whole module (the `server`
fixture, from project A's home project-a/.etlnb) and stopped by the last tests (`stopped` fixture),
which pytest runs in file order. A second project folder (project B) on the same port must never
reuse project A's server.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from etlnb.local import server as server_module

from .conftest import make_notebook

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PORT = 4321

# -- helpers ------------------------------------------------------------------------------------


def free_port() -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port != DEFAULT_PORT:
            return port


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def etlnb_server(action: str, home: Path, port: int, timeout: float = 180) -> Result:
    """Run `etlnb server ACTION` as a user would, with this home and port."""
    env = dict(os.environ, ETLNB_HOME=str(home), ETLNB_SERVER_PORT=str(port))
    began = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "etlnb", "server", action],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - began)


def health_status(port: int) -> int | None:
    """HTTP status of /api/health on the port, or None if nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=3) as response:
            return response.status
    except (urllib.error.URLError, OSError):
        return None


def cmdline(pid: int) -> list[str]:
    """The process's arguments; empty if it is gone (or a zombie, which has exited)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [arg.decode(errors="replace") for arg in raw.split(b"\0") if arg]


def prefect_processes(port: int) -> list[int]:
    """Pids of live processes whose command line names prefect and this port."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        args = cmdline(int(entry.name))
        if str(port) in args and any("prefect" in arg for arg in args):
            pids.append(int(entry.name))
    return pids


def is_server_process(pid: int, port: int) -> bool:
    return pid in prefect_processes(port)


def state_pid(home: Path) -> int:
    return int(json.loads((home / "server.json").read_text())["pid"])


def dead_pid() -> int:
    """A pid that existed a moment ago and has been reaped."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    assert not Path(f"/proc/{proc.pid}").exists()
    return proc.pid


def nonempty_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# -- fixtures -----------------------------------------------------------------------------------


@dataclass
class Started:
    home: Path
    port: int
    start: Result
    pid: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One real server for the module, started with `etlnb server start` from project A's home."""
    home = tmp_path_factory.mktemp("project-a") / ".etlnb"
    port = free_port()
    start = etlnb_server("start", home, port)
    pid = None
    try:
        if start.returncode != 0 or not (home / "server.json").exists():
            log = home / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            pytest.fail(f"`etlnb server start` failed ({start.returncode}): {start.stderr}\n{tail}")
        pid = state_pid(home)
        yield Started(home, port, start, pid)
    finally:
        etlnb_server("stop", home, port, timeout=60)
        if pid is not None and is_server_process(pid, port):  # safety net: never leave our server behind
            os.killpg(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def stopped(server):
    """The module's server after `etlnb server stop`."""
    return etlnb_server("stop", server.home, server.port, timeout=60)


# -- nothing running ----------------------------------------------------------------------------


def test_status_when_nothing_runs_says_stopped(tmp_path):
    result = etlnb_server("status", tmp_path / "home", free_port())

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "stopped"


def test_stale_pid_file_makes_status_say_stale(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    port = free_port()
    pid = dead_pid()
    (home / "server.json").write_text(json.dumps({"pid": pid, "port": port}))

    result = etlnb_server("status", home, port)

    assert result.returncode == 0, result.stderr
    assert "stale" in result.stdout
    assert f"pid {pid}" in result.stdout


@pytest.mark.parametrize("stale_pid_file", [False, True], ids=["fresh-home", "stale-pid-file"])
def test_start_on_a_port_taken_by_another_program_fails_in_one_line(tmp_path, stale_pid_file):
    home = tmp_path / "home"
    home.mkdir()
    with socket.socket() as listener:  # listens but is no Prefect server: never answers HTTP
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        if stale_pid_file:
            (home / "server.json").write_text(json.dumps({"pid": dead_pid(), "port": port}))

        result = etlnb_server("start", home, port, timeout=60)

        assert prefect_processes(port) == []
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = nonempty_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert str(port) in lines[0]
    assert "ETLNB_SERVER_PORT" in lines[0]
    assert not (home / "server.json").exists()


# -- records that do not name etlnb's server: nothing is signalled ----------------------------


@pytest.fixture
def bystander():
    """An unrelated process (in a session of its own) that a bad record may name."""
    proc = subprocess.Popen(["sleep", "300"], start_new_session=True)
    yield proc
    proc.kill()
    proc.wait()


def refusal(result: Result) -> str:
    """The one stderr line of a refused stop (exit 1, no traceback)."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = nonempty_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert "nothing stopped" in lines[0]
    return lines[0]


def test_stop_refuses_a_record_naming_an_unrelated_live_process(tmp_path, bystander):
    """A stale server.json whose pid now belongs to another program: that program survives."""
    home = tmp_path / "home"
    home.mkdir()
    port = free_port()
    (home / "server.json").write_text(json.dumps({"pid": bystander.pid, "port": port}))

    result = etlnb_server("stop", home, port)

    line = refusal(result)
    assert f"the recorded server (pid {bystander.pid}) is not running or is not the etlnb server" in line
    assert str(home / "server.json") in line
    time.sleep(0.3)
    assert bystander.poll() is None  # still running
    assert (home / "server.json").exists()  # kept for the user to look at
    assert f"stale pid file for pid {bystander.pid}" in etlnb_server("status", home, port).stdout


def test_stop_refuses_a_forged_record_copied_from_the_process_itself(tmp_path, bystander):
    """pid and command line right but start time wrong (a reused pid running the same command);
    then start time right too, but the command is not the Prefect server etlnb launches."""
    home = tmp_path / "home"
    home.mkdir()
    port = free_port()
    record = {"pid": bystander.pid, "started": 1, "command": ["sleep", "300"], "port": port}
    (home / "server.json").write_text(json.dumps(record))

    refusal(etlnb_server("stop", home, port))

    # start time and command line both right, but not a command etlnb launches
    stat = Path(f"/proc/{bystander.pid}/stat").read_text()
    record["started"] = int(stat[stat.rindex(")") + 2 :].split()[19])
    (home / "server.json").write_text(json.dumps(record))

    refusal(etlnb_server("stop", home, port))

    time.sleep(0.3)
    assert bystander.poll() is None


@pytest.mark.parametrize(
    "content, names",
    [('{"pid": 0}', "(pid 0)"), ('{"pid": -1}', "(pid -1)"), ("{garbage", "not valid JSON"), ("[7]", "(pid ?)")],
    ids=["pid-0", "pid-minus-1", "garbage", "not-a-record"],
)
def test_stop_refuses_a_pid_of_0_or_below_or_garbage_and_signals_no_one(tmp_path, bystander, content, names):
    """{"pid": 0} used to signal etlnb's own process group: here a sibling shares that group and must survive."""
    home = tmp_path / "home"
    home.mkdir()
    port = free_port()
    (home / "server.json").write_text(content)
    env = dict(os.environ, ETLNB_HOME=str(home), ETLNB_SERVER_PORT=str(port))
    script = f'sleep 300 >/dev/null 2>&1 & echo $!; "{sys.executable}" -m etlnb server stop; echo "rc=$?"'
    shell = subprocess.run(
        ["sh", "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=60, start_new_session=True
    )
    sibling = int(shell.stdout.split()[0])
    try:
        time.sleep(0.3)
        assert Path(f"/proc/{sibling}").exists() and cmdline(sibling)[:1] == ["sleep"]  # same group, not signalled
        assert shell.stdout.split()[-1] == "rc=1"
        line = refusal(Result(1, "", shell.stderr, 0))
        assert names in line
        assert str(home / "server.json") in line or "remove that file" in line
        assert bystander.poll() is None
        assert (home / "server.json").read_text() == content
    finally:
        os.kill(sibling, signal.SIGKILL)


def test_stop_with_a_record_of_an_exited_process_says_none_was_running_and_removes_it(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    port = free_port()
    (home / "server.json").write_text(json.dumps({"pid": dead_pid(), "started": 1, "command": ["x"], "port": port}))

    result = etlnb_server("stop", home, port)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "no server was running"
    assert not (home / "server.json").exists()


def test_worker_stop_leaves_an_unrelated_process_named_by_its_record_alone(tmp_path, bystander):
    home = tmp_path / "home"
    home.mkdir()
    (home / "worker-etlnb-local.json").write_text(json.dumps({"pid": bystander.pid, "pool": "etlnb-local"}))
    env = dict(os.environ, ETLNB_HOME=str(home), ETLNB_SERVER_PORT=str(free_port()))

    for action in ("status", "stop"):
        done = subprocess.run(
            [sys.executable, "-m", "etlnb", "worker", action],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == {"status": "stopped", "stop": "no worker was running"}[action]
    time.sleep(0.3)
    assert bystander.poll() is None


def test_start_progress_on_a_terminal_is_a_spinner_with_elapsed_seconds():
    """On a terminal the wait is one live status line (rich) that counts seconds, and ends with the ready line."""
    import pty

    code = (
        "import time\n"
        "from etlnb.local.server import _Progress\n"
        "p = _Progress('starting the Prefect server on :4999 (first start migrates the database, ~30 s)…', False)\n"
        "end = time.monotonic() + 2.3\n"
        "while time.monotonic() < end:\n"
        "    p.tick(); time.sleep(0.2)\n"
        "p.done('Prefect server ready at http://127.0.0.1:4999 (2 s)')\n"
    )
    master, slave = pty.openpty()
    env = dict(os.environ, COLUMNS="200")  # a wide terminal: the status line does not wrap
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=30)
    os.close(master)
    text = out.decode(errors="replace")

    assert proc.returncode == 0, text
    assert "starting the Prefect server on :4999 (first start migrates the database, ~30 s)" in text
    assert re.search(r"~30 s\)… 2 s", text), text  # the status line counts elapsed seconds
    assert "still starting" not in text  # no plain lines on a terminal
    assert text.rstrip().endswith("Prefect server ready at http://127.0.0.1:4999 (2 s)")


# -- a running server ---------------------------------------------------------------------------


def test_start_starts_a_server_that_answers_and_says_where(server):
    assert health_status(server.port) == 200
    assert f"running at {server.url}" in server.start.stdout
    assert f"pid {server.pid}" in server.start.stdout
    assert f"ready at {server.url}" in server.start.stderr
    # not a terminal: plain progress lines say what it waits for, then how long it took
    first = nonempty_lines(server.start.stderr)[0]
    assert f"starting the Prefect server on :{server.port}" in first
    assert "first start migrates the database" in first
    assert re.search(rf"ready at {re.escape(server.url)} \(\d+ s\)", server.start.stderr)
    assert is_server_process(server.pid, server.port)


def test_the_ui_calls_the_api_on_the_port_in_use(server):
    """The UI's pages ask /ui-settings where the API is; it must be this server, not port 4200."""
    with urllib.request.urlopen(f"{server.url}/ui-settings", timeout=10) as response:
        settings = json.loads(response.read())
    assert settings["api_url"] == f"{server.url}/api"


def test_second_start_reuses_the_running_server(server):
    again = etlnb_server("start", server.home, server.port, timeout=60)

    assert again.returncode == 0, again.stderr
    assert again.seconds < 5
    assert state_pid(server.home) == server.pid
    assert f"pid {server.pid}" in again.stdout
    assert "starting" not in again.stderr
    assert prefect_processes(server.port) == [server.pid]


def test_status_while_running_names_url_and_pid(server):
    result = etlnb_server("status", server.home, server.port)

    assert result.returncode == 0, result.stderr
    assert "running" in result.stdout
    assert server.url in result.stdout
    assert f"pid {server.pid}" in result.stdout


def test_start_removes_a_stale_pid_file_and_reuses_this_projects_healthy_server_on_its_port(server):
    """No valid record here (lost, or naming an exited process), yet this project's server answers on
    the port: it reports this project's PREFECT_HOME, so it is reused, not started twice."""
    record = server.home / "server.json"
    kept = record.read_text()
    try:
        pid = dead_pid()
        record.write_text(json.dumps({"pid": pid, "port": server.port}))
        assert "stale" in etlnb_server("status", server.home, server.port).stdout

        result = etlnb_server("start", server.home, server.port, timeout=60)

        assert result.returncode == 0, result.stderr
        assert result.seconds < 5
        assert not record.exists()
        assert f"running at {server.url}" in result.stdout
        assert "starting" not in result.stderr
        assert prefect_processes(server.port) == [server.pid]  # no second server was started
    finally:
        record.write_text(kept)
    assert state_pid(server.home) == server.pid


# -- another project's server on the port: never reused -----------------------------------------


def project_b(tmp_path: Path) -> Path:
    """A second project folder (pyproject.toml marks its root), with a notebook in it."""
    root = tmp_path / "project-b"
    (root / "pipes").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "project-b"\n')
    cells = [("total = sum([1, 2, 3])", ["transform"]), ("print(total)", ["load"])]
    (root / "pipes" / "bflow.ipynb").write_text(make_notebook(cells))
    return root


def in_project(root: Path, port: int, *args: str, timeout: float = 180) -> Result:
    """`etlnb ARGS` run in the project folder ROOT as a user would: its home is ROOT/.etlnb (no
    ETLNB_HOME), and ETLNB_SERVER_PORT is PORT."""
    env = dict(os.environ, ETLNB_SERVER_PORT=str(port))
    for name in ("ETLNB_HOME", "PREFECT_API_URL"):
        env.pop(name, None)
    began = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "etlnb", *args], cwd=root, env=env, capture_output=True, text=True, timeout=timeout
    )
    return Result(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - began)


def held_by_project_a(result: Result, server: Started, b: Path) -> str:
    """The one line that refuses project A's server, naming A, how to stop it and ETLNB_SERVER_PORT."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = nonempty_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    line = lines[0]
    a = server.home.parent
    assert f"port {server.port} is held by the etlnb server of another project {a} (home {server.home})" in line
    assert f"not this project's (home {b / '.etlnb'})" in line
    assert f"stop it with `ETLNB_SERVER_PORT={server.port} etlnb server stop` in {a}" in line
    assert "set ETLNB_SERVER_PORT to a free port for this project" in line
    return line


def test_start_from_another_project_on_the_same_port_refuses_its_server_in_one_line(server, tmp_path):
    b = project_b(tmp_path)

    result = in_project(b, server.port, "server", "start", timeout=60)

    line = held_by_project_a(result, server, b)
    assert line.startswith("etlnb server: ")
    assert result.seconds < 10
    assert result.stdout == ""
    assert not (b / ".etlnb" / "server.json").exists()  # B records no server
    assert not (b / ".etlnb" / "prefect").exists()  # and no database was made for B
    assert prefect_processes(server.port) == [server.pid]  # A's server is untouched; none was started
    assert state_pid(server.home) == server.pid

    status = in_project(b, server.port, "server", "status", timeout=60)

    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith(f"not running here: port {server.port} is held by the etlnb server of ")
    assert str(server.home.parent) in status.stdout


def test_deploy_from_another_project_on_the_same_port_lands_nothing_in_its_database(server, tmp_path):
    b = project_b(tmp_path)

    result = in_project(b, server.port, "deploy", str(b / "pipes" / "bflow.ipynb"), "--unverified")

    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert f"port {server.port} is held by the etlnb server of another project {server.home.parent}" in result.stderr
    with pytest.raises(urllib.error.HTTPError) as missing:  # project A's database has no flow of B's
        urllib.request.urlopen(f"{server.url}/api/flows/name/bflow", timeout=10)
    assert missing.value.code == 404
    assert prefect_processes(server.port) == [server.pid]


class _FakePrefect(BaseHTTPRequestHandler):
    settings: dict | None = None  # what /api/admin/settings answers; None: 404

    def do_GET(self):
        if self.path == "/api/health":
            body, code = b"true", 200
        elif self.path == "/api/admin/settings" and self.settings is not None:
            body, code = json.dumps(self.settings).encode(), 200
        else:
            body, code = b'{"detail": "Not Found"}', 404
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize(
    "settings, says",
    [
        (
            {"home": "/srv/someone/.prefect"},
            "held by a Prefect server with another PREFECT_HOME (/srv/someone/.prefect)",
        ),
        (None, "held by a Prefect server that does not say its PREFECT_HOME"),
    ],
    ids=["other-prefect-home", "home-not-said"],
)
def test_start_refuses_a_prefect_server_that_is_not_this_projects(tmp_path, settings, says):
    """A healthy Prefect API on the port that is not this project's (a plain `prefect server start`,
    or one that does not say its home) is refused in one line, never reused."""
    handler = type("Handler", (_FakePrefect,), {"settings": settings})
    fake = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=fake.serve_forever, daemon=True)
    thread.start()
    try:
        home = tmp_path / "home"
        result = etlnb_server("start", home, fake.server_address[1], timeout=60)
    finally:
        fake.shutdown()
        fake.server_close()
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = nonempty_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert f"port {fake.server_address[1]} is {says}" in lines[0]
    assert f"(home {home})" in lines[0]
    assert "stop that server, or set ETLNB_SERVER_PORT to a free port for this project" in lines[0]
    assert not (home / "server.json").exists()


def test_the_refusal_names_another_etlnb_home_and_how_to_stop_it_there(tmp_path, monkeypatch):
    """An etlnb server started with ETLNB_HOME elsewhere (not a project's .etlnb): the line says
    how to stop it with that home and port."""
    other = tmp_path / "shared home"
    monkeypatch.setattr(server_module, "answering_home", lambda srv: other / "prefect")
    monkeypatch.setattr(
        server_module, "_running_pid", lambda srv: 4242 if srv == server_module.Server(other, 5555) else None
    )

    line = server_module.foreign(server_module.Server(tmp_path / "mine" / ".etlnb", 5555))

    assert line == (
        f"port 5555 is held by the etlnb server of another home {other}, not this project's "
        f"(home {tmp_path / 'mine' / '.etlnb'}): stop it with `ETLNB_HOME='{other}' ETLNB_SERVER_PORT=5555 "
        "etlnb server stop`, or set ETLNB_SERVER_PORT to a free port for this project"
    )
    monkeypatch.setattr(server_module, "answering_home", lambda srv: tmp_path / "mine" / ".etlnb" / "prefect")
    assert server_module.foreign(server_module.Server(tmp_path / "mine" / ".etlnb", 5555)) is None


# -- stopping -----------------------------------------------------------------------------------


def test_stop_stops_the_server(server, stopped):
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.strip() == "stopped"
    assert stopped.seconds < 15  # a graceful shutdown takes a few seconds, not the 20 s kill timeout
    deadline = time.monotonic() + 20
    while is_server_process(server.pid, server.port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not is_server_process(server.pid, server.port)
    assert health_status(server.port) is None
    assert not (server.home / "server.json").exists()
    assert etlnb_server("status", server.home, server.port).stdout.strip() == "stopped"

    again = etlnb_server("stop", server.home, server.port, timeout=60)

    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "no server was running"


def test_no_prefect_process_for_the_port_remains_after_stop(server, stopped):
    assert stopped.returncode == 0, stopped.stderr
    deadline = time.monotonic() + 20
    while prefect_processes(server.port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert prefect_processes(server.port) == []


# -- two starts at once -------------------------------------------------------------------------


def test_two_starts_at_once_leave_one_server_that_stop_stops(tmp_path):
    """Two shells run `etlnb server start` at the same moment, before any server runs (the second
    start is made while the first is still booting): one server must result, and `stop` must stop it."""
    home = tmp_path / "home"
    port = free_port()
    env = dict(os.environ, ETLNB_HOME=str(home), ETLNB_SERVER_PORT=str(port))
    command = [sys.executable, "-m", "etlnb", "server", "start"]
    try:
        first = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        second = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for proc in (first, second):
            _, err = proc.communicate(timeout=180)
            assert proc.returncode == 0, err

        assert prefect_processes(port) == [state_pid(home)]  # one server, and the one server.json names

        stop = etlnb_server("stop", home, port, timeout=60)

        assert stop.returncode == 0, stop.stderr
        deadline = time.monotonic() + 20
        while prefect_processes(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert prefect_processes(port) == []
        assert health_status(port) is None
    finally:  # this test's own port: any prefect process on it was started here
        for pid in prefect_processes(port):
            os.killpg(pid, signal.SIGKILL)
