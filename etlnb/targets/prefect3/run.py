"""Run a compiled flow script in this process, optionally snapshotting task outputs.

Used as `python -m etlnb.targets.prefect3.run MANIFEST.json` in a child process by
`etlnb run --flow/--parity` and the pytest plugin. The manifest says which
script, flow function, parameters, working folder and (for parity) which
task outputs to capture. The script itself stays plain Prefect code: the
capture wraps its task objects from outside.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Any

from etlnb.targets.flowrun import (
    MISSING,
    Snapshot,
    StepSnapshots,
    absolutize,
    load_module,
    mapped_snapshot,
    paths_made_absolute,
    relative_again,
    write_snapshots,
)
from etlnb.verify import capture

MASKED = "<computed by the sample cells: not stored>"


def mask_parameters(flow: Any, names: set[str]) -> None:
    """The flow run Prefect creates records NAMES masked (its API serves run parameters to anyone
    who can read the server); the flow function still gets the real values in this process."""
    serialize = flow.serialize_parameters

    def masked(parameters: dict[str, Any]) -> dict[str, Any]:
        return {k: (MASKED if k in names else v) for k, v in serialize(parameters).items()}

    flow.serialize_parameters = masked


class MappedItems:
    """Each mapped item's returned value, keyed by task run id, put in item order through the
    futures `.map` returned (step tasks: `flowrun.StepSnapshots`)."""

    def __init__(self) -> None:
        self.items: dict[str, Snapshot] = {}  # task run id -> snapshot
        self.futures: dict[str, list[Any]] = {}  # mapped segment key -> futures, item order

    def wrap_result(self, fn):
        """The snapshot is the returned item, taken as the task returns."""

        @functools.wraps(fn)
        def run(*args, **kwargs):
            from prefect.context import TaskRunContext

            result = fn(*args, **kwargs)
            context = TaskRunContext.get()
            if context is not None:
                self.items[str(context.task_run.id)] = capture.dumps(result)
            return result

        return run

    def wrap_map(self, key: str, method):
        @functools.wraps(method)
        def record(*args, **kwargs):
            futures = method(*args, **kwargs)
            self.futures[key] = list(futures)
            return futures

        return record

    def wrap_map_remote(self, key: str, method, relative: dict[str, str]):
        """Mapped tasks on Dask run in other processes, where a wrapper could not record: each
        item's value is the result its worker sent back, read as soon as all items are done
        (the flow waits for them right after `.map` anyway), before any later step runs."""

        @functools.wraps(method)
        def record(*args, **kwargs):
            futures = method(*args, **kwargs)
            futures.wait()
            self.futures[key] = list(futures)
            for future in futures:
                state = future.state
                self.items[str(future.task_run_id)] = (
                    capture.dumps(relative_again(future.result(), relative))
                    if state.is_completed()
                    else (False, f"was not captured (the mapped task ended {state.name})")
                )
            return futures

        return record

    def segment_value(self, segment: dict[str, Any]) -> Snapshot | None:
        futures = self.futures.get(segment["key"])
        if futures is None:
            return None
        return mapped_snapshot([self.items.get(str(f.task_run_id), MISSING) for f in futures])


def on_dask(flow: Any) -> bool:
    """Whether the flow's mapped tasks run on prefect-dask's DaskTaskRunner (other processes)."""
    return type(flow.task_runner).__name__ == "DaskTaskRunner"


def _save_outputs(steps: StepSnapshots, mapped: MappedItems, segments: list[dict[str, Any]], folder: Path) -> None:
    for seg in segments:
        if seg["mapped"]:
            value = mapped.segment_value(seg) if seg["writes"] else None
            values = None if value is None else {seg["writes"][0]: value}
        else:
            values = steps.step_values(seg)
        if values is not None:
            write_snapshots(folder, seg, values)


def task_report(flow_run_id: str) -> list[dict[str, Any]]:
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    rows = []
    for run in sorted(runs, key=lambda r: (r.start_time or r.expected_start_time or r.created, r.name)):
        seconds = run.total_run_time.total_seconds() if run.total_run_time else 0.0
        rows.append({"task": run.name, "state": run.state_name or "?", "seconds": round(seconds, 3)})
    return rows


def isolate_prefect_jitter() -> None:
    """Prefect's task engine draws its polling jitter (`clamped_poisson_interval`) from the global
    `random` while a task run waits in Pending, as often as the server's answers make it wait. A
    notebook that seeds `random` in one step and draws in a later one would then draw other numbers
    in a run where the server was slow: nondeterminism parity cannot judge. Here Prefect draws from a
    generator of its own. (A deployed flow still shares the global one: the compiler's to fix.)"""
    import random

    import prefect.utilities.math

    prefect.utilities.math.random = random.Random()  # type: ignore[attr-defined]


def main(manifest_path: str) -> int:
    manifest = json.loads(Path(manifest_path).read_text())
    os.chdir(manifest["cwd"])
    sys.path.insert(0, manifest["cwd"])  # as in Jupyter: modules beside the notebook import
    isolate_prefect_jitter()
    module = load_module(Path(manifest["script"]))
    flow = getattr(module, manifest["flow_function"])
    parameters = manifest["parameters"]
    recompute = manifest.get("recompute") or []
    if recompute:
        fresh = module.sample_parameters()  # the sample cells' code, run here as the notebook ran it
        parameters = {**parameters, **{name: fresh[name] for name in recompute}}
        mask_parameters(flow, set(recompute))
    relative: dict[str, str] = {}
    remote = on_dask(flow)
    if remote:
        # Dask workers do not run in this folder: relative sample paths become absolute, as for
        # a deployed run; parity maps them back in what it compares
        absolute = absolutize(parameters, Path.cwd())
        relative = paths_made_absolute(parameters, absolute, {})
        parameters = absolute
    steps, mapped = StepSnapshots(), MappedItems()
    capture_to = manifest.get("capture")
    if capture_to:
        for seg in manifest["segments"]:
            task = getattr(module, seg["key"], None)
            if task is None or not hasattr(task, "fn"):
                continue
            if seg["mapped"] and remote:
                task.map = mapped.wrap_map_remote(seg["key"], task.map, relative)
            elif seg["mapped"]:
                task.fn = mapped.wrap_result(task.fn)
                task.map = mapped.wrap_map(seg["key"], task.map)
            else:
                task.fn = steps.wrap(seg["key"], task.fn, seg["writes"], relative)
    state = flow(**parameters, return_state=True)
    flow_run_id = str(state.state_details.flow_run_id)
    report = {"flow_run_id": flow_run_id, "state": state.name, "ok": state.is_completed()}
    try:
        report["tasks"] = task_report(flow_run_id)
    except Exception as exc:  # the report is a courtesy; the run's result stands
        report["tasks"] = []
        report["report_error"] = f"{type(exc).__name__}: {exc}"
    if capture_to:
        _save_outputs(steps, mapped, manifest["segments"], Path(capture_to))
    Path(manifest["report"]).write_text(json.dumps(report))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
