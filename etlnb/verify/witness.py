"""The witness: what each step cell and exploration cell of a sample run really did.

Two halves. The kernel half (`install`, `before`, `after`; standard library
only at import, pandas/numpy used only when the notebook imported them) runs
inside the analyst's kernel through small cells etlnb inserts around each
step and untagged cell. Per cell it records

- which step-data names changed (a fingerprint of each value before and
  after the cell, see `fingerprint`), and whether the name was rebound,
  changed in place, bound or deleted;
- which files the cell opened for reading or writing, renamed, removed or
  copied, and which SQLite databases and tables it changed (one audit hook,
  `sys.addaudithook`, installed once per kernel and switched on only while an
  observed cell runs);
- whether it changed `os.environ`, the `random` (and numpy's global) random
  state, the working directory, attributes of imported modules or class
  attributes of classes defined in the notebook.

It writes the record as JSON (`version` 1, schema in the README) after each
observed cell. The etlnb half (`finalize`) reads that record, decides which
changes the compiler did not predict (errors naming cell, name and line) and
summarises the rest.

The kernel half must never change the notebook's outcome: every entry point
catches its own exceptions and records them under `internal_errors`.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VERSION = 1
MAX_PATHS = 200  # per cell and kind; the JSON stays small
_CHUNK = 1 << 16  # rows per hash_pandas_object call
_TRANSIENT = ("-journal", "-wal", "-shm")

# ---------------------------------------------------------------- fingerprints


class _HashPickler(pickle.Pickler):
    pass


def fingerprint(value: Any) -> str | None:
    """A digest of `value`'s content, or None when it cannot be fingerprinted.

    pandas objects: column names, dtypes, index and each column's data
    (numeric columns hashed straight from their buffer, others through
    `pandas.util.hash_pandas_object`); numpy arrays: dtype, shape and raw
    bytes; anything else: the bytes of its pickle (protocol 5, large buffers
    hashed out of band). Nothing is copied wholesale. None means "unknown":
    such a value never counts as changed.
    """
    try:
        digest = hashlib.blake2b(digest_size=16)
        module = type(value).__module__ or ""
        if module.startswith("pandas") and _pandas_fingerprint(value, digest):
            return "pd:" + digest.hexdigest()
        if module == "numpy" and type(value).__name__ == "ndarray" and value.dtype.kind != "O":
            digest.update(repr((str(value.dtype), value.shape)).encode())
            _hash_array(value, digest)
            return "np:" + digest.hexdigest()

        class _Writer:
            write = digest.update

        def out_of_band(buffer: pickle.PickleBuffer) -> bool:
            try:
                digest.update(buffer.raw())
                return False
            except BufferError:  # not contiguous: serialise it in band
                return True

        _HashPickler(_Writer(), protocol=5, buffer_callback=out_of_band).dump(value)
        return "pk:" + digest.hexdigest()
    except Exception:  # unpicklable, too deep, or a library's own error: unknown, never "changed"
        return None


def _hash_array(array: Any, digest: Any) -> None:
    """Raw bytes of a numeric array, without copying it (chunks when not contiguous)."""
    import numpy as np

    if array.size == 0:
        return
    if array.flags.c_contiguous:
        digest.update(memoryview(array.reshape(-1).view(np.uint8)))
        return
    rows = max(1, (1 << 22) // max(1, array[0:1].nbytes))
    for start in range(0, array.shape[0], rows):
        digest.update(np.ascontiguousarray(array[start : start + rows]).reshape(-1).view(np.uint8))


def _pandas_fingerprint(value: Any, digest: Any) -> bool:
    pd = sys.modules.get("pandas")
    if pd is None:
        return False
    if isinstance(value, pd.DataFrame):
        digest.update(repr(("DataFrame", list(map(repr, value.columns)), [str(t) for t in value.dtypes])).encode())
        _hash_index(value.index, digest)
        for i in range(value.shape[1]):
            _hash_values(value.iloc[:, i], digest)
        return True
    if isinstance(value, pd.Series):
        digest.update(repr(("Series", repr(value.name), str(value.dtype))).encode())
        _hash_index(value.index, digest)
        _hash_values(value, digest)
        return True
    if isinstance(value, pd.Index):
        _hash_index(value, digest)
        return True
    return False


def _hash_index(index: Any, digest: Any) -> None:
    pd = sys.modules["pandas"]
    if isinstance(index, pd.RangeIndex):
        digest.update(repr(("range", index.start, index.stop, index.step, repr(index.name))).encode())
        return
    digest.update(repr(("index", str(index.dtype), len(index), list(map(repr, index.names)))).encode())
    _hash_values(index, digest)


def _hash_values(values: Any, digest: Any) -> None:
    """One column (Series) or an Index: numeric data from its buffer, else pandas' row hashes."""
    import numpy as np

    pd = sys.modules["pandas"]
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "biufcmM":
        array = values.to_numpy(copy=False)
        if array.ndim == 1:
            _hash_array(array, digest)
            return
    try:
        for start in range(0, len(values), _CHUNK):  # row hashes a chunk at a time: no frame-sized temporaries
            part = values.iloc[start : start + _CHUNK] if hasattr(values, "iloc") else values[start : start + _CHUNK]
            hashed = pd.util.hash_pandas_object(part, index=False)
            _hash_array(np.asarray(hashed), digest)
    except TypeError:  # unhashable cells (lists, dicts): their pickle, or "unknown"
        fp = fingerprint(list(values))
        if fp is None:
            raise
        digest.update(fp.encode())


