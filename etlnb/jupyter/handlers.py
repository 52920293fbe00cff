"""Handlers under /etlnb/...: authenticated jupyter_server APIHandlers (token or cookie, XSRF
as JupyterLab sends it). They act on the saved notebook, resolved inside the server's root.

Every handler method is `@authorized` as jupyter_server's own handlers are, so the server's
Authorizer decides, with the resources and actions of Jupyter's REST API:

    GET  /etlnb/check            contents: read     (static analysis, runs nothing)
    GET  /etlnb/deploy/settings  contents: read     (the "verified" line runs the sample cells, so
                                                      it is only computed with kernels: execute)
    POST /etlnb/run              kernels: execute + contents: write   (runs the notebook's code,
                                                      writes build/ and the parity record)
    POST /etlnb/deploy           kernels: execute + contents: write   (runs the sample cells, writes
                                                      build/, registers code a worker will run)
    POST /etlnb/flow-run         kernels: execute   (starts a run of deployed code)
    GET  /etlnb/jobs/<id>        kernels: read      (the output of code a run or deploy ran)

Notebook paths follow the contents manager's rules: a hidden file, or one in a hidden folder, is
404 as under /api/contents unless `ContentsManager.allow_hidden` is set.

Errors are one JSON `{"message": ...}` line the panel shows as it is, never a traceback, and they
name files relative to the server's root (as JupyterLab does), never by the root's absolute path.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import httputil, web

from etlnb.analyse.config import shown as quoted
from etlnb.analyse.diagnostics import printable
from etlnb.deploy.progress import STEPS
from etlnb.events import ENV as EVENTS_ENV
from etlnb.verify.parity import MISMATCH_LINE, RECORD_LINE

# Linux's PATH_MAX and NAME_MAX (bytes): longer is no file name, whatever the request says
MAX_PATH, MAX_NAME = 4096, 255


class Problem(Exception):
    """A message for the panel, with its HTTP status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def refused(action: str, resource: str, what: str) -> str:
    """The 403 message of an `@authorized` method: what was refused and the permission it needs."""
    return f"not allowed: {what} needs permission to {action} {resource} on this Jupyter server"


def one_line(text: str) -> str:
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    return lines[0] if lines else ""


