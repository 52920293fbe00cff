"""`etlnb deploy`: compile -> check -> upload -> register.

Upload first, register second: the deployment is switched to the new code in
one API call only after the code is safely stored, so a failure at any step
leaves the previously registered deployment exactly as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from etlnb.analyse.diagnostics import CompileError
from etlnb.deploy.progress import DeployError, Progress
from etlnb.local import server as local_server
from etlnb.targets import target


def deploy(
    notebook: Path,
    flags: dict[str, Any],
    out_dir: Path,
    version: str | None = None,
    echo: bool = True,
    listener=None,
    strict: bool = False,
) -> Any:
    """Compile, check, upload and register; raises DeployError naming the failed step.
    Returns the target's result (what was registered, where, its link)."""
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
    root = local_server.project_root(notebook.parent)
    return target(compiled.settings.target).deploy(compiled, notebook, root, progress, version)