# ---------------------------------------------------------------- kernel half

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_EVENTS = {
    "open",
    "os.rename",
    "os.remove",
    "os.rmdir",
    "os.truncate",
    "os.link",
    "os.symlink",
    "os.chdir",
    "shutil.copyfile",
    "shutil.copytree",
    "shutil.move",
    "shutil.rmtree",
    "sqlite3.connect",
    "etlnb.native_write",  # raised by _watch_native_writers: files written in native code
}
_recording = False  # the audit hook is permanent; this switches it on while an observed cell runs
_hooked = False
_state: _Kernel | None = None


def _audit(event: str, args: tuple) -> None:
    if not _recording or event not in _EVENTS:
        return
    try:
        if _state is not None:
            _state.on_event(event, args)
    except Exception as exc:  # the analyst's operation must go on untouched
        if _state is not None:
            _state.internal(f"audit hook on {event}: {type(exc).__name__}: {exc}")


@dataclass
class _Snapshot:
    values: dict[str, tuple[int, str | None]]  # name -> (id, fingerprint)
    environ: dict[str, str]
    random_state: Any
    numpy_random: str | None
    modules: dict[str, dict[str, int]]  # module name in the notebook -> attribute -> id
    classes: dict[str, dict[str, str | None]]  # notebook class -> attribute -> fingerprint
    cwd: str
    tree: dict[str, tuple[int, int]] | None = None  # files under the folder -> (size, mtime_ns)


