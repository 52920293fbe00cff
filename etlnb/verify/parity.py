"""Compare the notebook run with the flow run: step values, written files, SQLite tables.

Rules (also in the README):

- Exact by default: the same code on the same data gives the same bits. A
  relative tolerance only when the notebook asks for it (`parity_rtol` in
  `metadata.etlnb` or `[tool.etlnb]`); the report says which rule it used.
- Missing is missing: NaN, NaT, `pd.NA` and None equal themselves wherever they
  sit (object arrays, tuples, frames, dicts).
- pandas DataFrames, Series and Index with pandas' testing helpers: same
  columns and order, dtypes, index and row order, values; a value difference
  names the first differing cells (row, column, both values) and how many differ.
- numpy arrays by shape, dtype and values; object arrays item by item.
- lists and tuples item by item, dicts key by key (key order aside), with the
  same rules; a difference names the first differing item or key and both
  values. Other values need the same type (1 != 1.0).
- instances of classes defined in the notebook (captured as plain data, see
  etlnb.verify.capture) by class name and fields / `__dict__`.
- scikit-learn estimators by `get_params()` and their fitted attributes
  (public names ending in `_`); their internal objects by their pickled state.
- matplotlib objects are display, not data: not compared.
- anything whose `==` is identity (`type(x).__eq__ is object.__eq__`) is "not
  compared", with the reason: never equal and never different.
- names in the notebook's `metadata.etlnb.parity_ignore` are skipped and listed.

Every difference is reported, not only the first.
"""

from __future__ import annotations

import contextvars
import math
import os
import re
import reprlib
import sqlite3
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etlnb.verify import capture
from etlnb.verify.notebook_run import StepOutputs

EQUAL, DIFFERENT, NOT_COMPARED = "equal", "different", "not compared"

# The relative tolerance of this comparison (0: exact). One rule for a whole parity run, read by
# every nested comparison: a context variable rather than a parameter through each recursive helper.
_RTOL: contextvars.ContextVar[float] = contextvars.ContextVar("parity_rtol", default=0.0)


@contextmanager
def tolerance(rtol: float):
    """Compare floats within `rtol` (relative) inside this block; 0 is exact."""
    token = _RTOL.set(float(rtol or 0.0))
    try:
        yield
    finally:
        _RTOL.reset(token)


# Each run's scratch root (notebook side, flow side): a path that differs only by it is the same path.
_ROOTS: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("parity_roots", default=None)


@contextmanager
def scratch_roots(notebook_root: Path, flow_root: Path):
    """Inside this block, text that differs only by each run's scratch root compares equal."""
    token = _ROOTS.set((str(notebook_root.resolve()), str(flow_root.resolve())))
    try:
        yield
    finally:
        _ROOTS.reset(token)


def _same_but_root(e: str, a: str) -> bool:
    """Equal but for each run's scratch root, or the random name of a temporary file or folder."""
    roots = _ROOTS.get()
    if roots is not None:
        e, a = e.replace(roots[0], "\0ROOT"), a.replace(roots[1], "\0ROOT")
    if e == a:
        return True
    return _TEMP_NAME.sub("\0TMP", e) == _TEMP_NAME.sub("\0TMP", a)


def rule() -> str:
    """The comparison rule in force, as the report prints it."""
    rtol = _RTOL.get()
    return f"floats within rtol {rtol:g}" if rtol else "exact"


SCRATCH_EXCLUDED = {"build", ".etlnb", ".ipynb_checkpoints", ".git", ".venv", "__pycache__"}
_TRANSIENT = ("-journal", "-wal", "-shm")


@dataclass
class Finding:
    label: str  # "cell 5 [transform] id=..." (or "files" when no cell is known)
    name: str  # "`total`", "file out/a.csv", "table `t` in out/x.db"
    detail: str

    def line(self, notebook: str) -> str:
        first, *rest = self.detail.splitlines() or [""]
        return "\n".join(
            [f"{notebook}: {self.label}: parity mismatch in {self.name}: {first}", *("    " + r for r in rest)]
        )


# How a difference reads in parity's report (Finding.line), for the faces that show it in place
MISMATCH_LINE = re.compile(
    r"^.+?: (?P<label>cell (?P<number>\d+) \[[^\]]+\](?: id=(?P<id>\S+))?): parity mismatch in (?P<name>.+?): "
    r"(?P<detail>.*)$"
)
RECORD_LINE = re.compile(r"^\s+(?P<not>not )?verified: content (?P<key>[0-9a-f]+)")  # runner.keep_record's line


@dataclass
class ParityReport:
    compared: int = 0
    files_compared: int = 0
    mismatches: list[Finding] = field(default_factory=list)
    not_compared: list[Finding] = field(default_factory=list)
    ignored: list[Finding] = field(default_factory=list)
    left_out: list[Finding] = field(default_factory=list)  # written only by cells the flow leaves out

    @property
    def ok(self) -> bool:
        return not self.mismatches

    @property
    def mismatch(self) -> Finding | None:
        """The first difference, in notebook order."""
        return self.mismatches[0] if self.mismatches else None


