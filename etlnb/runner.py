"""Local runs: the notebook on samples (papermill), the compiled flow on the
local Prefect server, and parity between the two."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etlnb import server as local_server
from etlnb.diagnostics import CompileError, Diagnostic
from etlnb.where import origin


class RunError(Exception):
    """A one-line reason a run could not start."""


@dataclass
class FlowRun:
    ok: bool
    returncode: int
    report: dict[str, Any] = field(default_factory=dict)
    origin: str = ""  # notebook cell and line of the error, if the flow failed
    output: str = ""


def _print_diagnostics(diagnostics: list[Diagnostic]) -> None:
    from etlnb.cli import _print_diagnostics as show

    show(diagnostics)


def compile_to(notebook: Path, out_dir: Path, flags: dict[str, Any] | None = None):
    from etlnb.pipeline import compile_file, write

    compiled = compile_file(notebook, out_dir, flags)
    write(compiled)
    return compiled


def is_prefect1(compiled) -> bool:
    return getattr(compiled.settings, "target", "prefect3") == "prefect1"


def prefect1_runner(compiled, notebook: Path) -> Path:
    """The Prefect 1 venv's python for `flow.run()`; RunError when it is missing or the run
    could not be compared (Dask)."""
    from etlnb.emit.prefect1_deploy import VENV, prefect1_python
    from etlnb.server import project_root

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


def venv_hint(compiled, notebook: Path, output: str) -> str:
    """A module the notebook's kernel has but the Prefect 1 venv lacks: say where to install it."""
    import re

    missing = re.findall(r"ModuleNotFoundError: No module named '([\w.]+)'", output)
    if not missing or not is_prefect1(compiled):
        return ""
    from etlnb.emit.prefect1_deploy import prefect1_python
    from etlnb.server import project_root

    python = prefect1_python(project_root(notebook.resolve().parent))
    module = missing[-1].split(".")[0]
    return (
        f"the Prefect 1 venv has no module `{module}`: install the package that provides it there"
        f" (`{python} -m pip install ...`)"
    )


def parse_params(pairs: list[str], sample: dict[str, Any], known: list[str]) -> dict[str, Any]:
    """`name=value` overrides; value is JSON when it parses, else a string."""
    params = dict(sample)
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise RunError(f"--param expects name=value, got {pair!r}")
        if name not in known:
            raise RunError(f"--param {name}: the flow has no such parameter (it has: {', '.join(known) or 'none'})")
        try:
            params[name] = json.loads(raw)
        except json.JSONDecodeError:
            params[name] = raw
    return params


def segments_manifest(graph) -> list[dict[str, Any]]:
    from etlnb.notebook_run import data_writes

    return [
        {
            "key": s.key,
            "cell_key": f"cell{s.cell.cell.index}",
            "outputs": list(s.outputs),
            "writes": sorted(data_writes(s, graph)),
            "mapped": s.map is not None,
        }
        for s in graph.segments
    ]


