"""IPython magics: %etl_check, %etl_graph, %etl_compile, %etl_run, %etl_deploy.

Errors are short messages in the output area, never a traceback wall. Before
compiling, a magic checks that the notebook on disk holds what the kernel
ran, and asks for a save when a compiled cell differs.
"""

from __future__ import annotations

import argparse
import html
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from IPython.core.magic import Magics, line_magic, magics_class
from IPython.display import display

from etlnb.diagnostics import CompileError, Diagnostic


class MagicError(Exception):
    """A one-line message for the output area."""


class ExecutedCells:
    """The source the kernel last ran for each cell id (JupyterLab sends cell ids)."""

    def __init__(self) -> None:
        self.latest: dict[str, str] = {}

    def pre_run_cell(self, info: Any) -> None:
        cell_id = getattr(info, "cell_id", None)
        if cell_id:
            self.latest[cell_id] = info.raw_cell


def load(ipython: Any) -> None:
    tracker = ExecutedCells()
    ipython.events.register("pre_run_cell", tracker.pre_run_cell)
    ipython.register_magics(EtlMagics(ipython, tracker))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # no SystemExit inside a kernel
        raise MagicError(f"{self.prog}: {message}")


def _parser(prog: str) -> _Parser:
    parser = _Parser(prog=prog, add_help=False)
    parser.add_argument("notebook", nargs="?", help="notebook path (default: this notebook)")
    return parser


def _error(message: str) -> None:
    # once, on stderr: JupyterLab shows it as a red block (an HTML copy as well showed it twice)
    print(message, file=sys.stderr)


def _guard(method):
    def run(self, line: str = "", *args, **kwargs):
        try:
            return method(self, line, *args, **kwargs)
        except MagicError as exc:
            _error(str(exc))
        except CompileError as exc:
            _error("\n".join(d.format() for d in exc.diagnostics))
        except Exception as exc:  # the output area shows one line, not a traceback
            _error(f"{method.__name__}: {type(exc).__name__}: {exc}")

    run.__name__ = method.__name__
    run.__doc__ = method.__doc__
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
        for rc in cells:
            ran = self.tracker.latest.get(rc.cell.id or "")
            if rc.role in COMPILED_ROLES and ran is not None and ran.strip() != rc.cell.source.strip():
                raise MagicError(
                    f"{path.name}: {rc.label} was changed and run but not saved: save the notebook (Ctrl+S), then run this again"
                )

    # -- magics ----------------------------------------------------------
    @line_magic
    @_guard
    def etl_check(self, line: str = ""):
        """Diagnostics for this notebook, as a table."""
        from etlnb.pipeline import analyse_file

        args = _parser("%etl_check").parse_args(shlex.split(line))
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
    def etl_graph(self, line: str = ""):
        """The step graph, rendered by JupyterLab's Mermaid support."""
        from etlnb.mermaid import mermaid
        from etlnb.pipeline import analyse_file

        args = _parser("%etl_graph").parse_args(shlex.split(line))
        path = self.notebook_path(args.notebook)
        self.check_saved(path)
        analysis = analyse_file(path)
        if not analysis.ok:
            raise CompileError(analysis.diagnostics)
        text = mermaid(analysis.graph)
        display({"text/vnd.mermaid": text, "text/plain": text}, raw=True)

    @line_magic
    @_guard
    def etl_compile(self, line: str = ""):
        """Compile and show the generated flow script."""
        from etlnb.pipeline import compile_file, write

        parser = _parser("%etl_compile")
        parser.add_argument("-o", "--output")
        args = parser.parse_args(shlex.split(line))
        path = self.notebook_path(args.notebook)
        self.check_saved(path)
        compiled = compile_file(path, Path(args.output) if args.output else build_dir(path))
        written = write(compiled)
        display(_script_bundle(written, compiled), raw=True)

    @line_magic
    @_guard
    def etl_run(self, line: str = ""):
        """Run the compiled flow on the sample parameters (--parity: and compare with the notebook)."""
        parser = _parser("%etl_run")
        parser.add_argument("--parity", action="store_true")
        parser.add_argument("--param", action="append", default=[])
        args = parser.parse_args(shlex.split(line))
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
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        assert process.stdout is not None
        for out_line in process.stdout:  # live: each line as it comes
            print(out_line, end="")
        if process.wait():
            raise MagicError(f"%etl_run: the run failed (exit {process.returncode}); see above")

    @line_magic
    @_guard
    def etl_deploy(self, line: str = ""):
        """A deploy panel; with options on the line, deploy at once (scripted use)."""
        parser = _parser("%etl_deploy")
        for flag in ("--storage", "--s3-endpoint-url", "--work-pool", "--pool-type", "--image", "--schedule", "--name"):
            parser.add_argument(flag)
        parser.add_argument("--retries", type=int)
        parser.add_argument("--tag", action="append")
        parser.add_argument("--version")
        parser.add_argument("--now", action="store_true", help="deploy with the configured settings, no panel")
        args = parser.parse_args(shlex.split(line))
        path = self.notebook_path(args.notebook)
        self.check_saved(path)
        from etlnb.cli import deploy_flags

        flags = deploy_flags(args)
        scripted = args.now or args.version or any(v not in (None, []) for v in flags.values())
        if scripted:
            result = _deploy_now(path, flags, args.version, listener=_print_step)
            display(_summary_bundle(result), raw=True)
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
        raise MagicError(f"deploy: {exc.step} failed: {exc} (the previous deployment is unchanged)") from None