def compare_runs(
    steps: list[StepOutputs], notebook_dir: Path, flow_dir: Path, ignore: set[str] | frozenset[str] = frozenset()
) -> ParityReport:
    """Every value every step cell wrote, notebook against flow; all differences."""
    report = ParityReport()
    for step in steps:
        for name in step.names:
            if name in ignore:
                report.ignored.append(Finding(step.label, f"`{name}`", "metadata.etlnb.parity_ignore"))
                continue
            ok_nb, in_notebook = capture.load(notebook_dir, step.key, name)
            ok_flow, in_flow = capture.load(flow_dir, step.key, name)
            if not ok_nb or not ok_flow:
                why = f"notebook value {in_notebook}" if not ok_nb else f"flow value {in_flow}"
                report.not_compared.append(Finding(step.label, f"`{name}`", why))
                continue
            status, detail = compare(in_notebook, in_flow)
            if status == EQUAL:
                report.compared += 1
            elif status == DIFFERENT:
                report.compared += 1
                report.mismatches.append(Finding(step.label, f"`{name}`", detail))
            else:
                report.not_compared.append(Finding(step.label, f"`{name}`", detail))
    return report


# ---------------------------------------------------------------- values


def compare(expected: Any, actual: Any) -> tuple[str, str]:
    """(status, detail): status is EQUAL, DIFFERENT or NOT_COMPARED; detail says what differs or why."""
    try:
        return _compare(expected, actual)
    except RecursionError:
        return NOT_COMPARED, "too deeply nested to compare"
    except Exception as exc:  # a library's comparison failed: not a verdict either way
        return NOT_COMPARED, f"comparison failed ({type(exc).__name__}: {_clip(str(exc))})"


def difference_between(expected: Any, actual: Any) -> str | None:
    """None when equal under the parity rules, else what differs (or why it was not compared)."""
    status, detail = compare(expected, actual)
    if status == EQUAL:
        return None
    return detail if status == DIFFERENT else f"not compared: {detail}"


_repr = reprlib.Repr()
_repr.maxstring, _repr.maxother, _repr.maxlist, _repr.maxdict, _repr.maxlevel = 60, 60, 8, 6, 3


def show(value: Any) -> str:
    """A short repr that never raises."""
    try:
        return _repr.repr(value)
    except Exception:
        return f"<{type(value).__name__}>"


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _module(value: Any) -> str:
    return getattr(type(value), "__module__", "") or ""


def _is_display(value: Any) -> bool:
    return _module(value).startswith("matplotlib")


def _is_estimator(value: Any) -> bool:
    return _module(value).startswith("sklearn") and callable(getattr(value, "get_params", None))


def _is_missing(value: Any) -> bool:
    """NaN (float, numpy, Decimal), NaT (pandas, numpy), pd.NA or None."""
    if value is None:
        return True
    name = type(value).__name__
    if name in ("NaTType", "NAType"):
        return True
    try:
        if isinstance(value, float) or name in ("float16", "float32", "float64", "longdouble", "Decimal"):
            return value != value
        if name in ("datetime64", "timedelta64"):
            import numpy as np

            return bool(np.isnat(value))
    except Exception:
        return False
    return False


def _is_float(value: Any) -> bool:
    return isinstance(value, float) or type(value).__name__ in ("float16", "float32", "longdouble")


def _same_float(e: Any, a: Any) -> bool:
    """The same bits, as far as a user can see them: -0.0 is not 0.0 (it prints, and divides, otherwise)."""
    return e == a and (e != 0 or math.copysign(1.0, e) == math.copysign(1.0, a))


def _same_signs(np: Any, e: Any, a: Any) -> bool:
    """Exact comparison of float arrays: numpy's == takes -0.0 for 0.0."""
    if not (np.issubdtype(e.dtype, np.floating) and np.issubdtype(a.dtype, np.floating)):
        return True
    return bool(np.array_equal(np.signbit(e), np.signbit(a)))


def _exact(value: Any) -> str:
    """A float with every digit that tells it apart (repr), not numpy's or pandas' rounded print."""
    try:
        return repr(float(value)) if _is_float(value) else show(value)
    except Exception:
        return show(value)


