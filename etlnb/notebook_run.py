"""Sample runs of the notebook itself: papermill, top to bottom, in its folder.

A small capture cell (tagged `etlnb-capture`) is inserted after each step
cell; it records what the step produced. The executed copy that is kept
under build/ has those cells removed again.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etlnb.graph import FlowGraph

CAPTURE_TAG = "etlnb-capture"


@dataclass
class StepOutputs:
    """The data names one step cell writes, keyed like the capture folders."""

    key: str  # "cell6"
    label: str  # "cell 6 [transform] id=..."
    names: list[str]  # outputs first (what later steps read), then the rest it writes
    outputs: list[str]


@dataclass
class NotebookRun:
    ok: bool
    seconds: float
    executed: Path
    error: str = ""  # one line: where and what
    traceback: str = ""


def step_outputs(graph: FlowGraph) -> list[StepOutputs]:
    """Per step cell, in notebook order: what its segments output, then what else they write."""
    steps: dict[int, StepOutputs] = {}
    for seg in graph.segments:
        index = seg.cell.cell.index
        step = steps.setdefault(index, StepOutputs(f"cell{index}", seg.cell.label, [], []))
        step.outputs += [n for n in seg.outputs if n not in step.outputs]
        step.names += sorted(n for n in data_writes(seg, graph) if n not in step.names)
    for step in steps.values():
        step.names = step.outputs + [n for n in step.names if n not in step.outputs]
    return list(steps.values())


def data_writes(seg, graph: FlowGraph) -> set[str]:
    """Data names a segment binds or changes (modules and functions are not data)."""
    return {n for n in seg.writes | seg.mutates if n not in graph.code_names}


def _capture_cell(folder: Path, step: StepOutputs, pickles: bool) -> dict[str, Any]:
    source = (
        "__import__('etlnb.capture').capture.save("
        f"{str(folder)!r}, {step.key!r}, "
        f"{{n: v for n, v in globals().items() if n in {step.names!r}}}, pickles={pickles!r})"
    )
    return {
        "cell_type": "code",
        "id": f"etlnb-capture-{step.key}",
        "metadata": {"tags": [CAPTURE_TAG]},
        "source": source,
        "outputs": [],
        "execution_count": None,
    }


def instrumented(
    notebook: dict[str, Any], steps: list[StepOutputs], folder: Path, pickles: bool
) -> tuple[dict[str, Any], list[int]]:
    """A copy with capture cells after step cells, and each new cell's original index."""
    by_index = {int(s.key[4:]): s for s in steps}
    cells: list[dict[str, Any]] = []
    origin: list[int] = []
    for index, cell in enumerate(notebook["cells"]):
        cells.append(cell)
        origin.append(index)
        if index in by_index:
            cells.append(_capture_cell(folder, by_index[index], pickles))
            origin.append(index)
    return dict(notebook, cells=cells), origin


def run_notebook(
    path: Path, graph: FlowGraph, executed: Path, capture: Path, pickles: bool = False, progress: bool = True
) -> NotebookRun:
    """Execute the notebook with papermill in its own folder, capturing step outputs."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    notebook = json.loads(path.read_text(encoding="utf-8"))
    steps = step_outputs(graph)
    prepared, origin = instrumented(notebook, steps, capture.resolve(), pickles)
    executed.parent.mkdir(parents=True, exist_ok=True)
    source = executed.with_suffix(".input.ipynb")
    source.write_text(json.dumps(prepared), encoding="utf-8")
    kernel = notebook.get("metadata", {}).get("kernelspec", {}).get("name") or "python3"
    started = time.perf_counter()
    try:
        with _QuietKernelLogs():
            papermill.execute_notebook(
                str(source),
                str(executed),
                cwd=str(path.resolve().parent),
                kernel_name=kernel,
                progress_bar=progress,
                log_output=False,
            )
        result = NotebookRun(True, time.perf_counter() - started, executed)
    except PapermillExecutionError as exc:
        index = origin[exc.cell_index] if 0 <= exc.cell_index < len(origin) else exc.cell_index
        cell = notebook["cells"][index] if 0 <= index < len(notebook["cells"]) else {}
        ident = f" (id={cell['id']})" if isinstance(cell.get("id"), str) else ""
        line = _error_line(exc.traceback)
        where = f"cell {index}{ident}" + (f" line {line}" if line else "")
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
    return result


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
    executed.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
