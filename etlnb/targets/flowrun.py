"""What every target's flow process shares: load the script, snapshot what a step task wrote
as it returns, write the snapshots where parity reads them, and make relative sample paths
absolute for runs that do not start in the notebook's folder.

Standard library only: the Prefect 1 runner imports this in a venv that has no etlnb (nor
anything else of etlnb's) installed.
"""

from __future__ import annotations

import functools
import importlib.util
import pickle
import sys
from pathlib import Path
from typing import Any

from etlnb.verify import capture

Snapshot = tuple[bool, Any]  # (True, pickled bytes) or (False, why it was not captured)
MISSING: Snapshot = (False, "was not captured (the flow did not run this step to the end)")


def load_module(script: Path) -> Any:
    """The compiled script as a module (not `__main__`: its flow must not run on import), registered
    in `sys.modules` as the notebook's `__main__` is: pickle and joblib find the notebook's own
    functions and classes by module name (a fork Pool, `joblib.dump` of a notebook-defined class)."""
    spec = importlib.util.spec_from_file_location("etlnb_flow_under_run", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(spec.name, None)
        raise
    return module


class StepSnapshots:
    """Snapshot each step task as it returns: the values of the names its cell writes, read
    from the task function's own frame (locals, or the module's globals for names the task
    declares `global`) by a profile hook on that thread only, so later in-place changes by
    other tasks cannot leak in. Keyed by segment key, whichever way the flow calls the task."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, Snapshot]] = {}  # segment key -> name -> snapshot

    def wrap(self, key: str, fn, names: list[str], relative: dict[str, str] | None = None):
        code = fn.__code__

        @functools.wraps(fn)
        def run(*args, **kwargs):
            seen: dict[str, Snapshot] = {}

            def profile(frame, event, arg):
                if event == "return" and frame.f_code is code:
                    local, glob = frame.f_locals, frame.f_globals
                    for n in names:
                        if n in local:
                            seen[n] = capture.dumps(relative_again(local[n], relative or {}))
                        elif n in glob:
                            seen[n] = capture.dumps(relative_again(glob[n], relative or {}))

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

    def step_values(self, segment: dict[str, Any]) -> dict[str, Snapshot] | None:
        """The snapshot of each name a step segment writes; None when its task never ran."""
        seen = self.values.get(segment["key"])
        if seen is None:
            return None
        return {name: seen.get(name, MISSING) for name in segment["writes"]}


def mapped_snapshot(parts: list[Snapshot]) -> Snapshot:
    """A mapped segment's list from its items' snapshots, in item order (or why not)."""
    failed = next((why for ok, why in parts if not ok), None)
    if failed is not None:
        return (False, failed)
    return capture.dumps([pickle.loads(data) for _, data in parts])


def write_snapshots(folder: Path, segment: dict[str, Any], values: dict[str, Snapshot]) -> None:
    """Per step cell and name, where parity reads the flow's values (the last segment of a
    cell that writes a name wins, as in the notebook)."""
    target = folder / segment["cell_key"]
    target.mkdir(parents=True, exist_ok=True)
    for name, dumped in values.items():
        capture.write(target, name, dumped)


def absolutize(value: Any, folder: Path) -> Any:
    """Relative paths become absolute against `folder`: those that exist there, folders
    (`out/`), and files under a folder (`out/result.json`) that the run will create."""
    if isinstance(value, list):
        return [absolutize(v, folder) for v in value]
    if isinstance(value, dict):
        return {k: absolutize(v, folder) for k, v in value.items()}
    if isinstance(value, str) and value and "://" not in value and not Path(value).is_absolute():
        candidate = folder / value
        a_file_in_a_folder = "/" in value.rstrip("/") and bool(Path(value).suffix)
        if candidate.exists() or value.endswith("/") or a_file_in_a_folder:
            return str(candidate.resolve()) + ("/" if value.endswith("/") else "")
    return value


def relative_again(value: Any, relative: dict[str, str]) -> Any:
    """Values holding a sample path that etlnb made absolute get the notebook's relative path
    back, so parity compares what the notebook had."""
    if not relative:
        return value
    if isinstance(value, str):
        return relative.get(value, value)
    if isinstance(value, list):
        return [relative_again(v, relative) for v in value]
    if isinstance(value, tuple) and type(value) is tuple:
        return tuple(relative_again(v, relative) for v in value)
    if isinstance(value, dict) and type(value) is dict:
        return {k: relative_again(v, relative) for k, v in value.items()}
    return value


def paths_made_absolute(original: Any, absolute: Any, into: dict[str, str]) -> dict[str, str]:
    """absolute path -> the relative sample path it came from."""
    if isinstance(original, list) and isinstance(absolute, list):
        for a, b in zip(original, absolute, strict=True):
            paths_made_absolute(a, b, into)
    elif isinstance(original, dict) and isinstance(absolute, dict):
        for k in original:
            paths_made_absolute(original[k], absolute[k], into)
    elif isinstance(original, str) and original != absolute:
        into[absolute] = original
    return into