def hide_root(value: Any, roots: list[str]) -> Any:
    """`value` with the server root's absolute path taken out of every string: a path under the
    root becomes relative to it (as JupyterLab names files), the root itself `.`."""
    if isinstance(value, str):
        for root in roots:
            if root in value:
                value = re.sub(re.escape(root) + r"(?:(/)|(?![\w.-]))", lambda m: "" if m.group(1) else ".", value)
        return value
    if isinstance(value, dict):
        return {k: hide_root(v, roots) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [hide_root(v, roots) for v in value]
    return value


class EtlnbHandler(APIHandler):
    auth_resource = "contents"  # each method names its own with @authorized

    @property
    def root(self) -> Path:
        return Path(self.settings.get("server_root_dir") or os.getcwd()).expanduser().resolve()

    @property
    def roots(self) -> list[str]:
        """The root's absolute path as the server may spell it (configured, resolved), longest first."""
        configured = os.path.abspath(os.path.expanduser(self.settings.get("server_root_dir") or os.getcwd()))
        found = {str(self.root), configured, getattr(self.contents_manager, "root_dir", None) or configured}
        return sorted((r.rstrip("/") for r in found if r.rstrip("/")), key=len, reverse=True)

    def hide_root(self, value: Any) -> Any:
        return hide_root(value, self.roots)

    def view(self, job: Job) -> dict[str, Any]:
        """A job as the panel polls it: its lines and message name files as the lab does; its result
        is kept whole (commands to copy into a terminal need their absolute paths)."""
        seen = job.view()
        return {**self.hide_root({k: v for k, v in seen.items() if k != "result"}), "result": seen["result"]}

    async def allowed(self, action: str, resource: str) -> bool:
        """What `@authorized(action, resource)` would decide, for what a handler only does when allowed."""
        user = self.current_user
        return bool(user) and bool(await ensure_async(self.authorizer.is_authorized(self, user, action, resource)))

    async def notebook(self, path: Any) -> Path:
        """The saved notebook at `path` (relative to the server root, as JupyterLab names it)."""
        if path is None or path == "":
            raise Problem("no notebook given: open a notebook first")
        if not isinstance(path, str):
            raise Problem(
                f"path must be a string (the notebook's path as JupyterLab names it), not {type(path).__name__}"
            )
        if any(unicodedata.category(c) in ("Cc", "Cs") for c in path):
            raise Problem(f"path {quoted(path)} holds control characters: no file has that name")
        size = len(path.encode("utf-8"))
        if size > MAX_PATH or any(len(part.encode("utf-8")) > MAX_NAME for part in path.split("/")):
            raise Problem(
                f"path {quoted(path)} is too long ({size} bytes): a path has at most {MAX_PATH} bytes,"
                f" a file or folder name at most {MAX_NAME}"
            )
        named = path if len(path) <= 120 else quoted(path)  # a message stays a line one can read
        if not path.endswith(".ipynb"):
            raise Problem(f"{named} is not a notebook (.ipynb)")
        missing = Problem(f"{named} is not saved yet: save it (Ctrl+S) and try again", 404)
        api_path = path.strip("/")
        try:
            full = (self.root / api_path).resolve()
            if not full.is_relative_to(self.root):
                raise Problem(f"{named} is outside the folder Jupyter serves", 403)
            cm = self.contents_manager
            # Jupyter's rule, as /api/contents applies it: hidden is missing (the same 404)
            if not cm.allow_hidden and await ensure_async(cm.is_hidden(api_path)):
                raise missing
            if not full.is_file():
                raise missing
        except ValueError:  # the lexical path leaves the root where the resolved one does not
            raise Problem(f"{named} is outside the folder Jupyter serves", 403) from None
        except OSError as exc:
            raise Problem(f"{named} cannot be read: {exc.strerror or type(exc).__name__}") from None
        return full

    def body(self) -> dict[str, Any]:
        try:
            data = json.loads(self.request.body or b"{}")
        except (ValueError, RecursionError):
            raise Problem("the request body is not JSON") from None
        if not isinstance(data, dict):
            raise Problem("the request body is not a JSON object")
        return data

    def fail(self, message: str, status: int = 400) -> None:
        self.set_status(status)
        self.finish(json.dumps({"message": self.hide_root(one_line(message))}))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Errors outside `guarded` (refused by the authorizer, a method not allowed, a bad query
        argument): the same one line, never a traceback."""
        message = httputil.responses.get(status_code, "error")
        exc = (kwargs.get("exc_info") or (None, None, None))[1]
        if isinstance(exc, web.HTTPError) and exc.log_message:
            try:
                message = exc.log_message % exc.args if exc.args else exc.log_message
            except (TypeError, ValueError):
                message = exc.log_message
        elif exc is not None and not isinstance(exc, web.HTTPError):
            message = f"etlnb: {type(exc).__name__}"
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": self.hide_root(one_line(message)) or str(status_code)}))

    async def guarded(self, action) -> None:
        try:
            result = await action()
        except Problem as exc:
            self.fail(str(exc), exc.status)
        except web.HTTPError:
            raise
        except Exception as exc:  # the panel shows one line, never a traceback
            self.log.exception("etlnb handler failed")
            self.fail(f"etlnb: {type(exc).__name__}: {one_line(str(exc))}", 500)
        else:
            self.finish(json.dumps(result))


# -- check: roles, names, diagnostics, graph -----------------------------------------------------------------------


def check_payload(path: Path, shown: str) -> dict[str, Any]:
    """Everything the badges, the Check list and the Graph need, from one analysis of the saved file."""
    from etlnb.analyse.diagnostics import CompileError
    from etlnb.analyse.mermaid import mermaid
    from etlnb.analyse.notebook import read_notebook
    from etlnb.analyse.roles import ROLES, UNTAGGED, classify
    from etlnb.pipeline import analyse

    try:
        notebook = read_notebook(path)
    except CompileError as exc:
        return {"path": shown, "ok": False, "cells": [], "diagnostics": [_diag(d, shown) for d in exc.diagnostics]}
    try:  # no chdir: the server's threads share one working directory; analyse needs none
        analysis = analyse(notebook)
    except CompileError as exc:
        return {"path": shown, "ok": False, "cells": [], "diagnostics": [_diag(d, shown) for d in exc.diagnostics]}
    cells: dict[int, dict[str, Any]] = {}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            roles = [t.lower() for t in cell.tags if t.lower() in ROLES]
            cells[cell.index] = {
                "index": cell.index,
                "id": cell.id,
                "role": roles[0] if len(roles) == 1 else ("conflict" if roles else UNTAGGED),
                "reads": [],
                "writes": [],
                "mapped": [],
                "tasks": [],
            }
    classified, _ = classify(notebook)
    for rc in classified:
        cells[rc.cell.index]["role"] = rc.role
    nodes: dict[str, dict[str, Any]] = {}
    graph = analysis.graph
    if graph is not None:
        for param in graph.params:
            info = cells.get(param.cell.cell.index)
            if info is not None and param.name not in info["writes"]:
                info["writes"].append(param.name)
        for seg in graph.segments:
            info = cells[seg.cell.cell.index]
            info["reads"] += [n for n in seg.inputs if n not in info["reads"]]
            info["writes"] += [n for n in sorted(seg.outputs or seg.writes) if n not in info["writes"]]
            info["tasks"].append(seg.key)
            if seg.map is not None:
                info["mapped"].append({"line": seg.map.line, "func": seg.map.func, "iterable": seg.map.iterable})
            nodes[seg.key] = {"cell": seg.cell.cell.index, "id": seg.cell.cell.id, "line": seg.block.start}
        if graph.params:
            first = graph.params[0]
            nodes["params"] = {"cell": first.cell.cell.index, "id": first.cell.cell.id, "line": first.line}
    return {
        "path": shown,
        "ok": analysis.ok,
        "project": analysis.project,
        "flow": analysis.flow_name,
        "cells": list(cells.values()),
        "diagnostics": [_diag(d, shown) for d in sorted(analysis.diagnostics, key=lambda d: d.severity != "error")],
        "tasks": len(graph.segments) if graph is not None else 0,
        "mermaid": mermaid(graph) if graph is not None and analysis.ok else "",
        "nodes": nodes,
    }


def _diag(d: Any, shown: str) -> dict[str, Any]:
    return {
        "severity": d.severity,
        "message": d.message,
        "hint": d.hint,
        "cell": d.cell,
        "id": d.cell_id,
        "line": d.line,
        # messages name the notebook as JupyterLab shows it (relative to the server root)
        "text": d.format().replace(printable(d.notebook), shown, 1) if d.notebook else d.format(),
    }


class CheckHandler(EtlnbHandler):
    """GET ?path=: roles, names, diagnostics and graph of the saved notebook (static: runs none of its code)."""

    auth_resource = "contents"

    @web.authenticated
    @authorized("read", resource="contents", message=refused("read", "contents", "checking a notebook"))
    async def get(self) -> None:
        async def action():
            shown = self.get_argument("path", "")
            path = await self.notebook(shown)
            payload = await asyncio.get_running_loop().run_in_executor(None, check_payload, path, shown)
            return self.hide_root(payload)

        await self.guarded(action)


# -- jobs: child processes whose progress the panel polls ----------------------------------------------------------


@dataclass
class Job:
    id: str
    kind: str
    steps: dict[str, str] = field(default_factory=dict)  # step -> pending / running / ok / failed
    lines: list[str] = field(default_factory=list)
    status: str = "running"  # running / ok / failed
    message: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    cells: dict[int, list[str]] = field(default_factory=dict)  # parity: cell index -> its tasks
    details: dict[str, dict[str, Any]] = field(default_factory=dict)  # step -> its first difference and cell
    settled: bool = False  # the steps' final states came as an event: output no longer moves them

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "steps": [{"name": k, "status": v, **self.details.get(k, {})} for k, v in self.steps.items()],
            "lines": self.lines[-200:],
            "status": self.status,
            "message": self.message,
            "result": self.result,
        }


JOBS: dict[str, Job] = {}  # in memory: a page polls its jobs while they run; old ones are dropped
MAX_JOBS, MAX_LINES = 50, 2000
# Prefect's task-run log line: "Task run 'extract_raw_data-3f1' - Finished in state Completed()"
TASK_DONE = re.compile(r"Task run '([A-Za-z_][A-Za-z0-9_]*)-[^']*' - Finished in state (\w+)")
TASK_START = re.compile(r"Task run '([A-Za-z_][A-Za-z0-9_]*)-[^']*' - ")
# Prefect 1's (target = prefect1): "Task 'load': Finished task run for task with final state: 'Success'"
# (a mapped item is "Task 'extract_raw_data[2]': ...", not a step)
TASK1_DONE = re.compile(r"Task '([A-Za-z_][A-Za-z0-9_]*)': Finished task run for task with final state: '(\w+)'")
TASK1_START = re.compile(r"Task '([A-Za-z_][A-Za-z0-9_]*)': Starting task run")
# A task's final state as Prefect reports it (etlnb.targets.*.run, in the run's "tasks" event)
TASK_OK = {"Completed", "Cached", "Success", "Mapped"}
TASK_NOT_YET = {"NotRun", "Scheduled", "Pending", "Late", "Paused", "AwaitingRetry"}
TASK_RUNNING = {"Running", "Retrying"}
TASK_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:$|-|\[)")  # Prefect 3's "load-3f1", Prefect 1's "load"
EVENTS_WAIT = 5.0  # seconds the events may outlast the child (a process it forked still holds the pipe)


async def _run_job(job: Job, command: list[str], cwd: Path) -> None:
    """The child's output is text for the job's log (Prefect's task lines move its steps as they
    go); its progress comes as events on a pipe of the job's own (etlnb.events says why a pipe)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", NO_COLOR="1", PREFECT_LOGGING_COLORS="false")
    read_end, write_end = os.pipe()  # both close-on-exec: only this job's child gets the write end
    env[EVENTS_ENV] = str(write_end)
    reader: asyncio.Task | None = None
    try:
        try:
            process = await asyncio.create_subprocess_exec(
                *command,
                cwd=cwd,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                limit=2**22,  # a long output line (a big repr) must not end the job
                pass_fds=(write_end,),
            )
        finally:
            os.close(write_end)  # the child has its own: the pipe ends when the child does
        reader = asyncio.get_running_loop().create_task(_read_events(job, read_end))
        read_end = -1  # the reader closes it
        assert process.stdout is not None
        async for raw in process.stdout:
            _line(job, raw.decode("utf-8", "replace").rstrip("\n"))
        code = await process.wait()
        try:
            await asyncio.wait_for(reader, EVENTS_WAIT)
        except TimeoutError:  # a process the child forked holds the pipe: what the child wrote is read
            pass
    except Exception as exc:
        job.status, job.message = "failed", f"etlnb: the {job.kind} process failed: {type(exc).__name__}: {exc}"
        return
    finally:
        if read_end >= 0:
            os.close(read_end)
        if reader is not None and not reader.done():
            reader.cancel()
    if job.status == "running":
        job.status = "ok" if code == 0 else "failed"
    if job.status == "failed" and job.result.get("mismatches"):
        found = job.result["mismatches"]
        first = found[0]
        job.message = (
            f"parity failed: {len(found)} difference(s); first in {first['label']}: {first['name']}: {first['detail']}"
        )
    if job.status == "failed":
        for step, state in job.steps.items():
            if state == "running":
                job.steps[step] = "failed"
        if not job.message:  # one line for the panel: what etlnb said, else the last line
            lines = [ln for ln in job.lines if ln.strip()]
            said = [
                ln
                for ln in lines
                if ln.startswith("etlnb")
                or ": error:" in ln
                or "parity mismatch in" in ln
                or "compiled flow failed" in ln
            ]
            job.message = said[0] if said else (lines or [f"exited with status {code}"])[-1]


async def _read_events(job: Job, fd: int) -> None:
    """The job's events, one JSON object a line, until the child (and whatever it forked) closes the pipe."""
    loop = asyncio.get_running_loop()
    stream = asyncio.StreamReader(limit=2**22)
    pipe = os.fdopen(fd, "rb", buffering=0)
    try:
        transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream), pipe)
    except BaseException:
        pipe.close()
        raise
    try:
        async for raw in stream:
            _event(job, raw)
    except ValueError:  # an event longer than the limit: etlnb's own bug, never the notebook's output
        job.status, job.message = "failed", "etlnb: a progress event of the job was too long to read"
    finally:
        transport.close()


