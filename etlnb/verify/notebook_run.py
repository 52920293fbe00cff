"""Sample runs of the notebook itself: papermill, top to bottom, in its folder.

Small cells (tagged `etlnb-capture`) are inserted around each step and
untagged cell: the witness (etlnb.verify.witness) before and after, and a capture
of what the step produced after it. The executed copy that is kept under
build/ has those cells removed again; `skip` cells and saved `%etl_*` magics
are not run (their source is kept in the executed copy).
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etlnb.analyse.diagnostics import cell_number
from etlnb.analyse.graph import FlowGraph

CAPTURE_TAG = "etlnb-capture"
OWN_KERNEL = "python3"  # the name papermill records; the kernel is always etlnb's own Python


@dataclass
class StepOutputs:
    """The data names one step cell writes, keyed like the capture folders."""

    key: str  # "cell6"
    label: str  # "cell 6 [transform] id=..."
    names: list[str]  # outputs first (what later steps read), then the rest it writes
    outputs: list[str]
    reads: list[str] = field(default_factory=list)  # data names it reads from earlier cells
    mapped: bool = False  # a segment of it fans out (its items may run in other processes)


@dataclass
class NotebookRun:
    ok: bool
    seconds: float
    executed: Path
    error: str = ""  # one line: where and what
    traceback: str = ""
    witness: Any = None  # etlnb.verify.witness.WitnessReport when the witness ran


def step_outputs(graph: FlowGraph) -> list[StepOutputs]:
    """Per step cell, in notebook order: what its segments output, then what else they write."""
    steps: dict[int, StepOutputs] = {}
    for seg in graph.segments:
        index = seg.cell.cell.index
        step = steps.setdefault(index, StepOutputs(f"cell{index}", seg.cell.label, [], []))
        step.outputs += [n for n in seg.outputs if n not in step.outputs]
        step.mapped = step.mapped or seg.map is not None
        step.reads += [n for n in [*seg.inputs, *seg.reads] if n not in step.reads and n not in graph.code_names]
        step.names += sorted(n for n in data_writes(seg, graph) if n not in step.names)
    for step in steps.values():
        step.names = step.outputs + [n for n in step.names if n not in step.outputs]
    return list(steps.values())


def data_writes(seg, graph: FlowGraph) -> set[str]:
    """Data names a segment binds or changes (modules and functions are not data)."""
    return {n for n in seg.writes | seg.mutates if n not in graph.code_names}


ROLE_TAGS = ("parameters", "imports", "functions", "extract", "transform", "load", "validate", "sample", "skip")
SKIPPED = "# etlnb: this cell is tagged `skip`; sample and parity runs do not run it"
MAGIC = re.compile(r"^(\s*)%%?etl_\w*")


_ids = itertools.count()


def _code(source: str) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "id": f"etlnb-{next(_ids)}",
        "metadata": {"tags": [CAPTURE_TAG]},
        "source": source,
        "outputs": [],
        "execution_count": None,
    }


def _guarded(call: str) -> str:
    """An inserted cell: etlnb's own failure must never stop or blame the analyst's notebook."""
    return f"try:\n    {call}\nexcept Exception:\n    pass"


def _roles(cell: dict[str, Any]) -> set[str]:
    tags = (cell.get("metadata") or {}).get("tags") or []
    return {t.lower() for t in tags if isinstance(t, str) and t.lower() in ROLE_TAGS}


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def without_etl_magics(source: str) -> str | None:
    """The source with saved `%etl_*` lines (and `%%etl_*` cells) made inert; None if there are none."""
    lines = source.splitlines()
    if not any(MAGIC.match(ln) for ln in lines):
        return None
    if lines and lines[0].lstrip().startswith("%%etl_"):
        return "# etlnb: a saved %%etl_* cell magic is not run inside sample and parity runs"
    out = []
    for line in lines:
        found = MAGIC.match(line)
        out.append(
            f"{found.group(1)}pass  # etlnb: saved %etl_* magic, not run inside sample and parity runs"
            if found
            else line
        )
    return "\n".join(out)


def witness_plan(
    notebook: dict[str, Any],
    steps: list[StepOutputs],
    data: list[str],
    record: Path,
    folder: Path,
    name: str,
    shared: bool = False,
) -> dict[str, Any]:
    """What the kernel half of the witness needs: which cells it observes and the step data names.
    `shared`: the flow runs its steps in one process, passing objects by reference (thread runner),
    so an unmapped step's in-place change reaches later steps there too."""
    by_index = {int(s.key[4:]): s for s in steps}
    cells: dict[str, dict[str, Any]] = {}
    previous_observed = False
    for index, cell in enumerate(notebook["cells"]):
        if cell.get("cell_type") != "code":
            continue
        roles = _roles(cell)
        ident = cell.get("id") if isinstance(cell.get("id"), str) else None
        if index in by_index:
            step = by_index[index]
            entry = {"label": step.label, "kind": "step", "predicted": list(step.names), "reads": list(step.reads)}
            entry["shared"] = shared and not step.mapped
        elif not roles:
            label = f"cell {cell_number(index)} [untagged]" + (f" id={ident}" if ident else "")
            entry = {"label": label, "kind": "untagged"}
        else:
            previous_observed = "skip" in roles and previous_observed  # a skipped cell runs nothing
            continue
        entry.update(id=ident, reuse=previous_observed)
        cells[str(index)] = entry
        previous_observed = True
    return {"path": str(record), "folder": str(folder), "notebook": name, "data": data, "cells": cells}


