"""A local process worker for the embedded default: one per pool, in the background.

Like the local server it is started on first need, reused, and stopped with
`etlnb worker stop`; its record (pid, start time, command line) and log live
under .etlnb/. Only a process matching that record is ever signalled.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from etlnb.local.server import Server, prefect_command, process_record, read_record, terminate_group, verified_pid


def _state(server: Server, pool: str) -> Path:
    return server.home / f"worker-{pool}.json"


def _worker_args(pool: str) -> list[str]:
    return ["worker", "start", "--pool", pool, "--type", "process"]


def worker_pid(server: Server, pool: str) -> int | None:
    """The pid of the worker etlnb started for POOL, if that very process still runs."""
    try:
        return verified_pid(read_record(_state(server, pool)), _worker_args(pool), server.prefect_home)
    except ValueError:
        return None


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
        PREFECT_HOME=os.path.abspath(server.prefect_home),  # absolute: its record is checked against it
    )
    command = prefect_command(*_worker_args(pool))
    with open(server.home / f"worker-{pool}.log", "ab") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    _state(server, pool).write_text(json.dumps({**process_record(process.pid, command), "pool": pool}))
    if not quiet:
        print(
            f"started a local process worker for pool {pool!r} (pid {process.pid}, log {server.home / f'worker-{pool}.log'})",
            file=sys.stderr,
        )
    return process.pid


def stop_worker(server: Server, pool: str) -> bool:
    """Stop the worker etlnb started for POOL; False (nothing signalled) when the record is
    missing, unreadable, or names a process that is not that worker (exited, pid reused)."""
    pid = worker_pid(server, pool)
    _state(server, pool).unlink(missing_ok=True)
    if pid is None:
        return False
    terminate_group(pid)
    return True
