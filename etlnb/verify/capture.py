"""Step-output snapshots, shared by the notebook run (in the kernel) and the flow run.

Standard library only: it is imported inside the analyst's kernel and inside
flow processes. A snapshot is taken right after a cell or task finishes, so a
later in-place change cannot leak into it.

Instances of classes defined in the notebook (the kernel's `__main__`, the
compiled script's module in the flow) cannot be unpickled in etlnb's own
process: the class lives only there. They are pickled as `NotebookObject`
(class name, kind, and their fields or `__dict__`), and notebook classes and
functions themselves as `NotebookRef`, so that both sides compare by value.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
from pathlib import Path
from typing import Any

UNPICKLABLE = ".unpicklable"
NOTEBOOK_MODULES = frozenset({"__main__", "etlnb_flow_under_run"})  # where notebook classes live


class NotebookObject:
    """An instance of a class defined in the notebook, as plain data: class name,
    kind ("dataclass" or "object") and its fields (dataclass) or `__dict__`."""

    def __init__(self, cls: str, kind: str, state: dict[str, Any]) -> None:
        self.cls, self.kind, self.state = cls, kind, state

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NotebookObject):
            return NotImplemented
        return (self.cls, self.kind, self.state) == (other.cls, other.kind, other.state)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.state.items())
        return f"{self.cls}({fields})"


class NotebookRef:
    """A class or function defined in the notebook, by name."""

    def __init__(self, kind: str, name: str) -> None:
        self.kind, self.name = kind, name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NotebookRef) and (self.kind, self.name) == (other.kind, other.name)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<notebook {self.kind} {self.name}>"


def _notebook_object(cls: str, kind: str, state: dict[str, Any]) -> NotebookObject:
    return NotebookObject(cls, kind, state)


def _notebook_ref(kind: str, name: str) -> NotebookRef:
    return NotebookRef(kind, name)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if getattr(obj, "__module__", None) in NOTEBOOK_MODULES and isinstance(obj, type):
            return _notebook_ref, ("class", obj.__name__)
        if kind.__name__ == "function" and getattr(obj, "__module__", None) in NOTEBOOK_MODULES:
            return _notebook_ref, ("function", obj.__name__)
        if getattr(kind, "__module__", None) not in NOTEBOOK_MODULES:
            return NotImplemented
        fields = getattr(kind, "__dataclass_fields__", None)
        if isinstance(fields, dict):
            state = {name: getattr(obj, name, None) for name in fields}
            return _notebook_object, (kind.__name__, "dataclass", state)
        state = dict(vars(obj)) if hasattr(obj, "__dict__") else {}
        for slot in getattr(kind, "__slots__", ()) or ():
            if isinstance(slot, str) and hasattr(obj, slot):
                state[slot] = getattr(obj, slot)
        return _notebook_object, (kind.__name__, "object", state)


def dumps(value: Any) -> tuple[bool, Any]:
    """(True, pickle bytes) with notebook classes as plain data, or (False, why not)."""
    import io

    buffer = io.BytesIO()
    if isinstance(value, io.IOBase) and value.closed:  # `with open(...) as f` leaves `f`: a name, not data
        value = _notebook_ref("closed file", os.path.basename(str(getattr(value, "name", ""))))
    try:
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    except Exception as exc:  # any object may refuse pickling
        return False, f"could not be pickled ({type(exc).__name__}: {_text(exc)})"
    return True, buffer.getvalue()


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:200]
    except Exception:
        return "?"


def describe(value: Any) -> dict[str, Any]:
    """What a person wants to see about a value: type, shape, size. Never raises:
    `len()` and properties of arbitrary objects may (an unfitted forest's `len()` does)."""
    info: dict[str, Any] = {"type": type(value).__name__}
    try:
        shape = getattr(value, "shape", None)
    except Exception:
        shape = None
    if isinstance(shape, tuple) and all(isinstance(n, int) for n in shape):
        info["shape"] = list(shape)
    elif isinstance(value, (list, tuple, dict, set, frozenset)):
        info["len"] = len(value)
    elif not isinstance(value, (str, bytes)):
        try:
            info["len"] = len(value)
        except Exception:
            pass
    try:
        info["bytes"] = _size(value, depth=3)
    except Exception:
        info["bytes"] = 0
    return info


def _size(value: Any, depth: int) -> int:
    """Approximate memory: pandas' deep usage for frames, containers one level at a time."""
    memory_usage = getattr(value, "memory_usage", None)
    if callable(memory_usage):
        try:
            usage = memory_usage(deep=True)
            return int(usage.sum()) if hasattr(usage, "sum") else int(usage)
        except Exception:
            pass
    try:
        nbytes = getattr(value, "nbytes", None)
    except Exception:
        nbytes = None
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
        write(target, name, dumps(value))


def write(target: Path, name: str, dumped: tuple[bool, Any]) -> None:
    """One value's snapshot file: `name.pkl`, or `name.unpicklable` saying why."""
    ok, data = dumped
    (target / f"{name}.pkl").unlink(missing_ok=True)
    (target / f"{name}{UNPICKLABLE}").unlink(missing_ok=True)
    if ok:
        (target / f"{name}.pkl").write_bytes(data)
    else:
        (target / f"{name}{UNPICKLABLE}").write_text(str(data))


def load(folder: str | Path, key: str, name: str) -> tuple[bool, Any]:
    """(True, value), or (False, why it could not be captured)."""
    target = Path(folder) / key
    pkl = target / f"{name}.pkl"
    if pkl.exists():
        try:
            return True, pickle.loads(pkl.read_bytes())
        except Exception as exc:  # e.g. a class that exists only in the run that pickled it
            return False, f"could not be unpickled here ({type(exc).__name__}: {_text(exc)})"
    marker = target / f"{name}{UNPICKLABLE}"
    if marker.exists():
        return False, marker.read_text()
    return False, "was not captured"


def summary(folder: str | Path, key: str) -> dict[str, Any]:
    """The step's `describe` lines, written by `save`."""
    path = Path(folder) / key / "summary.json"
    return json.loads(path.read_text()) if path.exists() else {}
