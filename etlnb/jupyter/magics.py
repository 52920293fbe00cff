"""IPython magics: %etl_check, %etl_graph, %etl_compile, %etl_run, %etl_deploy.

Errors are short messages in the output area, never a traceback wall. Before
compiling, a magic checks that the notebook on disk holds what the kernel
ran, and asks for a save when a compiled cell differs.
"""

from __future__ import annotations

import argparse
import copy
import html
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from etlnb import events
from etlnb.analyse.diagnostics import CompileError, Diagnostic, cell_number
from etlnb.jupyter.shared import (
    LEFT,
    LINK_STYLE,
    MagicError,
    build_dir,
    deploy_now,
    is_prefect1,
    prefect1_bundle,
    summary_bundle,
    user_saved_at,
)


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
        from etlnb.analyse.notebook import read_notebook
        from etlnb.analyse.roles import COMPILED_ROLES, classify

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
        from etlnb.analyse.mermaid import mermaid
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
        # parity's verdict comes out of band (etlnb.events), never from the run's output: a step that
        # prints a line like the verdict's must not change what is shown
        read_end, write_end = os.pipe()
        env = dict(os.environ, PYTHONUNBUFFERED="1", **{events.ENV: str(write_end)})
        # parity's verdict goes at the top, above the streamed lines, once it is known
        verdict = display(_parity_bundle(None, []), raw=True, display_id=True) if args.parity else None
        try:
            process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, pass_fds=(write_end,)
            )
        finally:
            os.close(write_end)
        received: list[bytes] = []
        reader = threading.Thread(target=lambda: received.append(_read_all(read_end)), daemon=True)
        reader.start()
        assert process.stdout is not None
        for out_line in process.stdout:  # live: each line as it comes
            print(out_line, end="")
        code = process.wait()
        reader.join(5)
        parity = [e["parity"] for e in _events(b"".join(received)) if isinstance(e.get("parity"), str)]
        if verdict is not None:
            verdict.update(_parity_bundle(code, parity[-1].splitlines() if parity else []), raw=True)
        if code:
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
        "--unverified",
        action="store_true",
        help="deploy without a passing parity of this content; the deployment is tagged 'unverified'",
    )
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
        from etlnb.analyse.config import deploy_flags

        flags = deploy_flags(args)
        scripted = args.now or args.version or args.unverified or any(v not in (None, []) for v in flags.values())
        if scripted:
            result = deploy_now(path, flags, args.version, listener=_print_step, unverified=args.unverified)
            if is_prefect1(result):  # registered, or the commands to do it; Prefect 1 runs need an agent
                display(prefect1_bundle(result), raw=True)
                print(result.agent_line())
                return
            display(summary_bundle(result), raw=True)
            from etlnb.deploy.trigger import worker_line

            print(worker_line(result.work_pool)[1])
            return
        from etlnb.jupyter.panel import DeployPanel

        display(DeployPanel(path).widget)


def _print_step(step: str, status: str) -> None:
    if status != "running":
        print(f"{step}: {status}")


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


def _read_all(fd: int) -> bytes:
    with os.fdopen(fd, "rb") as pipe:
        return pipe.read()


def _events(data: bytes) -> list[dict]:
    out = []
    for line in data.decode("utf-8", "replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            out.append(event)
    return out


def _parity_bundle(code: int | None, lines: list[str]) -> dict[str, str]:
    """Parity's verdict as %etl_run --parity shows it on top: red with each difference (its cell a link)
    and why, or green "verified" with the content's short hash; "running" until the run ends."""
    from etlnb.verify.parity import MISMATCH_LINE, RECORD_LINE

    if code is None:
        text = "parity: running the notebook and the flow..."
        return {"text/plain": text, "text/html": f"<div class='etlnb-parity'>{html.escape(text)}</div>"}
    mismatches, record = [], None
    for line in lines:
        if found := MISMATCH_LINE.match(line):
            mismatches.append([found, ""])
        elif line.startswith("    why: ") and mismatches:
            mismatches[-1][1] = line.strip()
        elif found := RECORD_LINE.match(line):
            record = found
    if code == 0 and record is not None and not record["not"]:
        refuses = next((ln for ln in lines if "`etlnb deploy` still refuses it" in ln), "")
        gate = (
            "deploy still refuses it: it imports a module from the notebook's folder"
            if refuses
            else "deploy accepts it"
        )
        text = f"parity ok: verified, content {record['key']} ({gate})"
        return {
            "text/plain": text,
            "text/html": f"<div class='etlnb-parity' style='color:#1a7f37'>&#10003; {text}</div>",
        }
    if not mismatches:
        said = next((ln for ln in lines if "parity mismatch" in ln or ": error" in ln or "failed" in ln), "")
        text = f"parity failed: {said.strip() or 'see below'}"
        return {
            "text/plain": text,
            "text/html": f"<div class='etlnb-parity' style='{ERROR_STYLE}'>&#10007; {html.escape(text)}</div>",
        }
    rows = []
    for found, why in mismatches:
        label = html.escape(found["label"])
        link = f'<a href="#cell-id={html.escape(found["id"])}">{label}</a>' if found["id"] else label
        rows.append(
            f"<li>{link}: {html.escape(found['name'])}: {html.escape(found['detail'])}"
            + (f"<br><span style='color:var(--jp-ui-font-color1)'>{html.escape(why)}</span>" if why else "")
            + "</li>"
        )
    head = f"parity failed: {len(mismatches)} difference(s)"
    plain = [head] + [
        f"  {f['label']}: {f['name']}: {f['detail']}" + (f"\n    {why}" if why else "") for f, why in mismatches
    ]
    return {
        "text/plain": "\n".join(plain),
        "text/html": f"<div class='etlnb-parity' style='{ERROR_STYLE}'><b>&#10007; {head}</b><ul>{''.join(rows)}</ul></div>",
    }


ERROR_STYLE = "color:var(--jp-error-color1, #b00020)"


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
