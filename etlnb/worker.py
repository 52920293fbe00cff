"""A local process worker for the embedded default: one per pool, in the background.

Like the local server it is started on first need, reused, and stopped with
`etlnb worker stop`; its pid and log live under .etlnb/.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from etlnb.server import Server, _alive


def _state(server: Server, pool: str) -> Path:
    return server.home / f"worker-{pool}.json"


def worker_pid(server: Server, pool: str) -> int | None:
    try:
        pid = int(json.loads(_state(server, pool).read_text())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return pid if _alive(pid) else None


def ensure_worker(server: Server, pool: str, quiet: bool = False) -> int:
    """Start `prefect worker start --pool POOL --type process` unless one of ours runs."""
    pid = worker_pid(server, pool)
    if pid is not None:
        return pid
    server.home.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        PREFECT_API_URL=server.api_url,
        PREFECT_WORKER_QUERY_SECONDS="2",
        PREFECT_HOME=str(server.home / "prefect"),
    )
    prefect = Path(sys.executable).with_name("prefect")
    command = [str(prefect) if prefect.exists() else sys.executable, *([] if prefect.exists() else ["-m", "prefect"])]
    command += ["worker", "start", "--pool", pool, "--type", "process"]
    with open(server.home / f"worker-{pool}.log", "ab") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    _state(server, pool).write_text(json.dumps({"pid": process.pid, "pool": pool}))
    if not quiet:
        print(
            f"started a local process worker for pool {pool!r} (pid {process.pid}, log {server.home / f'worker-{pool}.log'})",
            file=sys.stderr,
        )
    return process.pid


def stop_worker(server: Server, pool: str) -> bool:
    pid = worker_pid(server, pool)
    _state(server, pool).unlink(missing_ok=True)
    if pid is None:
        return False
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.2)
    if _alive(pid):
        os.killpg(pid, signal.SIGKILL)
    return True
