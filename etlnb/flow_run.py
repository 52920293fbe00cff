"""Run a compiled flow script in this process, optionally snapshotting task outputs.

Used as `python -m etlnb.flow_run MANIFEST.json` in a child process by
`etlnb run --flow/--parity` and the pytest plugin. The manifest says which
script, flow function, parameters, working folder and (for parity) which
task outputs to capture. The script itself stays plain Prefect code: the
capture wraps its task objects from outside.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import pickle
import sys
from pathlib import Path
from typing import Any


def _load_module(script: Path):
    spec = importlib.util.spec_from_file_location("etlnb_flow_under_run", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pickled(value: Any) -> tuple[bool, Any]:
    try:
        return True, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # analyst data may refuse pickling
        return False, f"could not be pickled ({type(exc).__name__}: {exc})"


class _Recorder:
    """Snapshot each task run when it returns; remember each step's futures.

    A task's snapshot is the values of the names its cell writes, read from the
    task function's own frame as it returns (a profile hook on that thread
    only), so later in-place changes by other tasks cannot leak in.
    """

    def __init__(self) -> None:
        self.snapshots: dict[str, Any] = {}  # task run id -> snapshot
        self.futures: dict[str, Any] = {}  # segment key -> future or future list

    def _store(self, snapshot: Any) -> None:
        from prefect.context import TaskRunContext

        context = TaskRunContext.get()
        if context is not None:
            self.snapshots[str(context.task_run.id)] = snapshot

    def wrap_result(self, fn):
        """Mapped tasks: the snapshot is the returned item."""

        @functools.wraps(fn)
        def run(*args, **kwargs):
            result = fn(*args, **kwargs)
            self._store(_pickled(result))
            return result

        return run

    def wrap_locals(self, fn, names: list[str]):
        """Step tasks: the snapshot is the step's written names as the function returns."""
        code = fn.__code__

        @functools.wraps(fn)
        def run(*args, **kwargs):
            seen: dict[str, tuple[bool, Any]] = {}

            def profile(frame, event, arg):
                if event == "return" and frame.f_code is code:
                    local = frame.f_locals
                    seen.update({n: _pickled(local[n]) for n in names if n in local})

            previous = sys.getprofile()
            sys.setprofile(profile)
            try:
                result = fn(*args, **kwargs)
            finally:
                sys.setprofile(previous)
            self._store(seen)
            return result

        return run

    def wrap_submit(self, key: str, submit):
        @functools.wraps(submit)
        def record(*args, **kwargs):
            future = submit(*args, **kwargs)
            self.futures[key] = future
            return future

        return record

    def snapshot_of(self, future, default: Any) -> Any:
        return self.snapshots.get(str(future.task_run_id), default)


def _save_outputs(recorder: _Recorder, segments: list[dict[str, Any]], folder: Path) -> None:
    """Per step cell and name, the value from the last segment of the cell that wrote it."""
    missing = (False, "was not captured (the task did not finish)")
    for seg in segments:
        future = recorder.futures.get(seg["key"])
        if future is None:
            continue
        if seg["mapped"]:
            if not seg["writes"]:
                continue
            parts = [recorder.snapshot_of(f, missing) for f in future]
            failed = next((why for ok, why in parts if not ok), None)
            values = {
                seg["writes"][0]: _pickled([pickle.loads(b) for _, b in parts]) if failed is None else (False, failed)
            }
        else:
            values = recorder.snapshot_of(future, {name: missing for name in seg["writes"]})
        target = folder / seg["cell_key"]
        target.mkdir(parents=True, exist_ok=True)
        for name, (ok, data) in values.items():
            (target / f"{name}.pkl").unlink(missing_ok=True)
            (target / f"{name}.unpicklable").unlink(missing_ok=True)
            if ok:
                (target / f"{name}.pkl").write_bytes(data)
            else:
                (target / f"{name}.unpicklable").write_text(str(data))


def _task_report(flow_run_id: str) -> list[dict[str, Any]]:
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    rows = []
    for run in sorted(runs, key=lambda r: (r.start_time or r.expected_start_time or r.created, r.name)):
        seconds = run.total_run_time.total_seconds() if run.total_run_time else 0.0
        rows.append({"task": run.name, "state": run.state_name or "?", "seconds": round(seconds, 3)})
    return rows


def main(manifest_path: str) -> int:
    manifest = json.loads(Path(manifest_path).read_text())
    os.chdir(manifest["cwd"])
    module = _load_module(Path(manifest["script"]))
    flow = getattr(module, manifest["flow_function"])
    recorder = _Recorder()
    capture = manifest.get("capture")
    if capture:
        for seg in manifest["segments"]:
            task = getattr(module, seg["key"])
            task.fn = recorder.wrap_result(task.fn) if seg["mapped"] else recorder.wrap_locals(task.fn, seg["writes"])
            method = "map" if seg["mapped"] else "submit"
            setattr(task, method, recorder.wrap_submit(seg["key"], getattr(task, method)))
    state = flow(**manifest["parameters"], return_state=True)
    flow_run_id = str(state.state_details.flow_run_id)
    report = {"flow_run_id": flow_run_id, "state": state.name, "ok": state.is_completed()}
    try:
        report["tasks"] = _task_report(flow_run_id)
    except Exception as exc:  # the report is a courtesy; the run's result stands
        report["tasks"] = []
        report["report_error"] = f"{type(exc).__name__}: {exc}"
    if capture:
        _save_outputs(recorder, manifest["segments"], Path(capture))
    Path(manifest["report"]).write_text(json.dumps(report))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