def _event(job: Job, raw: bytes) -> None:
    try:
        event = json.loads(raw)
    except ValueError:
        return
    if not isinstance(event, dict):
        return
    if isinstance(event.get("step"), str):  # a deploy step: running, ok or failed
        job.steps[event["step"]] = str(event.get("status", ""))
    if "error" in event:
        job.status, job.message = "failed", str(event["error"])
    if "result" in event:
        job.result = event["result"]
    if isinstance(event.get("tasks"), list):  # a flow's task runs as Prefect recorded them: the steps' states
        _task_states(job, event["tasks"])
    if isinstance(event.get("parity"), str):  # parity's report, as `etlnb run --parity` printed it
        for line in event["parity"].splitlines():
            _parity_line(job, line)


def _task_states(job: Job, tasks: list[Any]) -> None:
    """Each step's state from its task runs (a mapped step's items together); a step with none did not run."""
    found: dict[str, set[str]] = {}
    for row in tasks:
        name = TASK_NAME.match(str(row.get("task", ""))) if isinstance(row, dict) else None
        if name and name.group(1) in job.steps:
            state = str(row.get("state", ""))
            found.setdefault(name.group(1), set()).add(
                "ok"
                if state in TASK_OK
                else "pending"
                if state in TASK_NOT_YET
                else "running"
                if state in TASK_RUNNING
                else "failed"
            )
    for step in job.steps:
        states = found.get(step, {"pending"})
        job.steps[step] = next(s for s in ("failed", "running", "pending", "ok") if s in states)
    job.settled = True