def instrumented(
    notebook: dict[str, Any],
    steps: list[StepOutputs],
    folder: Path,
    pickles: bool,
    plan: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[int]]:
    """A copy ready for papermill, and each new cell's original index.

    Step and untagged cells get witness cells around them (when `plan` is given)
    and step cells a capture cell after them; `skip` cells and saved `%etl_*`
    magics are made inert (the executed copy gets their source back).
    """
    by_index = {int(s.key[4:]): s for s in steps}
    observed = (plan or {}).get("cells", {})
    cells: list[dict[str, Any]] = []
    origin: list[int] = []
    if plan is not None:
        cells.append(_code(_guarded(f"__import__('etlnb.verify.witness').verify.witness.install(globals(), {plan!r})")))
        origin.append(0)
    for index, cell in enumerate(notebook["cells"]):
        if cell.get("cell_type") == "code":
            original = _source(cell)
            inert = SKIPPED if "skip" in _roles(cell) else without_etl_magics(original)
            if inert is not None:
                meta = dict(cell.get("metadata") or {})
                meta["etlnb_original_source"] = original
                cell = dict(cell, source=inert, metadata=meta)
        watched = str(index) in observed
        if watched:
            cells.append(
                _code(_guarded(f"__import__('etlnb.verify.witness').verify.witness.before(globals(), {index})"))
            )
            origin.append(index)
        cells.append(cell)
        origin.append(index)
        after = []
        if watched:
            after.append(f"__import__('etlnb.verify.witness').verify.witness.after(globals(), {index})")
        if index in by_index:
            step = by_index[index]
            after.append(
                "__import__('etlnb.verify.capture').verify.capture.save("
                f"{str(folder)!r}, {step.key!r}, "
                f"{{n: v for n, v in globals().items() if n in {step.names!r}}}, pickles={pickles!r})"
            )
        if after:
            cells.append(_code("\n".join(_guarded(call) for call in after)))
            origin.append(index)
    if plan is not None:
        cells.append(_code(_guarded("__import__('etlnb.verify.witness').verify.witness.finish(globals())")))
        origin.append(len(notebook["cells"]) - 1)
    return dict(notebook, cells=_merged(cells)), [o for o, c in zip(origin, cells, strict=True) if c is not None]


def _merged(cells: list[dict[str, Any] | None]) -> list[dict[str, Any]]:
    """Adjacent inserted cells become one (each cell costs a kernel round trip and a papermill save).
    Merged-away cells are set to None in `cells` so that the caller can drop their origins."""
    out: list[dict[str, Any]] = []
    for i, cell in enumerate(cells):
        assert cell is not None
        ours = CAPTURE_TAG in cell["metadata"].get("tags", [])
        if ours and out and CAPTURE_TAG in out[-1]["metadata"].get("tags", []):
            out[-1] = dict(out[-1], source=out[-1]["source"] + "\n" + cell["source"])
            cells[i] = None
        else:
            out.append(cell)
    return out


def data_names(graph: FlowGraph, steps: list[StepOutputs]) -> list[str]:
    """Step data: the flow parameters and every name a step cell writes."""
    names: list[str] = []
    for param in getattr(graph, "params", []) or []:
        name = getattr(param, "name", None)
        if isinstance(name, str) and name not in names:
            names.append(name)
    for step in steps:
        names += [n for n in step.names if n not in names]
    return names


