"""Sample parameters: the parameters and sample cells, as the notebook runs them.

This is an edge of the pipeline (it may run analyst code, in a child process
from the notebook's folder), so it is kept apart from the pure compile steps.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from etlnb.analyse.cells import ParsedCell
from etlnb.analyse.diagnostics import Diagnostic, cell_number
from etlnb.analyse.graph import Param

SAMPLE_TIMEOUT = 60  # seconds for all non-literal sample cells together

# Runs in a child process: analyst code never runs inside etlnb (sys.exit(), os.chdir(),
# a crash or a hang there must not end or change the compiler).
_CHILD = r"""
import json, sys, traceback
job = json.loads(sys.stdin.read())
namespace = dict(job["namespace"])
for index, (kind, source) in enumerate(job["code"]):
    filename = f"<sample cell {job['cells'][index]}>"
    try:
        exec(compile(source, filename if kind == "cell" else "<imports>", "exec"), namespace)
    except BaseException as exc:
        line = None
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename == filename:
                line = frame.lineno
        print(json.dumps({"error": [index, line, f"{type(exc).__name__}: {exc}"]}))
        sys.exit(0)
values, bad = {}, {}
for name in job["names"]:
    if name in namespace:
        try:
            json.dumps(namespace[name], allow_nan=True)
            values[name] = namespace[name]
        except (TypeError, ValueError):
            bad[name] = type(namespace[name]).__name__
