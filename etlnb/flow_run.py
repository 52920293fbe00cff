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

from etlnb import capture


def _load_module(script: Path):
    spec = importlib.util.spec_from_file_location("etlnb_flow_under_run", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pickled(value: Any) -> tuple[bool, Any]:
    return capture.dumps(value)


class _Recorder:
    """Snapshot each step task as it returns; remember each mapped step's futures in item order.

    A step task's snapshot is the values of the names its cell writes, read from
    the task function's own frame as it returns (locals, or the module's globals
    for names the task declares `global`) by a profile hook on that thread only,
    so later in-place changes by other tasks cannot leak in. It is keyed by the
    segment key, so it does not matter whether the flow calls the task directly
    or through `.submit`. Mapped tasks: each item's returned value, keyed by task
    run id, put in item order through the futures `.map` returned.
    """

    def __init__(self) -> None:
        self.values: dict[str, dict[str, tuple[bool, Any]]] = {}  # segment key -> name -> snapshot
        self.items: dict[str, tuple[bool, Any]] = {}  # task run id -> snapshot (mapped items)
        self.futures: dict[str, list[Any]] = {}  # mapped segment key -> futures, item order

    def wrap_result(self, fn):
        """Mapped tasks: the snapshot is the returned item."""

        @functools.wraps(fn)
        def run(*args, **kwargs):
            from prefect.context import TaskRunContext

            result = fn(*args, **kwargs)
            context = TaskRunContext.get()
            if context is not None:
                self.items[str(context.task_run.id)] = _pickled(result)
            return result

        return run

    def wrap_locals(self, key: str, fn, names: list[str], relative: dict[str, str] | None = None):
        """Step tasks: the snapshot is the step's written names as the function returns."""
        code = fn.__code__

        @functools.wraps(fn)
        def run(*args, **kwargs):
            seen: dict[str, tuple[bool, Any]] = {}

            def profile(frame, event, arg):
                if event == "return" and frame.f_code is code:
                    local, glob = frame.f_locals, frame.f_globals
                    for n in names:
                        if n in local:
                            seen[n] = _pickled(_relative_again(local[n], relative or {}))
                        elif n in glob:
                            seen[n] = _pickled(_relative_again(glob[n], relative or {}))

            previous = sys.getprofile()
            sys.setprofile(profile)
            try:
                result = fn(*args, **kwargs)
            except BaseException:
                seen = {n: (False, "was not captured (the flow's task raised)") for n in names}
                raise
            finally:
                sys.setprofile(previous)
                self.values[key] = seen
            for n in names:
                seen.setdefault(n, (False, "was not among the flow task's variables when it returned"))
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
                    _pickled(_relative_again(future.result(), relative))
                    if state.is_completed()
                    else (False, f"was not captured (the mapped task ended {state.name})")
                )
            return futures

        return record


def _relative_again(value: Any, relative: dict[str, str]) -> Any:
    """Values holding a sample path that etlnb made absolute for Dask workers get the notebook's
    relative path back, so parity compares what the notebook had."""
    if not relative:
        return value
    if isinstance(value, str):
        return relative.get(value, value)
    if isinstance(value, list):
        return [_relative_again(v, relative) for v in value]
    if isinstance(value, tuple) and type(value) is tuple:
        return tuple(_relative_again(v, relative) for v in value)
    if isinstance(value, dict) and type(value) is dict:
        return {k: _relative_again(v, relative) for k, v in value.items()}
    return value


def _paths_made_absolute(original: Any, absolute: Any, into: dict[str, str]) -> dict[str, str]:
    """absolute path -> the relative sample path it came from."""
    if isinstance(original, list) and isinstance(absolute, list):
        for a, b in zip(original, absolute, strict=True):
            _paths_made_absolute(a, b, into)
    elif isinstance(original, dict) and isinstance(absolute, dict):
        for k in original:
            _paths_made_absolute(original[k], absolute[k], into)
    elif isinstance(original, str) and original != absolute:
        into[absolute] = original
    return into


def on_dask(flow: Any) -> bool:
    """Whether the flow's mapped tasks run on prefect-dask's DaskTaskRunner (other processes)."""
    return type(flow.task_runner).__name__ == "DaskTaskRunner"


def _save_outputs(recorder: _Recorder, segments: list[dict[str, Any]], folder: Path) -> None:
    """Per step cell and name, the value from the last segment of the cell that wrote it."""
    missing = (False, "was not captured (the flow did not run this step to the end)")
    for seg in segments:
        if seg["mapped"]:
            futures = recorder.futures.get(seg["key"])
            if futures is None or not seg["writes"]:
                continue
            parts = [recorder.items.get(str(f.task_run_id), missing) for f in futures]
            failed = next((why for ok, why in parts if not ok), None)
            values = {
                seg["writes"][0]: _pickled([pickle.loads(b) for _, b in parts]) if failed is None else (False, failed)
            }
        elif seg["key"] in recorder.values:
            seen = recorder.values[seg["key"]]
            values = {name: seen.get(name, missing) for name in seg["writes"]}
        else:
            continue
        target = folder / seg["cell_key"]
        target.mkdir(parents=True, exist_ok=True)
        for name, dumped in values.items():
            capture.write(target, name, dumped)


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
    sys.path.insert(0, manifest["cwd"])  # as in Jupyter: modules beside the notebook import
    module = _load_module(Path(manifest["script"]))
    flow = getattr(module, manifest["flow_function"])
    parameters = manifest["parameters"]
    relative: dict[str, str] = {}
    remote = on_dask(flow)
    if remote:
        from etlnb.trigger import absolutize

        # Dask workers do not run in this folder: relative sample paths become absolute, as for
        # a deployed run; parity maps them back in what it compares
        absolute = absolutize(parameters, Path.cwd())
        relative = _paths_made_absolute(parameters, absolute, {})
        parameters = absolute
    recorder = _Recorder()
    capture_to = manifest.get("capture")
    if capture_to:
        for seg in manifest["segments"]:
            task = getattr(module, seg["key"], None)
            if task is None or not hasattr(task, "fn"):
                continue
            if seg["mapped"] and remote:
                task.map = recorder.wrap_map_remote(seg["key"], task.map, relative)
            elif seg["mapped"]:
                task.fn = recorder.wrap_result(task.fn)
                task.map = recorder.wrap_map(seg["key"], task.map)
            else:
                task.fn = recorder.wrap_locals(seg["key"], task.fn, seg["writes"], relative)
    state = flow(**parameters, return_state=True)
    flow_run_id = str(state.state_details.flow_run_id)
    report = {"flow_run_id": flow_run_id, "state": state.name, "ok": state.is_completed()}
    try:
        report["tasks"] = _task_report(flow_run_id)
    except Exception as exc:  # the report is a courtesy; the run's result stands
        report["tasks"] = []
        report["report_error"] = f"{type(exc).__name__}: {exc}"
    if capture_to:
        _save_outputs(recorder, manifest["segments"], Path(capture_to))
    Path(manifest["report"]).write_text(json.dumps(report))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
