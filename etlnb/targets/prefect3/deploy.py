"""Deploy to Prefect 3: check the API, upload the script and its prefect.yaml to storage, then
register a deployment whose pull step fetches exactly that stored version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from etlnb.analyse.urls import redact
from etlnb.deploy.progress import DeployError, Progress, one_line
from etlnb.deploy.storage import StorageError, is_version, open_storage
from etlnb.local import server as local_server
from etlnb.targets.prefect3.api import api_target, parameter_schema, pin_pending_runs, prefect_client


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


def deploy(compiled: Any, notebook: Path, root: Path, progress: Progress, version: str | None = None) -> DeployResult:
    """Check, upload and register a compiled notebook (or, with `version`, an earlier stored
    version of it); raises DeployError naming the failed step."""
    settings = compiled.settings
    project, flow = compiled.analysis.project, compiled.analysis.flow_name
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
                    "check", f"Prefect API at {redact(api_url)} is not reachable: {one_line(exc)}"
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
        schedules = schedules_for(spec.schedule)
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
        schema = parameter_schema(script, spec.entrypoint)
        job_vars = dict(spec.job_variables)
        if image is not None:
            job_vars["image"] = image
        with prefect_client() as client:
            ensure_pool(client, spec.work_pool, spec.work_pool_type)
            flow_id = client.create_flow_from_name(flow)
            existing = existing_deployment(client, flow, spec.name)
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
                description="\n".join(
                    filter(None, [f"etlnb: {notebook.name}, project {project}, code {location}", compiled.verification])
                ),
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


def schedules_for(schedule: str | int | None) -> list[Any]:
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


def ensure_pool(client, name: str, pool_type: str) -> None:
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


def existing_deployment(client, flow: str, name: str):
    from prefect.exceptions import ObjectNotFound

    try:
        return client.read_deployment_by_name(f"{flow}/{name}")
    except ObjectNotFound:
        return None
