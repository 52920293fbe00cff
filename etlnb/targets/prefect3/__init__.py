"""Prefect 3, the default target: a flow script with a prefect.yaml beside it, run locally in a
child process against etlnb's local Prefect server, deployed as a Prefect deployment whose pull
step fetches the stored version."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from etlnb.analyse.diagnostics import CompileError, Diagnostic
from etlnb.targets import Target
from etlnb.targets.prefect3 import emit as emitter


def seal(compiled: Any, notebook_dir: Path, emit_version: Any) -> None:
    """The version is the hash of the script and its prefect.yaml, so the stored files, build/
    and the live deployment can only agree. Storage settings written into prefect.yaml are
    refused here, before anything is written."""
    from etlnb.analyse.paths import project_root
    from etlnb.deploy.storage import LocalStorage, StorageError, open_storage
    from etlnb.deploy.storage import seal as seal_files
    from etlnb.targets.prefect3 import prefect_yaml

    settings = compiled.settings
    analysis = compiled.analysis
    try:
        storage = open_storage(settings.storage_url(project_root(notebook_dir)), settings.s3_endpoint_url)
    except StorageError as exc:
        hint = "fix `storage` / `s3_endpoint_url` in [tool.etlnb] or the flags"
        analysis.diagnostics.append(Diagnostic("error", str(exc), str(analysis.notebook.path), hint=hint))
        raise CompileError(analysis.diagnostics) from None

    # a process worker beside local storage runs on this machine: runs work in the notebook's folder,
    # as local runs do, never in the stored code's (elsewhere: the folder the code was pulled to)
    local = isinstance(storage, LocalStorage) and settings.work_pool_type == "process"
    run_dir = str(notebook_dir.resolve()) if local else None

    def render(version: str) -> str:
        return prefect_yaml.render(
            project=analysis.project,
            deployment=settings.deployment_name(analysis.project),
            entrypoint=compiled.entrypoint,
            pull_steps=storage.pull_steps(analysis.project, analysis.flow_name, local),
            work_pool=settings.work_pool,
            job_variables=job_variables(settings, analysis.project, None, version, run_dir),
            schedule=settings.schedule,
            tags=list(settings.tags),
            version=version,
        )

    sha, files = seal_files(
        lambda v: {compiled.path.name: compiled.script.encode(), "prefect.yaml": render(v).encode()}
    )
    compiled.sha, compiled.prefect_yaml = sha, files["prefect.yaml"].decode()


def job_variables(
    settings: Any, project: str, image: str | None, version: str, run_dir: str | None = None
) -> dict[str, Any]:
    """Per-pool job variables; never credentials. The code version travels as an environment
    variable the pull step reads; Kubernetes also gets the base image."""
    from etlnb.deploy.storage import VERSION_ENV

    values: dict[str, Any] = {}
    if settings.work_pool_type == "kubernetes":
        variable = "{{ prefect.variables." + settings.image_variable_name(project) + " }}"
        values["image"] = image or settings.image or variable
        if settings.namespace:
            values["namespace"] = settings.namespace
    values["env"] = {VERSION_ENV: version}
    if run_dir is not None:
        values["env"][emitter.RUN_DIR_ENV] = run_dir
    return values


def flow_process(compiled: Any, notebook: Path, api_url: str | None) -> tuple[list[str], dict[str, str]]:
    """`python -m etlnb.targets.prefect3.run MANIFEST`, reporting to the Prefect API at `api_url`."""
    assert api_url is not None
    env = dict(os.environ, PREFECT_API_URL=api_url, PYTHONUNBUFFERED="1")
    return [sys.executable, "-m", "etlnb.targets.prefect3.run"], env


def deploy_compiled(compiled: Any, notebook: Path, root: Path, progress: Any, version: str | None) -> Any:
    from etlnb.targets.prefect3.deploy import deploy

    return deploy(compiled, notebook, root, progress, version)


def _spawn(command: list[str], env: dict[str, str]) -> Any:
    """Through the warm runner; imported only by runs (`etlnb compile` never starts a flow)."""
    from etlnb.targets.prefect3 import warm

    return warm.spawn(command, env)


TARGET = Target(
    name="prefect3",
    emit=emitter.emit,
    emit_options=lambda options, settings: options,
    seal=seal,
    flow_process=flow_process,
    deploy=deploy_compiled,
    spawn=lambda command, env: _spawn(command, env),
)
