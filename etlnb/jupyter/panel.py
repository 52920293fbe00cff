"""The %etl_deploy panel: options prefilled from config, a Deploy button, a
progress bar through compile / check / upload / register with a status line
that says what is happening (also while the local server starts), and a
summary with the UI link and whether a worker serves the pool.

The settings deployed are kept in the notebook's `metadata.etlnb`, so a later
`etlnb deploy` of the notebook registers the same deployment (see save_settings).
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import threading
import time
from contextlib import redirect_stderr
from pathlib import Path
from typing import Any

import ipywidgets as w

from etlnb.deploy.progress import STEPS
from etlnb.deploy.trigger import worker_line

# the panel owns these keys of metadata.etlnb; it never touches the others (parity_ignore, ...)
PANEL_KEYS = ("deployment", "work_pool", "work_pool_type", "image", "schedule", "retries", "tags", "storage")


def schedule_value(text: str) -> str | int | None:
    text = text.strip()
    return int(text) if text.isdigit() else text or None


def describe_schedule(schedule: str | int | None) -> str:
    """What the schedule means, with its time zone (Prefect reads a cron without one as UTC)."""
    if schedule in (None, ""):
        return "no schedule: runs only when triggered"
    if isinstance(schedule, int):
        return f"every {schedule} s (an interval: no time zone)"
    return f"cron <code>{html.escape(schedule)}</code> in <b>UTC</b> (Prefect's default time zone)"


def metadata_update(notebook: Path, chosen: dict[str, Any], project: str) -> dict[str, Any]:
    """The notebook's new `metadata.etlnb`: the panel's choices that differ from the config
    file (so the file's later changes still apply where the panel kept its defaults)."""
    from etlnb.analyse.config import load_settings
    from etlnb.analyse.notebook import read_notebook

    current = dict(read_notebook(notebook).etlnb_metadata or {})
    base = load_settings(notebook, {})
    for key in PANEL_KEYS:
        value = chosen.get(key)
        if isinstance(value, (list, tuple)):
            value = list(value)
        default = base.deployment_name(project) if key == "deployment" else getattr(base, key)
        default = list(default) if isinstance(default, tuple) else default
        if value in (None, "", []) and key in ("schedule", "tags") and default not in (None, "", []):
            current[key] = "" if key == "schedule" else []  # cleared in the panel: none, whatever the file says
        elif value in (None, "", []) or value == default:
            current.pop(key, None)
        else:
            current[key] = value
    return current


def save_settings(notebook: Path, etlnb_meta: dict[str, Any]) -> bool:
    """Write `metadata.etlnb` into the .ipynb on disk; True when it changed.

    Why both this and the open document (_sync_open_notebook): the notebook is open in
    JupyterLab, whose next save writes its own copy of the whole file. Written here
    only, a save would drop the settings ("Overwrite" in JupyterLab's "File Changed"
    dialog); set in the open document only, `etlnb deploy` would not see them until the
    user saves. With both, the CLI sees them at once and either answer to the dialog
    (Overwrite or Revert) keeps them. Written whole through a temporary file, so a
    reader never sees half a notebook.
    """
    data = json.loads(notebook.read_text(encoding="utf-8"))
    metadata = data.setdefault("metadata", {})
    if metadata.get("etlnb", {}) == etlnb_meta:
        return False
    if etlnb_meta:
        metadata["etlnb"] = etlnb_meta
    else:
        metadata.pop("etlnb", None)
    from etlnb.jupyter.shared import note_own_write

    before = notebook.stat().st_mtime
    temporary = notebook.with_name(f".{notebook.name}.etlnb-tmp")
    # nbformat's own layout (indent 1, sorted keys), so a diff shows only the metadata
    temporary.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, notebook)
    note_own_write(notebook, before)  # not the user saving: the save check still compares
    return True