def _compare(e: Any, a: Any) -> tuple[str, str]:
    if _is_display(e) or _is_display(a):
        return NOT_COMPARED, f"a {type(e).__name__} is display (matplotlib), not data"
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(e, (pd.DataFrame, pd.Series, pd.Index)):
        return _compare_pandas(pd, e, a)
    if type(e) is not type(a):
        return DIFFERENT, f"notebook has {type(e).__name__} {show(e)}, flow has {type(a).__name__} {show(a)}"
    if _module(e) == "numpy" and type(e).__name__ == "ndarray":
        return _compare_arrays(e, a)
    if _module(e).startswith("numpy.ma") and type(e).__name__ == "MaskedArray":  # e.g. cv_results_' param_*
        import numpy as np

        if e.shape != a.shape or not np.array_equal(np.ma.getmaskarray(e), np.ma.getmaskarray(a)):
            return DIFFERENT, f"notebook masked array {show(e)}, flow {show(a)}"
        return _compare_sequences(list(e.compressed()), list(a.compressed()))
    if isinstance(e, (list, tuple)):
        return _compare_sequences(e, a)
    if isinstance(e, dict):
        return _compare_dicts(e, a)
    if isinstance(e, capture.NotebookObject):
        if (e.cls, e.kind) != (a.cls, a.kind):
            return DIFFERENT, f"notebook has a {e.cls}, flow has a {a.cls}"
        status, detail = _compare_dicts(e.state, a.state, "field")
        return status, detail
    if _is_estimator(e):
        return _compare_estimators(e, a)
    if _is_missing(e) and _is_missing(a):
        return EQUAL, ""
    if _is_float(e) and _RTOL.get():
        if math.isclose(e, a, rel_tol=_RTOL.get(), abs_tol=0.0):
            return EQUAL, ""
        return DIFFERENT, f"notebook {e!r}, flow {a!r} (beyond rtol {_RTOL.get():g})"
    if _is_float(e):
        return (EQUAL, "") if _same_float(e, a) else (DIFFERENT, f"notebook {_exact(e)}, flow {_exact(a)}")
    if e is None or e is Ellipsis:  # singletons: identity is their value
        return EQUAL, ""
    if isinstance(e, type) or type(e).__name__ in _BY_NAME:  # pickled by reference: compare the reference
        ref_e, ref_a = _reference(e), _reference(a)
        return (EQUAL, "") if ref_e == ref_a else (DIFFERENT, f"notebook {ref_e}, flow {ref_a}")
    if isinstance(e, str) and e != a and _same_but_root(e, a):
        return EQUAL, ""
    if isinstance(e, os.PathLike) and e != a and _same_but_root(os.fspath(e), os.fspath(a)):
        return EQUAL, ""
    if type(e).__eq__ is object.__eq__:
        if _module(e).startswith("sklearn"):  # estimator internals (trees): their pickled state
            state_e, state_a = e.__getstate__(), a.__getstate__()
            if isinstance(state_e, dict) and isinstance(state_a, dict):
                return _compare_dicts(state_e, state_a, "state")
        return NOT_COMPARED, f"{type(e).__name__} has no value equality (its == is identity)"
    try:
        equal = e == a
        equal = equal if isinstance(equal, bool) else bool(equal)
    except Exception as exc:
        return NOT_COMPARED, f"{type(e).__name__} values cannot be compared ({type(exc).__name__})"
    return (EQUAL, "") if equal else (DIFFERENT, f"notebook {show(e)}, flow {show(a)}")


_BY_NAME = {"function", "builtin_function_or_method", "module", "method_descriptor", "ufunc"}


def _reference(value: Any) -> str:
    module = getattr(value, "__module__", None) or ""
    return f"{module}.{getattr(value, '__qualname__', getattr(value, '__name__', '?'))}".lstrip(".")


def _compare_pandas(pd: Any, e: Any, a: Any) -> tuple[str, str]:
    if type(e) is not type(a):
        return DIFFERENT, f"notebook has {type(e).__name__}, flow has {type(a).__name__}"
    rtol = _RTOL.get()
    how = {"check_exact": False, "rtol": rtol, "atol": 0.0} if rtol else {"check_exact": True}
    try:
        if isinstance(e, pd.DataFrame):
            pd.testing.assert_frame_equal(e, a, obj="DataFrame", **how)
        elif isinstance(e, pd.Series):
            pd.testing.assert_series_equal(e, a, obj="Series", **how)
        else:
            pd.testing.assert_index_equal(e, a, obj="Index", exact=True, **how)
    except AssertionError as exc:
        cells = _differing_cells(pd, e, a)
        if cells == "":
            return EQUAL, ""  # every cell equal by parity's rules (NaN inside an object cell's list, ...)
        if cells:
            return DIFFERENT, cells
        text = str(exc).replace("[left]", "[notebook]").replace("[right]", "[flow]")
        return DIFFERENT, _short(text)
    if not rtol and not isinstance(e, pd.Index) and not _frame_signs_equal(pd, e, a):
        return DIFFERENT, _differing_cells(pd, e, a) or "signed zeros differ"
    return EQUAL, ""


def _frame_signs_equal(pd: Any, e: Any, a: Any) -> bool:
    import numpy as np

    if isinstance(e, pd.Series):
        e, a = e.to_frame(), a.to_frame()
    for j in range(e.shape[1]):
        left, right = e.iloc[:, j], a.iloc[:, j]
        if not isinstance(left.dtype, np.dtype) or not isinstance(right.dtype, np.dtype):
            continue  # pandas' own dtypes (strings, nullable numbers): their values were compared exactly
        if np.issubdtype(left.dtype, np.floating) and not _same_signs(np, left.to_numpy(), right.to_numpy()):
            return False
    return True