@dataclass
class _Kernel:
    plan: dict[str, Any]
    record: dict[str, Any]
    folder: str
    snapshot: _Snapshot | None = None
    current: dict[str, Any] | None = None
    databases: dict[str, dict[str, Any]] = field(default_factory=dict)  # abs path -> table states
    db_before: dict[str, dict[str, Any]] = field(default_factory=dict)  # this cell's before-states
    noise: tuple[str, ...] = ()
    overhead: float = 0.0

    def internal(self, message: str) -> None:
        errors = self.record.setdefault("internal_errors", [])
        if len(errors) < 50:
            errors.append(message)

    # -- paths
    def where(self, path: Any) -> str | None:
        """Path relative to the run folder (posix), absolute outside it, None for noise and fds."""
        if isinstance(path, int):
            return None
        path = os.fsdecode(os.fspath(path))
        full = os.path.abspath(path)
        if full == self.folder or full.startswith(self.folder + os.sep):
            rel = os.path.relpath(full, self.folder)
            return None if "__pycache__" in rel or "/.ipynb_checkpoints/" in f"/{rel}" else Path(rel).as_posix()
        if full.startswith(self.noise) or full.endswith((".pyc", ".pyo")):
            return None
        return full

    def note(self, kind: str, path: Any) -> None:
        where = self.where(path)
        if where is None or self.current is None:
            return
        paths = self.current["files"][kind]
        if where not in paths and len(paths) < MAX_PATHS:
            paths.append(where)

    # -- events
    def on_event(self, event: str, args: tuple) -> None:
        if self.current is None:
            return
        if event == "open":
            path, mode, flags = (*args, None, None, None)[:3]
            if isinstance(mode, str):
                writes = any(c in mode for c in "wax+")
            else:
                writes = isinstance(flags, int) and bool(flags & _WRITE_FLAGS)
            self.note("written" if writes else "read", path)
        elif event in ("os.rename", "shutil.move"):
            self.note("removed", args[0])
            self.note("written", args[1])
        elif event in ("os.remove", "os.rmdir", "shutil.rmtree"):
            self.note("removed", args[0])
        elif event in ("os.truncate", "etlnb.native_write"):
            self.note("written", args[0])
        elif event in ("os.link", "os.symlink", "shutil.copyfile", "shutil.copytree"):
            self.note("read", args[0])
            self.note("written", args[1])
        elif event == "os.chdir":
            self.current["outside"].add("working directory")
        elif event == "sqlite3.connect":
            self.on_connect(args[0] if args else None)

    def on_connect(self, database: Any) -> None:
        global _recording
        if database is None or isinstance(database, int):
            return
        name = os.fsdecode(os.fspath(database))
        if name.startswith("file:"):
            name = name[5:].split("?", 1)[0]
        if name in ("", ":memory:") or "mode=memory" in str(database):
            return
        full = os.path.abspath(name)
        if self.where(full) is None:
            return
        if full not in self.db_before:
            _recording = False  # our own read below must not be recorded
            try:
                self.db_before[full] = _tables(full)
            finally:
                _recording = True
        self.databases.setdefault(full, {})

    # -- snapshots
    def take(self, ns: dict[str, Any]) -> _Snapshot:
        values = {}
        for name in self.plan["data"]:
            if name in ns:
                value = ns[name]
                values[name] = (id(value), fingerprint(value))
        modules: dict[str, dict[str, int]] = {}
        classes: dict[str, dict[str, str | None]] = {}
        for name, value in list(ns.items()):
            if name.startswith("_"):
                continue
            kind = type(value)
            if kind.__name__ == "module" and not getattr(value, "__name__", "").startswith(("etlnb", "builtins")):
                try:
                    modules[value.__name__] = {k: id(v) for k, v in list(vars(value).items())}
                except Exception:
                    pass
            elif isinstance(value, type) and getattr(value, "__module__", "") == "__main__":
                try:
                    classes[value.__qualname__] = {
                        k: fingerprint(v)
                        for k, v in list(vars(value).items())
                        if not k.startswith("__")
                        and not callable(v)
                        and not isinstance(v, (staticmethod, classmethod, property))
                    }
                except Exception:
                    pass
        return _Snapshot(
            values,
            dict(os.environ),
            _random_state(),
            _numpy_random_state(),
            modules,
            classes,
            os.getcwd(),
            _tree(self.folder),
        )


_TREE_SKIP = {"build", ".etlnb", ".ipynb_checkpoints", ".git", ".venv", "__pycache__"}
MAX_TREE = 5000  # files; a bigger folder is not walked per cell (the audit hook still sees Python opens)


