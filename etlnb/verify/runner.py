"""Local runs: the notebook on samples (papermill), the compiled flow on the
local Prefect server, and parity between the two."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etlnb.analyse.diagnostics import CompileError, format_diagnostics
from etlnb.analyse.where import origin
from etlnb.local import server as local_server
from etlnb.targets import DEFAULT, RunError, Target, target


@dataclass
class FlowRun:
    ok: bool
    returncode: int
    report: dict[str, Any] = field(default_factory=dict)
    origin: str = ""  # notebook cell and line of the error, if the flow failed
    output: str = ""
    started: float = 0.0  # wall clock (time.time()) of the process's start and end
    ended: float = 0.0


def compile_to(notebook: Path, out_dir: Path, flags: dict[str, Any] | None = None):
    from etlnb.pipeline import compile_file, write

    compiled = compile_file(notebook, out_dir, flags)
    write(compiled)
    return compiled


def target_of(compiled) -> Target:
    """The target a compiled notebook was emitted for (its settings say which)."""
    return target(getattr(compiled.settings, "target", DEFAULT))


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
    from etlnb.verify.notebook_run import data_writes

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
    return FlowProcess(compiled, notebook, server, params, capture, echo, cwd).wait()


class FlowProcess:
    """The flow's child process, started at once and read in a thread: parity runs the notebook
    meanwhile (the flow's `import prefect` and the kernel's start overlap)."""

    def __init__(
        self,
        compiled,
        notebook: Path,
        server: local_server.Server | None,
        params: dict[str, Any],
        capture: Path | None = None,
        echo: bool = True,
        cwd: Path | None = None,
    ):
        import threading
        import time

        self.compiled, self.echo = compiled, echo
        work = Path(tempfile.mkdtemp(prefix="etlnb-flow-"))
        # sample values the sample cells compute (`os.environ["DB_URL"]`) are never written to the
        # manifest nor stored by Prefect: the run's process computes them again with the script's
        # sample_parameters(), and the flow run records them masked
        computed = getattr(compiled, "computed", frozenset())
        recompute = sorted(n for n in computed if n in params and params[n] == compiled.sample.get(n))
        manifest = {
            "script": str(compiled.path.resolve()),
            "flow_function": f"{compiled.analysis.flow_name}_flow",
            "parameters": {k: v for k, v in params.items() if k not in recompute},
            "recompute": recompute,
            "cwd": str((cwd or notebook.parent).resolve()),
            "capture": str(capture.resolve()) if capture else None,
            "segments": segments_manifest(compiled.analysis.graph),
            "report": str(work / "report.json"),
        }
        self.report_path = Path(manifest["report"])
        # a set parameter travels as a list, as Prefect sends it; the flow's `set[...]` type restores it
        (work / "manifest.json").write_text(json.dumps(manifest, default=_json_set))
        runs = target_of(compiled)
        command, env = runs.flow_process(compiled, notebook, server.api_url if server else None)
        self.started = time.time()
        self.process = runs.spawn([*command, str(work / "manifest.json")], env)
        self.origins: list[str] = []
        self.output: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        marker = f'File "{self.compiled.path.resolve()}", line '
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            if self.echo:
                sys.stdout.write(line)
            if marker in line:
                number = line.split(marker, 1)[1].split(",", 1)[0]
                found = origin(self.compiled.script, int(number)) if number.isdigit() else None
                if found is not None:
                    self.origins.append(str(found))

    def wait(self) -> FlowRun:
        import time

        returncode = self.process.wait()
        self.reader.join()
        ended = time.time()
        report = json.loads(self.report_path.read_text()) if self.report_path.exists() else {}
        run = FlowRun(
            returncode == 0, returncode, report, self.origins[-1] if self.origins else "", "".join(self.output)
        )
        run.started, run.ended = self.started, ended
        return run

    def stop(self) -> None:
        """The notebook failed first: the flow's result would mean nothing."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.reader.join(timeout=5)