def _differing_cells(pd: Any, e: Any, a: Any, shown: int = 5) -> str | None:
    """Same shape, labels and dtypes but other values: the first differing cells with both values
    and how many differ (pandas' own message prints the rows, rounded, equal ones included); ""
    when every cell is equal by parity's rules; None when the frames cannot be compared cell by
    cell (pandas' message then says which labels or dtypes differ)."""
    try:
        if isinstance(e, pd.Index) or e.shape != a.shape or not e.index.equals(a.index):
            return None
        if isinstance(e, pd.Series):
            e, a = e.to_frame(), a.to_frame()
        if not e.columns.equals(a.columns) or list(e.dtypes) != list(a.dtypes):
            return None
        found: list[str] = []
        total = 0
        for j, column in enumerate(e.columns):
            left, right = e.iloc[:, j], a.iloc[:, j]
            for i in range(len(left)):
                x, y = left.iloc[i], right.iloc[i]
                if _compare(x, y)[0] == EQUAL:
                    continue
                total += 1
                if len(found) < shown:
                    found.append(f"row {e.index[i]!r} column {column!r}: notebook {_exact(x)}, flow {_exact(y)}")
    except Exception:
        return None
    if not total:
        return ""
    cells = e.shape[0] * max(e.shape[1], 1)
    return "\n".join([f"{total} of {cells} cells differ; first {found[0]}", *found[1:]])


def _compare_arrays(e: Any, a: Any) -> tuple[str, str]:
    import numpy as np

    if e.shape != a.shape or e.dtype != a.dtype:
        return DIFFERENT, f"notebook array {e.dtype} {e.shape}, flow array {a.dtype} {a.shape}"
    if e.dtype == object:  # item by item, so NaT, pd.NA and None equal themselves as elsewhere
        status, detail = _compare_sequences(list(e.ravel()), list(a.ravel()))
        return status, detail.replace("item ", "flat item ", 1) if status != EQUAL else detail
    try:
        if _RTOL.get() and np.issubdtype(e.dtype, np.inexact):
            np.testing.assert_allclose(e, a, rtol=_RTOL.get(), atol=0.0, equal_nan=True, strict=True)
        else:
            np.testing.assert_array_equal(e, a, strict=True)
            if not _same_signs(np, e, a):
                where = tuple(int(i) for i in np.argwhere(np.signbit(e) != np.signbit(a))[0])
                return DIFFERENT, f"item {where}: notebook {_exact(e[where])}, flow {_exact(a[where])} (signed zero)"
    except AssertionError as exc:
        return DIFFERENT, _short(str(exc).replace("ACTUAL", "notebook").replace("DESIRED", "flow"))
    return EQUAL, ""


def _compare_sequences(e: Any, a: Any) -> tuple[str, str]:
    kind = type(e).__name__
    if len(e) != len(a):
        first = next((i for i, (x, y) in enumerate(zip(e, a, strict=False)) if _compare(x, y)[0] == DIFFERENT), None)
        where = f"; first difference at item {first}" if first is not None else ""
        return DIFFERENT, f"notebook {kind} has {len(e)} items, flow {kind} has {len(a)}{where}"
    different: list[tuple[int, str]] = []
    unknown: list[tuple[int, str]] = []
    for i, (x, y) in enumerate(zip(e, a, strict=True)):
        status, detail = _compare(x, y)
        if status == DIFFERENT:
            different.append((i, detail))
        elif status == NOT_COMPARED:
            unknown.append((i, detail))
    if different:
        i, detail = different[0]
        more = f" ({len(different)} of {len(e)} items differ)" if len(different) > 1 else ""
        return DIFFERENT, f"item {i}: {detail}{more}"
    if unknown:
        i, detail = unknown[0]
        return NOT_COMPARED, f"item {i}: {detail}"
    return EQUAL, ""


def _compare_dicts(e: dict, a: dict, what: str = "key") -> tuple[str, str]:
    only_e = [k for k in e if k not in a]
    only_a = [k for k in a if k not in e]
    missing_e, missing_a = [k for k in only_e if _is_missing(k)], [k for k in only_a if _is_missing(k)]
    if missing_e and len(missing_e) == len(missing_a):  # NaN keys: each run's NaN is another object
        for ke, ka in zip(missing_e, missing_a, strict=True):
            status, detail = _compare(e[ke], a[ka])
            if status != EQUAL:
                return status, f"{what} {ke!r}: {detail}"
        only_e = [k for k in only_e if k not in missing_e]
        only_a = [k for k in only_a if k not in missing_a]
        e = {k: v for k, v in e.items() if not any(k is m for m in missing_e)}
    if only_e or only_a:
        parts = []
        if only_e:
            parts.append(f"{what}s only in the notebook: {show(only_e)}")
        if only_a:
            parts.append(f"{what}s only in the flow: {show(only_a)}")
        return DIFFERENT, "; ".join(parts)
    unknown = None
    for key in e:
        if key not in a:
            continue
        status, detail = _compare(e[key], a[key])
        label = f"{what} {key!r}" if what == "key" else f"{what} `{key}`"
        if status == DIFFERENT:
            return DIFFERENT, f"{label}: {detail}"
        if status == NOT_COMPARED and unknown is None:
            unknown = f"{label}: {detail}"
    return (NOT_COMPARED, unknown) if unknown else (EQUAL, "")


