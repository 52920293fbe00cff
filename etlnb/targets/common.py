"""What every target's emitter shares: its options, literals, the cell markers `etlnb where`
reads, the blocks both scripts carry (sample parameters, module globals, local modules), and
the shape of a mapped task and of a step's copied code. Pure: no I/O."""

from __future__ import annotations

import ast
import io
import math
import tokenize
from dataclasses import dataclass
from typing import Any

from etlnb.analyse.diagnostics import cell_number
from etlnb.analyse.graph import Block, FlowGraph, Segment, import_bindings

INDENT = "    "


LOCAL_CLUSTERS = ("distributed.LocalCluster", "dask.distributed.LocalCluster", "distributed.deploy.local.LocalCluster")


@dataclass(frozen=True)
class DaskOptions:
    """prefect-dask's DaskTaskRunner arguments, as its docs show them: `address` for an existing
    scheduler, else `cluster_class` / `cluster_kwargs` / `adapt_kwargs` for a cluster per flow run."""

    address: str | None = None
    cluster_class: str | None = None
    cluster_kwargs: dict[str, Any] | None = None
    adapt_kwargs: dict[str, int] | None = None

    def arguments(self) -> dict[str, Any]:
        if self.address:
            return {"address": self.address}
        args: dict[str, Any] = {}
        if self.cluster_class:
            args["cluster_class"] = self.cluster_class
        kwargs = dict(self.cluster_kwargs or {})
        if (self.cluster_class is None or self.cluster_class in LOCAL_CLUSTERS) and "dashboard_address" not in kwargs:
            # a per-run LocalCluster binds its dashboard on :8787 (also when given None), clashing
            # with any other run or a Jupyter extension: a free port instead (its link is logged)
            kwargs["dashboard_address"] = ":0"
        if kwargs:
            args["cluster_kwargs"] = kwargs
        if self.adapt_kwargs:
            args["adapt_kwargs"] = self.adapt_kwargs
        return args


def dask_options(settings: Any) -> DaskOptions | None:
    """The Dask task runner's arguments from etlnb settings; None for the thread pool."""
    if settings is None or getattr(settings, "task_runner", "threads") != "dask":
        return None
    adapt = {
        key: value
        for key, value in (("minimum", settings.dask_adapt_min), ("maximum", settings.dask_adapt_max))
        if value is not None
    }
    return DaskOptions(settings.dask_address, settings.dask_cluster_class, settings.dask_cluster_kwargs, adapt or None)


@dataclass(frozen=True)
class EmitOptions:
    notebook_name: str  # file name, for the header
    project: str
    notebook_dir: str  # notebook folder relative to the script's folder
    extract_retries: int = 2
    retry_delay_seconds: int = 10
    local_modules: bool = False  # the notebook imports modules that sit in its folder
    sample_code: Any = None  # etlnb.analyse.samples.SampleCode when sample values are computed
    dask: DaskOptions | None = None  # mapped tasks on prefect-dask's DaskTaskRunner instead of threads


