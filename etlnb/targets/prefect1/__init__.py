"""Prefect 1 (`target = "prefect1"`), the seed's own form: a script with a `Flow` context, S3 or
Local storage and a run config. Prefect 1 cannot be imported next to Prefect 3, so it runs in
its own venv (.venv-prefect1): locally with `flow.run()`, deployed with `prefect build` and
`prefect register`."""

from __future__ import annotations

import os
import re
from dataclasses import fields
from pathlib import Path
from typing import Any

from etlnb.analyse.diagnostics import CompileError, Diagnostic
from etlnb.targets import RunError, Target
from etlnb.targets.prefect1 import emit as emitter


def emit_options(options: Any, settings: Any) -> emitter.Prefect1Options:
    """Prefect 1's script carries its deployment itself (storage, run config, executor)."""
    values = {f.name: getattr(options, f.name) for f in fields(options)}
    return emitter.Prefect1Options(**values, settings=settings)


def seal(compiled: Any, notebook_dir: Path, emit_version: Any) -> None:
    """The version is the script's hash; with storage_key = "versioned" the script's S3 key
    names that version, so the script is emitted again with it (and must still hash to it)."""
    from etlnb.deploy.storage import VERSION_PLACEHOLDER, verify
    from etlnb.deploy.storage import seal as seal_files

    name = compiled.path.name
    script = compiled.script
    versioned = emitter.versioned_key(compiled.settings)

    def render(version: str) -> dict[str, bytes]:
        # the script was emitted with the placeholder; a versioned S3 key names the version
        if version == VERSION_PLACEHOLDER or not versioned:
            return {name: script.encode()}
        return {name: emit_version(version).encode()}

    compiled.sha, files = seal_files(render)
    compiled.script = files[name].decode()
    if versioned and not verify(compiled.sha, files, "prefect1"):
        diagnostics = compiled.analysis.diagnostics
        diagnostics.append(
            Diagnostic(
                "error",
                "internal error: the Prefect 1 script does not hash to the version in its S3 key; nothing was written",
                str(compiled.analysis.notebook.path),
                hint="this is a bug in etlnb: please report it with the notebook",
            )
        )
        raise CompileError(diagnostics)


def runner_python(compiled: Any, notebook: Path) -> Path:
    """The Prefect 1 venv's python for `flow.run()`; RunError when it is missing or the run
    could not be compared (Dask)."""
    from etlnb.analyse.paths import project_root
    from etlnb.targets.prefect1.deploy import VENV, prefect1_python

    python = prefect1_python(project_root(notebook.resolve().parent))
    if python is None or not python.exists():
        raise RunError(
            f"target = prefect1 runs the flow with Prefect 1, in its own venv: none found ({VENV} in the"
            " project or etlnb's checkout, or $ETLNB_PREFECT1_PYTHON); create it with ./scripts/setup-prefect1"
        )
    if getattr(compiled.settings, "task_runner", "threads") == "dask":
        raise RunError(
            "local Prefect 1 runs with task_runner = dask are not supported: Prefect 1's DaskExecutor runs every"
            " step in another process, where etlnb cannot read what it wrote; run with --task-runner threads"
            " (the same tasks and code)"
        )
    return python


def flow_process(compiled: Any, notebook: Path, api_url: str | None) -> tuple[list[str], dict[str, str]]:
    """flow.run() in the Prefect 1 venv: no server, and nothing of this venv on its path."""
    from etlnb.targets.prefect1 import run

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("PREFECT_")}
    env["PYTHONUNBUFFERED"] = "1"
    return [str(runner_python(compiled, notebook)), run.__file__], env


def failure_hint(compiled: Any, notebook: Path, output: str) -> str:
    """A module the notebook's kernel has but the Prefect 1 venv lacks: say where to install it."""
    from etlnb.analyse.paths import project_root
    from etlnb.targets.prefect1.deploy import prefect1_python

    missing = re.findall(r"ModuleNotFoundError: No module named '([\w.]+)'", output)
    if not missing:
        return ""
    python = prefect1_python(project_root(notebook.resolve().parent))
    module = missing[-1].split(".")[0]
    return (
        f"the Prefect 1 venv has no module `{module}`: install the package that provides it there"
        f" (`{python} -m pip install ...`)"
    )


def deploy_compiled(compiled: Any, notebook: Path, root: Path, progress: Any, version: str | None) -> Any:
    """Prefect 1's own CLI, in its own venv (a Prefect1Result)."""
    from etlnb.deploy.progress import DeployError
    from etlnb.targets.prefect1.deploy import deploy, nothing_registered

    try:
        return deploy(compiled, root, progress, version=version)
    except DeployError as exc:
        exc.left = nothing_registered(exc.step, compiled.settings)
        raise


TARGET = Target(
    name="prefect1",
    emit=emitter.emit,
    emit_options=emit_options,
    seal=seal,
    flow_process=flow_process,
    deploy=deploy_compiled,
    needs_server=False,
    failure_hint=failure_hint,
)
