"""`etlnb deploy`: compile -> verify -> check -> upload -> register.

Verify is the gate: only content with a passing parity on record deploys (or, with
`unverified`, a deployment marked as such where the Prefect UI shows it).

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

UNVERIFIED_TAG = "unverified"  # on a deployment made without a passing parity (Prefect 3 tags)


def deploy(
    notebook: Path,
    flags: dict[str, Any],
    out_dir: Path,
    version: str | None = None,
    echo: bool = True,
    listener=None,
    strict: bool = False,
    unverified: bool = False,
) -> Any:
    """Compile, verify, check, upload and register; raises DeployError naming the failed step.
    Returns the target's result (what was registered, where, its link).

    A rollback (`version`) re-registers code that was already deployed: it is not verified again."""
    from dataclasses import replace

    from etlnb.pipeline import compile_file, write
    from etlnb.verify.record import short, verdict

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
    if version is None:
        with progress.step("verify", str(notebook)):
            found = verdict(notebook, compiled)
            if not found.verified and not unverified:
                raise DeployError("verify", found.line)
            if found.verified:
                compiled.verification = f"verified: passing parity {short(found.key)} of this content"
            else:
                compiled.verification = "UNVERIFIED: deployed with --unverified, no passing parity of this content"
                tagged = compiled.settings.target != "prefect1"  # Prefect 1 labels route runs to agents
                if tagged and UNVERIFIED_TAG not in compiled.settings.tags:
                    tags = [*compiled.settings.tags, UNVERIFIED_TAG]
                    compiled = replace(
                        compile_file(notebook, out_dir, {**flags, "tags": tags}, strict=strict),
                        verification=compiled.verification,
                    )
        write(compiled)  # a rollback writes build/ only once it is live
    root = local_server.project_root(notebook.parent)
    return target(compiled.settings.target).deploy(compiled, notebook, root, progress, version)
