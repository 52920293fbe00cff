"""The local Prefect server: one per project, SQLite under .etlnb/, reused.

Started in the background on first need and health-checked; every command
and the tests reuse it. Uses only the standard library so that checking
for a running server costs nothing.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from etlnb.paths import project_root

DEFAULT_PORT = 4321
START_TIMEOUT = 120.0


class ServerError(Exception):
    """A one-line reason the server cannot be started or reached."""


@dataclass(frozen=True)
class Server:
    home: Path
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    @property
    def state_file(self) -> Path:
        return self.home / "server.json"

    @property
    def log_file(self) -> Path:
        return self.home / "server.log"


def free_port() -> int:
    """A port nothing listens on right now (for private servers in tests and benchmarks)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def private_server(home: Path) -> Iterator[Server]:
    """A server of its own (home, free port), started now and stopped on exit."""
    server = start(Server(home, free_port()), quiet=True)
    try:
        yield server
    finally:
        stop(server)


def default_server() -> Server:
    home = Path(os.environ.get("ETLNB_HOME") or project_root() / ".etlnb")
    port = int(os.environ.get("ETLNB_SERVER_PORT", DEFAULT_PORT))
    return Server(home, port)


def healthy(server: Server, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{server.api_url}/health", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_pid(server: Server) -> int | None:
    try:
        data = json.loads(server.state_file.read_text())
        return int(data["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def status(server: Server) -> str:
    pid = read_pid(server)
    if pid is not None and _alive(pid) and healthy(server):
        return f"running at {server.url} (pid {pid}, home {server.home})"
    if pid is not None and not _alive(pid):
        return f"stopped (stale pid file for pid {pid} in {server.state_file})"
    if pid is not None:
        return f"starting at {server.url} (pid {pid}, not answering yet)"
    if healthy(server):
        return f"a server answers at {server.url} but was not started by etlnb here"
    return "stopped"


@contextmanager
def _start_lock(server: Server) -> Iterator[None]:
    """Two `ensure()` at once (two shells, two commands) must not both start a server."""
    server.home.mkdir(parents=True, exist_ok=True)
    with open(server.home / "server.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        yield


def ensure(server: Server | None = None, quiet: bool = False) -> Server:
    """Return a healthy server, starting one if none runs."""
    server = server or default_server()
    with _start_lock(server):
        return _ensure_locked(server, quiet)


def _ensure_locked(server: Server, quiet: bool) -> Server:
    pid = read_pid(server)
    if pid is not None and _alive(pid) and healthy(server):
        return server
    if pid is not None and not _alive(pid):
        server.state_file.unlink(missing_ok=True)  # stale: the process is gone
    if _port_in_use(server.port):
        if healthy(server):
            return server  # a Prefect server of this project started elsewhere (e.g. another shell)
        raise ServerError(f"port {server.port} is in use by another program; set ETLNB_SERVER_PORT to a free port")
    return start(server, quiet=quiet)


def start(server: Server, quiet: bool = False) -> Server:
    server.home.mkdir(parents=True, exist_ok=True)
    if not quiet:
        print(f"starting the local Prefect server at {server.url} (home {server.home})...", file=sys.stderr)
    env = dict(os.environ)
    env.update(
        PREFECT_HOME=str(server.home / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_API_URL="",
        # the UI's pages call this API; without it they ask port 4200, not the port in use
        PREFECT_SERVER_UI_API_URL=server.api_url,
    )
    prefect = Path(sys.executable).with_name("prefect")
    command = [str(prefect)] if prefect.exists() else [sys.executable, "-m", "prefect"]
    command += ["server", "start", "--host", "127.0.0.1", "--port", str(server.port)]
    with open(server.log_file, "ab") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    server.state_file.write_text(json.dumps({"pid": process.pid, "port": server.port}))
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            server.state_file.unlink(missing_ok=True)
            tail = server.log_file.read_text(errors="replace").strip().splitlines()[-3:]
            raise ServerError(f"the Prefect server exited with code {process.returncode}: {' | '.join(tail)}")
        if healthy(server, timeout=1.0):
            if not quiet:
                print(f"Prefect server ready at {server.url}", file=sys.stderr)
            return server
        time.sleep(0.5)
    stop(server)
    raise ServerError(f"the Prefect server did not become healthy within {START_TIMEOUT:.0f}s; see {server.log_file}")


def stop(server: Server) -> bool:
    """Stop the server started here; True if one was running."""
    pid = read_pid(server)
    server.state_file.unlink(missing_ok=True)
    if pid is None or not _alive(pid):
        return False
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _alive(pid):
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.2)
    if _alive(pid):
        os.killpg(pid, signal.SIGKILL)
    return True


def command(action: str) -> int:
    server = default_server()
    try:
        if action == "start":
            ensure(server)
            print(status(server))
        elif action == "stop":
            print("stopped" if stop(server) else "no server was running")
        else:
            print(status(server))
    except ServerError as exc:
        print(f"etlnb server: {exc}", file=sys.stderr)
        return 1
    return 0
