"""The local Prefect server: one per project, SQLite under .etlnb/, reused.

Started in the background on first need and health-checked; every command
and the tests reuse it. "Is it running" uses only the standard library so
that compile/check and status cost nothing.

Why not `prefect server start --background` / `status --wait` / `stop`
(Prefect 3.8.8, read in prefect/cli/server.py and _server_utils.py)? Each
lacks something etlnb relies on, so the lifecycle stays here:

- `--background` spawns uvicorn with stdout/stderr piped to the launcher,
  which then exits: the server's log goes nowhere (etlnb keeps
  .etlnb/server.log and quotes its tail when the start fails), and the
  server stays in the caller's process group and session (a Jupyter
  kernel's, a terminal's), so it is signalled with them.
- `status --wait` imports prefect (seconds) and polls until its timeout
  even when the server process has already died; etlnb's loop sees the
  exit at once and reports the log's last lines.
- `stop` sends SIGTERM to whatever pid PREFECT_HOME/server.pid names, with
  no check that it is still the server: the stale/reused-pid hazard that
  etlnb's verified record (pid, start time, command line) prevents.
- a second `--background` start fails ("already running") instead of
  reusing the server, and a pid file left by a crash blocks every later
  start; etlnb holds a flock while it checks health and then reuses or
  starts, so two commands at once end with one server.

A port alone does not say whose server answers on it: a server is reused only when it is this
project's, by its verified record here or, without one, by the PREFECT_HOME it reports
(/api/admin/settings). Another project's server on the port (or any other Prefect server) is never
reused: its runs and deployments would land in that project's database. `ensure` refuses it in one
line naming whose it is, how to stop it and ETLNB_SERVER_PORT.

What Prefect does provide is used as is: `prefect server start` itself
(foreground, in its own session), PREFECT_HOME per project (.etlnb/prefect,
which holds the SQLite database), and its /api/health endpoint.
"""

from __future__ import annotations

import fcntl
import json
import os
import shlex
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
from typing import Any

from etlnb.analyse.paths import project_root

DEFAULT_PORT = 4321
START_TIMEOUT = 120.0


class ServerError(Exception):
    """A one-line reason the server cannot be started, reached or stopped."""


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

    @property
    def prefect_home(self) -> Path:
        """PREFECT_HOME of this project's server: it holds the SQLite database (prefect.db)."""
        return self.home / "prefect"


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
    raw = os.environ.get("ETLNB_SERVER_PORT", str(DEFAULT_PORT))
    try:
        port = int(raw)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise ServerError(f"ETLNB_SERVER_PORT={raw!r} is not a port number (1-65535); unset it to use {DEFAULT_PORT}")
    return Server(home, port)


