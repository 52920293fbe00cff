"""Run a compiled `--target prefect1` script's flow with `flow.run()`, snapshotting step outputs.

The Prefect 1 twin of `etlnb.flow_run`: `etlnb run --flow/--parity` starts it with the
Prefect 1 venv's python, as a file (`python .../etlnb/flow_run1.py MANIFEST.json`). That
venv has no etlnb installed and must not see the Prefect 3 venv's packages, so this file
makes `etlnb` a bare namespace over its own folder and imports only the standard-library
modules it needs (`etlnb.capture`, `etlnb.flow_run`): snapshots are pickled under the same
module names etlnb's own process unpickles them with.

Prefect 1 copies a task into the flow when the flow is built, so the wrappers go on the
flow's own task copies (matched by name, the segment key). Step tasks are snapshotted as in
Prefect 3 (the written names as the task function returns, read by a profile hook on its
thread); mapped tasks from the item states `flow.run()` returns, in item order.
"""

from __future__ import annotations

import functools
import json
import os
import pickle
import sys
import traceback
import types
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file in the Prefect 1 venv: etlnb's folder, nothing else
    _package = types.ModuleType("etlnb")
    _package.__path__ = [str(Path(__file__).resolve().parent)]
    sys.modules.setdefault("etlnb", _package)
    sys.path.pop(0)  # the script's own folder (etlnb/) must not shadow the flow's imports

from etlnb import capture
from etlnb.flow_run import _load_module, _Recorder


def _flow_object(module: Any) -> Any:
    from prefect import Flow

    flows = [v for v in vars(module).values() if isinstance(v, Flow)]
    if len(flows) != 1:
        raise SystemExit(f"etlnb: expected one Prefect 1 Flow in {module.__file__}, found {len(flows)}")
    return flows[0]


def _logging_errors(fn):
    """Print a task's traceback to the run's output, so its script lines map to notebook cells
    (Prefect 1 logs only the exception's text)."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except BaseException as exc:
            if not type(exc).__module__.startswith("prefect."):  # not a Prefect signal (SKIP, LOOP, ...)
                traceback.print_exc(file=sys.stdout)
            raise

    return run


def _wrap_item(key: str, fn, items: dict[tuple[str, int], tuple[bool, Any]]):
    """A mapped task: snapshot each item's result as it returns (a later step may change it in
    place, as the notebook's later cells would after its snapshot)."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        import prefect

        result = fn(*args, **kwargs)
        items[(key, prefect.context.get("map_index"))] = capture.dumps(result)
        return result

    return run


def _state_name(state: Any) -> str:
    return type(state).__name__ if state is not None else "NotRun"


def main(manifest_path: str) -> int:
    manifest = json.loads(Path(manifest_path).read_text())
    os.chdir(manifest["cwd"])
    sys.path.insert(0, manifest["cwd"])  # as in Jupyter: modules beside the notebook import
    module = _load_module(Path(manifest["script"]))
    flow = _flow_object(module)
    recorder = _Recorder()
    items: dict[tuple[str, int], tuple[bool, Any]] = {}  # (segment key, map index) -> snapshot
    from prefect import Parameter

    # the step tasks by name (a Parameter may share a step's name; it is never a step)
    by_name = {t.name: t for t in flow.tasks if not isinstance(t, Parameter)}
    capture_to = manifest.get("capture")
    for seg in manifest["segments"]:
        task = by_name.get(seg["key"])
        if task is None:
            continue
        run = task.run
        if capture_to and seg["mapped"]:
            run = _wrap_item(seg["key"], run, items)
        elif capture_to:
            run = recorder.wrap_locals(seg["key"], run, seg["writes"])
        task.run = _logging_errors(run)
    state = flow.run(parameters=manifest["parameters"], run_on_schedule=False)
    results = state.result if isinstance(state.result, dict) else {}
    rows = []
    for task in flow.sorted_tasks():
        rows.append({"task": task.name, "state": _state_name(results.get(task)), "seconds": 0.0})
    ok = state.is_successful()
    report = {"flow_run_id": "", "state": _state_name(state), "ok": ok, "tasks": rows, "prefect1": True}
    if capture_to:
        folder = Path(capture_to)
        missing = (False, "was not captured (the flow did not run this step to the end)")
        for seg in manifest["segments"]:
            task = by_name.get(seg["key"])
            if task is None or not seg["writes"]:
                continue
            if seg["mapped"]:
                mapped = results.get(task)
                count = len(getattr(mapped, "map_states", None) or [])
                parts = [items.get((seg["key"], i), missing) for i in range(count)]
                failed = next((why for good, why in parts if not good), None)
                if mapped is None or not mapped.is_successful() or failed is not None:
                    values = {seg["writes"][0]: (False, failed) if failed else missing}
                else:
                    values = {seg["writes"][0]: capture.dumps([pickle.loads(b) for _, b in parts])}
            elif seg["key"] in recorder.values:
                seen = recorder.values[seg["key"]]
                values = {name: seen.get(name, missing) for name in seg["writes"]}
            else:
                continue
            target = folder / seg["cell_key"]
            target.mkdir(parents=True, exist_ok=True)
            for name, dumped in values.items():
                capture.write(target, name, dumped)
    Path(manifest["report"]).write_text(json.dumps(report))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