print(json.dumps({"values": values, "bad": bad}))
"""


@dataclass(frozen=True)
class SampleCode:
    """How sample values are computed when they are not all literals in the notebook.

    Such values (a path built at run time, `os.environ["DATABASE_URL"]`) are never written
    into the flow script or sent to a deployment: the script recomputes them with this code
    when run on its samples, and `computed` names the parameters they set.
    """

    prelude: dict[str, Any]  # literal values bound before the first computed cell
    pieces: list[tuple[str, str]] = field(default_factory=list)  # (comment, code) in notebook order
    computed: frozenset[str] = frozenset()


def sample_syntax_errors(path: str, parsed: list[ParsedCell]) -> list[Diagnostic]:
    """Sample cells that are not Python: an error naming the cell and line, never silently left out
    (the run would then use other sample values than the notebook does)."""
    from etlnb.analyse.cells import syntax_diagnostic

    return [
        syntax_diagnostic(path, pc.rc, pc.source)
        for pc in parsed
        if pc.rc.role == "sample" and not pc.ok and not pc.statements
    ]


def sample_parameters(
    path: str, parsed: list[ParsedCell], params: list[Param], notebook_dir: Path
) -> tuple[dict[str, Any], list[Diagnostic], SampleCode | None]:
    """The values parameter names hold after the parameters and sample cells ran, as in the notebook.

    Literal sample cells are read without running anything; others run in a child
    process with a timeout, from the notebook's folder.
    """
    names = [p.name for p in params]
    namespace: dict[str, Any] = {}
    diagnostics: list[Diagnostic] = sample_syntax_errors(path, parsed)
    if diagnostics:
        return {}, diagnostics
    imports = [st.node for pc in parsed if pc.rc.role == "imports" and pc.ok for st in pc.statements if st.hoisted]
    code: list[tuple[str, str]] = []  # ("imports" | "cell", source), run in order in the child
    owners: list[ParsedCell] = []
    for pc in parsed:
        if not pc.ok or pc.rc.role not in ("parameters", "sample"):
            continue
        if pc.rc.role == "parameters":
            values = {p.name: p.value for p in params if p.cell is pc.rc}
            if code:
                code.append(("imports", "\n".join(f"{n} = {v!r}" for n, v in values.items())))
                owners.append(pc)
            else:
                namespace.update(values)
            continue
        literal = _literal_assignments(pc)
        if literal is not None and not code:
            namespace.update(literal)
            continue
        needed = {n for st in pc.statements for n in st.reads}
        for node in imports:
            bound = {a.asname or a.name.split(".")[0] for a in node.names}  # type: ignore[attr-defined]
            if bound & needed:
                code.append(("imports", ast.unparse(node)))
                owners.append(pc)
        code.append(("cell", pc.source))
        owners.append(pc)
    sample_code = None
    if code:
        result = _run_child(code, owners, namespace, names, notebook_dir)
        if isinstance(result, Diagnostic):
            diagnostics.append(replace(result, notebook=path))
            return {}, diagnostics, None
        prelude = dict(namespace)
        namespace.update(result)
        computed = _computed_names(code, prelude)
        pieces = [
            (_marker(pc, src) if kind == "cell" else "", src.rstrip("\n"))
            for (kind, src), pc in zip(code, owners, strict=True)
            if kind == "cell" or not src.startswith(("import ", "from "))  # imports are the module's own
        ]
        if computed & set(names):  # else every sample value is notebook text: written as literals
            sample_code = SampleCode(prelude, pieces, computed)
    sample = {n: namespace[n] for n in names if n in namespace}
    for name, value in sample.items():
        too_deep = False
        try:
            json.dumps(value, allow_nan=False, default=_set_as_list)
            too_deep = _depth(value) > MAX_NESTING  # the script writes it as a literal, with its type
            if too_deep:
                raise ValueError
        except (TypeError, ValueError, RecursionError):
            kind = getattr(value, "type_name", type(value).__name__)
            if isinstance(value, float):
                kind = "float infinity or NaN"
            if too_deep:
                kind = f"value nested deeper than {MAX_NESTING} levels"
            where = _last_binding(parsed, name)
            diagnostics.append(
                Diagnostic(
                    "error",
                    f"sample value of parameter `{name}` is a {kind}, not JSON data (parameters travel as JSON)",
                    path,
                    *(where or (None, None, None)),
                    hint="sample parameters must be JSON-serialisable (str, finite numbers, lists, dicts);"
                    " convert in a step cell",
                )
            )
    return sample, diagnostics, sample_code


def _last_binding(parsed: list[ParsedCell], name: str) -> tuple[int, str, int] | None:
    """(cell index, cell id, line) of the last parameters or sample statement that sets `name`."""
    found = None
    for pc in parsed:
        if pc.ok and pc.rc.role in ("parameters", "sample"):
            for st in pc.statements:
                if name in st.binds:
                    found = (pc.rc.cell.index, pc.rc.cell.id, st.node.lineno)
    return found


def _run_child(
    code: list[tuple[str, str]],
    owners: list[ParsedCell],
    namespace: dict[str, Any],
    names: list[str],
    notebook_dir: Path,
) -> dict[str, Any] | Diagnostic:
    job = {
        "code": code,
        "cells": [pc.rc.cell.index for pc in owners],
        "namespace": {k: v for k, v in namespace.items() if _jsonable(v)},
        "names": names,
    }
    hint = "sample cells run from the notebook's folder in a separate process; they may only use tagged imports"
    last = owners[-1]
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", _CHILD],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            cwd=notebook_dir,
            timeout=SAMPLE_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return _cell_diag(last, None, f"sample cells did not finish within {SAMPLE_TIMEOUT} s", hint)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return _cell_diag(last, None, f"sample cell failed: the process ended (exit {done.returncode})", hint)
    answer = json.loads(lines[-1])
    if "error" in answer:
        index, line, message = answer["error"]
        return _cell_diag(owners[index], line, f"sample cell failed: {message}", hint)
    values = dict(answer["values"])
    for name, type_name in answer["bad"].items():
        values[name] = _NotJSON(type_name)
    return values


class _NotJSON:
    """Stands for a sample value the child could not send back as JSON."""

    def __init__(self, type_name: str):
        self.type_name = type_name


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


# Calls whose result depends only on their arguments: a sample value built with these from
# literals is notebook text in another form (written into the script like a literal).
# Anything else (os.environ, open, glob, Path.cwd, a helper) may read the machine it runs on.
_CLEAN_BUILTINS = frozenset(
    "len range sorted list tuple dict set frozenset str int float bool zip enumerate min max sum abs round "
    "reversed any all repr".split()
)
_CLEAN_METHODS = frozenset(
    "format join upper lower title capitalize replace strip lstrip rstrip split rsplit startswith endswith "
    "removeprefix removesuffix zfill get items keys values copy".split()
)
_CLEAN_DOTTED = frozenset({"os.path.join", "os.path.basename", "os.path.dirname", "os.path.splitext"})


def _clean(node: ast.AST, known: set[str], computed: set[str]) -> bool:
    """True when `node` only combines literal-derived names with _CLEAN_* calls."""
    local = {
        n.id
        for c in ast.walk(node)
        if isinstance(c, ast.comprehension | ast.For)
        for n in ast.walk(c.target)
        if isinstance(n, ast.Name)
    }
    skip: set[int] = set()
    for n in ast.walk(node):
        if id(n) in skip:
            continue
        if isinstance(n, ast.Call):
            func = n.func
            if isinstance(func, ast.Name) and func.id in _CLEAN_BUILTINS:
                continue
            if isinstance(func, ast.Attribute) and ast.unparse(func) in _CLEAN_DOTTED:
                skip.update(id(x) for x in ast.walk(func))
                continue
            if isinstance(func, ast.Attribute) and func.attr in _CLEAN_METHODS:
                continue
            return False
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            if n.id in local or (n.id in known and n.id not in computed) or n.id in _CLEAN_BUILTINS:
                continue
            return False
        if isinstance(n, ast.Import | ast.ImportFrom | ast.Lambda | ast.FunctionDef | ast.ClassDef | ast.Await):
            return False
    return True


def _computed_names(code: list[tuple[str, str]], prelude: dict[str, Any]) -> frozenset[str]:
    """Names whose sample value may come from the machine (the environment, files) rather
    than from literals in the notebook; assignments from literals make a name clean again."""
    known = set(prelude)
    computed: set[str] = set()
    for kind, source in code:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if kind == "imports" and isinstance(node, ast.Import | ast.ImportFrom):
                continue  # the module's own imports, not values
            bound = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            changed = set()
            for n in ast.walk(node):
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
                    changed.update(_root(n.func.value))  # sources.append(...): changed in place
                elif isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store | ast.Del):
                    changed.update(_root(n.value))  # config["url"] = ...
            if _clean(node, known, computed):
                computed -= bound
            else:
                computed |= bound | (changed & known)
            known |= bound
    return frozenset(computed)


def _root(node: ast.expr) -> list[str]:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return [node.id] if isinstance(node, ast.Name) else []


def _marker(pc: ParsedCell, source: str) -> str:
    """The script's usual `# cell N [role] id=..., lines a-b` marker (lint.py finds copied code by it)."""
    count = source.rstrip("\n").count("\n") + 1
    ident = f" id={pc.rc.cell.id}" if pc.rc.cell.id else ""
    return f"# cell {cell_number(pc.rc.cell.index)} [{pc.rc.role}]{ident}, " + (
        "line 1" if count == 1 else f"lines 1-{count}"
    )


def _cell_diag(pc: ParsedCell, line: int | None, message: str, hint: str) -> Diagnostic:
    return Diagnostic("error", message, "", pc.rc.cell.index, pc.rc.cell.id, line, hint)


MAX_NESTING = 50  # as for parameters: Python's parser stops at 200 nested brackets


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_NESTING:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, (list, tuple, set, frozenset)):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def _set_as_list(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):  # sent as a JSON list; the flow's `set[...]` type restores it
        return sorted(value, key=repr)
    raise TypeError(type(value).__name__)


def _literal_assignments(pc: ParsedCell) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    for st in pc.statements:
        node = st.node
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            return None
        try:
            values[node.targets[0].id] = ast.literal_eval(node.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
    return values