def _line(job: Job, line: str) -> None:
    """A line of the child's output: text for the log. Prefect's task lines move the steps while the
    flow runs (a hint the run's "tasks" event replaces at its end); nothing in it is an event."""
    job.lines.append(line)
    del job.lines[:-MAX_LINES]
    if job.settled:
        return
    done = TASK_DONE.search(line) or TASK1_DONE.search(line)
    if done and done.group(1) in job.steps:
        job.steps[done.group(1)] = "ok" if done.group(2) in ("Completed", "Success", "Mapped") else "failed"
        return
    started = TASK_START.search(line) or TASK1_START.search(line)
    if started and job.steps.get(started.group(1)) == "pending":
        job.steps[started.group(1)] = "running"


def _parity_line(job: Job, line: str) -> bool:
    """Parity's report: each difference marks its cell's steps failed, with the difference and the cell
    (the panel shows both and links the cell); the record line says whether the content is verified."""
    mismatches = job.result.setdefault("mismatches", [])
    if found := MISMATCH_LINE.match(line):
        index = int(found["number"]) - 1
        entry = {"label": found["label"], "cell": index, "id": found["id"], "name": found["name"]}
        entry.update(detail=found["detail"], why="")
        mismatches.append(entry)
        for key in job.cells.get(index, []):
            job.steps[key] = "failed"
            job.details.setdefault(
                key, {"difference": f"{entry['name']}: {entry['detail']}", "cell": index, "cell_id": found["id"]}
            )
        return True
    if mismatches and line.startswith("    why: "):
        mismatches[-1]["why"] = line.strip()
        for key in job.cells.get(mismatches[-1]["cell"], []):
            if key in job.details and not job.details[key].get("why"):
                job.details[key]["why"] = line.strip()
        return True
    if found := RECORD_LINE.match(line):
        job.result["verified"] = None if found["not"] else found["key"]
        job.result["content"] = found["key"]
        return True
    return False