def healthy(server: Server, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{server.api_url}/health", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def answering_home(server: Server, timeout: float = 5.0) -> Path | None:
    """The PREFECT_HOME of the Prefect server answering on SERVER's port, as that server reports it
    (GET /api/admin/settings, field `home`); None when it does not say."""
    try:
        with urllib.request.urlopen(f"{server.api_url}/admin/settings", timeout=timeout) as response:
            home = json.loads(response.read()).get("home")
    except (urllib.error.URLError, OSError, ValueError, AttributeError):
        return None
    return Path(home) if isinstance(home, str) and home else None


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.expanduser().resolve() == b.expanduser().resolve()
    except (OSError, RuntimeError):
        return False


def foreign(server: Server) -> str | None:
    """None when the Prefect server answering on SERVER's port is this project's (its PREFECT_HOME is
    SERVER's); else one line saying whose server holds the port and what to do. A port alone does not
    say whose server it is: reusing another project's would put runs and deployments in its database."""
    home = answering_home(server)
    if home is not None and _same_folder(home, server.prefect_home):
        return None
    other_port = "or set ETLNB_SERVER_PORT to a free port for this project"
    if home is None:
        return (
            f"port {server.port} is held by a Prefect server that does not say its PREFECT_HOME, so it is not "
            f"known to be this project's (home {server.home}): stop that server, {other_port}"
        )
    other = Server(home.parent, server.port)
    if home.name == "prefect" and _running_pid(other) is not None:  # a server etlnb started, for another home
        project = other.home.parent if other.home.name == ".etlnb" else None
        settings = [] if project is not None else [f"ETLNB_HOME={shlex.quote(str(other.home))}"]
        if server.port != DEFAULT_PORT:
            settings.append(f"ETLNB_SERVER_PORT={server.port}")
        stop = " ".join([*settings, "etlnb server stop"])
        whose = f"project {project} (home {other.home})" if project is not None else f"home {other.home}"
        where = f" in {project}" if project is not None else ""
        return (
            f"port {server.port} is held by the etlnb server of another {whose}, not this project's "
            f"(home {server.home}): stop it with `{stop}`{where}, {other_port}"
        )
    return (
        f"port {server.port} is held by a Prefect server with another PREFECT_HOME ({home}), not this "
        f"project's (home {server.home}): stop that server, {other_port}"
    )


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


# -- processes etlnb started: recorded at start, verified before any signal ---------------------


def process_identity(pid: int) -> tuple[Any, list[str]] | None:
    """(start time, command line) of a live process; None if it is gone, a zombie or pid <= 1.

    The start time is /proc/<pid>/stat field 22 (clock ticks since boot), else psutil's
    create_time where there is no /proc (macOS; psutil is optional, imported only then).
    A pid that was reused has a different start time, so (pid, start time) names one process.
    """
    if pid <= 1:
        return None
    proc = Path("/proc")
    if proc.is_dir():
        try:
            stat = (proc / str(pid) / "stat").read_text()
            raw = (proc / str(pid) / "cmdline").read_bytes()
        except OSError:
            return None
        fields = stat[stat.rindex(")") + 2 :].split()  # the name in (...) may hold spaces
        if fields[0] in ("Z", "X"):
            return None  # exited, not yet reaped
        return int(fields[19]), [arg.decode(errors="surrogateescape") for arg in raw.split(b"\0") if arg]
    try:
        import psutil
    except ImportError:
        return None  # cannot verify: callers refuse to signal
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return process.create_time(), process.cmdline()
    except psutil.Error:
        return None


def process_record(pid: int, command: list[str]) -> dict[str, Any]:
    """What a state file stores about a process etlnb just started with COMMAND."""
    identity = process_identity(pid)
    return {"pid": pid, "started": identity[0] if identity else None, "command": command}


def process_home(pid: int) -> Path | None:
    """The PREFECT_HOME in a live process's environment (/proc/<pid>/environ, else psutil's);
    None when it has none or it cannot be read."""
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
        env = dict(item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
        home = env.get(b"PREFECT_HOME")
        return Path(home.decode(errors="surrogateescape")) if home else None
    except OSError:
        pass
    try:
        import psutil

        home = psutil.Process(pid).environ().get("PREFECT_HOME")
    except Exception:  # psutil missing, or the process gone or not ours to read
        return None
    return Path(home) if home else None


def verified_pid(record: Any, launched: list[str], home: Path | None = None) -> int | None:
    """The recorded pid if that process still runs and is the one etlnb started: the recorded
    command is the one etlnb launches (ends with LAUNCHED), the live process has the recorded
    start time and that command line (or its tail: a script's shebang interpreter comes
    first), and it leads its own process group. With HOME, it must also run for that
    PREFECT_HOME: a record copied with its project folder (`cp -a A B`) names A's process,
    which B must neither claim nor stop."""
    if not isinstance(record, dict):
        return None
    pid, started, command = record.get("pid"), record.get("started"), record.get("command")
    if type(pid) is not int or started is None or not isinstance(command, list) or not command:
        return None
    if command[-len(launched) :] != launched:
        return None  # not a record of the command etlnb runs (hand-edited or foreign)
    identity = process_identity(pid)
    if identity is None or identity[0] != started or identity[1][-len(command) :] != command:
        return None
    try:
        if os.getpgid(pid) != pid:
            return None
    except OSError:
        return None
    if home is not None:
        running_for = process_home(pid)
        if running_for is None or not _same_folder(running_for, home):
            return None
    return pid


def read_record(path: Path) -> Any:
    """The JSON a state file holds; None when there is no file; ValueError when it is not JSON."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ValueError(str(exc)) from exc
    return json.loads(text)


def recorded_pid(record: Any) -> int | None:
    pid = record.get("pid") if isinstance(record, dict) else None
    return pid if type(pid) is int else None


def terminate_group(pid: int, grace: float = 20.0) -> None:
    """SIGTERM the verified process group PID, SIGKILL it after GRACE seconds."""
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and process_identity(pid) is not None:
        try:
            os.waitpid(pid, os.WNOHANG)  # reap it if it is our child (private servers)
        except ChildProcessError:
            pass
        time.sleep(0.2)
    if process_identity(pid) is not None:
        os.killpg(pid, signal.SIGKILL)


def prefect_command(*args: str) -> list[str]:
    """`prefect ARGS` from this environment (the console script, else `python -m prefect`)."""
    prefect = Path(sys.executable).with_name("prefect")
    return [str(prefect), *args] if prefect.exists() else [sys.executable, "-m", "prefect", *args]


# -- the server ---------------------------------------------------------------------------------


def read_pid(server: Server) -> int | None:
    try:
        return recorded_pid(read_record(server.state_file))
    except ValueError:
        return None


def _server_args(server: Server) -> list[str]:
    return ["server", "start", "--host", "127.0.0.1", "--port", str(server.port)]


def _running_pid(server: Server) -> int | None:
    try:
        return verified_pid(read_record(server.state_file), _server_args(server), server.prefect_home)
    except ValueError:
        return None


def _recorded_port(server: Server) -> int | None:
    """The port of this project's server when its record names a live server of this project on
    another port than SERVER's (ETLNB_SERVER_PORT changed while it runs); None otherwise."""
    try:
        record = read_record(server.state_file)
    except ValueError:
        return None
    command = record.get("command") if isinstance(record, dict) else None
    if not isinstance(command, list) or len(command) < 6 or command[-6:-1] != _server_args(server)[:-1]:
        return None
    port = command[-1]
    if not (isinstance(port, str) and port.isdigit()) or int(port) == server.port:
        return None
    if verified_pid(record, _server_args(Server(server.home, int(port))), server.prefect_home) is None:
        return None
    return int(port)


def _moved_port(server: Server, recorded: int) -> str:
    return (
        f"this project's server runs on port {recorded} (its record, {server.state_file}), but"
        f" ETLNB_SERVER_PORT says {server.port}: stop it first with `ETLNB_SERVER_PORT={recorded} etlnb server stop`,"
        f" or set ETLNB_SERVER_PORT={recorded}"
    )


def status(server: Server) -> str:
    pid = read_pid(server)
    ours = _running_pid(server)
    if ours is not None and healthy(server):
        return f"running at {server.url} (pid {ours}, home {server.home})"
    if ours is not None:
        return f"starting at {server.url} (pid {ours}, not answering yet)"
    if (recorded := _recorded_port(server)) is not None:
        return f"running on another port: {_moved_port(server, recorded)}"
    stale = f"; stale record for pid {pid} in {server.state_file}" if pid is not None else ""
    if healthy(server):
        held = foreign(server)
        if held is not None:
            return f"not running here: {held}{stale}"
        return f"running at {server.url} (home {server.home}; started without a record here, pid unknown){stale}"
    return "stopped" if not stale else f"stopped (stale pid file for pid {pid} in {server.state_file})"


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
    if _running_pid(server) is not None and healthy(server):
        return server
    if (recorded := _recorded_port(server)) is not None:
        raise ServerError(_moved_port(server, recorded))  # its record stays: it is how it is stopped
    if server.state_file.exists() and _running_pid(server) is None:
        server.state_file.unlink(missing_ok=True)  # stale: not a live server of ours (nothing is signalled)
    if _port_in_use(server.port):
        if healthy(server):
            held = foreign(server)
            if held is not None:
                raise ServerError(held)  # another project's server: never reuse it
            return server  # this project's server (its PREFECT_HOME), started without a record here
        raise ServerError(f"port {server.port} is in use by another program; set ETLNB_SERVER_PORT to a free port")
    return start(server, quiet=quiet)


class _Progress:
    """What the start is waiting for, with elapsed seconds: a rich spinner on stderr when it is
    a terminal, else a plain line every few seconds (logs, CI, a Jupyter kernel)."""

    PLAIN_EVERY = 5.0

    def __init__(self, message: str, quiet: bool) -> None:
        self.message, self.quiet, self.began = message, quiet, time.monotonic()
        self.spinner = None
        self.next_line = self.began + self.PLAIN_EVERY
        if quiet:
            return
        if sys.stderr.isatty():
            from rich.console import Console  # installed with prefect; only imported when starting

            self.spinner = Console(stderr=True).status(message)
            self.spinner.start()
        else:
            print(message, file=sys.stderr, flush=True)

    def elapsed(self) -> float:
        return time.monotonic() - self.began

    def tick(self) -> None:
        if self.spinner is not None:
            self.spinner.update(f"{self.message} {self.elapsed():.0f} s")
        elif not self.quiet and time.monotonic() >= self.next_line:
            print(f"  still starting ({self.elapsed():.0f} s)", file=sys.stderr, flush=True)
            self.next_line += self.PLAIN_EVERY

    def done(self, line: str | None) -> None:
        if self.spinner is not None:
            self.spinner.stop()
        if line and not self.quiet:
            print(line, file=sys.stderr, flush=True)


def start(server: Server, quiet: bool = False) -> Server:
    server.home.mkdir(parents=True, exist_ok=True)
    prefect_home = server.prefect_home
    env = dict(os.environ)
    env.update(
        # per project; holds the SQLite database (prefect.db). Absolute: `foreign` compares the home
        # the server reports with a project's, whatever folder either command ran in
        PREFECT_HOME=os.path.abspath(prefect_home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_API_URL="",
        # the UI's pages call this API; without it they ask port 4200, not the port in use
        PREFECT_SERVER_UI_API_URL=server.api_url,
    )
    command = prefect_command(*_server_args(server))
    first = not (prefect_home / "prefect.db").exists()
    progress = _Progress(
        f"starting the Prefect server on :{server.port}"
        + (" (first start migrates the database, ~30 s)…" if first else "…"),
        quiet,
    )
    with open(server.log_file, "ab") as log:
        # in its home, not the caller's folder: a server outlives the command that started it, and a
        # working directory removed under it (a scratch copy, a checkout) fails its next start-up
        process = subprocess.Popen(
            command,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=server.home,
        )
    server.state_file.write_text(json.dumps({**process_record(process.pid, command), "port": server.port}))
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                server.state_file.unlink(missing_ok=True)
                tail = server.log_file.read_text(errors="replace").strip().splitlines()[-3:]
                raise ServerError(f"the Prefect server exited with code {process.returncode}: {' | '.join(tail)}")
            if healthy(server, timeout=1.0):
                progress.done(f"Prefect server ready at {server.url} ({progress.elapsed():.0f} s)")
                return server
            progress.tick()
            time.sleep(0.5)
    except BaseException:
        progress.done(None)
        if process.poll() is None:  # interrupted (Ctrl-C) or failed: leave no half-started server
            terminate_group(process.pid, grace=10)
            process.wait()
            server.state_file.unlink(missing_ok=True)
        raise
    progress.done(None)
    stop(server)
    raise ServerError(f"the Prefect server did not become healthy within {START_TIMEOUT:.0f}s; see {server.log_file}")


def stop(server: Server) -> bool:
    """Stop the server started here; True if one was running, False if none was (a record
    naming a process that has exited is removed). Signals only the process etlnb started:
    raises ServerError, signalling nothing, when the record names anything else."""
    try:
        record = read_record(server.state_file)
    except ValueError:
        raise ServerError(
            f"the server record {server.state_file} is not valid JSON; nothing stopped; remove that file"
        ) from None
    if record is None:
        return False
    pid = verified_pid(record, _server_args(server), server.prefect_home)
    if pid is None:
        if (port := _recorded_port(server)) is not None:
            raise ServerError(_moved_port(server, port).replace("stop it first with", "stop it with"))
        recorded = recorded_pid(record)
        if recorded is not None and recorded > 1 and process_identity(recorded) is None:
            server.state_file.unlink(missing_ok=True)  # the process has exited: a stale record
            return False
        raise ServerError(
            f"the recorded server (pid {recorded if recorded is not None else '?'}) is not running or is not "
            f"the etlnb server; nothing stopped; remove {server.state_file}"
        )
    terminate_group(pid)
    server.state_file.unlink(missing_ok=True)
    return True


def command(action: str) -> int:
    try:
        server = default_server()
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
