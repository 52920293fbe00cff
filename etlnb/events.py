"""Progress events of a job, out of band: what etlnb's Jupyter server (etlnb.jupyter.handlers) reads a
job's steps, error and result from, never from the job's output.

The server makes a pipe for each job and starts the child (`python -m etlnb run ...`,
`python -m etlnb.jupyter.job ...`) with the pipe's write end (`pass_fds`), its number in
ETLNB_EVENTS_FD. The child calls `take()` first thing: the variable leaves os.environ and the
descriptor becomes close-on-exec, before any of the notebook's code runs, so neither the flow's
process, papermill's kernel nor a sample cell's process gets either. What the notebook's code
prints (stdout, stderr, logging) therefore never reaches the channel: a line of output that
looks like an event is only text in the job's log.

Why an inherited pipe, rather than a file or Prefect's API: a pipe has no name (nothing on disk
for other code to find or write into, nothing to clean up or leave behind when the server is
killed), the server hears each event as it is written (no polling) and sees its end when the
child exits; a write of up to PIPE_BUF (4096 bytes on Linux) is atomic, and a longer one is
written whole under a lock. Prefect's API knows task runs but not deploy steps or parity's
verdict, and a Prefect 1 `flow.run()` reports to no API at all.

Standard library only, and cheap to import: `etlnb compile` imports the command line.
"""

from __future__ import annotations

import json
import os
import stat
import threading
from typing import Any

ENV = "ETLNB_EVENTS_FD"

_fd: int | None = None
_lock = threading.Lock()


def take() -> bool:
    """This process's channel, from ETLNB_EVENTS_FD (which leaves the environment, whatever it
    holds); whether there is one. Anything but an open pipe other than stdin, stdout and stderr
    is no channel: events never go where output goes."""
    global _fd
    raw = os.environ.pop(ENV, None)
    if raw is None:
        return _fd is not None
    try:
        fd = int(raw)
        if fd <= 2 or not stat.S_ISFIFO(os.fstat(fd).st_mode):
            return _fd is not None
        os.set_inheritable(fd, False)  # close-on-exec: no program this one starts inherits it
    except (ValueError, OSError):
        return _fd is not None
    _fd = fd
    return True


def emit(**event: Any) -> bool:
    """Send one event (a JSON object on one line); whether it went (False: no channel, or the
    server stopped reading, which must not end the job)."""
    if _fd is None:
        return False
    data = memoryview((json.dumps(event) + "\n").encode("utf-8"))
    with _lock:
        try:
            while data:
                data = data[os.write(_fd, data) :]
        except OSError:  # EPIPE: the server is gone
            return False
    return True