def start_job(
    kind: str, command: list[str], cwd: Path, steps: list[str], cells: dict[int, list[str]] | None = None
) -> Job:
    job = Job(uuid.uuid4().hex, kind, dict.fromkeys(steps, "pending"), cells=cells or {})
    for old in [j for j in JOBS.values() if j.status != "running"][: max(0, len(JOBS) - MAX_JOBS)]:
        del JOBS[old.id]
    JOBS[job.id] = job
    asyncio.get_running_loop().create_task(_run_job(job, command, cwd))
    return job


def build_dir(notebook: Path) -> Path:
    from etlnb.local.server import project_root

    return project_root(notebook.parent) / "build"


class RunHandler(EtlnbHandler):
    """POST {path, mode: "flow" | "parity" | "sample"}: `etlnb run` in a child process. It runs the
    notebook's code (a kernel's permission) and writes build/ and the parity record (contents)."""

    auth_resource = "kernels"

    @web.authenticated
    @authorized("execute", resource="kernels", message=refused("execute", "kernels", "running the notebook's code"))
    @authorized("write", resource="contents", message=refused("write", "contents", "a run (it writes build/)"))
    async def post(self) -> None:
        async def action():
            data = self.body()
            path = await self.notebook(data.get("path"))
            mode = data.get("mode", "flow")
            if not isinstance(mode, str) or mode not in ("flow", "parity", "sample"):
                raise Problem(f"unknown run mode {quoted(mode)}: flow, parity or sample")
            payload = await asyncio.get_running_loop().run_in_executor(None, check_payload, path, data["path"])
            if not payload["ok"]:
                first = next((d for d in payload["diagnostics"] if d["severity"] == "error"), None)
                raise Problem(f"fix this first (Check lists all): {first['text'] if first else 'analysis failed'}")
            steps = [key for cell in payload["cells"] for key in cell["tasks"]]
            command = [sys.executable, "-m", "etlnb", "run", str(path), f"--{mode}", "-o", str(build_dir(path))]
            cells = {cell["index"]: cell["tasks"] for cell in payload["cells"]} if mode == "parity" else None
            job = start_job(f"run-{mode}", command, path.parent, steps, cells)
            job.settled = mode == "sample"  # no flow runs: nothing it prints is a task's line
            return self.view(job)

        await self.guarded(action)


