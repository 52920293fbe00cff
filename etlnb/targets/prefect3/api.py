"""The Prefect 3 API etlnb talks to: which one (PREFECT_API_URL or the embedded local server),
a client for it, and the deployment facts that deploy, versions and deployed runs read."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from etlnb.local import server as local_server


@contextmanager
def api_settings():
    """Prefect settings pointing at the current PREFECT_API_URL. Prefect reads its settings
    once at import; in a long-lived kernel the target may have changed since."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url = os.environ.get("PREFECT_API_URL")
    with temporary_settings({PREFECT_API_URL: url} if url else {}):
        yield


@contextmanager
def prefect_client():
    from prefect import get_client

    with api_settings(), get_client(sync_client=True) as client:
        yield client


def api_target() -> tuple[str, str]:
    """(API URL, UI URL): PREFECT_API_URL when set, else the local embedded server."""
    api = os.environ.get("PREFECT_API_URL")
    if api:
        ui = os.environ.get("PREFECT_UI_URL") or api.rstrip("/").removesuffix("/api")
        return api, ui
    srv = local_server.ensure()
    os.environ["PREFECT_API_URL"] = srv.api_url  # for this process's Prefect client
    return srv.api_url, srv.url


def parameter_schema(script: str, entrypoint: str) -> dict[str, Any]:
    """The flow's parameter schema, from the exact script being registered."""
    from prefect.flows import load_flow_from_entrypoint

    file_name, _, func = entrypoint.partition(":")
    # loading may leave the script's folder on sys.path; in a long-lived kernel that would
    # make the next compile think the flow name shadows an installed module
    saved_path = list(sys.path)
    with tempfile.TemporaryDirectory(prefix="etlnb-schema-") as tmp:  # removed after each deploy
        folder = Path(tmp)
        (folder / file_name).write_text(script, encoding="utf-8")
        try:
            flow = load_flow_from_entrypoint(f"{folder / file_name}:{func}")
            return flow.parameters.model_dump_for_openapi()
        finally:
            sys.path[:] = saved_path


def parameter_problem(script: str, entrypoint: str, values: dict[str, Any], names: list[str]) -> str | None:
    """Why `values` would be refused by the deployment's parameter schema (the server answers 409
    only after a run was asked for); checked for the parameters in `names`, with Prefect's own validator."""
    from prefect.utilities.schema_tools import validate

    schema = parameter_schema(script, entrypoint)
    for error in validate(values, schema, ignore_required=True):
        name = str(error.path[0]) if error.path else ""
        if name in names:
            expected = schema.get("properties", {}).get(name, {})
            kinds = [t.get("type") for t in expected.get("anyOf", [])] or [expected.get("type")]
            kind = " or ".join(str(k) for k in kinds if k) or "another type"
            return f"--param {name}: {json.dumps(values[name])[:60]} is not a valid {kind} ({error.message[:120]})"
    return None


def pin_pending_runs(client, deployment, skip: str | None = None) -> int:
    """Runs of `deployment` that have not started yet keep the code version they record.

    A worker reads the deployment's pull step when a run starts, not when it was created;
    the pull step names its folder through VERSION_ENV, so setting that variable in each
    waiting run's job variables makes it pull the version in its `deployment_version`.
    (Prefect itself deletes and recreates auto-scheduled runs when a deployment changes.)
    """
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    from etlnb.deploy.storage import VERSION_ENV, is_version

    runs = client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
        flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
        ),
    )
    pinned = 0
    base_env = dict((deployment.job_variables or {}).get("env") or {})
    for run in runs:
        recorded = run.deployment_version
        job_vars = dict(run.job_variables or {})
        env = dict(job_vars.get("env") or {})
        if not recorded or not is_version(recorded) or recorded == skip or env.get(VERSION_ENV):
            continue
        job_vars["env"] = {**base_env, **env, VERSION_ENV: recorded}
        client.update_flow_run(run.id, job_variables=job_vars)
        pinned += 1
    return pinned


def live_version(flow: str, deployment: str) -> str | None:
    from prefect.exceptions import ObjectNotFound

    with prefect_client() as client:
        try:
            return client.read_deployment_by_name(f"{flow}/{deployment}").version
        except ObjectNotFound:
            return None
