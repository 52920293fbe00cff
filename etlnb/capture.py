"""Step-output snapshots, shared by the notebook run (in the kernel) and the flow run.

Standard library only: it is imported inside the analyst's kernel and inside
flow processes. A snapshot is taken right after a cell or task finishes, so a
later in-place change cannot leak into it.
"""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path
from typing import Any

UNPICKLABLE = ".unpicklable"


def describe(value: Any) -> dict[str, Any]:
    """What a person wants to see about a value: type, shape, size."""
    info: dict[str, Any] = {"type": type(value).__name__}
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple) and all(isinstance(n, int) for n in shape):
        info["shape"] = list(shape)
    elif hasattr(value, "__len__") and not isinstance(value, (str, bytes)):
        try:
            info["len"] = len(value)
        except TypeError:
            pass
    info["bytes"] = _size(value, depth=3)
    return info


def _size(value: Any, depth: int) -> int:
    """Approximate memory: pandas' deep usage for frames, containers one level at a time."""
    memory_usage = getattr(value, "memory_usage", None)
    if callable(memory_usage):
        try:
            usage = memory_usage(deep=True)
            return int(usage.sum()) if hasattr(usage, "sum") else int(usage)
        except (TypeError, ValueError):
            pass
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):
        return nbytes
    size = sys.getsizeof(value)
    if depth > 0 and isinstance(value, (list, tuple, set, frozenset)):
        size += sum(_size(v, depth - 1) for v in value)
    elif depth > 0 and isinstance(value, dict):
        size += sum(_size(k, depth - 1) + _size(v, depth - 1) for k, v in value.items())
    return size


def save(folder: str | Path, key: str, values: dict[str, Any], pickles: bool = True) -> None:
    """Write a summary (always) and pickles (for parity) of one step's outputs."""
    target = Path(folder) / key
    target.mkdir(parents=True, exist_ok=True)
    summary = {name: describe(value) for name, value in values.items()}
    (target / "summary.json").write_text(json.dumps(summary, sort_keys=True))
    if not pickles:
        return
    for name, value in values.items():
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # any object may refuse pickling
            (target / f"{name}{UNPICKLABLE}").write_text(f"could not be pickled ({type(exc).__name__}: {exc})")
            continue
        (target / f"{name}.pkl").write_bytes(data)


def load(folder: str | Path, key: str, name: str) -> tuple[bool, Any]:
    """(True, value), or (False, why it could not be captured)."""
    target = Path(folder) / key
    pkl = target / f"{name}.pkl"
    if pkl.exists():
        return True, pickle.loads(pkl.read_bytes())
    marker = target / f"{name}{UNPICKLABLE}"
    if marker.exists():
        return False, marker.read_text()
    return False, "was not captured"


def summary(folder: str | Path, key: str) -> dict[str, Any]:
    path = Path(folder) / key / "summary.json"
    return json.loads(path.read_text()) if path.exists() else {}
