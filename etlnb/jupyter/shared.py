"""What the %etl_* magics and the %etl_deploy panel share: the one-line error they show, the
save check's memory of etlnb's own writes, deploying from the kernel, and how a deploy's
result is shown."""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

LINK_STYLE = "color:var(--jp-content-link-color,#0969da);text-decoration:underline"


LEFT = "text-align:left;vertical-align:top"  # JupyterLab right-aligns table cells in outputs by default


class MagicError(Exception):
    """A one-line message for the output area."""


# notebook path -> (mtime before, mtime after) of etlnb's own writes (the deploy panel's
# metadata): such a write is not the user saving what they ran
_OWN_WRITES: dict[str, tuple[float, float]] = {}


def note_own_write(path: Path, before: float) -> None:
    _OWN_WRITES[str(path.resolve())] = (before, path.stat().st_mtime)


def user_saved_at(path: Path) -> float:
    """When the user last saved the notebook (etlnb's own metadata writes aside)."""
    mtime = path.stat().st_mtime
    before, after = _OWN_WRITES.get(str(path.resolve()), (None, None))
    return before if after == mtime and before is not None else mtime


def build_dir(notebook: Path) -> Path:
    """The project's build/ (the kernel runs in the notebook's folder, the CLI at the root)."""
    from etlnb.local.server import project_root

    return project_root(notebook.parent) / "build"


def deploy_now(path: Path, flags: dict[str, Any], version: str | None, listener=None, unverified: bool = False):
    from etlnb.deploy.progress import DeployError
    from etlnb.deploy.steps import deploy

    try:
        return deploy(
            path, flags, build_dir(path), version=version, echo=False, listener=listener, unverified=unverified
        )
    except DeployError as exc:
        raise MagicError(f"deploy: {exc.step} failed: {exc} ({what_deploy_left(path, flags, exc.step)})") from None


def what_deploy_left(path: Path, flags: dict[str, Any], step: str = "") -> str:
    """What a failed deploy left: the live deployment as it was, or (first deploy) nothing."""
    try:
        from etlnb.analyse.config import load_settings
        from etlnb.analyse.notebook import read_notebook
        from etlnb.pipeline import names_for
        from etlnb.targets.prefect3.api import live_version

        nb = read_notebook(path)
        project, flow = names_for(nb)
        settings = load_settings(path, nb.etlnb_metadata, flags)
        if settings.target == "prefect1":  # `prefect register` failed or never ran: no new flow version
            from etlnb.targets.prefect1.deploy import nothing_registered

            return nothing_registered(step, settings)
        live = (
            live_version(flow, settings.deployment_name(settings.project or project))
            if os.environ.get("PREFECT_API_URL")
            else None
        )
    except Exception:  # the API may be what failed: say only what is certain
        return "nothing was registered"
    return (
        f"nothing was registered; the live deployment is unchanged (version {live})"
        if live
        else "nothing was registered"
    )


def summary_bundle(result: Any) -> dict[str, str]:
    text = (
        f"deployed {result.full_name} (id {result.deployment_id})\n"
        f"version {result.sha}\ncode {result.location}\nwork pool {result.work_pool}\nUI {result.ui_url}"
    )
    rows = "".join(
        f"<tr><th style='text-align:left'>{k}</th><td style='text-align:left'>{v}</td></tr>"
        for k, v in (
            ("deployment", html.escape(result.full_name)),
            ("id", html.escape(result.deployment_id)),
            ("version", html.escape(result.sha)),
            ("code", html.escape(result.location)),
            ("work pool", html.escape(result.work_pool)),
            (
                "UI",
                f'<a href="{html.escape(result.ui_url)}" target="_blank" style="{LINK_STYLE}">'
                f"{html.escape(result.ui_url)}</a>",
            ),
        )
    )
    return {
        "text/html": f'<div class="etlnb-deploy-summary"><b>Deployed</b><table>{rows}</table></div>',
        "text/plain": text,
    }


def is_prefect1(result: Any) -> bool:
    """A Prefect1Result (`target = "prefect1"`), not a Prefect 3 DeployResult."""
    return getattr(result, "target", "prefect3") == "prefect1"


def prefect1_bundle(result: Any) -> dict[str, str]:
    """A Prefect 1 deploy: the registered flow, or (no Prefect 1 backend) the commands that register it."""
    if not result.registered:
        commands = html.escape("\n".join(result.command_lines()))
        notes = "".join(f"<div>{html.escape(n.strip())}</div>" for n in result.notes)
        page = (
            '<div class="etlnb-deploy-summary etlnb-prefect1"><b>Not registered</b>: no Prefect 1 backend is'
            f" configured, so nothing was registered. <code>{html.escape(str(result.script))}</code> (Prefect 1) is"
            " written; build it (uploads the script to the flow's storage) and register it with Prefect 1's CLI:"
            f'<pre class="etlnb-prefect1-commands" style="{LEFT};white-space:pre-wrap">{commands}</pre>{notes}</div>'
        )
        return {"text/html": page, "text/plain": result.summary()}
    if result.skipped:
        head = "<b>Already registered</b> with this exact metadata (prefect register skipped it)"
        facts: list[tuple[str, str]] = []
    else:
        head = "<b>Registered with Prefect 1</b>"
        facts = [("flow id", result.flow_id), ("version", result.version)]
    rows = "".join(
        f"<tr><th style='text-align:left'>{k}</th><td style='text-align:left'>{html.escape(v)}</td></tr>"
        for k, v in (
            ("flow", result.flow),
            ("project", result.project),
            *facts,
            ("script", str(result.script)),
            ("code", result.storage),
            ("run config", result.run_config),
            *([("image", result.image_text())] if result.image_text() else []),
            ("labels", ", ".join(result.labels) or "none"),
        )
    )
    return {
        "text/html": f'<div class="etlnb-deploy-summary etlnb-prefect1">{head}<table>{rows}</table></div>',
        "text/plain": result.summary(),
    }