def _summary_bundle(result: Any) -> dict[str, str]:
    text = (
        f"deployed {result.full_name} (id {result.deployment_id})\n"
        f"version {result.sha}\ncode {result.location}\nwork pool {result.work_pool}\nUI {result.ui_url}"
    )
    rows = "".join(
        f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>"
        for k, v in (
            ("deployment", html.escape(result.full_name)),
            ("id", html.escape(result.deployment_id)),
            ("version", html.escape(result.sha)),
            ("code", html.escape(result.location)),
            ("work pool", html.escape(result.work_pool)),
            ("UI", f'<a href="{html.escape(result.ui_url)}" target="_blank">{html.escape(result.ui_url)}</a>'),
        )
    )
    return {
        "text/html": f'<div class="etlnb-deploy-summary"><b>Deployed</b><table>{rows}</table></div>',
        "text/plain": text,
    }


def _diagnostics_bundle(path: Path, diagnostics: list[Diagnostic], tasks: int) -> dict[str, str]:
    if not diagnostics:
        ok = f"{path.name}: ok ({tasks} tasks)"
        return {"text/html": f"<div class='etlnb-check'>&#10003; {html.escape(ok)}</div>", "text/plain": ok}
    rows = []
    for d in sorted(diagnostics, key=lambda d: d.severity != "error"):
        cell = "" if d.cell is None else f"cell {d.cell}" + (f" (id={d.cell_id})" if d.cell_id else "")
        link = (
            f'<a href="#cell-id={html.escape(d.cell_id)}">{html.escape(cell)}</a>' if d.cell_id else html.escape(cell)
        )
        colour = "#b00020" if d.severity == "error" else "#8a6d00"
        rows.append(
            f"<tr><td style='color:{colour}'>{d.severity}</td><td>{link}</td><td>{d.line or ''}</td>"
            f"<td>{html.escape(d.message)}</td><td>{html.escape(d.hint)}</td></tr>"
        )
    table = (
        "<table class='etlnb-check'><tr><th>severity</th><th>cell</th><th>line</th><th>problem</th><th>what to do</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    return {"text/html": table, "text/plain": "\n".join(d.format() for d in diagnostics)}


def _script_bundle(path: Path, compiled: Any) -> dict[str, str]:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    code = highlight(compiled.script, PythonLexer(), HtmlFormatter(noclasses=True, nobackground=True))
    graph = compiled.analysis.graph
    title = f"{path} ({len(graph.segments)} tasks, {sum(s.map is not None for s in graph.segments)} mapped)"
    return {
        "text/html": f"<details class='etlnb-script'><summary>{html.escape(title)}</summary>{code}</details>",
        "text/plain": f"wrote {title}",
    }