class JobHandler(EtlnbHandler):
    """GET: a job's progress and output (the output of code a run or deploy ran, as a kernel's is)."""

    auth_resource = "kernels"

    @web.authenticated
    @authorized("read", resource="kernels", message=refused("read", "kernels", "following a run or deploy"))
    async def get(self, job_id: str) -> None:
        async def action():
            job = JOBS.get(job_id)
            if job is None:
                raise Problem(f"no such job {quoted(job_id)} (the server was restarted?)", 404)
            return self.view(job)

        await self.guarded(action)


# -- deploy ----------------------------------------------------------------------------------------------------------


NOT_CHECKED = {
    "verified": False,
    "verification": "not checked: whether this content is verified is known by running its sample cells,"
    " which needs permission to execute kernels on this Jupyter server",
}


def deploy_fields(path: Path, verify: bool = True) -> dict[str, Any]:
    """Today's %etl_deploy panel fields, prefilled from config and notebook metadata (and the target:
    a Prefect 1 flow has no work pool; the panel shows its run config instead). `verify`: whether this
    content passed parity, which compiles it and so runs its sample cells."""
    from etlnb.analyse.config import load_settings
    from etlnb.analyse.notebook import read_notebook
    from etlnb.pipeline import names_for

    nb = read_notebook(path)
    settings = load_settings(path, nb.etlnb_metadata)
    project, flow = names_for(nb)
    project = settings.project or project
    variable = settings.image_variable_name(project)
    if settings.target == "prefect1":  # no work pool: the pool type picks LocalRun or KubernetesRun
        from etlnb.targets.prefect1.emit import image_env_var

        image_placeholder, storage_placeholder = (
            f"${image_env_var(project)}, else KV key {variable}",
            "s3://bucket/prefix, else Local",
        )
    else:
        image_placeholder, storage_placeholder = f"Prefect Variable {variable}", ".etlnb/storage"
    return {
        "project": project,
        "flow": flow,
        "target": settings.target,
        "work_pool": settings.work_pool,
        "work_pool_type": settings.work_pool_type,
        "image": settings.image or "",
        "image_placeholder": image_placeholder,
        "schedule": "" if settings.schedule is None else str(settings.schedule),
        "storage": settings.storage or "",
        "storage_placeholder": storage_placeholder,
        **(verification(path) if verify else NOT_CHECKED),
    }


def verification(path: Path) -> dict[str, Any]:
    """Whether deploy would accept the notebook as it is on disk (a passing parity of this content)."""
    from etlnb.analyse.diagnostics import CompileError
    from etlnb.pipeline import compile_file
    from etlnb.verify.record import verdict

    try:
        found = verdict(path, compile_file(path, build_dir(path)))
    except (CompileError, OSError):
        return {"verified": False, "verification": "not verified: the notebook does not compile (Check says why)"}
    line = found.line.replace(f"{path}", path.name, 1)  # the panel names the notebook as the lab does
    return {"verified": found.verified, "verification": line}


class DeploySettingsHandler(EtlnbHandler):
    """GET ?path=: the deploy form's fields. Reading them is reading contents; the "verified" line
    compiles the notebook, which runs its sample cells: only for whom may execute kernels."""

    auth_resource = "contents"

    @web.authenticated
    @authorized("read", resource="contents", message=refused("read", "contents", "reading deploy settings"))
    async def get(self) -> None:
        async def action():
            path = await self.notebook(self.get_argument("path", ""))
            verify = await self.allowed("execute", "kernels")
            fields = await asyncio.get_running_loop().run_in_executor(None, _fields_or_problem, path, verify)
            return self.hide_root(fields)

        await self.guarded(action)