def render_literal(value: Any, indent: str = "") -> str:
    """A Python literal for JSON-like data; long values are spread over lines."""
    flat = flat_literal(value)
    if len(indent) + len(flat) <= 80 or not isinstance(value, (list, tuple, dict)) or not value:
        return flat
    inner = indent + INDENT
    if isinstance(value, dict):
        items = [f"{inner}{flat_literal(k)}: {render_literal(v, inner)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{indent}}}"
    items = [f"{inner}{render_literal(v, inner)}," for v in value]
    open_, close = ("[", "]") if isinstance(value, list) else ("(", ")")
    return open_ + "\n" + "\n".join(items) + f"\n{indent}{close}"


def flat_literal(value: Any) -> str:
    if isinstance(value, str):
        text = repr(value)
        if text.startswith("'") and '"' not in value:
            text = '"' + text[1:-1] + '"'
        return text
    if isinstance(value, float) and not math.isfinite(value):
        return f'float("{value}")'
    if isinstance(value, (bool, int, float, bytes)) or value is None:
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{flat_literal(k)}: {flat_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flat_literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(flat_literal(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, (set, frozenset)):
        if not value:
            return "set()"
        return "{" + ", ".join(sorted(flat_literal(v) for v in value)) + "}"
    raise TypeError(f"cannot render {type(value).__name__} as a literal")


def indent_code(text: str, prefix: str = INDENT) -> str:
    """Indent code without touching lines inside multi-line strings."""
    lines = text.split("\n")
    inside: set[int] = set()  # 0-based lines that continue a string token
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text + "\n").readline):
            if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                inside.update(range(tok.start[0], tok.end[0]))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return "\n".join(line if (i in inside or not line.strip()) else prefix + line for i, line in enumerate(lines))


def marker(block: Block) -> str:
    rc = block.cell
    ident = f" id={rc.cell.id}" if rc.cell.id else ""
    ranges = block.ranges or ((block.start, block.end),)
    spans = [f"{a}" if a == b else f"{a}-{b}" for a, b in ranges]
    lines = ("line " if len(ranges) == 1 and ranges[0][0] == ranges[0][1] else "lines ") + ", ".join(spans)
    return f"# cell {cell_number(rc.cell.index)} [{rc.role}]{ident}, {lines}"


IMPORTS_BEGIN = "# etlnb: sort imports"  # lint.py sorts what lies between and removes both lines
IMPORTS_END = "# etlnb: end imports"


def sorted_imports(lines: list[str]) -> str:
    """Import lines for lint.py to sort into one isort-style block (ruff's own sort)."""
    return "\n".join([IMPORTS_BEGIN, *lines, IMPORTS_END]) if lines else ""


def origin_comment(block: Block, line: int) -> str:
    """`# cell N [role], line L`: where a line of the sorted import block comes from (`etlnb where`)."""
    offset = line - 1
    for start, end in block.ranges or ((block.start, block.end),):
        if offset <= end - start:
            return f"# cell {cell_number(block.cell.cell.index)} [{block.cell.role}], line {start + offset}"
        offset -= end - start + 1
    return f"# cell {cell_number(block.cell.cell.index)} [{block.cell.role}]"


def _names(tree: ast.AST) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            out.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
    return out


def import_section(blocks: list[Block]) -> tuple[list[str], list[Block]]:
    """The notebook's imports as one block (one statement per line, each saying where it comes
    from; lint.py sorts them) and the module blocks left in notebook order.

    An import block joins the sorted block when moving it up changes nothing: it passes only
    inert blocks (definitions and constants) that neither read nor define a name it binds, and
    binds no name another gathered import binds differently (sorting would change which wins).
    The first block that is not so, and everything after it, stay where they are."""
    lines: list[str] = []
    rest: list[Block] = []
    bound: dict[str, str] = {}  # name -> what it refers to (a module, or `module:name`)
    passed: set[str] = set()  # names read or defined by inert blocks the imports move above
    written: set[str] = set()  # an identical import in a later cell is the same binding: once
    stopped = False
    for block in blocks:
        if block.is_import and not stopped:
            tree = ast.parse(block.text)
            found: list[tuple[str, str, str, int]] = []  # (name, what it is bound to, statement, line)
            for stmt in tree.body:
                assert isinstance(stmt, (ast.Import, ast.ImportFrom))
                # `import a, b`: one line each, as isort writes them
                parts = [ast.Import(names=[a]) for a in stmt.names] if isinstance(stmt, ast.Import) else [stmt]
                for part in parts:
                    text = ast.unparse(part)
                    found += [(name, what, text, stmt.lineno) for name, what in import_bindings(part).items()]
            if any(name == "*" or name in passed or bound.get(name, what) != what for name, what, _, _ in found):
                stopped = True
            else:
                for name, what, text, line in found:
                    bound[name] = what
                    if text not in written:
                        written.add(text)
                        lines.append(f"{text}  {origin_comment(block, line)}")
                continue
        if not block.inert:
            stopped = True
        if not stopped:
            passed |= _names(ast.parse(block.text))
        rest.append(block)
    return lines, rest


def local_modules_block(notebook_dir: str) -> str:
    """Both targets: run from the notebook's folder, with it on sys.path, when run directly."""
    return (
        "# The notebook imports modules from its own folder: Jupyter runs it from there, with\n"
        "# that folder on sys.path, and so does this script when run directly (local runs only:\n"
        "# `etlnb deploy` refuses such imports, a deployed flow gets only this script).\n"
        'if __name__ == "__main__":\n'
        f"{INDENT}os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), {flat_literal(notebook_dir)}))\n"
        f'{INDENT}sys.path.insert(0, "")'
    )


def module_globals_block(names: list[str]) -> str:
    """Both targets: the notebook values helpers read as module globals, set by the flow."""
    return (
        "# Notebook values that helper functions read as module globals; the flow sets\n"
        "# them from its parameters before the first step (steps run one at a time).\n"
        + "\n".join(f"{n} = None" for n in names)
    )


def sample_function(code: Any, sample: dict[str, Any]) -> str:
    """`def sample_parameters()`, shared by both targets: the parameters cell's values, then the
    sample cells' code (`code`, an etlnb.analyse.samples.SampleCode) with its comments, then the values
    of the names in `sample`. Computed values are never written into a script: it runs this."""
    body = [f"{INDENT}{n} = {render_literal(v, INDENT)}" for n, v in code.prelude.items()]
    for comment, source in code.pieces:
        if comment:
            body.append(INDENT + comment)
        body.append(indent_code(source))
    names = ", ".join(f"{flat_literal(n)}: {n}" for n in sample)
    body.append(f"{INDENT}return {{{names}}}")
    return (
        "def sample_parameters() -> dict:\n"
        f'{INDENT}"""The notebook\'s sample parameters: its parameters and sample cells, run in order."""\n'
        + "\n".join(body)
    )


def without_globals(seg: Segment) -> str:
    """A cell-level `global x` is a no-op in the notebook; the task declares it at its top instead."""
    if not seg.global_lines:
        return seg.block.text
    lines = seg.block.text.split("\n")
    offsets: dict[int, int] = {}
    index = 0
    for start, end in seg.block.ranges or ((seg.block.start, seg.block.end),):
        for line in range(start, end + 1):
            offsets[line] = index
            index += 1
    for line in seg.global_lines:
        i = offsets.get(line)
        if i is not None and lines[i].lstrip().startswith("global "):
            lines[i] = "# " + lines[i].strip() + "  (declared at the top of this task)"
    return "\n".join(lines)


def _bound_at_top(text: str) -> set[str]:
    """Names code binds or deletes in its own scope (not inside functions, classes or lambdas)."""
    out: set[str] = set()
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return out
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.add(child.name)
                continue
            if isinstance(child, ast.Lambda):
                continue
            if isinstance(child, ast.Name) and isinstance(child.ctx, (ast.Store, ast.Del)):
                out.add(child.id)
            elif isinstance(child, ast.alias):
                out.add((child.asname or child.name).split(".")[0])
            todo.append(child)
    return out


def step_preamble(seg: Segment) -> list[str]:
    """What a step task's body starts with so the copied cell means what it meant in the kernel."""
    lines = []
    # only names the cell itself binds: a helper that rebinds a global declares it itself, and a
    # read needs no declaration
    names = [n for n in seg.global_names if n in _bound_at_top(seg.block.text)]
    if names:
        lines.append(f"{INDENT}global {', '.join(names)}  # module globals, as in the notebook")
    if "__name__" in seg.reads:
        lines.append(f'{INDENT}__name__ = "__main__"  # as in the notebook\'s kernel')
    return lines


def renamed_argument(name: str, reserved: frozenset[str]) -> str:
    """A task's argument name for a notebook name: names the target's task call reserves get a suffix."""
    return f"{name}_arg" if name in reserved else name


def rebind_arguments(names: list[str], reserved: frozenset[str], owner: str, indent: str = INDENT) -> list[str]:
    """Lines that give renamed arguments their notebook names back, first thing in the task."""
    return [f"{indent}{n} = {n}_arg  # {owner} reserves the argument name `{n}`" for n in names if n in reserved]


def mapped_task(
    seg: Segment,
    decorator: str,
    reserved: frozenset[str] = frozenset(),
    argument=lambda name: name,
    rebind=lambda names: [],
) -> str:
    """The task a mapped line `NAME = [FUNC(ITEM) for ITEM in ITERABLE]` becomes: FUNC on one item.
    `reserved` are argument names the target's task machinery owns; `argument` spells a closure
    input as an argument and `rebind` gives it its notebook name back inside the task."""
    m = seg.map
    assert m is not None
    item = m.item
    taken = {m.func, *seg.closure_inputs, *(b.text.split("(")[0].split()[-1] for b in seg.nested)}
    while item in taken or item in reserved:
        item = "item" if item != "item" else "item_"
    source_line = seg.block.text.split("\n")[-1].strip()
    mark = marker(seg.block)
    # the ": ..." suffix tells `etlnb where` that this wrapper runs that one line
    head = f"{mark}: {source_line}" if len(mark) + len(source_line) < 86 else f"{mark}: mapped over {m.iterable}"
    if not seg.nested:
        return f"{head}\n{decorator}\ndef {seg.key}({item}):\n{INDENT}return {m.func}({item})"
    args = ", ".join([item, *(argument(n) for n in seg.closure_inputs)])
    doc = (
        f'{INDENT}"""`{m.func}` on one item. The notebook values its helpers read as globals come in as\n'
        f'{INDENT}arguments, with a copy of those helpers, so each run sees them in any process."""'
    )
    body = [f"{INDENT}{marker(b)}\n{indent_code(b.text)}" for b in seg.nested]
    return (
        f"{head}\n{decorator}\ndef {seg.key}({args}):\n{doc}\n"
        + "".join(line + "\n" for line in rebind(list(seg.closure_inputs)))
        + "\n".join(body)
        + f"\n{INDENT}return {m.func}({item})"
    )


def flow_variable(graph: FlowGraph, seg: Segment | None, name: str) -> str:
    """The flow body's variable for a notebook name. A step's new value of a module constant
    (`COLUMNS = COLUMNS + [...]`) gets its own variable: the module constant stays readable."""
    if seg is not None and seg.sources.get(name) == "module":
        return name
    return f"{name}_value" if name in graph.code_names else name