def code_cells(notebook: Path) -> str:
    """The notebook's code cells, as the user counts them (etlnb's capture cells aside)."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
        return f"{sum(c.get('cell_type') == 'code' for c in cells)} code cells"
    except (OSError, ValueError, AttributeError):
        return "its cells"


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

    from etlnb.targets.prefect3.run import task_report

    deadline = time.monotonic() + wait
    with temporary_settings({PREFECT_API_URL: api_url} if api_url else {}):
        while True:
            rows = task_report(flow_run_id)
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
        run.report = report  # the final states, for what reports them on (`etlnb run` to a Jupyter job)
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
    from etlnb.verify import capture

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
    from etlnb.verify.parity import SCRATCH_EXCLUDED

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
    import time

    from etlnb.verify.notebook_run import run_notebook, step_outputs
    from etlnb.verify.parity import (
        ParityReport,
        compare_folders,
        compare_runs,
        explain,
        explanation_sources,
        exploration_files,
        format_report,
        literal_outside_writes,
        merge,
        outside_writes,
        rule,
        scratch_roots,
        tolerance,
        writers_from_witness,
    )

    analysis = compiled.analysis
    build = compiled.path.parent
    capture_root = build / ".capture" / analysis.flow_name
    shutil.rmtree(capture_root, ignore_errors=True)
    nb_dir, flow_dir = scratch_copies(notebook, build / ".parity" / analysis.flow_name)
    steps = step_outputs(analysis.graph)
    executed = build / f"{notebook.stem}.executed.ipynb"
    if echo:
        print(f"running {notebook} on its samples: {code_cells(notebook)} (papermill, in {nb_dir})...", file=sys.stderr)
        print(f"running the compiled flow at the same time (in {flow_dir})...", file=sys.stderr)
    # both at once, each in its own scratch copy: the flow does not wait for the notebook
    flow = FlowProcess(compiled, notebook, server, params, capture_root / "flow", echo=echo, cwd=flow_dir)
    progress = ParityProgress(steps, capture_root, flow) if echo else None
    try:
        notebook_started = time.time()
        # no papermill progress bar: it counts etlnb's hidden capture cells, and piped (%etl_run) it is a line per tick
        # the thread runner passes objects between unmapped steps by reference, as the notebook does
        shared = getattr(compiled.settings, "task_runner", "threads") == "threads"
        nb_run = run_notebook(
            notebook,
            analysis.graph,
            executed,
            capture_root / "notebook",
            pickles=True,
            progress=False,
            cwd=nb_dir,
            shared=shared,
        )
        notebook_ended = time.time()
    except BaseException:
        flow.stop()
        if progress is not None:
            progress.stop()
        raise
    stopped = not nb_run.ok or (nb_run.witness is not None and bool(nb_run.witness.errors))
    if stopped:
        flow.stop()  # the notebook failed first: the flow's result would mean nothing
    run = None if stopped else flow.wait()
    if progress is not None:
        progress.stop()  # once both are done: the flow may well outlast the notebook
    if not nb_run.ok:
        return ParityOutcome(False, f"{nb_run.error}\n(the notebook itself fails on its samples)"), nb_run, None
    witness = nb_run.witness
    on_samples = params == compiled.sample  # only a parity on the samples speaks for the content
    if witness is not None and witness.errors:
        text = "\n".join(e.message for e in witness.errors)
        if on_samples:
            text += "\n" + keep_record(notebook, compiled, False, {"failure": witness.errors[0].message})
        return ParityOutcome(False, text), nb_run, None
    assert run is not None
    timing = {"notebook": [notebook_started, notebook_ended], "flow": [run.started, run.ended]}
    failure = ""
    if not run.ok:
        where = f" ({run.origin})" if run.origin else ""
        tail = "\n".join("    " + ln for ln in run.output.strip().splitlines()[-15:])
        failure = f"{notebook}: the compiled flow failed{where} but the notebook ran\n{tail}"
        if hint := target_of(compiled).failure_hint(compiled, notebook, run.output):
            failure += f"\n  {hint}"
    ignore = parity_ignore(notebook) | set(getattr(compiled.settings, "parity_ignore", ()) or ())
    record = witness.record if witness is not None else {}
    rtol = getattr(compiled.settings, "parity_rtol", None) or 0.0
    with tolerance(rtol), scratch_roots(nb_dir.parent, flow_dir.parent):
        values = compare_runs(steps, capture_root / "notebook", capture_root / "flow", ignore)
        writers, left_out = writers_from_witness(record), exploration_files(record)
        files = compare_folders(notebook.resolve().parent, nb_dir, flow_dir, writers, left_out)
        # folders beside the copy (`../out/x.csv`): each run has its own, compared as the notebook names them
        beside = {p.name for side in (nb_dir.parent, flow_dir.parent) for p in side.iterdir()} - {nb_dir.name}
        extra = [
            compare_folders(
                Path("/nonexistent"), nb_dir.parent / name, flow_dir.parent / name, {}, prefix=f"../{name}/"
            )
            for name in sorted(beside)
        ]
        shared_files = outside_writes(record, nb_dir.parent)
        shared_files += literal_outside_writes(analysis.parsed, shared_files, params)
        shared = ParityReport(mismatches=shared_files)
        report = merge(values, files, *extra, shared)
        sources = explanation_sources(analysis.parsed)
        outside = {c.get("label"): c.get("outside", []) for c in record.get("cells", [])}
        report.mismatches = [explain(m, sources.get(m.label, ""), outside.get(m.label, [])) for m in report.mismatches]
        text = format_report(report, str(notebook), failure)
        compared_with = rule()
    ok = report.ok and run.ok
    if on_samples:
        summary = {
            "failure": text.splitlines()[0] if not ok else "",
            "values_equal": report.compared,
            "files_equal": report.files_compared,
            "mismatches": [f.line(str(notebook)).splitlines()[0] for f in report.mismatches],
            "not_compared": [f"{f.label} {f.name}: {f.detail}" for f in report.not_compared],
            "ignored": [f"{f.label} {f.name}" for f in report.ignored],
            "rule": compared_with,
            "timing": timing,
        }
        text += "\n" + keep_record(notebook, compiled, ok, summary)
    return ParityOutcome(ok, text), nb_run, run


class ParityProgress:
    """Never silent: while the two runs go on, a line every few seconds (when it changed) saying which
    step each has finished and what the notebook runs next, read from what each run has captured."""

    def __init__(self, steps, capture_root: Path, flow: FlowProcess, every: float = 2.0):
        import threading

        self.steps, self.root, self.flow, self.every = steps, capture_root, flow, every
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _finished(self, side: str) -> int:
        return sum((self.root / side / step.key).is_dir() for step in self.steps)

    def line(self) -> str:
        total = len(self.steps)
        notebook = self._finished("notebook")
        next_step = f", now {self.steps[notebook].label}" if notebook < total else ""
        flow = "finished" if self.flow.process.poll() is not None else f"{self._finished('flow')} of {total} steps done"
        return f"parity: notebook {notebook} of {total} steps done{next_step}; flow {flow}"

    def _run(self) -> None:
        said = ""
        while not self.done.wait(self.every):
            line = self.line()
            if line != said:
                print(line, file=sys.stderr, flush=True)
                said = line

    def stop(self) -> None:
        self.done.set()
        self.thread.join(timeout=5)


def keep_record(notebook: Path, compiled, ok: bool, summary: dict[str, Any]) -> str:
    """Write the verification record; the line parity prints about it."""
    from etlnb.verify.record import content_key, short, write

    try:
        path = write(notebook, compiled, ok, summary)
    except OSError as exc:  # the verdict stands; only its record is missing
        return f"    the verification record could not be written ({exc}): deploy will say unverified"
    key = short(content_key(compiled))
    shown = os.path.relpath(path)
    shown = path if shown.startswith("..") else shown
    from etlnb.pipeline import LOCAL_MODULE

    if ok and any(LOCAL_MODULE in d.message for d in compiled.analysis.diagnostics):
        return (
            f"    verified: content {key} (record {shown}); `etlnb deploy` still refuses it: it imports a module"
            " from the notebook's folder (see the warning above)"
        )
    if ok:
        return f"    verified: content {key} (record {shown}); `etlnb deploy` accepts it"
    return f"    not verified: content {key} failed parity; `etlnb deploy` refuses it until parity passes"


def parity_check(notebook: Path, out_dir: Path, server: local_server.Server) -> ParityOutcome:
    """Notebook on samples vs compiled flow on the same parameters, quietly; for the pytest plugin."""
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
