"""IPython magics: %etl_check, %etl_graph, %etl_compile, %etl_run, %etl_deploy.

Errors are short messages in the output area, never a traceback wall. Before
compiling, a magic checks that the notebook on disk holds what the kernel
ran, and asks for a save when a compiled cell differs.
"""

from __future__ import annotations

import argparse
import copy
import html
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from etlnb.diagnostics import CompileError, Diagnostic, cell_number

LINK_STYLE = "color:var(--jp-content-link-color,#0969da);text-decoration:underline"
LEFT = "text-align:left;vertical-align:top"  # JupyterLab right-aligns table cells in outputs by default


class MagicError(Exception):
    """A one-line message for the output area."""


class ExecutedCells:
    """The source the kernel last ran for each cell id (JupyterLab sends cell ids), and when."""

    def __init__(self) -> None:
        self.latest: dict[str, str] = {}
        self.ran_at: dict[str, float] = {}

    def pre_run_cell(self, info: Any) -> None:
        cell_id = getattr(info, "cell_id", None)
        if cell_id:
            self.latest[cell_id] = info.raw_cell
            self.ran_at[cell_id] = time.time()


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


def load(ipython: Any) -> None:
    tracker = ExecutedCells()
    ipython.events.register("pre_run_cell", tracker.pre_run_cell)
    ipython.register_magics(EtlMagics(ipython, tracker))


class _Help(Exception):
    """--help was asked for and shown."""


def _parse(method: Any, line: str) -> Any:
    """The magic's arguments (IPython's magic_arguments); -h/--help prints the usage."""
    name = f"%{method.__name__}"
    if any(token in ("-h", "--help") for token in line.split()):
        parser = copy.copy(method.parser)  # IPython's formatter writes docstring markup; plain text here
        parser.formatter_class, parser.prog = argparse.HelpFormatter, name
        print(parser.format_help().rstrip())
        raise _Help
    try:
        return parse_argstring(method, line)
    except UsageError as exc:
        raise MagicError(f"{name}: {exc} (see {name} --help)") from None


NOTEBOOK_ARG = argument("notebook", nargs="?", help="notebook path (default: this notebook)")


def _error(message: str) -> None:
    # once, on stderr: JupyterLab shows it as a red block (an HTML copy as well showed it twice)
    print(message, file=sys.stderr)


def _guard(method):
    def run(self, line: str = "", *args, **kwargs):
        try:
            return method(self, line, *args, **kwargs)
        except _Help:
            return None
        except MagicError as exc:
            _error(str(exc))
        except CompileError as exc:
            _error("\n".join(d.format() for d in exc.diagnostics))
        except Exception as exc:  # the output area shows one line, not a traceback
            _error(f"{method.__name__}: {type(exc).__name__}: {exc}")

    run.__name__ = method.__name__
    run.__doc__ = method.__doc__
    run.parser = getattr(method, "parser", None)
    return run


