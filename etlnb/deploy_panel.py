"""The %etl_deploy panel: options prefilled from config, a Deploy button, a
progress bar through compile / check / upload / register, and a summary."""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as w

from etlnb.deploy import STEPS


class DeployPanel:
    def __init__(self, notebook: Path):
        from etlnb.config import load_settings
        from etlnb.notebook import read_notebook
        from etlnb.pipeline import names_for

        self.notebook = notebook
        nb = read_notebook(notebook)
        settings = load_settings(notebook, nb.etlnb_metadata)
        project, flow = names_for(nb)
        self.project = w.Text(value=settings.project or project, description="project", disabled=True)
        self.work_pool = w.Text(value=settings.work_pool, description="work pool")
        self.pool_type = w.Dropdown(
            options=["process", "kubernetes"], value=settings.work_pool_type, description="pool type"
        )
        self.image = w.Text(
            value=settings.image or "",
            placeholder=f"Prefect Variable {settings.image_variable_name(project)}",
            description="image",
        )
        self.schedule = w.Text(
            value="" if settings.schedule is None else str(settings.schedule),
            placeholder="cron or seconds",
            description="schedule",
        )
        self.storage = w.Text(value=settings.storage or "", placeholder=".etlnb/storage", description="storage")
        self.button = w.Button(description="Deploy", button_style="primary", icon="rocket")
        self.progress = w.IntProgress(value=0, min=0, max=len(STEPS), description="", bar_style="info")
        self.status = w.HTML(value=f"ready to deploy <code>{html.escape(flow)}</code>")
        self.summary = w.HTML()
        self.button.on_click(self._clicked)
        fields = [self.project, self.work_pool, self.pool_type, self.image, self.schedule, self.storage]
        self.widget = w.VBox(
            [w.HTML("<b>etlnb deploy</b>"), *fields, w.HBox([self.button, self.progress, self.status]), self.summary]
        )

    def _listener(self, step: str, status: str) -> None:
        index = STEPS.index(step)
        if status == "running":
            self.status.value = f"{step}…"
        elif status == "ok":
            self.progress.value = index + 1
        else:
            self.progress.bar_style = "danger"
            self.status.value = f"{step} failed"

    def _clicked(self, _button=None) -> None:
        from etlnb.magics import MagicError, _deploy_now, _summary_bundle

        self.button.disabled = True
        self.progress.value, self.progress.bar_style, self.summary.value = 0, "info", ""
        schedule = self.schedule.value.strip()
        flags = {
            "work_pool": self.work_pool.value.strip() or None,
            "work_pool_type": self.pool_type.value,
            "image": self.image.value.strip() or None,
            "schedule": int(schedule) if schedule.isdigit() else schedule or None,
            "storage": self.storage.value.strip() or None,
        }
        try:
            result = _deploy_now(self.notebook, flags, None, listener=self._listener)
        except MagicError as exc:
            self.summary.value = f'<pre class="etlnb-deploy-error" style="color:#b00020;white-space:pre-wrap">{html.escape(str(exc))}</pre>'
        except Exception as exc:  # a click handler must not raise into the frontend
            self.summary.value = (
                f'<pre class="etlnb-deploy-error">{html.escape(type(exc).__name__ + ": " + str(exc))}</pre>'
            )
        else:
            self.progress.bar_style = "success"
            self.status.value = "deployed"
            self.summary.value = _summary_bundle(result)["text/html"]
        finally:
            self.button.disabled = False

    def deploy(self) -> None:
        """Press the button (tests and scripts)."""
        self._clicked()