def _tree(folder: str) -> dict[str, tuple[int, int]] | None:
    """Size and mtime of each file under the folder: catches writes the audit hook cannot see
    (pyarrow, SQLite and other C libraries open files without Python's `open`)."""
    found: dict[str, tuple[int, int]] = {}
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in _TREE_SKIP]
        for name in files:
            path = os.path.join(root, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            found[Path(os.path.relpath(path, folder)).as_posix()] = (st.st_size, st.st_mtime_ns)
            if len(found) > MAX_TREE:
                return None
    return found


def _random_state() -> Any:
    random = sys.modules.get("random")
    return random.getstate() if random is not None else None


def _numpy_random_state() -> str | None:
    if "numpy" not in sys.modules:
        return None
    try:
        import numpy as np

        state = np.random.get_state()
        digest = hashlib.blake2b(digest_size=16)
        digest.update(repr((state[0], state[2], state[3], state[4])).encode())
        digest.update(memoryview(state[1]))
        return digest.hexdigest()
    except Exception:
        return None


def _tables(path: str) -> dict[str, Any]:
    """Per table of one SQLite file: row count and a digest of its rows (read-only connection)."""
    import sqlite3
    from urllib.parse import quote

    if not os.path.exists(path):
        return {}
    result: dict[str, Any] = {}
    try:
        with sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=1) as db:
            names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            for table in names:
                digest = hashlib.blake2b(digest_size=16)
                rows = 0
                for row in db.execute(f'SELECT * FROM "{table.replace(chr(34), chr(34) * 2)}"'):
                    digest.update(repr(row).encode())
                    rows += 1
                result[table] = {"rows": rows, "digest": digest.hexdigest()}
        db.close()
    except Exception as exc:  # locked, not a database: say so, don't fail
        return {"?": {"rows": None, "digest": f"unreadable ({type(exc).__name__})"}}
    return result


def _noise_prefixes(folder: str) -> tuple[str, ...]:
    """Where libraries and Jupyter read and write on their own: never reported."""
    home = os.path.expanduser("~")
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, "/proc", "/dev", "/sys", "/etc", "/usr", "/lib", "/run"}
    roots |= {os.path.join(home, d) for d in (".ipython", ".cache", ".config", ".local", ".jupyter", ".matplotlib")}
    for entry in sys.path:
        full = os.path.abspath(entry or ".")
        if entry and not (folder == full or folder.startswith(full + os.sep)):
            roots.add(full)
    for var in ("JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR", "JUPYTER_DATA_DIR"):
        if os.environ.get(var):
            roots.add(os.environ[var])
    return tuple(os.path.abspath(r) + os.sep for r in roots if r)


def install(ns: dict[str, Any], plan: dict[str, Any]) -> None:
    """Set up the witness in this kernel (the audit hook only once per process)."""
    global _hooked, _state
    try:
        folder = os.path.abspath(plan["folder"])
        record = {
            "version": VERSION,
            "notebook": plan["notebook"],
            "folder": folder,
            "complete": False,
            "cells": [],
            "internal_errors": [],
        }
        _state = _Kernel(plan, record, folder, noise=_noise_prefixes(folder))
        if not _hooked:
            sys.addaudithook(_audit)
            _hooked = True
        _write(_state)
    except Exception as exc:
        _state = None
        _last_resort(plan, f"install: {type(exc).__name__}: {exc}")


def before(ns: dict[str, Any], index: int) -> None:
    """Right before observed cell `index` runs: take the before-snapshot, start recording."""
    global _recording
    state = _state
    if state is None:
        return
    started = time.perf_counter()
    try:
        cell = state.plan["cells"][str(index)]
        if not (cell.get("reuse") and state.snapshot is not None):
            state.snapshot = state.take(ns)
        state.db_before = {path: _tables(path) for path in state.databases}
        _watch_native_writers()
        state.current = {
            "index": index,
            "id": cell.get("id"),
            "label": cell["label"],
            "kind": cell["kind"],
            "predicted": cell.get("predicted", []),
            "reads": cell.get("reads", []),
            "shared": cell.get("shared", False),
            "files": {"read": [], "written": [], "removed": []},
            "outside": set(),
        }
        _recording = True
    except Exception as exc:
        state.current = None
        state.internal(f"before cell {index}: {type(exc).__name__}: {exc}")
    state.overhead += time.perf_counter() - started


