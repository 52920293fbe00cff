"""`etlnb run NB --deployed`: run the registered deployment and wait for it.

On the embedded default a local process worker is started for the pool. The
run gets the notebook's sample parameters; relative sample paths are made
absolute against the notebook's folder, since a deployed run starts in its
code folder.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

from etlnb.local import server as local_server
from etlnb.targets.flowrun import absolutize


def _printed(flow_run_id: str, wait: float = 15.0) -> list[str]:
    """What the run's tasks printed (flows log prints), in order: the run's result for a person."""
    import time

    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    from etlnb.targets.prefect3.api import prefect_client

    # the run's process ships logs in batches and may still be sending them when the run
    # is already final; the flow's own "Finished in state" line comes last
    deadline = time.monotonic() + wait
    with prefect_client() as client:
        while True:
            logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
            finished = any(log.task_run_id is None and log.message.startswith("Finished in state") for log in logs)
            if finished or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    lines = []
    for log in sorted(logs, key=lambda entry: entry.timestamp):
        if log.task_run_id is not None and not log.message.startswith(("Finished in state", "Created task run")):
            lines.extend(log.message.splitlines())
    return lines


def worker_status(pool_name: str) -> tuple[bool, str]:
    """(a worker serves the pool, one line saying so and how to start one): what the
    deployment page's "Ready"/"Not Ready" means, from the pool's workers on the API."""
    from prefect.client.schemas.objects import WorkerStatus
    from prefect.exceptions import ObjectNotFound

    from etlnb.targets.prefect3.api import prefect_client

    with prefect_client() as client:
        try:
            pool = client.read_work_pool(pool_name)
        except ObjectNotFound:
            return False, f"work pool {pool_name!r} does not exist yet: `etlnb deploy` creates it"
        online = [w.name for w in client.read_workers_for_work_pool(pool_name) if w.status == WorkerStatus.ONLINE]
    # commands to copy and paste: quoted as a shell reads them, whatever the names hold
    if pool.is_paused:
        resume = shlex.join(["prefect", "work-pool", "resume", pool_name])
        return False, f"work pool {pool_name!r} is paused: resume it with `{resume}`"
    if online:
        return True, f"work pool {pool_name!r} is served by {len(online)} worker(s) online: {', '.join(online)}"
    return (
        False,
        f"no worker serves work pool {pool_name!r}: runs wait until one does; start one with {start_hint(pool_name, pool.type)}",
    )


def start_hint(pool_name: str, pool_type: str) -> str:
    """The command that starts a worker for a pool, quoted as a shell reads it (copied and pasted)."""
    if pool_type == "process":
        return f"`{shlex.join(['etlnb', 'worker', 'start', '--pool', pool_name])}`"
    command = shlex.join(["prefect", "worker", "start", "--pool", pool_name, "--type", pool_type])
    return f"`{command}` where it can reach your cluster"


def worker_line(pool: str) -> tuple[bool, str]:
    """worker_status, never raising: a deploy that succeeded is not failed by this courtesy line."""
    try:
        return worker_status(pool)
    except Exception as exc:
        return False, f"could not tell whether a worker serves pool {pool!r}: {type(exc).__name__}: {exc}"


_WAITING = {
    "SCHEDULED": "waiting for a worker on pool {pool} to pick the run up",
    "PENDING": "a worker picked the run up; it is fetching the code and starting the flow",
    "RUNNING": "running",
}


def _wait_for(run_id: Any, pool: str, timeout: float, started_worker: bool) -> Any:
    """Poll the flow run until it is final, saying on stderr what it waits for (rich's live status
    line on a terminal; one line per change otherwise, e.g. when %etl_run pipes it)."""
    import time

    from rich.console import Console

    from etlnb.targets.prefect3.api import prefect_client

    console = Console(stderr=True)
    began = time.monotonic()
    last = None
    with console.status("submitting the run...") as status, prefect_client() as client:
        while True:
            run = client.read_flow_run(run_id)
            state = run.state.type.value if run.state else "SCHEDULED"
            if run.state and run.state.is_final():
                return run
            text = _WAITING.get(state, state.lower()).format(pool=pool)
            if state == "SCHEDULED" and started_worker:
                text += " (the local worker was just started: its first poll can take up to a minute)"
            if text != last and not console.is_terminal:
                print(f"etlnb run: {text}", file=sys.stderr, flush=True)
            last = text
            elapsed = time.monotonic() - began
            status.update(f"{text} ({elapsed:.0f}s)")
            if elapsed > timeout:
                return run
            time.sleep(1.0)


def run_deployed(
    notebook: Path, params: list[str], out_dir: Path, flags: dict[str, Any] | None = None, timeout: float = 600
) -> int:
    from etlnb.pipeline import compile_file
    from etlnb.targets import RunError
    from etlnb.targets.prefect3.api import api_settings, api_target, parameter_problem, prefect_client
    from etlnb.verify.runner import parse_params

    compiled = compile_file(notebook, out_dir, flags)  # once: the --param check below reads this compile too
    settings = compiled.settings
    if settings.target == "prefect1":  # registered with Prefect 1's backend, which etlnb does not drive
        project, flow = compiled.analysis.project, compiled.analysis.flow_name
        print(
            f"etlnb run: --deployed runs Prefect 3 deployments; a target = prefect1 flow runs on its Prefect 1"
            f" backend: `.venv-prefect1/bin/prefect run --name {flow} --project {project} --watch`"
            " (or from the Prefect 1 UI)",
            file=sys.stderr,
        )
        return 1
    flow, deployment = compiled.analysis.flow_name, settings.deployment_name(compiled.analysis.project)
    # values sample cells compute (a variable read from the environment, say) stay on this
    # machine: the deployment's defaults apply to them unless given with --param
    literal = {n: v for n, v in compiled.sample.items() if n not in compiled.computed}
    try:
        values = parse_params(
            params,
            absolutize(literal, notebook.resolve().parent),
            [p.name for p in compiled.analysis.graph.params],
        )
    except RunError as exc:
        print(f"etlnb run: {exc}; no run was created", file=sys.stderr)
        return 1
    # the server refuses a value its parameter schema does not allow only after the run was
    # asked for: checked here first, before any server is contacted
    names = [pair.partition("=")[0] for pair in params]
    if params and (problem := parameter_problem(compiled.script, compiled.entrypoint, values, names)) is not None:
        print(f"etlnb run: {problem}; no run was created", file=sys.stderr)
        return 1
    kept = sorted(n for n in compiled.computed if n in compiled.sample)
    if kept:
        print(
            f"etlnb run: computed sample values are not sent to the deployment ({', '.join(kept)}); "
            "its defaults apply: pass --param NAME=VALUE to set them",
            file=sys.stderr,
        )
    try:
        api_url, ui_url = api_target()
    except local_server.ServerError as exc:  # e.g. the port is held by another project's server
        print(f"etlnb run: {exc}", file=sys.stderr)
        return 1
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    try:
        with prefect_client() as client:
            try:
                client.api_healthcheck()
                client.read_flows(limit=1)
            except Exception as exc:  # as `etlnb deploy` says it: one line, nothing created
                from etlnb.analyse.urls import redact

                reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                print(
                    f"etlnb run: Prefect API at {redact(api_url)} is not reachable: {reason}; no run was created"
                    " (start the local one with `etlnb server start`, or fix PREFECT_API_URL)",
                    file=sys.stderr,
                )
                return 1
            registered = client.read_deployment_by_name(f"{flow}/{deployment}")
            pool = client.read_work_pool(registered.work_pool_name) if registered.work_pool_name else None
    except ObjectNotFound:
        print(
            f"etlnb run: no deployment {flow}/{deployment}; run `{shlex.join(['etlnb', 'deploy', str(notebook)])}` first",
            file=sys.stderr,
        )
        return 1
    started_worker = False
    local_worker = pool is not None and pool.type == "process" and api_url == local_server.default_server().api_url
    if local_worker:
        from etlnb.local.worker import ensure_worker, worker_pid

        started_worker = worker_pid(local_server.default_server(), pool.name) is None
        ensure_worker(local_server.default_server(), pool.name)  # the pool the deployment really uses
    elif pool is not None:
        served, line = worker_status(pool.name)
        if not served:
            print(f"etlnb run: {line}", file=sys.stderr)
    with api_settings():
        run = run_deployment(f"{flow}/{deployment}", parameters=values, timeout=0)  # submit; we watch below
    print(f"etlnb run: submitted {ui_url}/runs/flow-run/{run.id}", file=sys.stderr)
    run = _wait_for(run.id, registered.work_pool_name or "?", timeout, started_worker)
    from etlnb.verify.runner import final_task_report

    state = run.state.name if run.state else "?"
    print(f"deployed run {ui_url}/runs/flow-run/{run.id}: {state}")
    for task in final_task_report(str(run.id)):
        print(f"  {task['task']:<32} {task['state']:<10} {task['seconds']:.2f}")
    for line in _printed(str(run.id)):
        print(f"  | {line}")
    if not (run.state and run.state.is_completed()):
        message = run.state.message if run.state else "no state"
        cause = _first_error(str(run.id))
        if cause is None and local_worker:
            cause = _worker_cause(local_server.default_server().home / f"worker-{pool.name}.log", str(run.id))
        print(f"etlnb run: the deployed run ended {state}: {cause or message}", file=sys.stderr)
        return 1
    return 0


def _worker_cause(log: Path, flow_run_id: str) -> str | None:
    """An etlnb line the local worker logged for the run before it crashed: a pull step fails in
    the run's process before it can log to the API (the stored-code check), so only the worker's
    log says why."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return None
    end = text.rfind(f"'{flow_run_id}'")
    if end < 0:
        return None
    lines = text[:end].splitlines()[-200:]
    found = [line for line in lines if "etlnb: " in line]
    return found[-1][found[-1].index("etlnb: ") + len("etlnb: ") :].strip() if found else None


def _first_error(flow_run_id: str) -> str | None:
    """The first line of the first error the run's own process logged (a failed pull step, an
    exception before any task): what the worker's "exited with status code 1" does not say."""
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId, LogFilterLevel

    from etlnb.targets.prefect3.api import prefect_client

    with prefect_client() as client:
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]), level=LogFilterLevel(ge_=40))
        )
    for log in sorted(logs, key=lambda entry: entry.timestamp):
        lines = [line.strip() for line in log.message.splitlines() if line.strip()]
        etlnb_lines = [line for line in lines if "etlnb: " in line]
        if etlnb_lines:
            return etlnb_lines[-1][etlnb_lines[-1].index("etlnb: ") + len("etlnb: ") :]
        if lines:
            return lines[-1] if lines[-1].count(":") else lines[0]
    return None
