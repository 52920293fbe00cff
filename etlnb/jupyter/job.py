"""Child process of the etlnb server extension: deploy, start a flow run, read a pool's workers.

`python -m etlnb.jupyter.job KIND JSON` sends the handler its progress (step status, one error
message, the result) as events on the channel the handler gave it (etlnb.events), never on stdout:
its output is only text for the job's log. A child process keeps Prefect out of the Jupyter server
and every failure down to one line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from etlnb import events


def emit(**event: Any) -> None:
    """To the handler, out of band; run by hand (no channel), to stderr for whoever reads it."""
    if not events.emit(**event):
        print(json.dumps(event), file=sys.stderr, flush=True)


def workers(pool: str) -> dict[str, Any]:
    """The pool's workers as Prefect's client reads them (the same list the Prefect UI shows)."""
    from prefect.exceptions import ObjectNotFound

    from etlnb.targets.prefect3.api import prefect_client

    with prefect_client() as client:
        try:
            found = client.read_workers_for_work_pool(pool)
        except ObjectNotFound:
            return {"pool": pool, "workers": [], "online": 0, "note": f"work pool {pool!r} does not exist yet"}
    listed = [
        {
            "name": w.name,
            "status": str(getattr(w.status, "value", w.status) or "UNKNOWN"),
            "last_heartbeat": w.last_heartbeat_time.isoformat() if w.last_heartbeat_time else None,
        }
        for w in found
    ]
    online = sum(w["status"] == "ONLINE" for w in listed)
    note = "" if online else f"no worker is online for pool {pool!r}: runs wait until one is (`etlnb worker start`)"
    return {"pool": pool, "workers": listed, "online": online, "note": note}


def deploy(spec: dict[str, Any]) -> None:
    from etlnb.deploy.progress import DeployError
    from etlnb.deploy.steps import deploy as run_deploy
    from etlnb.targets.prefect3.api import api_target

    try:
        result = run_deploy(
            Path(spec["notebook"]),
            spec["flags"],
            Path(spec["out_dir"]),
            echo=False,
            listener=lambda step, status: emit(step=step, status=status),
            unverified=bool(spec.get("unverified")),
        )
    except DeployError as exc:
        emit(error=f"deploy: {exc.step} failed: {exc} ({_left_as_it_was(spec, exc.step)})")
        sys.exit(1)
    if getattr(result, "target", "prefect3") == "prefect1":  # registered, or the commands; no Prefect 3 API
        emit(result=result.as_dict())
        return
    _, ui = api_target()
    try:
        status = workers(result.work_pool)
    except Exception as exc:  # the deployment exists; worker status is extra
        status = {"pool": result.work_pool, "workers": [], "online": 0, "note": f"worker status unknown: {exc}"}
    emit(
        result={
            "flow": result.flow,
            "deployment": result.deployment,
            "full_name": result.full_name,
            "deployment_id": result.deployment_id,
            "version": result.sha,
            "location": result.location,
            "work_pool": result.work_pool,
            "ui_url": result.ui_url,
            "ui": ui,
            "workers": status,
        }
    )


def _left_as_it_was(spec: dict[str, Any], step: str) -> str:
    """What a failed deploy left, for the notebook's target."""
    try:
        from etlnb.analyse.config import load_settings
        from etlnb.analyse.notebook import read_notebook

        notebook = Path(spec["notebook"])
        settings = load_settings(notebook, read_notebook(notebook).etlnb_metadata, spec["flags"])
    except Exception:  # the config may be what failed
        settings = None
    if settings is not None and settings.target == "prefect1":  # `prefect register` failed or never ran
        from etlnb.targets.prefect1.deploy import nothing_registered

        return nothing_registered(step, settings)
    return "the previous deployment is unchanged"


def flow_run(deployment_id: str) -> None:
    from etlnb.targets.prefect3.api import api_target, prefect_client

    _, ui = api_target()
    with prefect_client() as client:
        run = client.create_flow_run_from_deployment(deployment_id)
    emit(result={"flow_run_id": str(run.id), "name": run.name, "ui_url": f"{ui}/runs/flow-run/{run.id}"})


def main(argv: list[str]) -> int:
    events.take()  # before anything runs: no program this job starts gets the channel
    if len(argv) != 2:
        emit(error="usage: python -m etlnb.jupyter.job deploy|flow-run|workers JSON")
        return 2
    kind, spec = argv[0], json.loads(argv[1])
    try:
        if kind == "deploy":
            deploy(spec)
        elif kind == "flow-run":
            flow_run(spec["deployment_id"])
        elif kind == "workers":
            from etlnb.targets.prefect3.api import api_target

            api_target()
            emit(result=workers(spec["pool"]))
        else:
            emit(error=f"unknown job {kind!r}")
            return 2
    except SystemExit:
        raise
    except Exception as exc:  # one line for the panel, never a traceback
        text = str(exc).strip().splitlines()
        emit(error=f"{kind}: {type(exc).__name__}: {text[0] if text else ''}".rstrip(": "))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