_TIMING = re.compile(r"(^|_)(fit|score|refit)?_?times?_?$|_time$")  # refit_time_, mean_fit_time, ...


def _compare_estimators(e: Any, a: Any) -> tuple[str, str]:
    status, detail = _compare_dicts(e.get_params(deep=False), a.get_params(deep=False), "parameter")
    if status != EQUAL:
        return status, detail

    def fitted(model: Any) -> dict[str, Any]:
        """Fitted attributes, without timings: how long a fit took is not what it learned."""
        found = {}
        for k, v in vars(model).items():
            if not k.endswith("_") or k.startswith("_") or _TIMING.search(k):
                continue
            if k == "cv_results_" and isinstance(v, dict):
                v = {key: col for key, col in v.items() if not _TIMING.search(key)}
            found[k] = v
        return found

    return _compare_dicts(fitted(e), fitted(a), "fitted attribute")


def _short(text: str, limit: int = 12) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return "\n".join(lines[:limit] + (["..."] if len(lines) > limit else []))


# ---------------------------------------------------------------- files and tables


def _walk(root: Path) -> dict[str, os.stat_result]:
    found: dict[str, os.stat_result] = {}
    if not root.is_dir():
        return found
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SCRATCH_EXCLUDED]
        for name in files:
            if name.endswith(_TRANSIENT):
                continue
            path = Path(folder) / name
            try:
                found[path.relative_to(root).as_posix()] = path.stat()
            except OSError:
                continue
    return found


def compare_folders(
    original: Path,
    notebook_root: Path,
    flow_root: Path,
    writers: dict[str, str],
    left_out: frozenset[str] | set[str] = frozenset(),
    prefix: str = "",
) -> ParityReport:
    """Files either run wrote, created or removed under its scratch copy of the notebook folder:
    bytes, CSV/Parquet by content when the bytes differ, SQLite databases table by table.
    `writers` maps a relative path (or "db:table") to the cell that wrote it; `left_out` holds
    the paths only cells the flow leaves out (exploration) wrote: listed, never a mismatch."""
    report = ParityReport()
    base, nb, fl = _walk(original), _walk(notebook_root), _walk(flow_root)
    if prefix:  # a folder beside the copy (`../out/`): names as the notebook wrote them
        base, nb, fl = ({prefix + k: v for k, v in d.items()} for d in (base, nb, fl))
        notebook_root, flow_root = notebook_root.parent, flow_root.parent

    def unchanged(rel: str, side: dict[str, os.stat_result]) -> bool:
        a, b = base.get(rel), side.get(rel)
        if a is None or b is None:
            return a is None and b is None
        return (a.st_size, a.st_mtime_ns) == (b.st_size, b.st_mtime_ns)

    for rel in sorted(set(base) | set(nb) | set(fl)):
        if unchanged(rel, nb) and unchanged(rel, fl):
            continue
        label = writers.get(rel, "files")
        name = f"file {rel}"
        if rel in left_out and rel in nb and rel not in fl:
            report.left_out.append(Finding(label, name, f"left out: written by exploration {label}"))
            continue
        report.files_compared += 1
        if rel not in nb or rel not in fl:
            side = "the notebook run" if rel in nb else "the flow run"
            verb = "wrote" if rel not in base else "kept"
            other = "the flow run" if rel in nb else "the notebook run"
            report.mismatches.append(Finding(label, name, f"only {side} {verb} it ({other} did not, or removed it)"))
            continue
        inside = rel.removeprefix("../")  # beside the copy: under the side's root
        for finding in compare_files(rel, notebook_root / inside, flow_root / inside, label, writers):
            report.mismatches.append(finding)
    return report


SQLITE_MAGIC = b"SQLite format 3\x00"