_NATIVE_WRITERS = ("to_parquet", "to_feather", "to_orc")  # pandas methods whose bytes pyarrow writes natively


def _watch_native_writers() -> None:
    """pyarrow opens and writes files in C++, out of the audit hook's sight: pandas' writers that use
    it say which path they write (an audit event of etlnb's own), once pandas has been imported."""
    pd = sys.modules.get("pandas")
    if pd is None or getattr(pd.DataFrame, "_etlnb_watched", False):
        return
    for name in _NATIVE_WRITERS:
        original = getattr(pd.DataFrame, name, None)
        if original is None:
            continue

        def watched(self, path=None, *args, _original=original, **kwargs):
            if isinstance(path, (str, os.PathLike)):
                sys.audit("etlnb.native_write", path)
            return _original(self, path, *args, **kwargs)

        watched.__wrapped__ = original  # type: ignore[attr-defined]
        watched.__doc__, watched.__name__ = original.__doc__, name
        setattr(pd.DataFrame, name, watched)
    pd.DataFrame._etlnb_watched = True


def after(ns: dict[str, Any], index: int) -> None:
    """Right after observed cell `index`: stop recording, compare, append the cell's record."""
    global _recording
    _recording = False
    state = _state
    if state is None:
        return
    started = time.perf_counter()
    try:
        current, old = state.current, state.snapshot
        state.current = None
        if current is None or old is None or current["index"] != index:
            return
        new = state.take(ns)
        state.snapshot = new
        current["changed"], current["unfingerprintable"] = _changes(old, new)
        if old.tree is not None and new.tree is not None:
            files = current["files"]
            for rel, stat in new.tree.items():
                if old.tree.get(rel) != stat and rel not in files["written"] and not rel.endswith(_TRANSIENT):
                    files["written"].append(rel)
            files["removed"] += [r for r in old.tree if r not in new.tree and r not in files["removed"]]
        outside = current.pop("outside")
        current["environ"] = _environ_changes(old.environ, new.environ)
        if current["environ"]:
            outside.add("os.environ")
        current["random"] = [
            name
            for name, a, b in (
                ("random", old.random_state, new.random_state),
                ("numpy.random", old.numpy_random, new.numpy_random),
            )
            if a is not None and a != b
        ]
        if current["random"]:
            outside.add("random state")
        if old.cwd != new.cwd:
            outside.add("working directory")
        current["module_state"] = _module_changes(old.modules, new.modules, ns)
        current["class_state"] = _class_changes(old.classes, new.classes)
        if current["module_state"]:
            outside.add("module attributes")
        if current["class_state"]:
            outside.add("class attributes")
        current["outside"] = sorted(outside)
        current["sqlite"] = []
        for path in sorted(state.databases):
            before_tables = state.db_before.get(path, {})
            after_tables = _tables(path)
            state.databases[path] = after_tables
            changed = sorted(
                t for t in set(before_tables) | set(after_tables) if before_tables.get(t) != after_tables.get(t)
            )
            if changed:
                current["sqlite"].append(
                    {
                        "database": state.where(path),
                        "tables_written": changed,
                        "rows": {
                            t: [before_tables.get(t, {}).get("rows"), after_tables.get(t, {}).get("rows")]
                            for t in changed
                        },
                    }
                )
        state.db_before = {}
        state.record["cells"].append(current)
    except Exception as exc:
        state.internal(f"after cell {index}: {type(exc).__name__}: {exc}")
    state.overhead += time.perf_counter() - started
    _write(state)


