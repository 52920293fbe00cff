"""`etlnb deploy`: compile -> check -> upload -> register.

Upload first, register second: the deployment is switched to the new code in
one API call only after the code is safely stored, so a failure at any step
leaves the previously registered deployment exactly as it was.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from etlnb import server as local_server
from etlnb.diagnostics import CompileError
from etlnb.storage import StorageError, is_version, open_storage
from etlnb.urls import redact

STEPS = ("compile", "check", "upload", "register")


class DeployError(Exception):
    def __init__(self, step: str, message: str):
        self.step = step
        self.left = ""  # what the failure left, when not "the previous deployment is unchanged"
        super().__init__(message)


@dataclass
class DeployResult:
    flow: str
    deployment: str
    deployment_id: str
    sha: str
    location: str
    ui_url: str
    work_pool: str

    @property
    def full_name(self) -> str:
        return f"{self.flow}/{self.deployment}"


class Progress:
    """One line per step, with its time; quiet when echo is False.

    `listener(step, status)` hears every step start ("running") and end ("ok"/"failed"):
    the JupyterLab deploy panel drives its progress bar with it.
    """

    def __init__(self, echo: bool = True, listener=None):
        self.echo = echo
        self.listener = listener

    def step(self, name: str, detail: str = ""):
        return _Step(self, name, detail)


class _Step:
    def __init__(self, progress: Progress, name: str, detail: str):
        self.progress, self.name, self.detail = progress, name, detail

    def __enter__(self):
        self.started = time.perf_counter()
        if self.progress.listener:
            self.progress.listener(self.name, "running")
        if self.progress.echo:
            index = STEPS.index(self.name) + 1 if self.name in STEPS else 0
            print(
                f"[{index}/{len(STEPS)}] {self.name}{': ' + self.detail if self.detail else ''} ...",
                end="",
                flush=True,
                file=sys.stderr,
            )
        return self

    def __exit__(self, kind, value, tb):
        if self.progress.listener:
            self.progress.listener(self.name, "ok" if kind is None else "failed")
        if self.progress.echo:
            took = time.perf_counter() - self.started
            print(f" {'ok' if kind is None else 'FAILED'} ({took:.1f}s)", file=sys.stderr)
        if kind is not None and not isinstance(value, DeployError | KeyboardInterrupt):
            raise DeployError(self.name, _one_line(value)) from value
        return False


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, CompileError):
        return str(exc).splitlines()[0]
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


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


def _schedules(schedule: str | int | None) -> list[Any]:
    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule

    if schedule is None or schedule == "":
        return []
    if isinstance(schedule, int) or (str(schedule).isascii() and str(schedule).isdigit()):
        return [DeploymentScheduleCreate(schedule=IntervalSchedule(interval=timedelta(seconds=int(schedule))))]
    try:
        cron = CronSchedule(cron=str(schedule))
    except ValueError:  # pydantic's ValidationError is a ValueError
        raise DeployError("check", f"invalid schedule {schedule!r}: expected a cron expression or seconds") from None
    return [DeploymentScheduleCreate(schedule=cron)]


def _parameter_schema(script: str, entrypoint: str) -> dict[str, Any]:
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

    schema = _parameter_schema(script, entrypoint)
    for error in validate(values, schema, ignore_required=True):
        name = str(error.path[0]) if error.path else ""
        if name in names:
            expected = schema.get("properties", {}).get(name, {})
            kinds = [t.get("type") for t in expected.get("anyOf", [])] or [expected.get("type")]
            kind = " or ".join(str(k) for k in kinds if k) or "another type"
            return f"--param {name}: {json.dumps(values[name])[:60]} is not a valid {kind} ({error.message[:120]})"
    return None


def resolve_image(client, job_variables: dict[str, Any], project: str) -> str | None:
    """The base image a Kubernetes deployment runs: given, or read now from its Prefect Variable."""
    import re

    image = job_variables.get("image")
    found = re.fullmatch(r"\{\{ prefect\.variables\.(\w+) \}\}", image or "")
    if found is None:
        return image
    name = found.group(1)
    variable = client.read_variable_by_name(name)
    if variable is None or not variable.value:
        raise DeployError(
            "check",
            f"no base image for project {project!r}: set `image` in [tool.etlnb] or the Prefect Variable {name!r} "
            f"(`etlnb image {project}` prints the command: prefect variable set {name} REGISTRY/IMAGE:TAG --overwrite)",
        )
    return str(variable.value)


def _ensure_pool(client, name: str, pool_type: str) -> None:
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    try:
        pool = client.read_work_pool(name)
    except ObjectNotFound:
        pool = None
    if pool is not None:
        if pool.type != pool_type:
            raise DeployError("register", f"work pool {name!r} exists with type {pool.type!r}, not {pool_type!r}")
        return
    if pool_type == "kubernetes":
        from prefect_kubernetes.worker import KubernetesWorker

        template = KubernetesWorker.get_default_base_job_template()
    else:
        from prefect.workers.process import ProcessWorker

        template = ProcessWorker.get_default_base_job_template()
    client.create_work_pool(WorkPoolCreate(name=name, type=pool_type, base_job_template=template))


def deploy(
    notebook: Path,
    flags: dict[str, Any],
    out_dir: Path,
    version: str | None = None,
    echo: bool = True,
    listener=None,
    strict: bool = False,
) -> DeployResult:
    """Compile, check, upload and register; raises DeployError naming the failed step."""
    from etlnb.pipeline import compile_file, write

    progress = Progress(echo, listener)
    with progress.step("compile", str(notebook)):
        try:
            compiled = compile_file(notebook, out_dir, flags, strict=strict)
        except CompileError as exc:
            raise DeployError("compile", exc.diagnostics[0].format().splitlines()[0]) from None
        from etlnb.pipeline import LOCAL_MODULE

        local = [d for d in compiled.diagnostics if LOCAL_MODULE in d.message]
        if local:  # nothing half-deployed: the worker would fail on the import
            raise DeployError("compile", local[0].format().splitlines()[0].replace("warning:", "error:"))
        if version is None:  # a rollback writes build/ only once it is live
            write(compiled)
    if compiled.settings.target == "prefect1":  # Prefect 1's own CLI, in its own venv (a Prefect1Result)
        from etlnb.emit.prefect1_deploy import deploy as deploy_prefect1
        from etlnb.emit.prefect1_deploy import nothing_registered

        root = local_server.project_root(notebook.parent)
        try:
            return deploy_prefect1(compiled, root, progress, DeployError, version=version)
        except DeployError as exc:
            exc.left = nothing_registered(exc.step, compiled.settings)
            raise
    settings = compiled.settings
    project, flow = compiled.analysis.project, compiled.analysis.flow_name
    root = local_server.project_root(notebook.parent)
    with progress.step("check"):
        try:
            storage = open_storage(settings.storage_url(root), settings.s3_endpoint_url)
        except StorageError as exc:
            raise DeployError("check", str(exc)) from None
        if version is not None and not is_version(version):
            raise DeployError(
                "check", f"--version {version!r} is not a version: give one of the hashes `etlnb versions` lists"
            )
        try:
            api_url, ui_url = api_target()
        except local_server.ServerError as exc:  # e.g. the port is held by another project's server
            raise DeployError("check", str(exc)) from None
        with prefect_client() as client:
            try:
                client.api_healthcheck()
                client.read_flows(limit=1)
            except Exception as exc:
                raise DeployError(
                    "check", f"Prefect API at {redact(api_url)} is not reachable: {_one_line(exc)}"
                ) from None
        files = {compiled.path.name: compiled.script.encode(), "prefect.yaml": compiled.prefect_yaml.encode()}
        sha = compiled.sha
        if version is not None:  # rollback: exactly an earlier, completely stored version
            sha = version
            try:
                files = storage.verified(project, flow, sha)
            except StorageError as exc:
                raise DeployError("check", str(exc)) from None
        spec = _stored_spec(files, sha)
        with prefect_client() as client:
            image = resolve_image(client, spec.job_variables, project)
        schedules = _schedules(spec.schedule)
    with progress.step("upload", storage.url if version is None else f"{sha} is already stored"):
        if version is None:
            try:
                location = storage.upload(project, flow, sha, files)
                storage.verified(project, flow, sha)  # read back: register only what is really stored
            except StorageError as exc:
                raise DeployError("upload", str(exc)) from None
        else:
            location = storage.folder(project, flow, sha)
    with progress.step("register", f"{flow}/{spec.name} on pool {spec.work_pool}"):
        script = files[spec.script_name].decode("utf-8")
        schema = _parameter_schema(script, spec.entrypoint)
        job_vars = dict(spec.job_variables)
        if image is not None:
            job_vars["image"] = image
        with prefect_client() as client:
            _ensure_pool(client, spec.work_pool, spec.work_pool_type)
            flow_id = client.create_flow_from_name(flow)
            existing = _existing_deployment(client, flow, spec.name)
            if existing is not None:  # runs created for the live version keep running it
                pin_pending_runs(client, existing)
            deployment_id = client.create_deployment(
                flow_id=flow_id,
                name=spec.name,
                version=sha,
                entrypoint=spec.entrypoint,
                pull_steps=spec.pull,
                work_pool_name=spec.work_pool,
                job_variables=job_vars,
                parameter_openapi_schema=schema,
                enforce_parameter_schema=True,
                schedules=schedules,
                tags=spec.tags,
                description=f"etlnb: {notebook.name}, project {project}, code {location}",
            )
            if existing is not None:  # and those created while the switch happened
                pin_pending_runs(client, existing, skip=sha)
    # build/ mirrors what is live: the registered script and its prefect.yaml
    compiled.path.write_text(script, encoding="utf-8")
    (compiled.path.parent / "prefect.yaml").write_bytes(files["prefect.yaml"])
    return DeployResult(
        flow,
        spec.name,
        str(deployment_id),
        sha,
        location,
        f"{ui_url}/deployments/deployment/{deployment_id}",
        spec.work_pool,
    )


@dataclass
class _Spec:
    """The deployment a stored version describes (its prefect.yaml): what gets registered."""

    name: str
    entrypoint: str
    script_name: str
    pull: list[dict[str, Any]]
    work_pool: str
    job_variables: dict[str, Any]
    schedule: str | int | None
    tags: list[str]

    @property
    def work_pool_type(self) -> str:
        # prefect.yaml does not name a pool's type; etlnb gives Kubernetes pools an image
        return "kubernetes" if "image" in self.job_variables else "process"


def _stored_spec(files: dict[str, bytes], sha: str) -> _Spec:
    import yaml

    document = yaml.safe_load(files["prefect.yaml"].decode("utf-8"))
    deployment = document["deployments"][0]
    schedules = deployment.get("schedules") or []
    schedule = None
    if schedules:
        schedule = schedules[0].get("cron", schedules[0].get("interval"))
    entrypoint = deployment["entrypoint"]
    pool = deployment["work_pool"]
    return _Spec(
        name=deployment["name"],
        entrypoint=entrypoint,
        script_name=entrypoint.partition(":")[0],
        pull=document["pull"],
        work_pool=pool["name"],
        job_variables=dict(pool.get("job_variables") or {}),
        schedule=schedule,
        tags=list(deployment.get("tags") or []),
    )


def _existing_deployment(client, flow: str, name: str):
    from prefect.exceptions import ObjectNotFound

    try:
        return client.read_deployment_by_name(f"{flow}/{name}")
    except ObjectNotFound:
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

    from etlnb.storage import VERSION_ENV, is_version

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