def compare_files(rel: str, left: Path, right: Path, label: str, writers: dict[str, str]) -> list[Finding]:
    """Differences between two versions of one written file (empty when equal)."""
    name = f"file {rel}"
    a, b = left.read_bytes(), right.read_bytes()
    if a.startswith(SQLITE_MAGIC) and b.startswith(SQLITE_MAGIC):
        return compare_databases(rel, left, right, label, writers)
    if a == b:
        return []
    archive = _archive_difference(a, b)
    if archive == "":
        return []  # the same content; only embedded timestamps or names differ
    if archive is not None:
        return [Finding(label, name, archive)]
    roots = _ROOTS.get()
    if roots is not None and a.replace(roots[0].encode(), b"\0") == b.replace(roots[1].encode(), b"\0"):
        return []  # the same text but for each run's own folder (an absolute path written into it)
    suffix = left.suffix.lower()
    if suffix in (".csv", ".tsv", ".parquet", ".pq"):
        try:
            import pandas as pd

            if suffix in (".csv", ".tsv"):
                sep = "\t" if suffix == ".tsv" else ","
                frames = pd.read_csv(left, sep=sep), pd.read_csv(right, sep=sep)
            else:
                frames = pd.read_parquet(left), pd.read_parquet(right)
            status, detail = compare(*frames)
            if status == EQUAL:
                return []  # the bytes differ only in formatting or metadata
            return [Finding(label, name, f"contents differ: {detail}")]
        except Exception:
            pass  # not readable as a table: compare as bytes
    return [Finding(label, name, _bytes_difference(a, b))]


_ZIP_METADATA = {"docProps/core.xml", "docProps/app.xml"}  # Office files: creation and save times


def _archive_difference(a: bytes, b: bytes) -> str | None:
    """gzip and zip files (xlsx, docx, ...) by content: "" when only embedded timestamps differ,
    what differs otherwise, None when these are not two archives of one kind."""
    import gzip
    import io
    import zipfile

    try:
        if a[:2] == b[:2] == b"\x1f\x8b":
            inner_a, inner_b = gzip.decompress(a), gzip.decompress(b)
            inner = _content_difference(inner_a, inner_b)
            return inner and f"contents differ (decompressed): {inner}"
        if a[:4] == b[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(a)) as za, zipfile.ZipFile(io.BytesIO(b)) as zb:
                names_a, names_b = za.namelist(), zb.namelist()
                if names_a != names_b:
                    return f"archive members differ: notebook {show(names_a)}, flow {show(names_b)}"
                for member in names_a:
                    if member in _ZIP_METADATA:
                        continue
                    inner = _content_difference(za.read(member), zb.read(member))
                    if inner:
                        return f"archive member {member} differs: {inner}"
            return ""
    except Exception:  # not a readable archive after all: compare as bytes
        return None
    return None


def _content_difference(a: bytes, b: bytes) -> str:
    """What differs between two archive members ("" when equal): archives inside archives (a
    .json.gz in a zip) by their content too."""
    if a == b:
        return ""
    nested = _archive_difference(a, b)
    return nested if nested is not None else _bytes_difference(a, b)


def _bytes_difference(a: bytes, b: bytes) -> str:
    try:
        ta, tb = a.decode("utf-8").splitlines(), b.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        return f"bytes differ (notebook {len(a)} B, flow {len(b)} B; first difference at byte {first})"
    for i, (x, y) in enumerate(zip(ta, tb, strict=False)):
        if x != y:
            return f"line {i + 1} differs\nnotebook: {show(x)}\nflow:     {show(y)}"
    return f"notebook has {len(ta)} lines, flow has {len(tb)}" + (
        f"; first extra line {min(len(ta), len(tb)) + 1}: {show((ta if len(ta) > len(tb) else tb)[min(len(ta), len(tb))])}"
    )


def _read_tables(path: Path) -> dict[str, tuple[str, list[tuple]]]:
    from urllib.parse import quote

    db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    try:
        tables = {}
        for name, sql in db.execute("SELECT name, sql FROM sqlite_master WHERE type='table' ORDER BY name"):
            quoted = name.replace('"', '""')
            tables[name] = (sql, list(db.execute(f'SELECT * FROM "{quoted}"')))
        return tables
    finally:
        db.close()


def compare_databases(rel: str, left: Path, right: Path, label: str, writers: dict[str, str]) -> list[Finding]:
    """Table by table: schema, row count, rows (order included)."""
    try:
        a, b = _read_tables(left), _read_tables(right)
    except sqlite3.Error as exc:
        return [Finding(label, f"file {rel}", f"could not read as SQLite ({exc})")]
    findings = []
    for table in sorted(set(a) | set(b)):
        who = writers.get(f"{rel}:{table}", label)
        name = f"table `{table}` in {rel}"
        if table not in a or table not in b:
            side = "notebook" if table in a else "flow"
            findings.append(Finding(who, name, f"only the {side} run has this table"))
            continue
        (schema_a, rows_a), (schema_b, rows_b) = a[table], b[table]
        if schema_a != schema_b:
            findings.append(Finding(who, name, f"schemas differ\nnotebook: {schema_a}\nflow:     {schema_b}"))
            continue
        status, detail = compare(rows_a, rows_b)
        if status == EQUAL:
            continue
        if len(rows_a) != len(rows_b):
            detail = f"notebook has {len(rows_a)} rows, flow has {len(rows_b)}"
        elif sorted(map(repr, rows_a)) == sorted(map(repr, rows_b)):
            detail = "the same rows in a different order"
        else:
            detail = detail.replace("item ", "row ", 1)
        findings.append(Finding(who, name, detail))
    return findings


# ---------------------------------------------------------------- report