# Sets metadata.etlnb in the notebook document open in JupyterLab (no extension needed): the
# panel's cell editor leads to the notebook's shared model (a Y.Doc), whose "meta" map holds the
# notebook metadata; JupyterLab marks the notebook unsaved, so the user's next save keeps it.
# It reaches JupyterLab internals; when they change it says so and the file on disk still has them.
_SYNC_JS = """
(function sync(tries) {
  // the output is rendered before it is attached to the notebook: wait until it is
  if (!element.isConnected && tries > 0) { setTimeout(() => sync(tries - 1), 100); return; }
  const value = %s;
  let said = "the open notebook has these settings too: save it (Ctrl+S) to keep them";
  try {
    const need = (thing, what) => { if (!thing) throw new Error("no " + what); return thing; };
    const cell = need(element.closest(".jp-Cell"), "cell");
    const content = need(cell.querySelector(".cm-content"), "editor");
    const tile = need(content.cmTile || content.cmView, "editor view");
    const view = need(tile.root ? tile.root.view : tile.view, "EditorView");
    const binding = need(view.plugins.map(p => p.value).find(v => v && v._ytext), "shared-model binding");
    const metadata = need(binding._ytext.doc.getMap("meta").get("metadata"), "notebook metadata");
    if (typeof metadata.set !== "function") throw new Error("notebook metadata is not a shared map");
    binding._ytext.doc.transact(() => {
      if (value === null) metadata.delete("etlnb"); else metadata.set("etlnb", value);
    });
  } catch (error) {
    said = "could not update the notebook open in JupyterLab (" + error.message + "): "
      + "if JupyterLab says the file changed on disk, choose Revert to keep these settings";
  }
  element.textContent = said;
  element.className = "etlnb-settings-sync";
})(50);
"""


PREFECT3_STEPS = {
    "compile": "compiling the notebook",
    "verify": "looking for a passing parity of this content (`etlnb run NB --parity` writes it)",
    "check": "checking the storage and the Prefect API (the local server starts if needed)",
    "upload": "uploading the code",
    "register": "registering the deployment",
}
PREFECT1_STEPS = {
    "compile": "compiling the notebook (a Prefect 1 script)",
    "verify": "looking for a passing parity of this content (`etlnb run NB --parity` writes it)",
    "check": "looking for .venv-prefect1 and a Prefect 1 backend",
    "upload": "prefect build (uploads the script to the flow's storage)",
    "register": "prefect register (the flow in its Prefect 1 project)",
}


class _StatusStream(io.TextIOBase):
    """stderr while deploying: each line shows in the panel's status line (e.g. the local
    server's start-up messages, which would otherwise go to JupyterLab's log console)."""

    def __init__(self, panel: DeployPanel):
        self.panel = panel
        self.lines: list[str] = []
        self._partial = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._partial += re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r", "\n")
        *done, self._partial = self._partial.split("\n")
        for line in (ln.strip() for ln in [*done, self._partial]):
            if line:
                if line not in self.lines[-1:]:
                    self.lines.append(line)
                self.panel.say(line)
        return len(text)