@magics_class
class EtlMagics(Magics):
    def __init__(self, shell: Any, tracker: ExecutedCells):
        super().__init__(shell)
        self.tracker = tracker

    # -- which notebook, and is it saved? ------------------------------
    def notebook_path(self, explicit: str | None) -> Path:
        if explicit:
            path = Path(explicit).expanduser()
            if not path.exists():
                raise MagicError(f"no such notebook: {explicit}")
            return path
        session = self.shell.user_ns.get("__session__") or os.environ.get("JPY_SESSION_NAME")
        if not session:
            raise MagicError("cannot tell which notebook this is: pass its path, e.g. %etl_check my.ipynb")
        candidates = [Path(session), Path.cwd() / session, Path.cwd() / Path(session).name]
        for candidate in candidates:
            if candidate.suffix == ".ipynb" and candidate.exists():
                return candidate
        raise MagicError(f"notebook {session} not found from {Path.cwd()}: pass its path")

    def check_saved(self, path: Path) -> None:
        from etlnb.notebook import read_notebook
        from etlnb.roles import COMPILED_ROLES, classify

        cells, _ = classify(read_notebook(path))
        # a run after the last save is what matters: an edit that was run, then undone and
        # saved, is the user's choice of what is on disk, not an unsaved change
        saved_at = user_saved_at(path)
        for rc in cells:
            ran = self.tracker.latest.get(rc.cell.id or "")
            if ran is None or self.tracker.ran_at.get(rc.cell.id or "", 0.0) < saved_at:
                continue
            if rc.role in COMPILED_ROLES and ran.strip() != rc.cell.source.strip():
                raise MagicError(
                    f"{path.name}: {rc.label} was changed and run but not saved: save the notebook (Ctrl+S), then run this again"
                )

    # -- magics ----------------------------------------------------------
    @line_magic
    @_guard
    @magic_arguments()
    @NOTEBOOK_ARG
    def etl_check(self, line: str = ""):
        """Diagnostics for this notebook, as a table (each naming its cell and line, with what to do)."""
        from etlnb.pipeline import analyse_file

        args = _parse(EtlMagics.etl_check, line)
        path = self.notebook_path(args.notebook)
        self.check_saved(path)
        try:
            analysis = analyse_file(path)
            diagnostics = analysis.diagnostics
            tasks = len(analysis.graph.segments) if analysis.graph else 0
        except CompileError as exc:
            diagnostics, tasks = exc.diagnostics, 0
        display(_diagnostics_bundle(path, diagnostics, tasks), raw=True)

    @line_magic
    @_guard
    @magic_arguments()
    @NOTEBOOK_ARG
    def etl_graph(self, line: str = ""):
        """The step graph, rendered by JupyterLab's Mermaid support."""
        from etlnb.mermaid import mermaid
        from etlnb.pipeline import analyse_file

        args = _parse(EtlMagics.etl_graph, line)
        path = self.notebook_path(args.notebook)
        self.check_saved(path)
        analysis = analyse_file(path)
        if not analysis.ok:
            raise CompileError(analysis.diagnostics)
        text = mermaid(analysis.graph)
        display({"text/vnd.mermaid": text, "text/plain": text}, raw=True)

    @line_magic
    @_guard
    @magic_arguments()
    @NOTEBOOK_ARG
    @argument("-o", "--output", help="build folder (default: the project's build/)")
    @argument("--target", choices=["prefect3", "prefect1"], help="prefect3 (default) or prefect1")
    def etl_compile(self, line: str = ""):
        """Compile the notebook and link to the generated flow script."""
        from etlnb.pipeline import compile_file, write

        args = _parse(EtlMagics.etl_compile, line)
        path = self.notebook_path(args.notebook)
        self.check_saved(path)
        flags = {"target": args.target} if args.target else None
        compiled = compile_file(path, Path(args.output) if args.output else build_dir(path), flags)
        written = write(compiled)
        display(_script_bundle(written, compiled, path), raw=True)

    @line_magic
    @_guard
    @magic_arguments()
    @NOTEBOOK_ARG
    @argument("--parity", action="store_true", help="also run the notebook on its samples and compare the two")
    @argument("--param", action="append", default=[], metavar="NAME=VALUE", help="override a flow parameter")
    @argument("--target", choices=["prefect3", "prefect1"], help="prefect1: flow.run() in .venv-prefect1")
    def etl_run(self, line: str = ""):
        """Run the compiled flow on the sample parameters (--parity: and compare with the notebook)."""
        args = _parse(EtlMagics.etl_run, line)
        path = self.notebook_path(args.notebook)
        self.check_saved(path)
        command = [
            sys.executable,
            "-m",
            "etlnb",
            "run",
            str(path),
            "--parity" if args.parity else "--flow",
            "-o",
            str(build_dir(path)),
        ]
        for pair in args.param:
            command += ["--param", pair]
        if args.target:
            command += ["--target", args.target]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        assert process.stdout is not None
        for out_line in process.stdout:  # live: each line as it comes
            print(out_line, end="")
        if process.wait():
            raise MagicError(f"%etl_run: the run failed (exit {process.returncode}); see above")

    @line_magic
    @_guard
    @magic_arguments()
    @NOTEBOOK_ARG
    @argument("--now", action="store_true", help="deploy with the configured settings, no panel")
    @argument("--storage", help="s3://bucket/prefix or a local folder (default .etlnb/storage)")
    @argument("--s3-endpoint-url", help="MinIO and other S3-compatible stores")
    @argument("--work-pool", help="Prefect work pool (default etlnb-local)")
    @argument("--pool-type", choices=["process", "kubernetes"], help="work pool type")
    @argument("--image", help="base image (kubernetes pools)")
    @argument("--schedule", help="cron expression (UTC) or an interval in seconds")
    @argument("--retries", type=int, help="retries of mapped extract tasks")
    @argument("--tag", action="append", help="deployment tag (repeatable)")
    @argument("--name", help="deployment name (default: the project)")
    @argument("--version", help="register an earlier uploaded version again (rollback)")
    @argument(
        "--target",
        choices=["prefect3", "prefect1"],
        help="prefect3 (default) or prefect1 (prefect build + register, or the commands to run)",
    )
    def etl_deploy(self, line: str = ""):
        """A deploy panel; with options on the line, deploy at once (scripted use)."""
        args = _parse(EtlMagics.etl_deploy, line)
        path = self.notebook_path(args.notebook)
        self.check_saved(path)
        from etlnb.cli import deploy_flags

        flags = deploy_flags(args)
        scripted = args.now or args.version or any(v not in (None, []) for v in flags.values())
        if scripted:
            result = _deploy_now(path, flags, args.version, listener=_print_step)
            if is_prefect1(result):  # registered, or the commands to do it; Prefect 1 runs need an agent
                display(_prefect1_bundle(result), raw=True)
                print(result.agent_line())
                return
            display(_summary_bundle(result), raw=True)
            from etlnb.trigger import worker_line

            print(worker_line(result.work_pool)[1])
            return
        from etlnb.deploy_panel import DeployPanel

        display(DeployPanel(path).widget)