def writers_from_witness(record: dict[str, Any]) -> dict[str, str]:
    """Relative path (and "db:table") -> label of the last cell that wrote it, from the witness record."""
    writers: dict[str, str] = {}
    for cell in record.get("cells", []):
        for path in cell.get("files", {}).get("written", []):
            writers[path] = cell["label"]
        for db in cell.get("sqlite", []):
            writers[db["database"]] = cell["label"]
            for table in db.get("tables_written", []):
                writers[f"{db['database']}:{table}"] = cell["label"]
    return writers


# What makes two runs of the same code differ, as a cell's source shows it (the witness adds what it saw)
_CAUSES = [
    (
        re.compile(r"\b(np\.random|numpy\.random)\.(?!seed|default_rng\(\s*\d|RandomState\(\s*\d)"),
        "numpy's global random generator",
    ),
    (
        re.compile(r"\brandom\.(random|randint|choice|choices|shuffle|sample|uniform|gauss)\("),
        "the global `random` generator",
    ),
    (re.compile(r"\.sample\((?![^)]*random_state)"), "`.sample()` without `random_state`"),
    (re.compile(r"\b(default_rng|RandomState)\(\s*\)"), "a generator made without a seed"),
    (
        re.compile(
            r"\b(RandomForest\w*|ExtraTrees\w*|GradientBoosting\w*|SMOTE|KMeans|MLP\w*|SGD\w*|"
            r"train_test_split|KFold|StratifiedKFold|ShuffleSplit|\w*SearchCV)\((?![^)]*random_state)"
        ),
        "an estimator or splitter without `random_state`",
    ),
    (
        re.compile(
            r"\b(datetime\.now|datetime\.utcnow|date\.today|time\.time|time\.perf_counter|pd\.Timestamp\.now)\("
        ),
        "the clock",
    ),
    (re.compile(r"\buuid\.uuid[14]\("), "a random `uuid`"),
    (re.compile(r"\bos\.urandom\(|\bsecrets\.\w+\("), "the system's random bytes"),
    (re.compile(r"\bhash\("), "`hash()`, which differs between processes for text"),
    (re.compile(r"\bset\(|\bfrozenset\("), "the order of a set, which differs between processes for text"),
]


_SEED = "seed it (`random.seed(0)`, `np.random.seed(0)`, `random_state=0`)"
_ADVICE = {
    "the clock": "pass the time in as a parameter",
    "a random `uuid`": "derive ids from the data (`uuid.uuid5(...)`)",
    "the system's random bytes": "derive them from the data",
    "`hash()`, which differs between processes for text": "sort before you depend on an order (`sorted(...)`)",
    "the order of a set, which differs between processes for text": "sort it before use (`sorted(...)`)",
}


def explain(finding: Finding, source: str, outside: list[str]) -> Finding:
    """Add why a value can differ between two runs of the same code, and what to do, where the
    cell's source (with the notebook helpers it calls) or the witness shows it."""
    causes = [what for pattern, what in _CAUSES if pattern.search(source)]
    if "random state" in outside and not any("random" in c or "generator" in c for c in causes):
        causes.insert(0, "the global random generator (the witness saw its state change)")
    if "os.environ" in outside:
        causes.append("the environment, which the cell changed (the flow's run has its own)")
    if not causes:
        return finding
    causes = list(dict.fromkeys(causes))
    advice = list(dict.fromkeys(_ADVICE.get(c, _SEED if "random" in c or "generator" in c else "") for c in causes))
    advice = [a for a in advice if a]
    fix = "; ".join(advice) + ", or " if advice else ""
    why = (
        f"why: {finding.label} reads {', '.join(causes)}, so the notebook and the flow get different values;"
        f" {fix}list {finding.name} in metadata.etlnb.parity_ignore if it may differ"
    )
    return Finding(finding.label, finding.name, f"{finding.detail}\n{why}")


