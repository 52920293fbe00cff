"""Graph step: parsed cells -> flow graph (parameters, module code, tasks, edges).

Resolves every name a step reads to what defines it at that point of the
notebook: a flow parameter, module code, an earlier step's output, or
hidden notebook state (an error).
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from etlnb.cells import ParsedCell
from etlnb.diagnostics import Diagnostic
from etlnb.names import FunctionInfo, StatementInfo
from etlnb.roles import RoleCell

BUILTINS = frozenset(dir(builtins)) | {"__name__", "__doc__"}
IPYTHON_ONLY = frozenset({"display", "get_ipython", "In", "Out", "_", "__", "___", "_ih", "_oh", "_i", "_ii", "_iii"})
# Names the generated script defines at module level.
RESERVED = frozenset(
    {
        "flow",
        "task",
        "unmapped",
        "NO_CACHE",
        "ThreadPoolTaskRunner",
        "Any",
        "SAMPLE_PARAMETERS",
        "NOTEBOOK_DIR",
        "run_sample",
    }
)


@dataclass
class Param:
    name: str
    value: Any
    annotation: str | None
    cell: RoleCell
    line: int


@dataclass
class Block:
    """Verbatim lines of one cell: lines[start-1:end] of the cell's source.

    `ranges` lists the line ranges copied when hoisted definitions were cut
    out of the middle (start..end spans them all).
    """

    cell: RoleCell
    start: int
    end: int
    text: str
    is_import: bool = False
    ranges: tuple[tuple[int, int], ...] = ()


@dataclass
class MapSpec:
    target: str
    func: str
    item: str
    iterable: str
    line: int


@dataclass
class Segment:
    """One task: a whole step cell, or the part of one between mapped lines."""

    key: str  # task function name
    cell: RoleCell
    block: Block
    map: MapSpec | None = None
    reads: list[str] = field(default_factory=list)
    maybe_reads: list[str] = field(default_factory=list)  # read where only some paths bound them
    read_lines: dict[str, int] = field(default_factory=dict)  # line in the cell of each read
    writes: set[str] = field(default_factory=set)
    mutates: set[str] = field(default_factory=set)
    deletes: set[str] = field(default_factory=set)
    aliases: list[tuple[str, str]] = field(default_factory=list)
    function_reads: dict[str, str] = field(default_factory=dict)  # free name -> function
    inputs: list[str] = field(default_factory=list)
    publish: list[str] = field(default_factory=list)  # inputs that helper functions read as globals
    declare_global: list[str] = field(default_factory=list)  # bound here, read by helper functions
    sources: dict[str, str] = field(default_factory=dict)  # input -> producer key or "param"
    outputs: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)  # keys that must finish first (no data passed)

    @property
    def role(self) -> str:
        return self.cell.role


@dataclass
class FlowGraph:
    notebook: str
    flow_name: str
    params: list[Param]
    module_blocks: list[Block]
    segments: list[Segment]
    functions: dict[str, FunctionInfo]
    code_names: set[str] = field(default_factory=set)  # module-level names: imports, defs, constants

    @cached_property
    def _by_key(self) -> dict[str, Segment]:
        return {s.key: s for s in self.segments}  # segments are fixed once the graph is built

    def segment(self, key: str) -> Segment:
        return self._by_key[key]


@dataclass
class _Def:
    kind: str  # "param", "code", "step", "hidden", "deleted"
    cell: RoleCell
    key: str = ""  # producing segment


def identifier(text: str) -> str:
    name = re.sub(r"\W+", "_", text).strip("_").lower() or "flow"
    return "_" + name if name[0].isdigit() else name


def build_graph(path: str, parsed: list[ParsedCell], flow_name: str) -> tuple[FlowGraph, list[Diagnostic]]:
    b = _Builder(path, flow_name)
    for pc in parsed:
        b.add_cell(pc)
    b.finish()
    graph = FlowGraph(path, flow_name, b.params, b.module_blocks, b.segments, b.functions, set(b.module_names))
    return graph, b.diagnostics


class _Builder:
    def __init__(self, path: str, flow_name: str):
        self.path = path
        self.flow_name = flow_name
        self.params: list[Param] = []
        self.module_blocks: list[Block] = []
        self.segments: list[Segment] = []
        self.by_key: dict[str, Segment] = {}
        self.functions: dict[str, FunctionInfo] = {}
        self.function_cells: dict[str, RoleCell] = {}
        self.defs: dict[str, _Def] = {}
        self.readers: dict[str, list[str]] = {}  # name -> keys that read its current value
        self.alias_of: dict[str, str] = {}  # `b = a` -> b: a (names bound to one object)
        self.touched: dict[str, list[str]] = {}  # name -> keys that changed its object through an alias
        self.validates: list[str] = []
        self.diagnostics: list[Diagnostic] = []
        self.defined_later: dict[str, RoleCell] = {}
        self.module_names: dict[str, RoleCell] = {}

    def error(self, rc: RoleCell, line: int | None, message: str, hint: str = "") -> None:
        self.diagnostics.append(Diagnostic("error", message, self.path, rc.cell.index, rc.cell.id, line, hint))

    # -- cells ---------------------------------------------------------
    def add_cell(self, pc: ParsedCell) -> None:
        rc = pc.rc
        if not pc.ok:
            return
        if rc.role == "parameters":
            self._parameters(pc)
        elif rc.role in ("imports", "functions"):
            self._module_cell(pc)
        elif rc.is_step:
            self._step_cell(pc)
        else:
            self._hidden_cell(pc)

    def _parameters(self, pc: ParsedCell) -> None:
        rc = pc.rc
        for st in pc.statements:
            node = st.node
            target = value = None
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            if not isinstance(target, ast.Name) or value is None:
                self.error(
                    rc,
                    node.lineno,
                    "parameters cell may only hold assignments `name = literal`",
                    "move other code to an imports or step cell",
                )
                continue
            try:
                literal = ast.literal_eval(value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                self.error(
                    rc,
                    node.lineno,
                    f"parameter `{target.id}` is not a literal",
                    "parameters must be literals (numbers, strings, lists, dicts...); compute values in a sample or step cell",
                )
                continue
            self.params = [p for p in self.params if p.name != target.id]
            self.params.append(Param(target.id, literal, annotation_for(literal), rc, node.lineno))
            self.defs[target.id] = _Def("param", rc)
            self.readers[target.id] = []

    def _module_cell(self, pc: ParsedCell) -> None:
        rc = pc.rc
        for st in pc.statements:
            for name in st.code | st.binds:
                self.defs[name] = _Def("code", rc)
                self.module_names[name] = rc
            for name, info in st.functions.items():
                self.functions[name] = info
                self.function_cells[name] = rc
        block = _block(rc, pc.lines, 1, len(pc.lines))
        if block is not None:
            block.is_import = rc.role == "imports"
            self.module_blocks.append(block)

    def _hidden_cell(self, pc: ParsedCell) -> None:
        rc = pc.rc
        for st in pc.statements:
            for name in sorted(st.writes | st.code):
                current = self.defs.get(name)
                if current is not None and current.kind == "code" and name not in st.binds | st.code:
                    continue  # `pd.set_option(...)` calls into a module; it does not redefine it
                if rc.role == "sample" and current is not None and current.kind == "param":
                    continue  # a sample override of a parameter: the flow gets it as a parameter
                self.defs[name] = _Def("hidden", rc)
            for name in st.deletes:
                self.defs[name] = _Def("hidden", rc)
            for target, source in st.aliases:  # `ys = xs` here: both names hold one object
                self.alias_of[target] = self.alias_of.get(source, source)
            for name in sorted(st.mutates - st.binds):  # changed through another name of the same object
                root = self.alias_of.get(name, name)
                for member in sorted({m for m, r in self.alias_of.items() if r == root} | {root}):
                    current = self.defs.get(member)
                    if member != name and current is not None and current.kind in ("step", "param"):
                        self.defs[member] = _Def("hidden", rc)

    # -- step cells ----------------------------------------------------
    def _step_cell(self, pc: ParsedCell) -> None:
        rc = pc.rc
        groups: list[tuple[list[StatementInfo], MapSpec | None]] = []
        prev_end = 0
        extents: dict[int, tuple[int, int]] = {}
        for st in pc.statements:
            start = prev_end + 1
            extents[id(st)] = (start, st.node.end_lineno or st.node.lineno)
            prev_end = st.node.end_lineno or st.node.lineno
        # hoist definitions and imports first: in the notebook they exist before later steps run
        for st in pc.statements:
            if st.hoisted:
                start, end = extents[id(st)]
                for name in st.code:
                    self.defs[name] = _Def("code", rc)
                    self.module_names[name] = rc
                for name, info in st.functions.items():
                    self.functions[name] = info
                    self.function_cells[name] = rc
                block = _block(rc, pc.lines, start, end)
                if block is not None:
                    block.is_import = isinstance(st.node, (ast.Import, ast.ImportFrom))
                    self.module_blocks.append(block)
        for st in pc.statements:
            if st.hoisted:
                continue
            spec = self._map_spec(st)
            if spec is not None or not groups or groups[-1][1] is not None:
                groups.append(([st], spec))
            else:
                groups[-1][0].append(st)
        code_groups = sum(1 for _, spec in groups if spec is None)
        n_code = 0
        if pc.statements:  # comments after the last statement stay with it
            last = pc.statements[-1]
            extents[id(last)] = (extents[id(last)][0], len(pc.lines))
        for i, (stmts, spec) in enumerate(groups):
            block = _joined_block(rc, pc.lines, [extents[id(st)] for st in stmts])
            if spec is not None:
                key = f"cell{rc.cell.index}_map_{spec.func}"
                if key in self.by_key:
                    key += f"_{i + 1}"
            elif code_groups == 1:
                key = f"cell{rc.cell.index}_{rc.role}"
            else:
                n_code += 1
                key = f"cell{rc.cell.index}_{rc.role}_{n_code}"
            seg = Segment(key, rc, block, map=spec)
            self._segment_names(seg, stmts)
            self._resolve(seg, stmts[0].node.lineno)
            self.segments.append(seg)
            self.by_key[seg.key] = seg
        if not groups:
            pass  # only definitions: nothing runs as a task

    def _map_spec(self, st: StatementInfo) -> MapSpec | None:
        node = st.node
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            return None
        comp = node.value
        if not isinstance(comp, ast.ListComp) or len(comp.generators) != 1:
            return None
        gen = comp.generators[0]
        call = comp.elt
        if gen.ifs or gen.is_async or not isinstance(gen.target, ast.Name) or not isinstance(gen.iter, ast.Name):
            return None
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and not call.keywords
            and len(call.args) == 1
            and isinstance(call.args[0], ast.Name)
            and call.args[0].id == gen.target.id
        ):
            return None
        if call.func.id not in self.functions:
            return None
        return MapSpec(node.targets[0].id, call.func.id, gen.target.id, gen.iter.id, node.lineno)

    def _segment_names(self, seg: Segment, stmts: list[StatementInfo]) -> None:
        bound: set[str] = set()
        bound_at_use: dict[str, list[set[str]]] = {}  # helper function -> names bound before each use
        for st in stmts:
            for name in dict.fromkeys([*st.reads, *st.maybe_reads]):
                if name in self.functions:
                    bound_at_use.setdefault(name, []).append(set(bound))
            for name in st.reads:
                if name not in bound and name not in seg.reads:
                    seg.reads.append(name)
                    seg.read_lines[name] = st.read_lines.get(name, st.node.lineno)
            for name in st.maybe_reads:
                if name not in bound and name not in seg.reads and name not in seg.maybe_reads:
                    seg.maybe_reads.append(name)
                    seg.read_lines[name] = st.read_lines.get(name, st.node.lineno)
            bound |= st.binds | st.code
            seg.writes |= st.binds
            seg.mutates |= st.mutates
            seg.deletes |= st.deletes
            seg.aliases += st.aliases
        if seg.map is not None:
            seg.reads = [seg.map.iterable, seg.map.func]
            seg.writes = {seg.map.target}
            seg.mutates = set()
        # what the helper functions it uses read and write, transitively
        for name in list(seg.reads):
            if name in self.functions:
                reads, writes = self._function_closure(name)
                uses = bound_at_use.get(name) or [set()]
                before, ever = uses[0], set().union(*uses)
                for free, func in reads.items():
                    if free in ever and free not in seg.declare_global:
                        # bound in this task and read by the helper afterwards: a module global
                        seg.declare_global.append(free)
                    if free not in before and free not in seg.function_reads:
                        seg.function_reads[free] = func
                        seg.read_lines.setdefault(free, seg.read_lines.get(name, stmts[0].node.lineno))
                for written, func in writes.items():
                    d = self.defs.get(written)
                    if d is not None and d.kind == "code" and written not in self.functions[func].writes:
                        continue  # `time.sleep()` or `log.info()` uses a module; it does not write data
                    if seg.map is not None:
                        self.error(
                            seg.cell,
                            seg.map.line,
                            f"mapped function `{seg.map.func}` changes the global `{written}` (via `{func}`); mapped calls run concurrently",
                            "return the value from the function instead of changing a global",
                        )
                    seg.mutates.add(written)
                    if written not in seg.function_reads and written not in before:
                        seg.function_reads[written] = func

    def _function_closure(self, name: str) -> tuple[dict[str, str], dict[str, str]]:
        """Free names read and globals written by a function and what it uses."""
        reads: dict[str, str] = {}
        writes: dict[str, str] = {}
        seen: set[str] = set()
        stack = [name]
        while stack:
            fname = stack.pop()
            if fname in seen:
                continue
            seen.add(fname)
            info = self.functions[fname]
            for free in sorted(info.reads):
                if free in self.functions:
                    stack.append(free)
                elif free not in BUILTINS:
                    reads.setdefault(free, fname)
            for w in sorted(info.writes | info.mutates):
                writes.setdefault(w, fname)
        return reads, writes

    def _resolve(self, seg: Segment, first_line: int) -> None:
        rc = seg.cell
        direct = [(n, None) for n in seg.reads]
        carried = [(n, f) for n, f in seg.function_reads.items() if n not in seg.reads]
        maybe = [(n, None) for n in seg.maybe_reads if n not in seg.reads and n not in seg.function_reads]
        for name, func in direct + carried + maybe:
            d = self.defs.get(name)
            if (name, func) in maybe and (d is None or d.kind == "deleted"):
                continue  # bound by this step on the paths that read it
            if d is None or d.kind in ("hidden", "deleted"):
                if name in BUILTINS and d is None:
                    continue
                line = seg.map.line if seg.map else seg.read_lines.get(name, first_line)
                self._unresolved(seg, name, func, d, line)
                continue
            if d.kind == "code":
                continue
            seg.inputs.append(name)
            seg.sources[name] = d.key if d.kind == "step" else "param"
            if name in seg.function_reads:
                seg.publish.append(name)
            if d.kind == "step":
                producer = self._segment(d.key)
                if name not in producer.outputs:
                    producer.outputs.append(name)
            self.readers.setdefault(name, []).append(seg.key)
        if seg.map is not None and seg.map.iterable in seg.publish:
            seg.publish.remove(seg.map.iterable)
        for name in seg.inputs:  # an earlier step changed this object through another name
            for key in self.touched.get(name, []):
                if key != seg.key and key != seg.sources.get(name) and key not in seg.after:
                    seg.after.append(key)
        self._follow_aliases(seg)
        # writing an object in place must wait for everyone reading its current version
        for name in sorted(seg.mutates):
            for reader in self.readers.get(name, []):
                if reader != seg.key and reader not in seg.after and seg.sources.get(name) != reader:
                    seg.after.append(reader)
        if seg.role == "load":
            seg.after.extend(k for k in self.validates if k not in seg.after)
        if seg.role == "validate":
            self.validates.append(seg.key)
        for name in sorted(seg.writes | seg.mutates):
            if name in self.defs and self.defs[name].kind == "code" and name not in seg.writes:
                continue
            self.defs[name] = _Def("step", rc, seg.key)
            self.readers[name] = []
            self.touched.pop(name, None)
        for name in sorted(seg.deletes):
            self.defs[name] = _Def("deleted", rc, seg.key)

    def _follow_aliases(self, seg: Segment) -> None:
        """`b = a; b.append(x)` changes `a` too: treat it as a write of `a`, or at least order it."""
        for name in sorted((seg.writes - seg.mutates) | seg.deletes):  # rebound or deleted (`x += ...` is in place)
            members = sorted(m for m, r in self.alias_of.items() if r == name and m != name)
            if members:  # the old object lives on under its other names, with its readers
                new_root = members[0]
                self.alias_of.pop(new_root, None)
                for member in members[1:]:
                    self.alias_of[member] = new_root
                for member in members:
                    known = self.readers.setdefault(member, [])
                    known += [r for r in self.readers.get(name, []) if r not in known]
            self.alias_of.pop(name, None)
        for target, source in seg.aliases:
            self.alias_of[target] = self.alias_of.get(source, source)
        for name in sorted(seg.mutates):
            root = self.alias_of.get(name)
            group = {n for n, r in self.alias_of.items() if r == root} | {root} if root else set()
            for other in sorted(group - {name}):
                d = self.defs.get(other)
                if d is None or d.kind not in ("step", "param"):
                    continue
                if other in seg.inputs or other in seg.writes:
                    seg.mutates.add(other)
                else:
                    for reader in self.readers.get(other, []):
                        if reader != seg.key and reader not in seg.after:
                            seg.after.append(reader)
                    self.touched.setdefault(other, []).append(seg.key)

    def _segment(self, key: str) -> Segment:
        return self.by_key[key]

    def _unresolved(self, seg: Segment, name: str, func: str | None, d: _Def | None, line: int) -> None:
        rc = seg.cell
        via = f" (through function `{func}`)" if func else ""
        if d is not None and d.kind == "deleted":
            self.error(
                rc,
                line,
                f"`{name}`{via} was deleted by {d.cell.label} before this step reads it",
                f"move the `del {name}` after this step, or read the value before deleting it",
            )
        elif d is not None:
            hint = f"tag {d.cell.label.split(' [')[0]} as a step (extract/transform/load), or define `{name}` in a tagged cell"
            if d.cell.role == "sample":
                hint = f"sample cells only override parameters: add `{name}` to the parameters cell"
            what = f"{func}() reads `{name}`" if func else f"step reads `{name}`"
            self.error(
                rc,
                line,
                f"hidden state: {what}, which only {d.cell.label} defines; the flow would not have it",
                hint,
            )
        elif name in IPYTHON_ONLY:
            self.error(
                rc,
                line,
                f"`{name}`{via} only exists inside IPython",
                "use print(), or import it explicitly (from IPython.display import display)",
            )
        else:
            self.error(
                rc,
                line,
                f"`{name}`{via} is read but no earlier tagged cell defines it",
                "add the import to the imports cell, a parameter to the parameters cell, or define it in an earlier step",
            )

    def finish(self) -> None:
        for name, rc in self.module_names.items():
            if name in RESERVED or name == identifier(self.flow_name) + "_flow":
                self.error(rc, None, f"`{name}` is a name the generated flow script uses", "rename it in the notebook")
        keys = {s.key for s in self.segments}
        for name, rc in self.module_names.items():
            if name in keys:
                self.error(rc, None, f"`{name}` clashes with a generated task name", "rename it in the notebook")


def annotation_for(value: Any) -> str | None:
    """Type hint for a parameter, inferred from its literal default."""
    if value is None:
        return None
    if isinstance(value, (bool, int, float, str, bytes)):
        return type(value).__name__
    if isinstance(value, (list, tuple, set)):
        inner = _common({annotation_for(v) for v in value})
        return f"{type(value).__name__}[{inner}]"
    if isinstance(value, dict):
        keys = _common({annotation_for(k) for k in value})
        values = _common({annotation_for(v) for v in value.values()})
        return f"dict[{keys}, {values}]"
    return None


def _common(types: set[str | None]) -> str:
    if len(types) == 1:
        (only,) = types
        if only is not None:
            return only
    if types == {"int", "float"}:
        return "float"
    return "Any"


def _joined_block(rc: RoleCell, lines: list[str], extents: list[tuple[int, int]]) -> Block:
    """One block from several line ranges of a cell (hoisted lines between them left out)."""
    merged: list[list[int]] = []
    for start, end in extents:
        if merged and merged[-1][1] + 1 == start:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    pieces = [b for b in (_block(rc, lines, start, end) for start, end in merged) if b is not None]
    if not pieces:
        start, end = extents[0][0], extents[-1][1]
        return Block(rc, start, end, "")
    ranges = tuple((b.start, b.end) for b in pieces)
    return Block(rc, pieces[0].start, pieces[-1].end, "\n".join(b.text for b in pieces), ranges=ranges)


def _block(rc: RoleCell, lines: list[str], start: int, end: int) -> Block | None:
    """Lines start..end (1-based) of a cell, without blank lines at either end."""
    while start <= end and not lines[start - 1].strip():
        start += 1
    while end >= start and not lines[end - 1].strip():
        end -= 1
    if start > end:
        return None
    return Block(rc, start, end, "\n".join(lines[start - 1 : end]))