def finish(ns: dict[str, Any]) -> None:
    """The last cell ran: mark the record complete."""
    state = _state
    if state is not None:
        state.record["complete"] = True
        _write(state)


def _changes(old: _Snapshot, new: _Snapshot) -> tuple[list[dict[str, str]], list[str]]:
    changed, unknown = [], []
    for name in sorted(set(old.values) | set(new.values)):
        a, b = old.values.get(name), new.values.get(name)
        if a is None and b is not None:
            changed.append({"name": name, "how": "bound"})
        elif b is None and a is not None:
            changed.append({"name": name, "how": "deleted"})
        elif a is not None and b is not None:
            if a[0] != b[0]:
                if a[1] is None or a[1] != b[1]:
                    changed.append({"name": name, "how": "rebound"})
            elif a[1] is None or b[1] is None:
                unknown.append(name)
            elif a[1] != b[1]:
                changed.append({"name": name, "how": "in place"})
    return changed, unknown


def _environ_changes(old: dict[str, str], new: dict[str, str]) -> dict[str, list[str]]:
    found = {
        "set": sorted(set(new) - set(old)),
        "changed": sorted(k for k in set(new) & set(old) if new[k] != old[k]),
        "removed": sorted(set(old) - set(new)),
    }
    return {k: v for k, v in found.items() if v}


def _module_changes(old: dict[str, dict[str, int]], new: dict[str, dict[str, int]], ns: dict[str, Any]) -> list[str]:
    """Rebound or removed attributes of modules the notebook imported (new attributes too,
    unless they are modules, functions or classes: lazy imports add those on their own)."""
    found = []
    modules = {getattr(v, "__name__", ""): v for v in ns.values() if type(v).__name__ == "module"}
    for module, attrs in old.items():
        now = new.get(module)
        if now is None:
            continue
        for attr in sorted(set(attrs) | set(now)):
            if attr.startswith("__"):
                continue
            if attr not in now or (attr in attrs and attrs[attr] != now[attr]):
                found.append(f"{module}.{attr}")
            elif attr not in attrs:
                value = getattr(modules.get(module), attr, None)
                if not (callable(value) or type(value).__name__ == "module"):
                    found.append(f"{module}.{attr}")
        if len(found) > MAX_PATHS:
            break
    return found[:MAX_PATHS]


def _class_changes(old: dict[str, dict[str, str | None]], new: dict[str, dict[str, str | None]]) -> list[str]:
    found = []
    for cls, attrs in old.items():
        now = new.get(cls, {})
        for attr in sorted(set(attrs) | set(now)):
            a, b = attrs.get(attr), now.get(attr)
            if attr not in now or attr not in attrs or (a is not None and b is not None and a != b):
                found.append(f"{cls}.{attr}")
    return found


def _write(state: _Kernel) -> None:
    global _recording
    was, _recording = _recording, False
    try:
        state.record["witness_seconds"] = round(state.overhead, 4)
        path = Path(state.plan["path"])
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state.record, indent=1, sort_keys=True, default=str), encoding="utf-8")
        os.replace(tmp, path)
    except Exception as exc:
        state.internal(f"writing the record: {type(exc).__name__}: {exc}")
    finally:
        _recording = was


def _last_resort(plan: dict[str, Any], message: str) -> None:
    try:
        Path(plan["path"]).write_text(
            json.dumps({"version": VERSION, "complete": False, "cells": [], "internal_errors": [message]}),
            encoding="utf-8",
        )
    except Exception:
        pass


# ---------------------------------------------------------------- etlnb half


@dataclass
class WitnessError:
    """A change the compiler did not predict; `message` is the one-line report."""

    cell: int
    label: str
    name: str
    line: int | None
    message: str


