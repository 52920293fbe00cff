"""The package layout holds: no import circle between etlnb's modules, no private name taken
from another module, and the stages depend on each other only in the documented direction.

Read with the standard library's `ast`, so a lazy import inside a function counts as much as
one at the top; only imports under `if TYPE_CHECKING:` (annotations, never run) are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "etlnb"


def modules_of(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = modules_of(PACKAGE)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(module: str, modules: dict[str, Path] = MODULES) -> list[tuple[str, str | None, int]]:
    """(imported etlnb module, imported name or None, line) for every import the module runs."""
    path = modules[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, str | None, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((a.name, None, node.lineno) for a in node.names if a.name.split(".")[0] == "etlnb")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] == "etlnb":
                for alias in node.names:
                    submodule = f"{source}.{alias.name}"
                    if submodule in modules:
                        found.append((submodule, None, node.lineno))
                    else:
                        found.append((source, alias.name, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return found


def graph(modules: dict[str, Path] = MODULES) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for module in modules:
        for target, _, _ in imports(module, modules):
            # importing etlnb.a.b runs etlnb/__init__ and etlnb/a/__init__ first: those are edges too
            parts = target.split(".")
            for i in range(1, len(parts) + 1):
                prefix = ".".join(parts[:i])
                if prefix in modules and prefix != module and not module.startswith(prefix + "."):
                    edges[module].add(prefix)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return found


def test_the_checks_can_fail(tmp_path):
    """The cycle finder and the private-name rule see what they are meant to see."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    fake = tmp_path / "etlnb"
    (fake / "sub").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "sub" / "__init__.py").write_text("")
    (fake / "sub" / "a.py").write_text(
        "from typing import TYPE_CHECKING\nfrom etlnb.sub.b import _hidden\nif TYPE_CHECKING:\n    from etlnb.sub import c\n"
    )
    (fake / "sub" / "b.py").write_text("def f():\n    from etlnb.sub import a\n")
    (fake / "sub" / "c.py").write_text("")
    modules = modules_of(fake)
    assert imports("etlnb.sub.a", modules) == [("etlnb.sub.b", "_hidden", 2)]
    assert cycles(graph(modules)) == [["etlnb.sub.a", "etlnb.sub.b"]]


def test_no_import_circles():
    found = cycles(graph())
    assert not found, "import circles between etlnb modules:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_no_private_name_is_imported_from_another_module():
    taken = [
        f"{MODULES[m].relative_to(PACKAGE.parent)}:{line}: from {source} import {name}"
        for m in MODULES
        for source, name, line in imports(m)
        if name is not None and name.startswith("_") and not name.startswith("__") and source != m
    ]
    assert not taken, "private names imported across modules:\n" + "\n".join(taken)


# Which stage may import which (DESIGN.md, "Layout"): the analysis is the pure front half and
# knows nothing of targets, runs or Prefect; the command line and Jupyter are faces nothing
# imports; the local server knows only where the project is.
MAY_IMPORT = {
    "analyse": {"analyse"},
    "local": {"analyse", "local"},
    "jupyter": None,  # a face: anything
    "cli": None,
}


ENTRY_POINTS = {"__main__", "labext"}  # `python -m etlnb`, the jupyter_server extension's name


@pytest.mark.parametrize("stage", sorted(MAY_IMPORT))
def test_stages_import_only_what_they_may(stage):
    allowed = MAY_IMPORT[stage]
    wrong = []
    edges = graph()
    for module in MODULES:
        parts = module.split(".")
        if len(parts) < 2:
            continue
        for target in edges[module]:
            target_stage = target.split(".")[1] if "." in target else ""
            if parts[1] == stage and allowed is not None and target_stage not in allowed:
                wrong.append(f"{module} imports {target}")
            if target_stage == stage and allowed is None and parts[1] not in {stage, *ENTRY_POINTS}:
                wrong.append(f"{module} imports the face {target}")
    assert not wrong, "\n".join(sorted(wrong))