def _fields_or_problem(path: Path, verify: bool) -> dict[str, Any]:
    from etlnb.analyse.diagnostics import CompileError

    try:
        return deploy_fields(path, verify)
    except CompileError as exc:
        raise Problem(str(exc).splitlines()[0]) from None
    except ValueError as exc:  # a config error is one line already
        raise Problem(str(exc).splitlines()[0]) from None


DEPLOY_FIELDS = ("work_pool", "work_pool_type", "image", "schedule", "storage")


class DeployHandler(EtlnbHandler):
    """POST {path, work_pool, work_pool_type, image, schedule, storage, unverified}: compile, verify, check,
    upload, register in a child process (etlnb.jupyter.job), with progress per step and the worker status after.
    It writes build/ (contents) and runs the sample cells, then registers code a worker runs (kernels)."""

    auth_resource = "contents"

    @web.authenticated
    @authorized("write", resource="contents", message=refused("write", "contents", "deploying (it writes build/)"))
    @authorized("execute", resource="kernels", message=refused("execute", "kernels", "deploying the notebook's code"))
    async def post(self) -> None:
        async def action():
            data = self.body()
            path = await self.notebook(data.get("path"))
            for key in DEPLOY_FIELDS:
                value = data.get(key)
                if value is not None and not (isinstance(value, str) or (key == "schedule" and type(value) is int)):
                    raise Problem(f"deploy: {key} must be a string, not {type(value).__name__} ({quoted(value)})")
            if (unverified := data.get("unverified")) is not None and not isinstance(unverified, bool):
                raise Problem(f"deploy: unverified must be true or false, not {quoted(unverified)}")
            schedule = str(data.get("schedule") or "").strip()
            flags = {
                "work_pool": str(data.get("work_pool") or "").strip() or None,
                "work_pool_type": data.get("work_pool_type") or None,
                "image": str(data.get("image") or "").strip() or None,
                "schedule": schedule or None,
                "storage": str(data.get("storage") or "").strip() or None,
            }
            from etlnb.analyse.config import flag_problem

            if (problem := flag_problem(flags)) is not None:
                raise Problem(f"deploy: {problem}")
            spec = json.dumps(
                {
                    "notebook": str(path),
                    "flags": flags,
                    "out_dir": str(build_dir(path)),
                    "unverified": data.get("unverified") is True,
                }
            )
            command = [sys.executable, "-m", "etlnb.jupyter.job", "deploy", spec]
            return self.view(start_job("deploy", command, path.parent, list(STEPS)))

        await self.guarded(action)


class FlowRunHandler(EtlnbHandler):
    """POST {deployment_id}: start a flow run of the deployment (child process); the job's result has its UI link.
    A worker runs the deployed code: a kernel's permission."""

    auth_resource = "kernels"

    @web.authenticated
    @authorized("execute", resource="kernels", message=refused("execute", "kernels", "starting a flow run"))
    async def post(self) -> None:
        async def action():
            data = self.body()
            deployment_id = data.get("deployment_id")
            if deployment_id in (None, ""):
                raise Problem("no deployment to run: deploy first")
            if not isinstance(deployment_id, str) or not re.fullmatch(r"[0-9a-fA-F-]{36}", deployment_id):
                raise Problem(f"deployment_id {quoted(deployment_id)} is not a deployment's id (a UUID): deploy first")
            command = [
                sys.executable,
                "-m",
                "etlnb.jupyter.job",
                "flow-run",
                json.dumps({"deployment_id": deployment_id}),
            ]
            return self.view(start_job("flow-run", command, self.root, []))

        await self.guarded(action)


def setup_handlers(web_app: Any) -> None:
    base = url_path_join(web_app.settings["base_url"], "etlnb")
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "check"), CheckHandler),
            (url_path_join(base, "run"), RunHandler),
            (url_path_join(base, "deploy", "settings"), DeploySettingsHandler),
            (url_path_join(base, "deploy"), DeployHandler),
            (url_path_join(base, "flow-run"), FlowRunHandler),
            (url_path_join(base, "jobs", r"([^/]+)"), JobHandler),  # an unknown id: one line, 404
        ],
    )
