"""Run a compiled `--target prefect1` script's flow with `flow.run()`, snapshotting step outputs.

The Prefect 1 twin of `etlnb.targets.prefect3.run`: `etlnb run --flow/--parity` starts it with the
Prefect 1 venv's python, as a file (`python .../etlnb/targets/prefect1/run.py MANIFEST.json`).
That venv has no etlnb installed and must not see the Prefect 3 venv's packages, so this file
makes `etlnb` a bare namespace over its package folder and imports only the standard-library
modules it needs (`etlnb.targets.flowrun`, `etlnb.verify.capture`): snapshots are pickled under
the same module names etlnb's own process unpickles them with.

Prefect 1 copies a task into the flow when the flow is built, so the wrappers go on the
flow's own task copies (matched by name, the segment key). Step tasks are snapshotted as in
Prefect 3 (the written names as the task function returns, read by a profile hook on its
thread); mapped tasks from the item states `flow.run()` returns, in item order.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
import types
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file in the Prefect 1 venv: etlnb's folder, nothing else
    _package = types.ModuleType("etlnb")
    _package.__path__ = [str(Path(__file__).resolve().parents[2])]
    sys.modules.setdefault("etlnb", _package)
    sys.path.pop(0)  # the script's own folder must not shadow the flow's imports

from etlnb.targets.flowrun import MISSING, StepSnapshots, load_module, mapped_snapshot, write_snapshots
from etlnb.verify import capture


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
    module = load_module(Path(manifest["script"]))
    flow = _flow_object(module)
    steps = StepSnapshots()
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
            run = steps.wrap(seg["key"], run, seg["writes"])
        task.run = _logging_errors(run)
    parameters = dict(manifest["parameters"])
    recompute = manifest.get("recompute") or []
    if recompute:  # computed sample values never travel in the manifest: the sample cells' code, run here
        fresh = module.sample_parameters()
        parameters.update({name: fresh[name] for name in recompute})
    state = flow.run(parameters=parameters, run_on_schedule=False)
    results = state.result if isinstance(state.result, dict) else {}
    rows = []
    for task in flow.sorted_tasks():
        rows.append({"task": task.name, "state": _state_name(results.get(task)), "seconds": 0.0})
    ok = state.is_successful()
    report = {"flow_run_id": "", "state": _state_name(state), "ok": ok, "tasks": rows, "prefect1": True}
    if capture_to:
        for seg in manifest["segments"]:
            task = by_name.get(seg["key"])
            if task is None or not seg["writes"]:
                continue
            if seg["mapped"]:
                mapped = results.get(task)
                count = len(getattr(mapped, "map_states", None) or [])
                value = mapped_snapshot([items.get((seg["key"], i), MISSING) for i in range(count)])
                if mapped is None or not mapped.is_successful():
                    value = value if not value[0] else MISSING
                values = {seg["writes"][0]: value}
            else:
                values = steps.step_values(seg)
            if values is not None:
                write_snapshots(Path(capture_to), seg, values)
    Path(manifest["report"]).write_text(json.dumps(report))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