class DeployPanel:
    def __init__(self, notebook: Path):
        from etlnb.analyse.config import load_settings
        from etlnb.analyse.notebook import read_notebook
        from etlnb.pipeline import names_for

        self.notebook = notebook
        nb = read_notebook(notebook)
        settings = load_settings(notebook, nb.etlnb_metadata)
        project, flow = names_for(nb)
        self.flow = flow
        # target = "prefect1" (config or metadata.etlnb): a Prefect 1 flow registered in a project; no
        # deployment name or work pool there, the pool type picks the run config (LocalRun / KubernetesRun)
        self.prefect1 = settings.target == "prefect1"
        project = settings.project or project
        self.project = w.Text(value=project, description="project", disabled=True)
        self.name = w.Text(value=settings.deployment_name(project), description="name")
        self.work_pool = w.Text(value=settings.work_pool, description="work pool")
        self.pool_type = w.Dropdown(
            options=[("LocalRun", "process"), ("KubernetesRun", "kubernetes")]
            if self.prefect1
            else ["process", "kubernetes"],
            value=settings.work_pool_type,
            description="run config" if self.prefect1 else "pool type",
        )
        if self.prefect1:
            from etlnb.targets.prefect1.emit import image_env_var

            image_default = f"${image_env_var(project)}, else KV key {settings.image_variable_name(project)}"
        else:
            image_default = f"Prefect Variable {settings.image_variable_name(project)}"
        self.image = w.Text(value=settings.image or "", placeholder=image_default, description="image")
        self.schedule = w.Text(
            value="" if settings.schedule is None else str(settings.schedule),
            placeholder="cron or seconds",
            description="schedule",
        )
        self.timezone = w.HTML(value=describe_schedule(settings.schedule))
        self.retries = w.BoundedIntText(value=settings.retries, min=0, max=100, description="retries")
        self.tags = w.Text(
            value=", ".join(settings.tags), placeholder="etl, daily", description="labels" if self.prefect1 else "tags"
        )
        self.storage = w.Text(
            value=settings.storage or "",
            placeholder="s3://bucket/prefix, else Local" if self.prefect1 else ".etlnb/storage",
            description="storage",
        )
        self.button = w.Button(description="Deploy", button_style="primary", icon="rocket")
        self.unverified = w.Checkbox(
            value=False, description="deploy unverified (no passing parity; tagged 'unverified')", indent=False
        )
        self.verified = w.HTML(value=_verification_line(notebook))
        self.progress = w.IntProgress(value=0, min=0, max=len(STEPS), description="", bar_style="info")
        target = " to Prefect 1" if self.prefect1 else ""
        self.status = w.HTML(value=f"ready to deploy <code>{html.escape(flow)}</code>{target}")
        self.status.add_class("etlnb-deploy-status")
        self.summary = w.HTML()
        self.sync = w.Output()
        self.button.on_click(self._clicked)
        self.pool_type.observe(self._pool_type_changed, names="value")
        self.schedule.observe(lambda _change: self._schedule_changed(), names="value")
        self._pool_type_changed()
        self._step, self._step_started, self._said = "", 0.0, ""
        if self.prefect1:  # Prefect 1 has neither deployments nor work pools: the flow is registered in a project
            self.name.layout.display = self.work_pool.layout.display = "none"
        fields = [
            self.project,
            self.name,
            self.work_pool,
            self.pool_type,
            self.image,
            w.HBox([self.schedule, self.timezone]),
            self.retries,
            self.tags,
            self.storage,
        ]
        self.widget = w.VBox(
            [
                w.HTML("<b>etlnb deploy</b>" + (" (Prefect 1: target = prefect1)" if self.prefect1 else "")),
                *fields,
                self.verified,
                self.unverified,
                w.HBox([self.button, self.progress, self.status]),
                self.summary,
                self.sync,
            ]
        )

    # -- fields ---------------------------------------------------------------------------------
    def _pool_type_changed(self, _change=None) -> None:
        # a process worker runs the flow in its own Python: an image means nothing there
        self.image.layout.display = "" if self.pool_type.value == "kubernetes" else "none"

    def _schedule_changed(self) -> None:
        self.timezone.value = describe_schedule(schedule_value(self.schedule.value))

    def chosen(self) -> dict[str, Any]:
        """The deploy settings the panel shows (the flags of `etlnb deploy`)."""
        return {
            "deployment": self.name.value.strip() or None,
            "work_pool": self.work_pool.value.strip() or None,
            "work_pool_type": self.pool_type.value,
            "image": (self.image.value.strip() or None) if self.pool_type.value == "kubernetes" else None,
            "schedule": schedule_value(self.schedule.value),
            "retries": self.retries.value,
            "tags": [t.strip() for t in self.tags.value.split(",") if t.strip()],
            "storage": self.storage.value.strip() or None,
        }

    # -- progress -------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        """The status line: the step, what is happening in it, and for how long."""
        self._said = text
        self._render()

    def _render(self) -> None:
        took = f" ({time.monotonic() - self._step_started:.0f}s)" if self._step else ""
        step = f"<b>{html.escape(self._step)}</b>: " if self._step else ""
        self.status.value = f"{step}{html.escape(self._said)}{took}"

    def _tick(self, stop: threading.Event) -> None:
        # a long step (the first server start: up to a minute) visibly advances
        while not stop.wait(1.0):
            if self._step:
                self._render()

    def _listener(self, step: str, status: str) -> None:
        index = STEPS.index(step)
        if status == "running":
            self._step, self._step_started = step, time.monotonic()
            self.say((PREFECT1_STEPS if self.prefect1 else PREFECT3_STEPS)[step])
        elif status == "ok":
            self.progress.value = index + 1
        else:
            self.progress.bar_style = "danger"
            self.say("failed")
        if status != "running":
            self._step = ""

    # -- deploy ---------------------------------------------------------------------------------
    def _clicked(self, _button=None) -> None:
        from etlnb.jupyter.shared import deploy_now, is_prefect1

        self.button.disabled = True
        self.progress.value, self.progress.bar_style, self.summary.value = 0, "info", ""
        self.sync.clear_output()
        flags = self.chosen()
        stop = threading.Event()
        threading.Thread(target=self._tick, args=(stop,), daemon=True).start()
        relay = _StatusStream(self)
        original, changed = None, False
        try:
            # written before deploying, so that this deploy and any later `etlnb deploy` read the
            # same settings (a cleared field must not fall back to the old metadata)
            original = (self.notebook.read_bytes(), self.notebook.stat().st_mtime_ns)
            chosen_meta = metadata_update(self.notebook, flags, self.project.value)
            changed = save_settings(self.notebook, chosen_meta)
            with redirect_stderr(relay):
                result = deploy_now(
                    self.notebook, flags, None, listener=self._listener, unverified=self.unverified.value
                )
                # Prefect 1 runs on agents, not on a work pool's workers
                served, workers = (None, "") if is_prefect1(result) else worker_line(result.work_pool)
        except Exception as exc:
            if changed and original is not None:  # nothing deployed: the notebook as it was, byte for byte
                self.notebook.write_bytes(original[0])
                os.utime(self.notebook, ns=(original[1], original[1]))
            self._failed(exc)
        else:
            self._step = ""
            self.summary.value = self._summary(result, served, workers)
            if changed:
                from IPython.display import Javascript, display

                with self.sync:
                    display(Javascript(_SYNC_JS % json.dumps(chosen_meta or None)))
        finally:
            stop.set()
            self._step = ""
            self.button.disabled = False

    def _summary(self, result: Any, served: bool | None, workers: str) -> str:
        from etlnb.jupyter.shared import is_prefect1, prefect1_bundle, summary_bundle

        name = html.escape(self.notebook.name)
        if not is_prefect1(result):
            self.progress.bar_style = "success"
            self.say("deployed")
            colour = "#1a7f37" if served else "#8a6d00"
            return summary_bundle(result)["text/html"] + (
                f"<div class='etlnb-worker-status' style='color:{colour}'>{_code(workers)}</div>"
                f"<div class='etlnb-settings-saved'>settings kept in {name}"
                f" (metadata.etlnb): <code>etlnb deploy {name}</code> registers the same"
                " deployment</div>"
            )
        if result.registered:
            self.progress.bar_style = "success"
            self.say("registered with Prefect 1")
        else:  # compile and check done; upload and register are the commands shown
            self.progress.bar_style = "warning"
            self.say("not registered: no Prefect 1 backend is configured")
        return prefect1_bundle(result)["text/html"] + (
            f"<div class='etlnb-agent-status'>{_code(result.agent_line())}</div>"
            f"<div class='etlnb-settings-saved'>settings kept in {name}"
            f" (metadata.etlnb): <code>etlnb deploy {name}</code> uses the same settings</div>"
        )

    def _failed(self, exc: Exception) -> None:
        from etlnb.jupyter.shared import MagicError

        # a click handler must not raise into the frontend: one message, never a traceback
        text = str(exc) if isinstance(exc, MagicError) else f"{type(exc).__name__}: {exc}"
        self.progress.bar_style = "danger"
        self.summary.value = (
            f'<pre class="etlnb-deploy-error" style="color:#b00020;white-space:pre-wrap">{html.escape(text)}</pre>'
        )

    def deploy(self) -> None:
        """Press the button (tests and scripts)."""
        self._clicked()


def _verification_line(notebook: Path) -> str:
    """Whether the current content has a passing parity (deploy requires one), as the panel shows it."""
    from etlnb.analyse.diagnostics import CompileError
    from etlnb.jupyter.shared import build_dir
    from etlnb.pipeline import compile_file
    from etlnb.verify.record import verdict

    try:
        found = verdict(notebook, compile_file(notebook, build_dir(notebook)))
    except (CompileError, OSError):
        return ""  # Check says what is wrong; deploy will too
    mark, color = ("&#10003;", "#1a7f37") if found.verified else ("&#10007;", "#b00020")
    return f'<span class="etlnb-verified" style="color:{color}">{mark} {_code(found.line)}</span>'


def _code(text: str) -> str:
    """`commands` in a message as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))