def run_compiled_flow(
    compiled,
    notebook: Path,
    server: local_server.Server | None,
    params: dict[str, Any],
    capture: Path | None = None,
    echo: bool = True,
    cwd: Path | None = None,
) -> FlowRun:
    """Run the written script's flow in a child process against `server`, in the notebook's
    folder (or `cwd`, a scratch copy of it). A Prefect 1 script runs `flow.run()` in the
    Prefect 1 venv instead, with no server."""
    work = Path(tempfile.mkdtemp(prefix="etlnb-flow-"))
    manifest = {
        "script": str(compiled.path.resolve()),
        "flow_function": f"{compiled.analysis.flow_name}_flow",
        "parameters": params,
        "cwd": str((cwd or notebook.parent).resolve()),
        "capture": str(capture.resolve()) if capture else None,
        "segments": segments_manifest(compiled.analysis.graph),
        "report": str(work / "report.json"),
    }
    # a set parameter travels as a list, as Prefect sends it; the flow's `set[...]` type restores it
    (work / "manifest.json").write_text(json.dumps(manifest, default=_json_set))
    if is_prefect1(compiled):
        # flow.run() in the Prefect 1 venv: no server, and nothing of this venv on its path
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("PREFECT_")}
        env["PYTHONUNBUFFERED"] = "1"
        command = [str(prefect1_runner(compiled, notebook)), str(Path(__file__).with_name("flow_run1.py"))]
    else:
        assert server is not None
        env = dict(os.environ, PREFECT_API_URL=server.api_url, PYTHONUNBUFFERED="1")
        command = [sys.executable, "-m", "etlnb.flow_run"]
    process = subprocess.Popen(
        [*command, str(work / "manifest.json")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    marker = f'File "{compiled.path.resolve()}", line '
    origins: list[str] = []
    output: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        output.append(line)
        if echo:
            sys.stdout.write(line)
        if marker in line:
            number = line.split(marker, 1)[1].split(",", 1)[0]
            found = origin(compiled.script, int(number)) if number.isdigit() else None
            if found is not None:
                origins.append(str(found))
    returncode = process.wait()
    report_path = Path(manifest["report"])
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    return FlowRun(returncode == 0, returncode, report, origins[-1] if origins else "", "".join(output))


def _code_cells(notebook: Path) -> str:
    """The notebook's code cells, as the user counts them (etlnb's capture cells aside)."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
        return f"{sum(c.get('cell_type') == 'code' for c in cells)} code cells"
    except (OSError, ValueError, AttributeError):
        return "its cells"


def witness_failed(nb_run) -> bool:
    """Print the witness summary; its errors (unpredicted changes) go to stderr, first line first."""
    from etlnb.witness import format_summary

    report = nb_run.witness
    if report is None:
        return False
    print(format_summary(report))
    for error in report.errors:
        print(f"etlnb run: {error.message}" if error is report.errors[0] else f"  {error.message}", file=sys.stderr)
    return not report.ok


def _json_set(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    raise TypeError(f"{type(value).__name__} is not JSON data")


_FINAL = {"Completed", "Failed", "Crashed", "Cancelled", "Cached", "TimedOut", "RolledBack"}


def final_task_report(flow_run_id: str, api_url: str | None = None, wait: float = 10.0) -> list[dict[str, Any]]:
    """Each task's state once the API has recorded it: task states reach the server as events,
    shortly after the flow itself ends, so a table read at once still says Pending/Running."""
    import time

    from prefect.settings import PREFECT_API_URL, temporary_settings

    from etlnb.flow_run import _task_report

    deadline = time.monotonic() + wait
    with temporary_settings({PREFECT_API_URL: api_url} if api_url else {}):
        while True:
            rows = _task_report(flow_run_id)
            if all(r["state"] in _FINAL for r in rows) or time.monotonic() > deadline:
                return rows
            time.sleep(0.3)


def format_flow_report(run: FlowRun, server: local_server.Server | None) -> str:
    report = run.report
    if not report:
        return f"the flow process failed before the flow ran (exit {run.returncode})"
    if report.get("prefect1") or server is None:
        lines = [f"Prefect 1 flow.run(): {report['state']}"]
        if report.get("tasks"):
            width = max(len(t["task"]) for t in report["tasks"])
            lines.append(f"  {'task'.ljust(width)}  state")
            lines += [f"  {t['task'].ljust(width)}  {t['state']}" for t in report["tasks"]]
        return "\n".join(lines)
    if any(t["state"] not in _FINAL for t in report.get("tasks", [])):
        try:
            report = dict(report, tasks=final_task_report(report["flow_run_id"], server.api_url))
        except Exception:  # the table is a courtesy; the run's result stands
            pass
    lines = [f"flow run {server.url}/runs/flow-run/{report['flow_run_id']}: {report['state']}"]
    if report.get("tasks"):
        width = max(len(t["task"]) for t in report["tasks"])
        lines.append(f"  {'task'.ljust(width)}  {'state':<10} seconds")
        for t in report["tasks"]:
            lines.append(f"  {t['task'].ljust(width)}  {t['state']:<10} {t['seconds']:.2f}")
    return "\n".join(lines)


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return str(n)


def format_sample_summary(steps, capture_dir: Path) -> str:
    from etlnb import capture

    rows = []
    for step in steps:
        summary = capture.summary(capture_dir, step.key)
        if not step.outputs:
            rows.append((step.label, "-", "(no outputs to later steps)", "", ""))
        for name in step.outputs:
            info = summary.get(name, {})
            shape = info.get("shape")
            dims = " x ".join(str(n) for n in shape) if shape else (f"{info['len']} items" if "len" in info else "")
            if shape and len(shape) == 2:
                dims = f"{shape[0]} rows x {shape[1]} cols"
            rows.append((step.label, name, info.get("type", "?"), dims, _size(info.get("bytes", 0))))
    widths = [max(len(r[i]) for r in [("step", "name", "type", "shape", "size"), *rows]) for i in range(5)]
    head = ("step", "name", "type", "shape", "size")
    return "\n".join(
        "  " + "  ".join(col.ljust(w) for col, w in zip(r, widths, strict=True)).rstrip() for r in [head, *rows]
    )


@dataclass
class ParityOutcome:
    ok: bool
    text: str  # first line names notebook, step and cell


def scratch_copies(notebook: Path, root: Path) -> tuple[Path, Path]:
    """Two fresh copies of the notebook's folder under `root` (notebook/, flow/), without
    build/, .etlnb/, checkpoints, .git and .venv, nor `root` itself."""
    import shutil

    source = notebook.resolve().parent
    root = root.resolve()
    from etlnb.parity import SCRATCH_EXCLUDED

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n in SCRATCH_EXCLUDED}
        here = Path(folder)
        return skipped | {n for n in names if (here / n).resolve() == root}

    copies = []
    for side in ("notebook", "flow"):
        target = root / side / source.name
        shutil.rmtree(root / side, ignore_errors=True)
        shutil.copytree(source, target, ignore=ignore, symlinks=True)
        copies.append(target)
    return copies[0], copies[1]


def parity_ignore(notebook: Path) -> set[str]:
    """Names listed in the notebook's `metadata.etlnb.parity_ignore` (`[tool.etlnb]` may list more)."""
    try:
        meta = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {}).get("etlnb", {})
        names = meta.get("parity_ignore", []) if isinstance(meta, dict) else []
        return {n for n in names if isinstance(n, str)}
    except (OSError, ValueError, AttributeError):
        return set()


def run_parity(compiled, notebook: Path, server: local_server.Server | None, params: dict[str, Any], echo: bool):
    """Notebook and flow, each in its own scratch copy of the notebook's folder, then compared.

    Returns (ParityOutcome, the notebook run, the flow run or None)."""
    import shutil

    from etlnb.notebook_run import run_notebook, step_outputs
    from etlnb.parity import compare_folders, compare_runs, format_report, merge, writers_from_witness

    analysis = compiled.analysis
    build = compiled.path.parent
    capture_root = build / ".capture" / analysis.flow_name
    shutil.rmtree(capture_root, ignore_errors=True)
    nb_dir, flow_dir = scratch_copies(notebook, build / ".parity" / analysis.flow_name)
    steps = step_outputs(analysis.graph)
    executed = build / f"{notebook.stem}.executed.ipynb"
    if echo:
        print(
            f"running {notebook} on its samples: {_code_cells(notebook)} (papermill, in {nb_dir})...", file=sys.stderr
        )
    # no papermill progress bar: it counts etlnb's hidden capture cells, and piped (%etl_run) it is a line per tick
    nb_run = run_notebook(
        notebook, analysis.graph, executed, capture_root / "notebook", pickles=True, progress=False, cwd=nb_dir
    )
    if not nb_run.ok:
        return ParityOutcome(False, f"{nb_run.error}\n(the notebook itself fails on its samples)"), nb_run, None
    witness = nb_run.witness
    if witness is not None and witness.errors:
        text = "\n".join(e.message for e in witness.errors)
        return ParityOutcome(False, text), nb_run, None
    run = run_compiled_flow(compiled, notebook, server, params, capture_root / "flow", echo=echo, cwd=flow_dir)
    failure = ""
    if not run.ok:
        where = f" ({run.origin})" if run.origin else ""
        tail = "\n".join("    " + ln for ln in run.output.strip().splitlines()[-15:])
        failure = f"{notebook}: the compiled flow failed{where} but the notebook ran\n{tail}"
        if hint := venv_hint(compiled, notebook, run.output):
            failure += f"\n  {hint}"
    ignore = parity_ignore(notebook) | set(getattr(compiled.settings, "parity_ignore", ()) or ())
    values = compare_runs(steps, capture_root / "notebook", capture_root / "flow", ignore)
    record = witness.record if witness is not None else {}
    files = compare_folders(notebook.resolve().parent, nb_dir, flow_dir, writers_from_witness(record))
    report = merge(values, files)
    text = format_report(report, str(notebook), failure)
    return ParityOutcome(report.ok and run.ok, text), nb_run, run


def parity_check(notebook: Path, out_dir: Path, server: local_server.Server) -> ParityOutcome:
    """Notebook on samples vs compiled flow on the same parameters, quietly; for the pytest plugin."""
    from etlnb.cli import format_diagnostics

    try:
        compiled = compile_to(notebook, out_dir)
    except CompileError as exc:
        return ParityOutcome(False, format_diagnostics(exc.diagnostics))
    try:
        outcome, _, _ = run_parity(compiled, notebook, server, compiled.sample, echo=False)
    except RunError as exc:
        return ParityOutcome(False, f"{notebook}: {exc}")
    except Exception as exc:  # etlnb's own failure: say so, never blame a cell
        return ParityOutcome(False, f"{notebook}: etlnb internal error during parity: {type(exc).__name__}: {exc}")
    return outcome


def main(notebook: Path, out_dir: Path, mode: str, params: list[str], flags: dict[str, Any] | None = None) -> int:
    """`etlnb run`: mode is "sample", "flow" or "parity"; `flags` are settings from the command line."""
    try:
        compiled = compile_to(notebook, out_dir, flags)
    except CompileError as exc:
        _print_diagnostics(exc.diagnostics)
        return 1
    _print_diagnostics(compiled.diagnostics)
    analysis = compiled.analysis
    build = compiled.path.parent
    capture_root = build / ".capture" / analysis.flow_name
    status = 0
    if mode == "sample":
        from etlnb.notebook_run import run_notebook, step_outputs

        steps = step_outputs(analysis.graph)
        executed = build / f"{notebook.stem}.executed.ipynb"
        print(f"running {notebook} on its samples: {_code_cells(notebook)} (papermill)...", file=sys.stderr)
        nb_run = run_notebook(notebook, analysis.graph, executed, capture_root / "notebook", progress=False)
        if not nb_run.ok:
            print(f"etlnb run: the notebook failed: {nb_run.error}", file=sys.stderr)
            print(f"  executed copy: {executed}", file=sys.stderr)
            return 1
        print(f"sample run ok in {nb_run.seconds:.1f}s; executed copy: {executed}")
        print(format_sample_summary(steps, capture_root / "notebook"))
        if witness_failed(nb_run):
            return 1
    if mode in ("flow", "parity"):
        try:
            known = [p.name for p in analysis.graph.params]
            values = parse_params(params, compiled.sample, known)
            if is_prefect1(compiled):
                prefect1_runner(compiled, notebook)  # said before the notebook runs
                server = None
            else:
                server = local_server.ensure()
        except (RunError, local_server.ServerError) as exc:
            print(f"etlnb run: {exc}", file=sys.stderr)
            return 1
    if mode == "flow":
        run = run_compiled_flow(compiled, notebook, server, values)
        print(format_flow_report(run, server))
        if not run.ok:
            print(f"etlnb run: flow {analysis.flow_name} failed", file=sys.stderr)
            if run.origin:
                print(f"  the error was raised in {notebook}: {run.origin}", file=sys.stderr)
            if hint := venv_hint(compiled, notebook, run.output):
                print(f"  {hint}", file=sys.stderr)
            return 1
    if mode == "parity":
        from etlnb.notebook_run import step_outputs

        try:
            outcome, nb_run, run = run_parity(compiled, notebook, server, values, echo=True)
        except Exception as exc:  # etlnb's own failure: say so, never blame a cell
            print(f"{notebook}: etlnb internal error during parity: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        if not nb_run.ok:
            print(f"etlnb run: the notebook failed: {nb_run.error}", file=sys.stderr)
            return 1
        print(f"sample run ok in {nb_run.seconds:.1f}s; executed copy: {nb_run.executed}")
        print(format_sample_summary(step_outputs(analysis.graph), capture_root / "notebook"))
        if witness_failed(nb_run):
            return 1
        if run is not None:
            print(format_flow_report(run, server))
        print(outcome.text)
        status = 0 if outcome.ok else 1
    return status