def run_notebook(
    path: Path,
    graph: FlowGraph,
    executed: Path,
    capture: Path,
    pickles: bool = False,
    progress: bool = True,
    cwd: Path | None = None,
    witness: bool = True,
    shared: bool = False,
) -> NotebookRun:
    """Execute the notebook with papermill in its folder (or `cwd`, a scratch copy of it),
    capturing step outputs and, with `witness`, what each cell really did. `shared`: the flow
    passes objects between unmapped steps by reference (see witness_plan)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from etlnb.verify import witness as witness_mod

    notebook = json.loads(path.read_text(encoding="utf-8"))
    steps = step_outputs(graph)
    folder = (cwd or path.parent).resolve()
    record = witness_path(executed.resolve())
    record.unlink(missing_ok=True)
    plan = (
        witness_plan(notebook, steps, data_names(graph, steps), record, folder, str(path), shared) if witness else None
    )
    prepared, origin = instrumented(notebook, steps, capture.resolve(), pickles, plan)
    executed.parent.mkdir(parents=True, exist_ok=True)
    source = executed.with_suffix(".input.ipynb")
    source.write_text(json.dumps(prepared), encoding="utf-8")
    started = time.perf_counter()
    try:
        with _QuietKernelLogs():
            papermill.execute_notebook(
                str(source),
                str(executed),
                cwd=str(folder),
                kernel_name=OWN_KERNEL,
                kernel_manager_class=own_python_kernel_manager(),
                progress_bar=progress,
                log_output=False,
            )
        result = NotebookRun(True, time.perf_counter() - started, executed)
    except PapermillExecutionError as exc:
        index = origin[exc.cell_index] if 0 <= exc.cell_index < len(origin) else exc.cell_index
        cell = notebook["cells"][index] if 0 <= index < len(notebook["cells"]) else {}
        ident = f" (id={cell['id']})" if isinstance(cell.get("id"), str) else ""
        line = _error_line(exc.traceback)
        where = f"cell {cell_number(index)}{ident}" + (f" line {line}" if line else "")
        result = NotebookRun(
            False,
            time.perf_counter() - started,
            executed,
            f"{path}: {where}: {exc.ename}: {exc.evalue}",
            "\n".join(exc.traceback),
        )
    finally:
        source.unlink(missing_ok=True)
    _strip_capture_cells(executed)
    if witness:
        sources = {i: _source(c) for i, c in enumerate(notebook["cells"])}
        result.witness = witness_mod.finalize(record, str(path), sources)
    return result


def own_python_kernel_manager() -> type:
    """A jupyter_client KernelManager that starts ipykernel with etlnb's own interpreter
    (sys.executable), whatever kernel name the notebook carries and whichever kernel
    specs this machine has: sample and parity runs run in etlnb's environment."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import KernelManager

    class OwnPythonKernelManager(KernelManager):
        @property
        def kernel_spec(self) -> KernelSpec:
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(
                    # the kernel's TCP-without-encryption warning is noise in a local run's output
                    argv=[
                        sys.executable,
                        "-m",
                        "ipykernel_launcher",
                        "--IPKernelApp.log_level=ERROR",
                        "-f",
                        "{connection_file}",
                    ],
                    display_name="Python 3 (etlnb)",
                    language="python",
                    resource_dir="",
                )
            return self._kernel_spec

    return OwnPythonKernelManager


def witness_path(executed: Path) -> Path:
    """`<executed notebook stem>.witness.json`, next to the executed notebook."""
    return executed.with_name(executed.stem + ".witness.json")


class _QuietKernelLogs:
    """While papermill runs, kernel-channel chatter (zmq/tornado callbacks logging
    tracebacks when a failed kernel shuts down) stays out of the user's terminal;
    the failure itself is reported from papermill's exception."""

    NAMES = ("tornado", "tornado.general", "tornado.application", "asyncio", "traitlets", "papermill", "zmq")

    def __enter__(self) -> None:
        import logging

        self.saved = {}
        for name in self.NAMES:
            logger = logging.getLogger(name)
            self.saved[name] = (logger.level, logger.propagate)
            logger.setLevel(logging.CRITICAL)
            logger.propagate = False

    def __exit__(self, *exc: object) -> None:
        import logging

        # tornado/zmq callbacks of the shut-down kernel can still fire later: those stay quiet
        for name, (level, propagate) in self.saved.items():
            if name.startswith(("tornado", "zmq")):
                continue
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.propagate = propagate


def _error_line(traceback: list[str]) -> int | None:
    """The cell line from IPython's coloured traceback (`----> 3 ...` or `Cell In[2], line 3`)."""
    import re

    plain = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(traceback))
    found = re.findall(r"Cell In\[\d+\], line (\d+)", plain)
    return int(found[0]) if found else None  # the first frame is the cell that ran


def _strip_capture_cells(executed: Path) -> None:
    if not executed.exists():
        return
    notebook = json.loads(executed.read_text(encoding="utf-8"))
    notebook["cells"] = [c for c in notebook["cells"] if CAPTURE_TAG not in c.get("metadata", {}).get("tags", [])]
    for cell in notebook["cells"]:
        original = (cell.get("metadata") or {}).pop("etlnb_original_source", None)
        if isinstance(original, str):  # a skip cell or saved magic: shown as written, marked not run
            cell["source"] = original
            cell.setdefault("metadata", {}).setdefault("etlnb", {})["not_run_by_sample_runs"] = True
    executed.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