@dataclass
class WitnessReport:
    path: Path
    record: dict[str, Any]
    errors: list[WitnessError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # outside effects and cross-cell file/table use
    misses: list[str] = field(default_factory=list)  # unpredicted changes the flow passes on anyway: warnings

    @property
    def ok(self) -> bool:
        return not self.errors


def name_line(source: str, name: str) -> int | None:
    """Best guess of the cell line that changed `name`: where it is a call's receiver or
    argument, a loop's iterable, or a subscript/attribute target; else where it first occurs."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        for number, text in enumerate(source.splitlines(), 1):
            if name in text.replace("(", " ").replace(".", " ").replace("[", " ").split():
                return number
        return None
    strong: list[int] = []  # method-call receiver, loop iterable, subscript/attribute target
    passed: list[int] = []  # a call's argument
    weak: list[int] = []  # anywhere
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and _is_name(node.func.value, name):
                strong.append(node.lineno)
            passed += [arg.lineno for arg in [*node.args, *(k.value for k in node.keywords)] if _is_name(arg, name)]
        elif isinstance(node, (ast.For, ast.comprehension)):
            if any(_is_name(n, name) for n in ast.walk(node.iter)):
                strong.append(node.iter.lineno)
        elif isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            if _is_name(node.value, name):
                strong.append(node.lineno)
        elif _is_name(node, name):
            weak.append(node.lineno)
    found = sorted(strong) or sorted(passed) or sorted(weak)
    return found[0] if found else None


def _is_name(node: Any, name: str) -> bool:
    import ast

    return isinstance(node, ast.Name) and node.id == name


def finalize(path: Path, notebook: str, sources: dict[int, str]) -> WitnessReport:
    """Read the kernel's record, add the errors (unpredicted changes) and notes, write it back."""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        report = WitnessReport(Path(path), {"version": VERSION, "cells": [], "internal_errors": []})
        report.notes.append(
            f"etlnb: the witness left no record ({type(exc).__name__}); is etlnb importable in the kernel?"
        )
        return report
    report = WitnessReport(Path(path), record)
    try:
        _analyse(report, notebook, sources)
    except Exception as exc:  # etlnb's own failure: say so, never blame the notebook
        report.notes.append(f"etlnb: internal error while reading the witness record: {type(exc).__name__}: {exc}")
    for message in record.get("internal_errors", []):
        report.notes.append(f"etlnb: internal witness error (not the notebook's): {message}")
    record["errors"] = [
        {"cell": e.cell, "label": e.label, "name": e.name, "line": e.line, "message": e.message} for e in report.errors
    ]
    record["notes"] = report.notes
    record["misses"] = report.misses
    try:
        Path(path).write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
    except OSError:
        pass
    return report


_HOW = {
    "in place": "changed `{name}` in place",
    "rebound": "rebound `{name}`",
    "bound": "bound `{name}`",
    "deleted": "deleted `{name}`",
}


def _read_later(cells: list[dict[str, Any]], position: int, name: str) -> bool:
    """Liveness: whether a step after `position` reads `name` before a step binds it anew. An
    untagged cell's change no later step reads (a plot's `price = df.Price` after the last step)
    is not hidden state: the flow never needs it."""
    for cell in cells[position + 1 :]:
        if cell.get("kind") != "step":
            continue
        if "reads" not in cell or name in cell["reads"]:  # an older record: assume it is read
            return True
        if name in cell.get("predicted", []):
            return False
    return False


def _analyse(report: WitnessReport, notebook: str, sources: dict[int, str]) -> None:
    written_by: dict[str, list[str]] = {}
    tables_by: dict[tuple[str, str], list[str]] = {}
    cells = report.record.get("cells", [])
    for position, cell in enumerate(cells):
        label, index, predicted = cell["label"], cell["index"], set(cell.get("predicted", []))
        for change in cell.get("changed", []):
            name = change["name"]
            if cell["kind"] == "step" and name in predicted:
                continue
            line = name_line(sources.get(index, ""), name)
            where = f"{notebook}: {label}: " + (f"line {line}: " if line else "")
            # the flow's task gets this very object (it reads the name) and later steps get it too; or no
            # later step reads it: either way the flow does not need the change passed on
            if cell["kind"] == "step":
                shared = change["how"] == "in place" and cell.get("shared") and name in cell.get("reads", [])
                why = (
                    "the flow passes it on (this step runs in the flow's process and later steps get the same object)"
                    if shared
                    else "no later step reads it, so the flow does not need the change"
                    if not _read_later(cells, position, name)
                    else ""
                )
                if why:
                    report.misses.append(
                        f"{where}warning: changed `{name}` in place, which etlnb's analysis did not predict; {why}:"
                        " kept in the witness record as a miss of the static analysis, not an error"
                    )
                    continue
            if cell["kind"] != "step" and not _read_later(cells, position, name):
                report.notes.append(
                    f"{label} {_HOW.get(change['how'], 'changed `{name}`').format(name=name)}"
                    ", which no later step reads: the flow does not need it"
                )
                continue
            what = _HOW.get(change["how"], "changed `{name}`").format(name=name)
            if cell["kind"] == "step":
                hint = (
                    "which etlnb's analysis did not see, so the compiled flow would not pass the change on: "
                    f"make it visible by assigning the result (`{name} = ...`); please also report this to etlnb"
                )
            elif change["how"] in ("rebound", "bound", "deleted"):
                hint = (
                    "which a later step reads: an untagged cell that rebinds step data is hidden notebook state"
                    f" the compiled flow never has; tag the cell as a step, or use another name than `{name}`"
                )
            else:
                hint = (
                    "which a later step reads: an untagged cell that changes step data in place is hidden notebook"
                    f" state the compiled flow never has; tag the cell as a step, or work on a copy (`{name}.copy()`)"
                )
            report.errors.append(WitnessError(index, label, name, line, f"{where}{what}, {hint}"))
        files = cell.get("files", {})
        for path in files.get("read", []):
            writers = [w for w in written_by.get(path, []) if w != label]
            if writers:
                report.notes.append(f"{label} reads {path}, written by {', '.join(writers)}: order matters")
        for path in files.get("written", []):
            written_by.setdefault(path, []).append(label)
        for db in cell.get("sqlite", []):
            for table in db.get("tables_written", []):
                tables_by.setdefault((db["database"], table), []).append(label)
        if cell["kind"] != "step":
            continue
        effects = cell.get("outside", [])
        if effects:
            detail = ", ".join(effects)
            if cell.get("environ"):
                detail += " (" + ", ".join(f"{k}: {', '.join(v)}" for k, v in cell["environ"].items()) + ")"
            report.notes.append(f"{label} changed outside state: {detail}")
    for (db, table), labels in tables_by.items():
        if len(labels) > 1:
            report.notes.append(f"table `{table}` in {db} is written by {', '.join(labels)}: order matters")
    for cell in report.record.get("cells", []):
        if cell["kind"] != "step" and cell.get("outside"):
            report.notes.append(f"{cell['label']} (untagged) changed outside state: {', '.join(cell['outside'])}")


def format_summary(report: WitnessReport) -> str:
    """A few lines for `etlnb run --sample/--parity`."""
    cells = report.record.get("cells", [])
    steps = [c for c in cells if c.get("kind") == "step"]
    files = sorted({p for c in cells for p in c.get("files", {}).get("written", [])})
    tables = sorted({f"{d['database']}:{t}" for c in cells for d in c.get("sqlite", []) for t in d["tables_written"]})
    lines = [
        f"witness: {len(steps)} step cells, {len(cells) - len(steps)} untagged cells observed; "
        f"{len(report.errors)} unpredicted change(s); files written: {', '.join(files) or 'none'}; "
        f"tables written: {', '.join(tables) or 'none'} ({report.path.name}, "
        f"{report.record.get('witness_seconds', 0):.2f}s)"
    ]
    lines += [f"  {m}" for m in report.misses]
    lines += [f"  note: {n}" for n in report.notes]
    return "\n".join(lines)