def _print_step(step: str, status: str) -> None:
    if status != "running":
        print(f"{step}: {status}")


def build_dir(notebook: Path) -> Path:
    """The project's build/ (the kernel runs in the notebook's folder, the CLI at the root)."""
    from etlnb.server import project_root

    return project_root(notebook.parent) / "build"


def _deploy_now(path: Path, flags: dict[str, Any], version: str | None, listener=None):
    from etlnb.deploy import DeployError, deploy

    try:
        return deploy(path, flags, build_dir(path), version=version, echo=False, listener=listener)
    except DeployError as exc:
        raise MagicError(f"deploy: {exc.step} failed: {exc} ({_unchanged(path, flags, exc.step)})") from None


def _unchanged(path: Path, flags: dict[str, Any], step: str = "") -> str:
    """What a failed deploy left: the live deployment as it was, or (first deploy) nothing."""
    try:
        from etlnb.config import load_settings
        from etlnb.deploy import live_version
        from etlnb.notebook import read_notebook
        from etlnb.pipeline import names_for

        nb = read_notebook(path)
        project, flow = names_for(nb)
        settings = load_settings(path, nb.etlnb_metadata, flags)
        if settings.target == "prefect1":  # `prefect register` failed or never ran: no new flow version
            from etlnb.emit.prefect1_deploy import nothing_registered

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


def _summary_bundle(result: Any) -> dict[str, str]:
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


def _prefect1_bundle(result: Any) -> dict[str, str]:
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


def _diagnostics_bundle(path: Path, diagnostics: list[Diagnostic], tasks: int) -> dict[str, str]:
    if not diagnostics:
        ok = f"{path.name}: ok ({tasks} tasks)"
        return {"text/html": f"<div class='etlnb-check'>&#10003; {html.escape(ok)}</div>", "text/plain": ok}
    rows = []
    for d in sorted(diagnostics, key=lambda d: d.severity != "error"):
        cell = "" if d.cell is None else f"cell {cell_number(d.cell)}" + (f" (id={d.cell_id})" if d.cell_id else "")
        link = (
            f'<a href="#cell-id={html.escape(d.cell_id)}">{html.escape(cell)}</a>' if d.cell_id else html.escape(cell)
        )
        colour = "#b00020" if d.severity == "error" else "#8a6d00"
        rows.append(
            f"<tr><td style='color:{colour};{LEFT}'>{d.severity}</td><td style='{LEFT}'>{link}</td>"
            f"<td style='{LEFT}'>{d.line or ''}</td>"
            f"<td style='{LEFT}'>{html.escape(d.message)}</td><td style='{LEFT}'>{html.escape(d.hint)}</td></tr>"
        )
    head = "".join(f"<th style='{LEFT}'>{h}</th>" for h in ("severity", "cell", "line", "problem", "what to do"))
    table = f"<table class='etlnb-check' style='{LEFT}'><tr>{head}</tr>" + "".join(rows) + "</table>"
    return {"text/html": table, "text/plain": "\n".join(d.format() for d in diagnostics)}


def _script_bundle(path: Path, compiled: Any, notebook: Path) -> dict[str, str]:
    """A link to the written script, not the script itself: the output is saved with the
    notebook, and a highlighted copy weighed ~50 KB there. JupyterLab opens the link (a
    path relative to the notebook) in its editor, highlighted."""
    graph = compiled.analysis.graph
    counts = f"{len(graph.segments)} tasks, {sum(s.map is not None for s in graph.segments)} mapped"
    href = Path(os.path.relpath(path.resolve(), notebook.resolve().parent)).as_posix()
    return {
        "text/html": (
            f"<div class='etlnb-script'>wrote <a href='{html.escape(href)}' style='{LINK_STYLE}'>"
            f"{html.escape(str(path))}</a> ({counts})</div>"
        ),
        "text/plain": f"wrote {path} ({counts})",
    }