def explanation_sources(parsed: list[Any]) -> dict[str, str]:
    """Per cell label, the code whose causes `explain` looks for: the cell, the notebook functions
    it calls (through the functions they call), with import aliases spelled out (`rnd.` ->
    `random.`), since a cause in a helper is as much the step's."""
    import ast

    from etlnb.analyse import outside

    imports: dict[str, str] = {}
    defs: dict[str, str] = {}
    for pc in parsed:
        if not pc.ok:
            continue
        for st in pc.statements:
            imports.update(outside.imported_names(st.node))
            if isinstance(st.node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defs[st.node.name] = ast.get_source_segment(pc.source, st.node) or ""

    def spelled(text: str) -> str:
        for alias, module in imports.items():
            root = module.split(".")[0]
            if alias != root and module == root:  # `import random as rnd`
                text = re.sub(rf"\b{re.escape(alias)}\.", f"{root}.", text)
            elif "." in module and module.startswith(("random.", "numpy.random.", "uuid.", "time.")):
                text = re.sub(rf"\b{re.escape(alias)}\(", f"{module}(", text)  # `from random import choice`
        return text

    sources: dict[str, str] = {}
    for pc in parsed:
        text, seen, todo = pc.source, set(), [pc.source]
        while todo:
            for called in re.findall(r"\b([A-Za-z_]\w*)\s*\(", todo.pop()):
                if called in defs and called not in seen:
                    seen.add(called)
                    todo.append(defs[called])
                    text += "\n" + defs[called]
        sources[pc.rc.label] = spelled(text)
    return sources


def exploration_files(record: dict[str, Any]) -> set[str]:
    """Paths written only by untagged cells (figures an exploration cell saves): the flow never
    runs those cells, so the file is "left out", not a difference."""
    by_steps: set[str] = set()
    by_others: set[str] = set()
    for cell in record.get("cells", []):
        written = set(cell.get("files", {}).get("written", []))
        (by_steps if cell.get("kind") == "step" else by_others).update(written)
    return by_others - by_steps


_RUN_TEMP = re.compile(r"^tmp[a-z0-9_]{8}")  # tempfile's names: a folder or file of this run only
_TEMP_NAME = re.compile(r"(?<=[/\\])tmp[a-z0-9_]{8}")


def outside_writes(record: dict[str, Any], side_root: Path) -> list[Finding]:
    """Files a step wrote outside the notebook's scratch copy that the flow's run writes too: one
    real file both runs share, which parity cannot compare. Beside the copy (`../out/`, each run
    has its own) and temporary files (tempfile) are not shared."""
    side = str(side_root.resolve()) + os.sep
    found: list[Finding] = []
    for cell in record.get("cells", []):
        if cell.get("kind") != "step":
            continue
        for path in cell.get("files", {}).get("written", []):
            if not os.path.isabs(path) or path.startswith(side):
                continue
            if any(_RUN_TEMP.match(part) for part in Path(path).parts):
                continue
            found.append(Finding(cell["label"], f"file {path}", _SHARED_FILE))
        for db in cell.get("sqlite", []):
            path = db.get("database", "")
            if db.get("tables_written") and os.path.isabs(path) and not path.startswith(side):
                found.append(Finding(cell["label"], f"database {path}", _SHARED_FILE))
    return found


_SHARED_FILE = (
    "written outside the notebook's folder: the notebook and the flow would both write this one"
    " real file, so parity cannot compare them; in a sample cell, point it to a path under the"
    " notebook's folder (each run then writes its own copy, and parity compares the two)"
)


def literal_outside_writes(parsed: list[Any], seen: list[Finding], params: dict[str, Any]) -> list[Finding]:
    """Fixed paths outside the notebook's folder that a step's code writes where the witness cannot
    see it (pyarrow's `to_parquet`, native libraries): found in the code itself, a literal or a
    parameter's value."""
    from etlnb.analyse import outside

    known = {f.name.split(" ", 1)[1] for f in seen}
    imports: dict[str, str] = {}  # `Path` or `open` as the notebook imported them, from any cell
    for pc in parsed:
        for st in pc.statements if pc.ok else []:
            imports.update(outside.imported_names(st.node))
    found: list[Finding] = []
    for pc in parsed:
        if not pc.ok or not pc.rc.is_step:
            continue
        for st in pc.statements:
            for change in outside.changes(st.node, imports, params):
                path = os.path.expanduser(change.path) if change.kind == "file" else ""
                if (
                    os.path.isabs(path)
                    and not path.startswith(("/dev/", "/proc/"))
                    and not any(_RUN_TEMP.match(p) for p in Path(path).parts)
                    and path not in known
                ):
                    known.add(path)
                    found.append(Finding(pc.rc.label, f"file {path}", _SHARED_FILE))
    return found


def merge(*reports: ParityReport) -> ParityReport:
    """One report: value findings first (notebook order), then files and tables."""
    return ParityReport(
        sum(r.compared for r in reports),
        sum(r.files_compared for r in reports),
        [m for r in reports for m in r.mismatches],
        [f for r in reports for f in r.not_compared],
        [f for r in reports for f in r.ignored],
        [f for r in reports for f in r.left_out],
    )


def format_report(report: ParityReport, notebook: str, failure: str = "") -> str:
    """First line: the first difference (naming notebook, cell, name), or "parity ok"."""
    lines = [failure] if failure else []
    lines += [m.line(notebook) for m in report.mismatches]
    if not lines:
        files = f", {report.files_compared} written files equal" if report.files_compared else ""
        lines.append(f"{notebook}: parity ok ({report.compared} values equal{files}; {rule()})")
    elif report.mismatches:
        lines.append(f"    {len(report.mismatches)} difference(s); {report.compared} values compared ({rule()})")
    for f in report.not_compared:
        lines.append(f"    not compared: {f.label} {f.name}: {f.detail}")
    for f in report.ignored:
        lines.append(f"    ignored: {f.label} {f.name} ({f.detail})")
    for f in report.left_out:
        lines.append(f"    {f.detail}: {f.name}")
    return "\n".join(lines)
