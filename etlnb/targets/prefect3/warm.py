"""A warm flow runner: one process per Prefect environment that has imported Prefect and etlnb's
flow runner once, and forks a child per local flow run (`etlnb run --flow/--parity`, the pytest
plugin, the magics and the panel). It keeps `import prefect` (~1 s of CPU here, more on a busy
machine) out of every run's critical path, as Python's own forkserver keeps it out of each
`multiprocessing` worker; multiprocessing's forkserver cannot be used for this because its
children are not handed the caller's stdout, environment and folder.

A child is the same as a fresh `python -m etlnb.targets.prefect3.run MANIFEST` in what a flow can
see: the caller's environment, folder, `sys.path[0]` and stdout/stderr; fresh `random` and numpy
seeds; default signal handlers. One thing Python fixes at start cannot be fresh: the seed of
`hash()` for text (and so the order of a set of strings) is the runner's for all its runs, not a new
one per run. Parity still sees set-order differences (the notebook's kernel has its own seed); set
`ETLNB_WARM_RUNNER=0` to vary it per flow run. The child dies with its caller: when the
connection closes before the run ends (the caller was killed or interrupted), its process group
is killed. The daemon is keyed by what a fork cannot change afterwards (the
interpreter, etlnb's source files, the PREFECT_*, PYTHON*, locale and TZ variables): a run whose
key differs gets a daemon of its own. The daemon exits when the Prefect server it reports to
stops answering, or after IDLE_SECONDS without a run. When no daemon answers, the run starts
cold, as before, and a daemon is started for the next run. `ETLNB_WARM_RUNNER=0` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from etlnb.targets import spawn_process

IDLE_SECONDS = 1800
KEYED_PREFIXES = ("PREFECT_", "PYTHON", "LC_")
KEYED_NAMES = ("LANG", "LANGUAGE", "TZ", "PATH", "TMPDIR", "TEMP", "TMP", "HOME")
# what the daemon itself starts with: the keyed variables and who it runs as; never the caller's
# other variables (a JupyterLab's runtime folder, a token), which each run brings with it
DAEMON_NAMES = ("USER", "LOGNAME", "SHELL")
_HEADER = struct.Struct("!I")


def enabled(env: dict[str, str]) -> bool:
    return env.get("ETLNB_WARM_RUNNER", "1") != "0" and hasattr(socket, "send_fds") and hasattr(os, "fork")


def key(env: dict[str, str]) -> str:
    """What a forked child inherits and cannot change: a daemon serves only runs that match it."""
    package = Path(__file__).resolve().parents[2]
    sources = sorted(
        (str(p.relative_to(package)), p.stat().st_mtime_ns, p.stat().st_size) for p in package.rglob("*.py")
    )
    keyed = sorted((k, v) for k, v in env.items() if k.startswith(KEYED_PREFIXES) or k in KEYED_NAMES)
    material = json.dumps([sys.executable, sys.version, sources, keyed])
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def socket_path(digest: str) -> Path:
    """Beside other users' files only in a folder of this user's (mode 700); short enough for
    AF_UNIX's 108 bytes."""
    folder = Path(tempfile.gettempdir()) / f"etlnb-runner-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.stat().st_uid != os.getuid() or folder.stat().st_mode & 0o077:
        raise OSError(f"{folder} is not this user's private folder")
    return folder / f"{digest}.sock"


class WarmProcess:
    """A forked child, as much of `subprocess.Popen` as FlowProcess uses."""

    def __init__(self, connection: socket.socket, pid: int, stdout: IO[str]):
        self.connection, self.pid, self.stdout = connection, pid, stdout
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return self.wait()
        return self.returncode

    def wait(self) -> int:
        if self.returncode is None:
            message = _receive(self.connection)
            # no message: the child died without saying (killed, or crashed in native code)
            self.returncode = int(message["returncode"]) if message else -9
            self.connection.close()
        return self.returncode

    def kill(self) -> None:
        """The child and what it started (a fork Pool's workers): its own process group."""
        for kill in (lambda: os.killpg(self.pid, 9), lambda: os.kill(self.pid, 9)):
            try:
                kill()
            except (ProcessLookupError, PermissionError):
                pass


def spawn(command: list[str], env: dict[str, str]) -> Any:
    """Run `command` (`python -m etlnb.targets.prefect3.run MANIFEST`) in a warm child when a
    daemon for this environment answers; else start it cold and start a daemon for next time."""
    if enabled(env):
        try:
            path = socket_path(key(env))
            process = _request(path, command[-1], env)
            if process is not None:
                return process
            start_daemon(path, env)
        except OSError:
            pass  # a runner that cannot be reached or started costs speed, never the run
    return spawn_process(command, env)


def _request(path: Path, manifest: str, env: dict[str, str]) -> WarmProcess | None:
    if not path.exists():
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(5)
    read_end, write_end = os.pipe()
    try:
        connection.connect(str(path))
        payload = json.dumps({"manifest": manifest, "env": env, "cwd": os.getcwd()}).encode()
        socket.send_fds(connection, [_HEADER.pack(len(payload)) + payload], [write_end])
        os.close(write_end)
        write_end = -1
        answer = _receive(connection)
    except OSError:
        answer = None
    if write_end >= 0:
        os.close(write_end)
    if not answer or "pid" not in answer:
        os.close(read_end)
        connection.close()
        return None
    connection.settimeout(None)
    return WarmProcess(connection, int(answer["pid"]), os.fdopen(read_end, "r"))


