"""Sample parameters: run the parameters and sample cells, as the notebook does.

This is an edge of the pipeline (it runs analyst code, in the notebook's
folder), so it is kept apart from the pure compile steps.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import traceback
from pathlib import Path
from typing import Any

from etlnb.cells import ParsedCell
from etlnb.diagnostics import Diagnostic
from etlnb.graph import Param


def sample_parameters(
    path: str, parsed: list[ParsedCell], params: list[Param], notebook_dir: Path
) -> tuple[dict[str, Any], list[Diagnostic]]:
    names = [p.name for p in params]
    namespace: dict[str, Any] = {}
    diagnostics: list[Diagnostic] = []
    imports = [st.node for pc in parsed if pc.rc.role == "imports" and pc.ok for st in pc.statements if st.hoisted]
    for pc in parsed:
        if not pc.ok or pc.rc.role not in ("parameters", "sample"):
            continue
        if pc.rc.role == "parameters":
            namespace.update({p.name: p.value for p in params if p.cell is pc.rc})
            continue
        literal = _literal_assignments(pc)
        if literal is not None:
            namespace.update(literal)
            continue
        error = _exec_sample(pc, namespace, imports, notebook_dir)
        if error:
            line, message = error
            diagnostics.append(
                Diagnostic(
                    "error",
                    f"sample cell failed: {message}",
                    path,
                    pc.rc.cell.index,
                    pc.rc.cell.id,
                    line,
                    "sample cells run at compile time from the notebook's folder; they may only use tagged imports",
                )
            )
            return {}, diagnostics
    sample = {n: namespace[n] for n in names if n in namespace}
    for name, value in sample.items():
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            diagnostics.append(
                Diagnostic(
                    "error",
                    f"sample value of parameter `{name}` is a {type(value).__name__}, not JSON data",
                    path,
                    hint="sample parameters must be JSON-serialisable (str, numbers, lists, dicts)",
                )
            )
    return sample, diagnostics


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


def _exec_sample(
    pc: ParsedCell, namespace: dict[str, Any], imports: list[ast.stmt], notebook_dir: Path
) -> tuple[int | None, str] | None:
    needed = {n for st in pc.statements for n in st.reads}
    filename = f"<sample cell {pc.rc.cell.index}>"
    with _cwd(notebook_dir):
        try:
            for node in imports:
                bound = {a.asname or a.name.split(".")[0] for a in node.names}  # type: ignore[attr-defined]
                if bound & needed:
                    exec(compile(ast.Module([node], []), "<imports>", "exec"), namespace)
            exec(compile(pc.source, filename, "exec"), namespace)
        except Exception as exc:  # analyst code: report any failure with its line
            line = None
            for frame in traceback.extract_tb(exc.__traceback__):
                if frame.filename == filename:
                    line = frame.lineno
            return line, f"{type(exc).__name__}: {exc}"
    return None


@contextlib.contextmanager
def _cwd(path: Path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)
