"""Process pools started by fork inside the flow.

A notebook's kernel runs one thread, so `multiprocessing.Pool()` (fork, Linux's default before
Python 3.14) is safe there. The flow's process also runs Prefect's threads (its event loop, the
API client, log shipping); fork copies only the calling thread, and a lock another thread holds at
that moment stays held forever in the child: the pool can hang. Seen here: one CI run of a
fork-Pool notebook hung for 300 s. Pure: reads the parsed cells only.
"""

from __future__ import annotations

import ast

from etlnb.analyse import outside
from etlnb.analyse.cells import ParsedCell
from etlnb.analyse.diagnostics import Diagnostic

# what starts worker processes, by the module it comes from
_STARTERS = {
    "multiprocessing": {"Pool", "Process"},
    "multiprocessing.pool": {"Pool"},
    "concurrent.futures": {"ProcessPoolExecutor"},
    "concurrent.futures.process": {"ProcessPoolExecutor"},
}
_SAFE_METHODS = ("spawn", "forkserver")  # these pickle the work by reference: never the notebook's own


def _sets_safe_method(tree: ast.AST) -> bool:
    """`multiprocessing.set_start_method("spawn")` anywhere: every pool after it is safe."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "set_start_method":
            method = node.args[0] if node.args else None
            if isinstance(method, ast.Constant) and method.value in _SAFE_METHODS:
                return True
    return False


def fork_pools(path: str, parsed: list[ParsedCell]) -> list[Diagnostic]:
    """A warning at each call in a compiled cell that starts processes by fork."""
    imports: dict[str, str] = {}  # local name -> dotted origin (`mp` -> `multiprocessing`)
    out: list[Diagnostic] = []
    if any(_sets_safe_method(st.node) for pc in parsed for st in pc.statements):
        return out
    for pc in parsed:
        for st in pc.statements:
            imports.update(outside.imported_names(st.node))
            if not pc.rc.compiled:
                continue
            for node in ast.walk(st.node):
                if not isinstance(node, ast.Call) or any(k.arg == "mp_context" for k in node.keywords):
                    continue
                full = outside.dotted(node.func, imports)
                if not full:
                    continue
                dotted = ast.unparse(node.func)
                module, _, name = full.rpartition(".")
                if name not in _STARTERS.get(module, ()):
                    continue
                out.append(
                    Diagnostic(
                        "warning",
                        f"`{dotted}(...)` starts processes by fork inside the flow, whose process also runs"
                        " Prefect's threads: a lock one of them holds is copied held, and the pool can hang",
                        path,
                        pc.rc.cell.index,
                        pc.rc.cell.id,
                        node.lineno,
                        hint="write the work as a mapped line (`results = [work(x) for x in items]`): the flow"
                        " fans it out itself, in processes with task_runner = dask; a spawn context works"
                        " only for functions from an installed module, not the notebook's own",
                    )
                )
    return out