def start_daemon(path: Path, env: dict[str, str]) -> None:
    """Detached, its output in a log beside the socket; it must never hold the caller's pipes."""
    own = {k: v for k, v in env.items() if k.startswith(KEYED_PREFIXES) or k in KEYED_NAMES or k in DAEMON_NAMES}
    with open(path.with_suffix(".log"), "ab") as log:
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from etlnb.targets.prefect3.warm import serve; serve(sys.argv[1])",
                path,
            ],
            env=own,
            cwd="/",
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )


def _send(connection: socket.socket, message: dict[str, Any]) -> None:
    data = json.dumps(message).encode()
    connection.sendall(_HEADER.pack(len(data)) + data)


def _receive(connection: socket.socket, first: bytes = b"") -> dict[str, Any] | None:
    data = first
    try:
        while len(data) < _HEADER.size or len(data) < _HEADER.size + _HEADER.unpack_from(data)[0]:
            chunk = connection.recv(65536)
            if not chunk:
                return None
            data += chunk
    except OSError:
        return None
    return json.loads(data[_HEADER.size : _HEADER.size + _HEADER.unpack_from(data)[0]])


# ---- the daemon -------------------------------------------------------------------------------


def _server_alive(api_url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(api_url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=2).close()
        return True
    except OSError:
        return False


def _child(connection: socket.socket, request: dict[str, Any], stdout_fd: int) -> int:
    """In the forked child: become the caller's `python -m etlnb.targets.prefect3.run MANIFEST`."""
    import random
    import signal

    from etlnb.targets.prefect3 import run

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the flow's own subprocesses must be waitable
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.setpgid(0, 0)  # signals to the daemon's group do not reach the run, nor the reverse
    os.dup2(stdout_fd, 1)
    os.dup2(stdout_fd, 2)
    os.close(stdout_fd)
    fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(fd, 0)
    os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    tempfile.tempdir = None  # found again from this run's TMPDIR
    os.chdir(request["cwd"])
    sys.path[0] = request["cwd"]  # as `python -m` sets it
    sys.argv = [run.__file__, request["manifest"]]
    random.seed()  # Python reseeds at fork too; numpy does not, and a module may have imported it
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    _send(connection, {"pid": os.getpid()})
    _die_with_caller(connection)
    try:
        return run.main(request["manifest"])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
        return 1


def _die_with_caller(connection: socket.socket) -> None:
    """The caller never writes after its request: the connection reads end-of-file only when the
    caller is gone (killed, interrupted). Then this run and its process group go too, as a cold
    child would with its terminal's Ctrl-C."""
    import threading

    def watch() -> None:
        try:
            while connection.recv(1):
                pass
        except OSError:
            pass
        os.killpg(0, 9)

    threading.Thread(target=watch, name="etlnb-caller-watch", daemon=True).start()


def serve(path: str | Path) -> None:
    import atexit
    import importlib
    import select
    import signal

    for module in ("prefect.flow_engine", "prefect.task_engine", "etlnb.targets.prefect3.run"):
        importlib.import_module(module)  # the point of this process: imported once, not per run

    path = Path(path)
    api_url = os.environ.get("PREFECT_API_URL", "")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    temporary = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
    listener.bind(str(temporary))
    listener.listen(16)
    os.replace(temporary, path)  # a second daemon started at the same time simply wins or loses
    mine = os.stat(path).st_ino  # the socket file is this daemon's while it has this inode

    def replaced() -> bool:
        try:
            return os.stat(path).st_ino != mine
        except OSError:
            return True

    last_run = time.monotonic()
    while True:
        ready, _, _ = select.select([listener], [], [], 5.0)
        if not ready:
            if replaced() or time.monotonic() - last_run > IDLE_SECONDS or (api_url and not _server_alive(api_url)):
                break
            continue
        connection, _ = listener.accept()
        last_run = time.monotonic()
        try:
            connection.settimeout(5)
            data, fds, _, _ = socket.recv_fds(connection, 1 << 20, 1)
            request = _receive(connection, data)
            if request is None or len(fds) != 1:
                raise OSError("incomplete request")
            connection.settimeout(None)
        except OSError:
            connection.close()
            continue
        pid = os.fork()
        if pid == 0:
            listener.close()
            code = 1
            try:
                code = _child(connection, request, fds[0])
            finally:
                atexit._run_exitfuncs()  # Prefect flushes its logs and events to the server here
                sys.stdout.flush()
                sys.stderr.flush()
                try:
                    _send(connection, {"returncode": code})
                finally:
                    os._exit(code & 0xFF)
        os.close(fds[0])
        connection.close()
    if not replaced():
        path.unlink(missing_ok=True)
        log = path.with_suffix(".log")
        if log.exists() and not log.stat().st_size:
            log.unlink()
