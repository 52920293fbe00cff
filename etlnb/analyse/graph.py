"""Graph step: parsed cells -> flow graph (parameters, module code, tasks, edges).

Resolves every name a step reads to what defines it at that point of the
notebook: a flow parameter, module code, an earlier step's output, or
hidden notebook state (an error).
"""

from __future__ import annotations

import ast
import builtins
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from etlnb.analyse import outside
from etlnb.analyse.cells import ParsedCell
from etlnb.analyse.diagnostics import Diagnostic
from etlnb.analyse.effects import MUTATING_MODULE_FUNCTIONS, PURE_MODULES, closure
from etlnb.analyse.names import FunctionInfo, StatementInfo
from etlnb.analyse.roles import RoleCell

BUILTINS = frozenset(dir(builtins)) | {"__name__", "__doc__"}
IPYTHON_ONLY = frozenset({"display", "get_ipython", "In", "Out", "_", "__", "___", "_ih", "_oh", "_i", "_ii", "_iii"})
# Names the generated script defines at module level.
RESERVED = frozenset({"SAMPLE_PARAMETERS", "NOTEBOOK_DIR", "run_sample", "sample_parameters"})


@dataclass
class Param:
    name: str
    value: Any
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
    is_import: bool = False  # only import statements: the emitter gathers these into one sorted block
    ranges: tuple[tuple[int, int], ...] = ()
    inert: bool = False  # evaluating it earlier or later changes nothing (imports may move above it)


@dataclass
class MapSpec:
    target: str
    func: str
    item: str
    iterable: str
    line: int


@dataclass
class Segment:
    """One task: a whole step cell, or the part of one between mapped lines.

    Steps run one at a time in notebook order (DESIGN.md, "order by default");
    a mapped segment fans out over the task runner.
    """

    key: str  # task function name (chosen once the whole notebook is known)
    cell: RoleCell
    block: Block
    map: MapSpec | None = None
    reads: list[str] = field(default_factory=list)
    read_lines: dict[str, int] = field(default_factory=dict)  # line in the cell of each read
    writes: set[str] = field(default_factory=set)  # data names bound
    mutates: set[str] = field(default_factory=set)  # data names possibly changed in place (the witness checks)
    deletes: set[str] = field(default_factory=set)
    inputs: list[str] = field(default_factory=list)  # task parameters
    sources: dict[str, str] = field(default_factory=dict)  # input -> producer key, "param" or "module"
    outputs: list[str] = field(default_factory=list)  # returned: what later steps read from this one
    global_names: list[str] = field(default_factory=list)  # module globals this task rebinds (helpers read them)
    after: list[str] = field(default_factory=list)  # the step before it (steps run in notebook order)
    first_binds: list[str] = field(default_factory=list)  # bound names in source order, for the task name
    maybe_writes: set[str] = field(default_factory=set)
    global_lines: list[int] = field(default_factory=list)  # cell lines of `global x` statements
    iterable_is_list: bool = False
    # mapped: helpers that read notebook values, copied into the task so it is right in any process
    nested: list[Block] = field(default_factory=list)
    closure_inputs: dict[str, str] = field(default_factory=dict)  # name -> producer key or "param"
    maybe_deletes: set[str] = field(default_factory=set)

    @property
    def role(self) -> str:
        return self.cell.role

    @property
    def id(self) -> str:
        return f"cell{self.cell.cell.index}"


@dataclass
class FlowGraph:
    notebook: str
    flow_name: str
    params: list[Param]
    module_blocks: list[Block]
    segments: list[Segment]
    functions: dict[str, FunctionInfo]
    code_names: set[str] = field(default_factory=set)  # module-level names: imports, defs, constants
    shared: list[str] = field(default_factory=list)  # notebook names that live as module globals
    future_imports: list[str] = field(default_factory=list)  # `from __future__` lines, first in the script

    @cached_property
    def _by_key(self) -> dict[str, Segment]:
        return {s.key: s for s in self.segments}  # segments are fixed once the graph is built

    def segment(self, key: str) -> Segment:
        return self._by_key[key]

    @property
    def shared_params(self) -> list[str]:
        return [p.name for p in self.params if p.name in self.shared]


@dataclass
class _Def:
    kind: str  # "param", "code", "step", "hidden", "deleted"
    cell: RoleCell
    key: str = ""  # producing segment (its id while building)
    seg: Segment | None = None
    in_place_line: int | None = None  # hidden: a sample cell changed this parameter in place, at this line


def identifier(text: str) -> str:
    """A plain ASCII Python identifier from a file or folder name (`½` -> `_12`, `ﬁle` -> `file`)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    name = re.sub(r"[^0-9A-Za-z]+", "_", ascii_text).strip("_").lower() or "flow"
    return "_" + name if name[0].isdigit() else name


# Attribute names of pydantic's BaseModel: Prefect validates a flow's parameters with a pydantic
# model of its signature, where a field of such a name shadows the attribute (`model_extra` then
# arrives as None). Listed, not read from pydantic: `etlnb check` imports neither it nor Prefect.
PYDANTIC_NAMES = frozenset(
    "construct copy dict from_orm json model_computed_fields model_config model_construct model_copy model_dump"
    " model_dump_json model_extra model_fields model_fields_set model_json_schema model_parametrized_name"
    " model_post_init model_rebuild model_validate model_validate_json model_validate_strings parse_file"
    " parse_obj parse_raw schema schema_json update_forward_refs validate Config".split()
)
FLOW_CALL_NAMES = frozenset({"self", "return_state", "wait_for"})  # Prefect's `Flow.__call__` takes these


def prefect_owned_parameter(name: str) -> str:
    """Why a flow could not take a parameter called `name`, or ""."""
    if name in FLOW_CALL_NAMES:
        return f"Prefect's flow call takes `{name}` for itself"
    if name.startswith("_"):
        return "Prefect validates parameters with pydantic, which refuses names starting with `_`"
    if name in PYDANTIC_NAMES or name.startswith("v__"):
        return f"Prefect validates parameters with a pydantic model, where `{name}` is pydantic's own name"
    return ""


def _other_name(name: str) -> str:
    bare = name.lstrip("_")
    return bare if bare and not prefect_owned_parameter(bare) else f"{bare or 'value'}_value"


def build_graph(path: str, parsed: list[ParsedCell], flow_name: str) -> tuple[FlowGraph, list[Diagnostic]]:
    b = _Builder(path, flow_name)
    for pc in parsed:
        b.add_cell(pc)
    b.finish()
    graph = FlowGraph(
        path,
        flow_name,
        b.params,
        b.module_blocks,
        b.segments,
        b.functions,
        set(b.module_names),
        sorted(b.shared),
        b.future_imports,
    )
    return graph, b.diagnostics


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


class _Builder:
    def __init__(self, path: str, flow_name: str):
        self.path = path
        self.flow_name = flow_name
        self.params: list[Param] = []
        self.module_blocks: list[Block] = []
        self.future_imports: list[str] = []
        self.segments: list[Segment] = []
        self.functions: dict[str, FunctionInfo] = {}
        self.deferred: dict[str, set[str]] = {}  # names bound to lambdas -> what those read when called
        self.defs: dict[str, _Def] = {}
        self.module_text: dict[str, str] = {}  # hoisted name -> its statement's text
        self.def_blocks: dict[str, Block] = {}  # module-level def/class -> its verbatim lines
        self.iterators: set[str] = set()  # names bound to iterators (iter(), map(), csv.reader...)
        self.generators: dict[str, tuple[Segment, int]] = {}  # step outputs that are generator objects
        self.alias_edges: dict[str, set[str]] = {}  # names that may share an object (both directions)
        self.shared: set[str] = set()
        self.shared_why: dict[str, tuple[RoleCell, int | None, str]] = {}
        self.maybe_unbound: dict[str, Segment] = {}  # bound on some paths only, nothing before
        self.maybe_gone: set[str] = set()  # deleted on some paths
        self.steps_seen = False
        self.import_path_changed = False  # a step changed `sys.path`: later imports run in order
        self.imports: dict[str, str] = {}  # alias -> dotted module name, from every import so far
        self.seeded: set[str] = set()  # random generators some cell seeded
        self.flow_seeded: set[str] = set()  # ... some cell the flow runs seeded
        self.unseeded_warned: set[str] = set()
        self.outside: list[tuple[outside.Change, RoleCell]] = []  # hidden cells' changes of outside state
        self.fresh: set[str] = set()  # names a hidden cell bound to a new object (a copy, a filtered frame)
        self.dynamic_globals: list[str] = []  # cells that set names through globals()[...] or globals().update
        self.diagnostics: list[Diagnostic] = []
        self.module_names: dict[str, RoleCell] = {}
        self.module_lines: dict[str, int] = {}

    def error(self, rc: RoleCell, line: int | None, message: str, hint: str = "") -> None:
        self.diagnostics.append(Diagnostic("error", message, self.path, rc.cell.index, rc.cell.id, line, hint))

    def _warn_unseeded(self, rc: RoleCell, change: outside.Change) -> None:
        """A step drawing from a global generator nothing in the flow seeded: two runs of the notebook
        differ already, so the flow cannot match it and parity will say so. Said once per generator."""
        if change.kind in self.unseeded_warned:
            return
        self.unseeded_warned.add(change.kind)
        seed = "np.random.seed(0)" if change.kind == "numpy.random" else "random.seed(0)"
        self.diagnostics.append(
            Diagnostic(
                "warning",
                f"`{change.what}` draws from {outside.KINDS[change.kind]}, which no cell the flow runs seeds:"
                " the notebook and the flow get different values, so parity will report a difference",
                self.path,
                rc.cell.index,
                rc.cell.id,
                change.line,
                f"pass `random_state=0` where the call takes it, or seed it in an earlier step ({seed})",
            )
        )

    # -- cells ---------------------------------------------------------
    def add_cell(self, pc: ParsedCell) -> None:
        rc = pc.rc
        if not pc.ok or rc.role == "skip":
            return  # skip: not run by sample runs either (Kale's meaning)
        if rc.role == "parameters":
            self._parameters(pc)
        elif rc.role in ("imports", "functions") or rc.is_step:
            self._code_cell(pc)
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
            owned = prefect_owned_parameter(target.id)
            if owned:
                self.defs.setdefault(target.id, _Def("param", rc))  # reported once, here
                self.error(
                    rc,
                    node.lineno,
                    f"parameter `{target.id}` cannot be a flow parameter: {owned}",
                    f"rename it in the parameters cell and where it is read (e.g. `{_other_name(target.id)}`)",
                )
                continue
            bad = _not_json(literal)
            if bad is not None:
                self.defs.setdefault(target.id, _Def("param", rc))  # reported once, here
                self.error(
                    rc,
                    node.lineno,
                    f"parameter `{target.id}` holds a {bad}, which a flow parameter cannot carry (parameters travel as JSON)",
                    "use a finite number, None or a str in the parameters cell and convert it in a step"
                    if "float" in bad
                    else "read such a structure from a file in the extract step"
                    if "nested" in bad
                    else "use a list (or str) in the parameters cell and convert it in a step, e.g. `set(names)`",
                )
                continue
            previous = self.defs.get(target.id)
            if previous is not None:
                self.error(
                    rc,
                    node.lineno,
                    f"parameter `{target.id}` is already defined by {previous.cell.label}",
                    "set each parameter once, in one parameters cell; sample values belong in a sample cell",
                )
                continue
            self.params.append(Param(target.id, literal, rc, node.lineno))
            self.defs[target.id] = _Def("param", rc)

    def _hidden_cell(self, pc: ParsedCell) -> None:
        rc = pc.rc
        for st in pc.statements:
            before = dict(self.imports)
            self.imports.update(outside.imported_names(st.node))
            for change in outside.changes(st.node, self.imports):
                if change.seeds:
                    self.seeded.add(change.kind)
                if change.kind in outside.DRAWS and not change.seeds and change.kind not in self.seeded:
                    continue  # a draw from an unseeded generator disturbs nothing reproducible
                self.outside.append((change, rc))
            if rc.role == "sample" and self.steps_seen:
                for name in sorted(st.binds):
                    current = self.defs.get(name)
                    if current is not None and current.kind == "param":
                        self.error(
                            rc,
                            st.node.lineno,
                            f"sample cell sets parameter `{name}` after step cells ran with another value",
                            "move the sample cell above the first step cell (right after the parameters cell)",
                        )
            reimports = outside.imported_names(st.node) if isinstance(st.node, (ast.Import, ast.ImportFrom)) else {}
            for name in sorted(st.binds | st.code | st.deletes):
                current = self.defs.get(name)
                if rc.role == "sample" and current is not None and current.kind == "param":
                    continue  # a sample override of a parameter: the flow gets it as a parameter
                if current is not None and current.kind == "code" and name in reimports:
                    if before.get(name) == reimports[name]:
                        continue  # `import numpy as np` again: the same module under the same name
                if current is not None and current.kind == "code" and name not in st.binds | st.code:
                    continue
                self.defs[name] = _Def("hidden", rc)
            # exploration may look at step data; changing it is hidden state (the witness checks the rest).
            # A notebook helper known to change its arguments or globals changes them surely, too.
            changed = set(st.surely_mutates) | (st.iterated & self.iterators)  # `next(reader)` advances it
            for callee, args in st.calls:
                if callee in self.functions or callee in self.deferred:
                    if self._call_mutates(callee):
                        changed |= args - {"*args"}
                    changed |= set(self._function_closure(callee)[1])
            # a store into a fresh copy (`preview = df.copy(); preview["x"] = 1`) changes the copy only
            own = {n for n in changed & self.fresh if n in _direct_targets(st.node)}
            for name in sorted((self._group(changed - own) | own) - st.binds):
                current = self.defs.get(name)
                module_state = (
                    current is not None
                    and current.kind == "code"
                    and name not in self.def_blocks
                    and name not in self.imports
                    and name not in self.functions
                )
                if current is not None and (current.kind in ("step", "param") or module_state):
                    in_place = st.node.lineno if rc.role == "sample" and current.kind == "param" else None
                    self.defs[name] = _Def("hidden", rc, in_place_line=in_place)
            for name, sources in st.alias_sources.items():
                self._alias(name, sources)
            node = st.node
            for name in st.binds:
                self.fresh.discard(name)
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                if _fresh_object(node.value):
                    self.fresh.add(node.targets[0].id)

    # -- code cells: imports, functions and steps ----------------------
    def _code_cell(self, pc: ParsedCell) -> None:
        rc = pc.rc
        if rc.is_step:
            self.steps_seen = True
        if any(_sets_globals_dynamically(st.node) for st in pc.statements):
            self.dynamic_globals.append(rc.label)
        for st in pc.statements:
            self.imports.update(outside.imported_names(st.node))
            found = outside.changes(st.node, self.imports) + outside.unseeded_estimators(st.node, self.imports)
            for change in found:
                if change.seeds:
                    self.seeded.add(change.kind)
                    self.flow_seeded.add(change.kind)
                elif rc.is_step and change.kind in outside.DRAWS and change.kind not in self.flow_seeded:
                    self._warn_unseeded(rc, change)
        if rc.is_step and self.outside:
            self._outside_state_used(pc)
        extents: dict[int, tuple[int, int]] = {}
        prev_end = 0
        for st in pc.statements:
            extents[id(st)] = (prev_end + 1, st.node.end_lineno or st.node.lineno)
            prev_end = st.node.end_lineno or st.node.lineno
        if pc.statements:  # comments after the last statement stay with it
            last = pc.statements[-1]
            extents[id(last)] = (extents[id(last)][0], len(pc.lines))
        groups: list[tuple[list[StatementInfo], MapSpec | None]] = []
        pending_module: list[StatementInfo] = []
        cell_bound: set[str] = set()  # bound by earlier statements of this cell that run in tasks

        def flush_module() -> None:
            # runs of imports apart from other module code: the emitter sorts imports into one block
            runs: list[list[StatementInfo]] = []
            for st in pending_module:
                is_import = isinstance(st.node, (ast.Import, ast.ImportFrom))
                if runs and isinstance(runs[-1][0].node, (ast.Import, ast.ImportFrom)) == is_import:
                    runs[-1].append(st)
                else:
                    runs.append([st])
            for run in runs:
                block = _joined_block(rc, pc.lines, [extents[id(s)] for s in run])
                if block.text:
                    block.is_import = isinstance(run[0].node, (ast.Import, ast.ImportFrom))
                    block.inert = all(self._inert(s) for s in run)
                    self.module_blocks.append(block)
            pending_module.clear()

        for st in pc.statements:
            if self._is_future(st):
                start, end = st.node.lineno, st.node.end_lineno or st.node.lineno
                self.future_imports.append("\n".join(pc.lines[start - 1 : end]))
                continue
            place = self._placement(pc, st)
            if place == "skip":
                continue
            if place == "module":
                if not groups or rc.role in ("imports", "functions"):
                    pending_module.append(st)
                else:
                    flush_module()
                    pending_module.append(st)
                    flush_module()
                continue
            flush_module()
            if "sys" in st.mutates:
                self.import_path_changed = True
            spec = self._map_spec(st, cell_bound)
            cell_bound |= st.binds | st.code
            if spec is not None or not groups or groups[-1][1] is not None:
                groups.append(([st], spec))
            else:
                groups[-1][0].append(st)
        flush_module()
        for stmts, spec in groups:
            block = _joined_block(rc, pc.lines, [extents[id(st)] for st in stmts])
            seg = Segment("", rc, block, map=spec)
            self._segment(seg, stmts)

    @staticmethod
    def _is_future(st: StatementInfo) -> bool:
        return isinstance(st.node, ast.ImportFrom) and st.node.module == "__future__"

    def _data(self, name: str) -> bool:
        d = self.defs.get(name)
        return d is not None and d.kind in ("param", "step")

    def _outside_state_used(self, pc: ParsedCell) -> None:
        """A step after exploration that changed outside state it uses: the flow, which leaves the
        exploration out, would compute something else. Refused at the exploration cell's line."""
        helper_reads: set[str] = set()
        for st in pc.statements:
            for callee, _ in st.calls:
                if callee in self.functions or callee in self.deferred:
                    helper_reads |= set(self._function_closure(callee)[0])
        used = outside.uses([st.node for st in pc.statements], self.imports, helper_reads)
        names = {n for st in pc.statements for n in st.reads} | helper_reads
        if any("getLogger" in self.module_text.get(n, "") for n in names):
            used.add("logging")
        for change, hidden in list(self.outside):
            key = f"file:{change.path}" if change.kind == "file" else change.kind
            if change.kind not in outside.ANY_LATER_STEP and key not in used:
                continue
            self.outside.remove((change, hidden))
            if change.kind == "file":
                did, then, hint = f"writes `{change.path}`", "reads it", _FILE_HINT
            elif change.kind in outside.DRAWS:
                did, then, hint = f"draws from {outside.KINDS[change.kind]}", "draws from it too", _DRAW_HINT
                if change.seeds:
                    did, then = f"seeds {outside.KINDS[change.kind]}", "draws from it"
            else:
                did, then, hint = f"changes {outside.KINDS[change.kind]}", "runs under it", _SETTING_HINT
            self.error(
                hidden,
                change.line,
                f"{did} (`{change.what}`) and {pc.rc.label} {then}: the flow leaves this {hidden.role} cell out,"
                " so that step would run differently there",
                hint,
            )

    def _inert(self, st: StatementInfo) -> bool:
        """Whether evaluating a statement early reads nothing computed and changes nothing outside
        itself, so it may move to module level above steps that come before it: imports, and
        definitions and constants whose decorators, defaults, class bodies and values call nothing
        but known side-effect-free callables."""
        node = st.node
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return True
        if st.mutates - st.binds or st.deletes or st.global_names:
            return False
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            parts: list[ast.AST] = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
            decorators = node.decorator_list
        elif isinstance(node, ast.ClassDef):
            parts = [*node.bases, *(k.value for k in node.keywords)]
            parts += [b for b in node.body if not isinstance(b, (ast.FunctionDef, ast.AsyncFunctionDef))]
            decorators = node.decorator_list
        else:
            parts, decorators = [node], []
        for dec in decorators:  # applying a decorator calls it: a notebook-defined one may register or count
            root = dec.func if isinstance(dec, ast.Call) else dec
            while isinstance(root, ast.Attribute):
                root = root.value
            if not isinstance(root, ast.Name) or root.id in self.functions or root.id in self.def_blocks:
                return False
            if isinstance(dec, ast.Call):
                parts += [*dec.args, *(k.value for k in dec.keywords)]
        return all(_calls_only_pure(part) for part in parts)

    def _placement(self, pc: ParsedCell, st: StatementInfo) -> str:
        """ "module": hoisted (defs, imports, constants) because that keeps its meaning; "task": runs in
        a task; "skip": an identical repeat of a definition already at module level."""
        rc = pc.rc
        node = st.node
        hoistable = isinstance(node, (*_DEFS, ast.Import, ast.ImportFrom))
        if rc.is_step and not hoistable:
            return "task"
        definition_reads = set(st.reads) | set(st.maybe_reads) | st.definition_reads
        if any(self._data(n) or n in self.shared for n in definition_reads):
            return "task"  # `def keep(v, t=threshold)`, `API = base + "/v1"`: needs notebook values
        if any(self.defs.get(n) is not None and self.defs[n].kind == "hidden" for n in definition_reads):
            return "task"  # reported as hidden state by the task that runs it
        if not hoistable and (st.mutates - st.binds) & {n for n in self.defs if self._data(n)}:
            return "task"
        if isinstance(node, (ast.Import, ast.ImportFrom)) and self.import_path_changed:
            return "task"  # after a step changed `sys.path`: the import must run after that step, as in the notebook
        if not rc.is_step and self.steps_seen and not self._inert(st):
            return "task"  # a later cell's code runs after the steps above it, as in the notebook
        text = "\n".join(line.rstrip() for line in pc.lines[node.lineno - 1 : node.end_lineno or node.lineno])
        bound = st.code | st.binds
        # an import is the same again when each name gets the same object (`import json, re`, then
        # `import json`); any other definition when its text is the same
        texts = import_bindings(node) if isinstance(node, (ast.Import, ast.ImportFrom)) else {}
        for name in sorted(bound):
            previous = self.defs.get(name)
            if previous is None:
                continue
            if previous.kind == "code" and self.module_text.get(name) == texts.get(name, text):
                continue  # the same import or definition again: one copy is enough
            if previous.kind == "code" and previous.cell is rc and not rc.is_step:
                continue  # `ROOT = Path.cwd()`, then `if ...: ROOT = ROOT.parent`: one cell, run in order
            if rc.is_step and isinstance(node, (ast.Import, ast.ImportFrom)):
                return "task"  # `from datetime import datetime` after `import datetime`: from this step on
            what = "import" if isinstance(node, (ast.Import, ast.ImportFrom)) else "definition"
            self.error(
                rc,
                node.lineno,
                f"`{name}` is defined again here ({what}); {previous.cell.label} defined it first, and the flow"
                " script has one module namespace, so every step would see only one of them",
                f"give this {what} its own name (e.g. `{name}_2`, or `import x as y`) and use that name below",
            )
            return "skip"
        if bound and all(
            self.defs.get(n) is not None
            and self.module_text.get(n) == texts.get(n, text)
            and self.defs[n].kind == "code"
            for n in bound
        ):
            return "skip"  # identical repeat: not emitted twice
        for name in bound:
            self.defs[name] = _Def("code", rc)
            self.module_names[name] = rc
            self.module_lines[name] = node.lineno
            self.module_text[name] = texts.get(name, text)
        if isinstance(node, _DEFS):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            block = _block(rc, pc.lines, first, node.end_lineno or node.lineno)
            if block is not None:
                self.def_blocks[node.name] = block
        for name, info in st.functions.items():
            info.reads |= {r for r in _uncalled(node) if r in self.functions or r in self.deferred}  # `fn=scale`
            self.functions[name] = info
        for name, reads in st.deferred_reads.items():
            self.deferred[name] = set(reads)
        # `OPS = {"shout": shout}`: calling OPS[...] calls those functions (computed once: a name this
        # statement binds is not among what it stores)
        used = {r for r in _uncalled(node) if (r in self.functions or r in self.deferred) and r not in st.binds}
        for name in st.binds:
            if used:
                self.deferred[name] = self.deferred.get(name, set()) | used
        return "module"

    def _map_spec(self, st: StatementInfo, cell_bound: set[str]) -> MapSpec | None:
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
        func = call.func.id
        d = self.defs.get(func)
        if func not in self.functions or d is None or d.kind != "code":
            return None  # only module-level helpers can run as mapped tasks
        if self._order_dependent(func):
            return None  # random draws, appends, module state, changed items: item order matters, so in order
        it = self.defs.get(gen.iter.id)
        known = gen.iter.id in cell_bound or (it is not None and it.kind in ("param", "step", "code"))
        if not known or gen.iter.id in self.shared:
            return None
        return MapSpec(node.targets[0].id, func, gen.target.id, gen.iter.id, node.lineno)

    # -- one task --------------------------------------------------------
    def _segment(self, seg: Segment, stmts: list[StatementInfo]) -> None:
        rc = seg.cell
        bound: set[str] = set()
        mutated: set[str] = set()
        calls: list[tuple[str, set[str]]] = []
        probed: set[str] = set()
        maybe_reads: list[str] = []
        own_writes: set[str] = set()
        maybe_deleted: set[str] = set()
        iterated: set[str] = set()
        generators: dict[str, int] = {}  # names bound to generator objects here -> line
        # membership sets beside the ordered lists: a cell of many statements stays linear
        seen_reads, seen_maybe, seen_first = set(seg.reads), set(), set(seg.first_binds)
        for st in stmts:
            iterated |= st.iterated
            for name in st.iterator_binds:
                self.iterators.add(name)
            for name in st.binds - st.iterator_binds:
                self.iterators.discard(name)
            # a dict of functions carries what those functions read; what the statement itself binds
            # (`with Pool() as pool: a = pool.map(f, xs)`) is not among what it stores
            used = {
                r
                for r in _uncalled(st.node)
                if (r in self.functions or r in self.deferred) and r not in st.binds - set(st.reads)
            }
            for name in st.binds | st.code:
                if used and name not in st.functions:
                    self.deferred[name] = self.deferred.get(name, set()) | used
            for name in st.reads:
                if name not in bound and name not in seen_reads:
                    seg.reads.append(name)
                    seen_reads.add(name)
                    seg.read_lines[name] = st.read_lines.get(name, st.node.lineno)
            for name in st.maybe_reads:
                if name not in bound and name not in seen_reads and name not in seen_maybe:
                    maybe_reads.append(name)
                    seen_maybe.add(name)
                    seg.read_lines.setdefault(name, st.read_lines.get(name, st.node.lineno))
            for name in sorted(st.maybe_binds - bound):
                seg.maybe_writes.add(name)
            for name in _ordered_binds(st):
                if name not in seen_first:
                    seg.first_binds.append(name)
                    seen_first.add(name)
            newly_bound = (st.binds | st.code) - st.maybe_binds  # a def left in the task binds a local
            bound |= newly_bound
            seg.writes |= st.binds | st.code
            own_writes |= st.binds | st.code
            mutated |= st.mutates
            calls += st.calls
            seg.deletes |= st.deletes
            probed |= st.probed
            if st.global_names:
                seg.global_lines.append(st.node.lineno)
                for name in st.global_names:
                    self._share(name, rc, st.node.lineno, "a `global` statement in a step")
            maybe_deleted |= st.maybe_deletes
            for name in st.generator_binds | {
                t for t, f in _called_functions(st).items() if self.functions.get(f, _NO_INFO).is_generator
            }:
                generators[name] = st.node.lineno
            for name, reads in st.deferred_reads.items():
                self.deferred[name] = set(reads)
            for name, info in st.functions.items():  # defs that stay in the task (they read notebook values)
                self.functions[name] = info
            seg.maybe_writes -= newly_bound
        if seg.map is not None:
            m = seg.map
            seg.reads = [m.iterable, m.func]
            seg.writes = {m.target}
            seg.first_binds = [m.target]
            mutated = set()
            calls = [(m.func, {m.iterable})]
            maybe_reads = []
        # what the helpers it calls read and change, transitively
        helper_reads: dict[str, str] = {}
        for name in list(seg.reads) + maybe_reads:
            if name in self.functions or name in self.deferred:
                reads, writes = self._function_closure(name)
                for free, func in reads.items():
                    helper_reads.setdefault(free, func)
                    if free not in seg.read_lines and name in seg.read_lines:
                        seg.read_lines[free] = seg.read_lines[name]  # reported at the call
                for written, func in writes.items():
                    d = self.defs.get(written)
                    if d is not None and d.kind == "code" and written not in self.functions.get(func, _NO_INFO).writes:
                        mutated.add(written)  # module state such as a set a helper fills
                        continue
                    if seg.map is not None:
                        self.error(
                            rc,
                            seg.map.line,
                            f"mapped function `{seg.map.func}` changes the global `{written}` (via `{func}`); mapped calls run concurrently",
                            "return the value from the function instead of changing a global",
                        )
                        continue
                    if written in self.functions.get(func, _NO_INFO).writes or d is None:
                        self._share(written, rc, seg.read_lines.get(name), f"`global {written}` in {func}()")
                        seg.writes.add(written)
                    mutated.add(written)
        for func, args in calls:
            if self._call_mutates(func):
                mutated |= args
        mutated |= iterated & self.iterators  # a loop or list() over an iterator advances it
        self._resolve(seg, maybe_reads, helper_reads, probed, own_writes)
        self.maybe_gone |= maybe_deleted
        seg.maybe_deletes = maybe_deleted
        if seg.map is not None:
            self._closure_for_map(seg, helper_reads)
        group_before = self._group(mutated)
        for st in stmts:  # aliases made in this step count for its own changes too
            for name in st.binds - set(st.alias_sources) - st.mutates:  # `x += [...]` keeps x's object
                self.alias_edges.pop(name, None)
            for name, sources in st.alias_sources.items():
                self._alias(name, sources)
        data_mutated = {n for n in group_before | self._group(mutated) if self._data(n) or n in seg.writes}
        data_mutated |= {n for n in maybe_deleted | seg.deletes if self._data(n)}  # the witness sees deletes
        seg.mutates = data_mutated - (seg.writes - set(seg.inputs))
        if seg.map is None:
            for name in sorted(seg.mutates - set(seg.inputs) - seg.writes):
                # changed through another name: the task takes and returns it too (a write costs a value)
                d = self.defs[name]
                seg.inputs.append(name)
                seg.sources[name] = d.key if d.kind == "step" else "param"
        for name in sorted(seg.mutates & set(seg.inputs)) if seg.map is None else []:
            self.defs[name] = _Def("step", rc, str(len(self.segments)), seg)
        if seg.map is not None and self._call_mutates(seg.map.func):
            self._alias(seg.map.target, {seg.map.iterable})
        for name in sorted(seg.writes):
            if name in generators:
                self.generators[name] = (seg, generators[name])
            else:
                self.generators.pop(name, None)
            d = self.defs.get(name)
            if name in seg.maybe_writes and (d is None or d.kind not in ("param", "step", "code")):
                self.maybe_unbound[name] = seg
            self.defs[name] = _Def("step", rc, str(len(self.segments)), seg)
            self.maybe_gone.discard(name)
        for name in sorted(seg.deletes):
            self.defs[name] = _Def("deleted", rc, str(len(self.segments)), seg)
        if self.segments:
            seg.after = [str(len(self.segments) - 1)]
        seg.key = str(len(self.segments))  # replaced by a task name in finish()
        self.segments.append(seg)

    def _resolve(
        self, seg: Segment, maybe_reads: list[str], helper_reads: dict[str, str], probed: set[str], own: set[str]
    ) -> None:
        rc = seg.cell
        first_line = seg.block.start
        direct = [(n, None) for n in seg.reads]
        carried = [(n, f) for n, f in helper_reads.items() if n not in seg.reads]
        maybe = [(n, None) for n in maybe_reads if n not in seg.reads and n not in helper_reads]
        for name, func in direct + carried + maybe:
            d = self.defs.get(name)
            line = seg.map.line if seg.map else seg.read_lines.get(name, first_line)
            if name in self.maybe_unbound or name in self.maybe_gone:
                self._share(name, rc, line, "bound or deleted on some paths only")
            if func is not None and name in seg.writes and (d is None or d.kind in ("param", "step")):
                self._share(name, rc, line, f"{func}() reads it as a global")  # bound here, read by a helper
                continue
            if d is None or d.kind in ("hidden", "deleted"):
                if (name, None) in maybe and (d is None or d.kind == "deleted"):
                    continue  # bound by this step on the paths that read it
                if name in probed and d is None:
                    self._share(name, rc, line, "probed with `except NameError`")
                    continue
                if name in BUILTINS and d is None:
                    continue
                if name in self.maybe_unbound and d is not None and d.kind == "deleted":
                    continue
                self._unresolved(seg, name, func, d, line)
                continue
            if d.kind == "code":
                if func is None and name in own and name not in self.functions and name not in seg.inputs:
                    seg.inputs.append(name)  # `COLUMNS = COLUMNS + [...]`: the module constant comes in
                    seg.sources[name] = "module"
                continue
            if func is not None or name in helper_reads:
                self._share(name, rc, line, f"{func or helper_reads[name]}() reads it as a global")
            if name in self.generators and self.generators[name][0] is not seg and func is None:
                maker, made_at = self.generators[name]
                self.error(
                    rc,
                    line,
                    f"`{name}` is a generator made by {maker.cell.label} (line {made_at}); a flow hands step"
                    " outputs over as values, and a generator would reach this step already consumed",
                    f"make it a list where it is made (`{name} = list(...)`), or use it within one step",
                )
            if name not in seg.inputs:
                seg.inputs.append(name)
                seg.sources[name] = d.key if d.kind == "step" else "param"
        for name in sorted(seg.maybe_writes - set(seg.inputs)):  # `if flag: rates = ...` keeps the old value
            d = self.defs.get(name)
            if d is not None and d.kind in ("param", "step"):
                seg.inputs.append(name)
                seg.sources[name] = d.key if d.kind == "step" else "param"
            elif d is not None and d.kind == "code" and name not in self.functions:
                seg.inputs.append(name)
                seg.sources[name] = "module"
        if seg.map is not None and self.defs.get(seg.map.iterable) is not None:
            it = self.defs[seg.map.iterable]
            if it.kind == "param":
                seg.iterable_is_list = any(
                    p.name == seg.map.iterable and isinstance(p.value, list) for p in self.params
                )
            elif it.kind == "step" and it.seg is not None and it.seg.map is not None:
                seg.iterable_is_list = True

    def _order_dependent(self, func: str) -> bool:
        """Whether running `func` on the items concurrently (and a failed item again, on retry) could
        change the result: it (or a helper it calls) draws from a shared random generator, appends
        to a file, changes module state (`LOG.append(x)` lands in completion order) or changes its
        argument in place. Such a line runs in order, as in the notebook."""
        for name in self._reachable(func):
            block = self.def_blocks.get(name)
            if block is not None and _order_dependent_code(block.text):
                return True
            info = self.functions.get(name)
            if info is None:
                continue
            # `time.sleep(...)`, `log.info(...)`: calls on a module or a logger change no data
            state = {
                n for n in info.mutates if n not in self.imports and "getLogger" not in self.module_text.get(n, "")
            }
            if state or info.writes or info.mutates_args:
                return True
        return False

    def _closure_for_map(self, seg: Segment, helper_reads: dict[str, str]) -> None:
        """A mapped task gets the notebook values its helpers read as arguments, and its own copy of
        those helpers, so it computes the same in a thread, a process or on a Dask worker."""
        assert seg.map is not None
        data = {}
        for name in helper_reads:
            d = self.defs.get(name)
            if d is not None and d.kind in ("param", "step"):
                data[name] = d.key if d.kind == "step" else "param"
        if not data:
            return
        reachable = self._reachable(seg.map.func)
        needing = {h for h in reachable if set(self._function_closure(h)[0]) & set(data) or h == seg.map.func}
        if any(h not in self.def_blocks for h in needing):
            return  # a lambda in a container: the module globals the flow sets (threads) serve it
        seg.nested = [block for name, block in self.def_blocks.items() if name in needing]
        seg.closure_inputs = data

    def _share(self, name: str, rc: RoleCell, line: int | None, why: str) -> None:
        """`name` lives as a module global of the flow script, as in the notebook."""
        if name not in self.shared:
            self.shared.add(name)
            self.shared_why[name] = (rc, line, why)

    def _call_mutates(self, func: str) -> bool:
        """Whether calling `func` may change its arguments in place."""
        seen: set[str] = set()

        def mutates(name: str) -> bool:
            if name in seen:
                return False
            seen.add(name)
            info = self.functions.get(name)
            if info is None and name in self.imports:
                return not _pure_import(self.imports[name])
            if info is None:
                return name not in BUILTINS or name in ("next", "setattr", "delattr", "exec", "eval")
            if info.mutates_args:
                return True
            return any("*args" in args and mutates(callee) for callee, args in info.calls)

        return mutates(func)

    def _free(self, fname: str) -> set[str]:
        """Free names of a function, or of the lambdas/functions a name holds (`OPS = {...}`)."""
        info = self.functions.get(fname)
        return (set(info.reads) if info is not None else set()) | self.deferred.get(fname, set())

    def _reachable(self, name: str) -> list[str]:
        """`name` and every function it may call through its free names, depth first."""
        out: list[str] = []
        stack = [name]
        while stack:
            fname = stack.pop()
            if fname in out:
                continue
            out.append(fname)
            stack += [n for n in sorted(self._free(fname)) if n in self.functions or n in self.deferred]
        return out

    def _function_closure(self, name: str) -> tuple[dict[str, str], dict[str, str]]:
        """Free names read and globals written/changed by a function (or lambda holder) and what it uses."""
        reads: dict[str, str] = {}
        writes: dict[str, str] = {}
        for fname in self._reachable(name):
            info = self.functions.get(fname)
            for n in sorted(self._free(fname)):
                if n not in BUILTINS or self._data(n):
                    reads.setdefault(n, fname)
            if info is not None:
                for w in sorted(info.writes | info.mutates):
                    writes.setdefault(w, fname)
                for callee, args in info.calls:
                    if self._call_mutates(callee):
                        for w in sorted(args - {"*args"}):
                            writes.setdefault(w, fname)
        reads.pop(name, None)
        return reads, writes

    def _alias(self, name: str, sources: set[str]) -> None:
        self.alias_edges.pop(name, None)
        for source in sources:
            if source == name:
                continue
            self.alias_edges.setdefault(name, set()).add(source)
            self.alias_edges.setdefault(source, set()).add(name)

    def _group(self, names: set[str]) -> set[str]:
        """Names that may hold (part of) the same objects as `names`."""
        return closure(names, self.alias_edges)

    def _rebind_example(self, name: str) -> str:
        """How a sample cell gives parameter `name` a new value instead of changing it in place."""
        value = next((p.value for p in self.params if p.name == name), None)
        if isinstance(value, list):
            return f"`{name} = {name} + [...]`"
        if isinstance(value, dict):
            return f"`{name} = {{**{name}, ...}}`"
        return f"`{name} = ...`"

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
            did = "defines or changes"
            if d.in_place_line is not None:  # the name is a parameter already: adding it would not help
                did = f"changes in place (at its line {d.in_place_line})"
                hint = (
                    f"`{name}` is a parameter: rebind it in the sample cell ({self._rebind_example(name)})"
                    " instead of changing it in place"
                )
            elif d.cell.role == "sample":
                hint = f"sample cells only override parameters: add `{name}` to the parameters cell"
            what = f"{func}() reads `{name}`" if func else f"step reads `{name}`"
            self.error(
                rc, line, f"hidden state: {what}, which {d.cell.label} {did}; the flow would not have that", hint
            )
        elif name in IPYTHON_ONLY:
            self.error(
                rc,
                line,
                f"`{name}`{via} only exists inside IPython",
                "use print(), or import it explicitly (from IPython.display import display)",
            )
        elif self.dynamic_globals:
            self.error(
                rc,
                line,
                f"`{name}`{via} is read but no earlier tagged cell defines it by name; {self.dynamic_globals[0]}"
                " sets names through `globals()`, which etlnb cannot follow",
                f"assign it by name in that cell (`{name} = ...`), or keep the values in a dict and read them from it",
            )
        else:
            self.error(
                rc,
                line,
                f"`{name}`{via} is read but no earlier tagged cell defines it",
                "add the import to the imports cell, a parameter to the parameters cell, or define it in an earlier step",
            )

    # -- the whole notebook known ----------------------------------------
    def finish(self) -> None:
        for seg in self.segments:
            if seg.map is not None and seg.map.target in self.shared:
                self.error(
                    seg.cell,
                    seg.map.line,
                    f"`{seg.map.target}` is read by helper code as a global, so it cannot be the result of a mapped line",
                    f"pass `{seg.map.target}` to the helper as an argument",
                )
        self._outputs()
        self._name_tasks()
        for name, rc in self.module_names.items():
            if name in RESERVED or name == identifier(self.flow_name) + "_flow":
                self.error(
                    rc,
                    self.module_lines.get(name),
                    f"`{name}` is a name the generated flow script uses",
                    "rename it in the notebook",
                )

    def _outputs(self) -> None:
        by_key = {s.key: s for s in self.segments}
        for seg in self.segments:
            touched = seg.writes | seg.deletes | seg.maybe_writes | seg.maybe_deletes
            seg.global_names = sorted(n for n in touched if n in self.shared)
            seg.inputs = [n for n in seg.inputs if n not in self.shared]
            seg.sources = {n: s for n, s in seg.sources.items() if n not in self.shared}
            for name, source in seg.closure_inputs.items():
                if name not in seg.inputs:
                    seg.inputs.append(name)
                    seg.sources[name] = source
        # From the last step back: a name a step takes only because it may change it through another
        # name (`combine` holds `test_df`), which its code does not read and no later step takes from
        # it, is not passed at all: a task's arguments are what it reads or hands on.
        taken_from: dict[str, set[str]] = {}
        for seg in reversed(self.segments):
            code_reads = set(seg.reads) | set(seg.closure_inputs) | ({seg.map.iterable} if seg.map else set())
            handed_on = taken_from.get(seg.key, set())
            keep = [n for n in seg.inputs if n in code_reads or n in handed_on or n not in seg.mutates]
            for name in set(seg.inputs) - set(keep):
                seg.sources.pop(name, None)
            seg.inputs = keep
            for name in seg.inputs:
                taken_from.setdefault(seg.sources[name], set()).add(name)
        for seg in self.segments:
            for name in seg.inputs:
                source = seg.sources[name]
                if source in by_key and name not in by_key[source].outputs:
                    by_key[source].outputs.append(name)
        for seg in self.segments:  # returned in the order the step binds them
            order = {n: i for i, n in enumerate(seg.first_binds)}
            seg.outputs.sort(key=lambda n: (order.get(n, len(order)), n))

    def _name_tasks(self) -> None:
        """Task names from the step's role and what it makes: `extract_raw`, `load`; no cell index."""
        taken = set(self.module_names) | set(self.defs) | set(self.functions) | RESERVED | set(BUILTINS)
        taken |= {"flow", "task", "unmapped", "NO_CACHE", "ThreadPoolTaskRunner", "os"}
        taken |= {identifier(self.flow_name) + "_flow", "future"}
        renames: dict[str, str] = {}
        used: set[str] = set()
        for seg in self.segments:
            names = seg.outputs or ([seg.map.target] if seg.map else [])
            base = identifier(f"{seg.role}_{names[0]}") if names else seg.role
            if base in taken:
                base += "_step"
            key, n = base, 1
            while key in used or key in taken:
                n += 1
                key = f"{base}_{n}"
            used.add(key)
            renames[seg.key] = key
        for seg in self.segments:
            seg.key = renames[seg.key]
            seg.after = [renames[k] for k in seg.after]
            seg.sources = {n: renames.get(s, s) for n, s in seg.sources.items()}


_NO_INFO = FunctionInfo("")


def _order_dependent_code(text: str) -> bool:
    """Uses `random` (a shared generator) or opens a file for appending."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return True
    for node in ast.walk(tree):
        if (isinstance(node, ast.Name) and node.id == "random") or (
            isinstance(node, ast.Attribute) and node.attr == "random"
        ):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
            modes = node.args[1:2] + [k.value for k in node.keywords if k.arg == "mode"]
            if any(isinstance(m, ast.Constant) and isinstance(m.value, str) and "a" in m.value for m in modes):
                return True
    return False


def _uncalled(node: ast.AST) -> set[str]:
    """Names a statement uses as values, not only calls (`{"a": f}`, `fn=f`), outside nested bodies."""
    called = set()
    names = set()
    stack: list[ast.AST] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            stack += n.decorator_list + n.args.defaults + [d for d in n.args.kw_defaults if d is not None]
            continue
        if isinstance(n, (ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
            called.add(id(n.func))
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and id(n) not in called:
            names.add(n.id)
        stack.extend(ast.iter_child_nodes(n))
    return names


def _called_functions(st: StatementInfo) -> dict[str, str]:
    """`x = f(...)`: {x: f}."""
    node = st.node
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name):
        return {t.id: node.value.func.id for t in node.targets if isinstance(t, ast.Name)}
    return {}


def _ordered_binds(st: StatementInfo) -> list[str]:
    """Names a statement binds, in source order."""
    out: list[str] = []
    for node in ast.walk(st.node):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id in st.binds:
            if node.id not in out:
                out.append(node.id)
    return out


# Callables that compute a value from their arguments and change nothing else: a later imports or
# functions cell may call them at module level (`PATTERN = re.compile(...)`, `ROOT = Path("data")`).
PURE_CALLS = frozenset(
    {
        *"abs all any bool bytes chr complex dict divmod enumerate float format frozenset hash int isinstance"
        " issubclass len list max min ord pow range repr reversed round set slice sorted str sum tuple type"
        " zip".split(),
        *"re.compile Path PurePath PosixPath pathlib.Path os.path.join os.path.basename os.path.dirname"
        " os.path.splitext datetime date timedelta datetime.datetime datetime.date datetime.timedelta"
        " Decimal decimal.Decimal Fraction namedtuple collections.namedtuple defaultdict OrderedDict"
        " Counter deque TypeVar NewType field dataclasses.field".split(),
    }
)


_FILE_HINT = "give the exploration file another name, or tag this cell as a step if the flow needs the file"
_DRAW_HINT = (
    "give exploration its own generator (`random.Random(0)`, `np.random.default_rng(0)`, `random_state=0`),"
    " or move the line into the step that needs it"
)
_SETTING_HINT = "move this line into an imports cell (settings belong there), or delete it"


# Methods that return a new object (pandas frames, lists, dicts): storing into the result leaves
# the object it came from as it was.
_FRESH_RESULT_METHODS = frozenset(
    "copy head tail query assign drop dropna fillna sort_values sort_index reset_index set_index merge join"
    " sample astype rename describe drop_duplicates to_frame pivot_table nlargest nsmallest round abs replace"
    " where mask clip apply agg aggregate value_counts".split()
)
_FRESH_RESULT_CALLS = frozenset(
    "list dict set sorted tuple copy.copy copy.deepcopy deepcopy pd.DataFrame pd.Series pd.concat"
    " pandas.DataFrame pandas.concat np.array np.copy numpy.array".split()
)


def _fresh_object(value: ast.expr) -> bool:
    """Whether an expression's value is a new object, never a view of another: a copy, a frame a
    method returns, a frame filtered by a mask or a list of labels."""
    if isinstance(value, ast.Call):
        func = value.func
        if isinstance(func, ast.Attribute) and func.attr in _FRESH_RESULT_METHODS:
            return not any(k.arg == "inplace" for k in value.keywords)
        try:
            return ast.unparse(func) in _FRESH_RESULT_CALLS
        except (ValueError, RecursionError):
            return False
    if isinstance(value, ast.Subscript):
        index = value.slice
        if isinstance(index, ast.Tuple) and index.elts:
            if not (isinstance(value.value, ast.Attribute) and value.value.attr == "loc"):
                return False
            index = index.elts[0]  # .loc[rows, columns]: the rows decide
        return isinstance(index, (ast.Compare, ast.BoolOp, ast.List)) or (
            isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.Invert)
        )
    return False


def _direct_targets(stmt: ast.stmt) -> set[str]:
    """Names a statement changes as objects of their own (`x[k] = v`, `x.a = v`, `del x[k]`,
    `x.method(...)`), not through an element (`x[0].append(v)`)."""
    targets: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        targets = list(stmt.targets)
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        targets = [stmt.target]
    elif isinstance(stmt, ast.Delete):
        targets = list(stmt.targets)
    elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Attribute):
        targets = [stmt.value.func]
    return {
        t.value.id for t in targets if isinstance(t, (ast.Subscript, ast.Attribute)) and isinstance(t.value, ast.Name)
    }


# Library functions, imported by name, that leave their arguments as they are: a model's scores,
# a split into new frames (`from sklearn.metrics import r2_score`, `from numpy import sqrt`).
_PURE_IMPORT_PREFIXES = (
    "sklearn.metrics.",
    "sklearn.model_selection.train_test_split",
    "sklearn.model_selection.cross_val_score",
    "sklearn.model_selection.cross_validate",
    "sklearn.model_selection.cross_val_predict",
    "scipy.stats.",
)


def _pure_import(dotted: str) -> bool:
    module, _, name = dotted.rpartition(".")
    if dotted.startswith(_PURE_IMPORT_PREFIXES):
        return True
    root = module.split(".")[0]
    return (
        bool(module)
        and root in PURE_MODULES
        and root not in _OUTSIDE_EFFECT_ROOTS
        and name not in MUTATING_MODULE_FUNCTIONS
    )


# PURE_MODULES are modules whose functions never change their Python arguments; these among them
# act on the outside world (files, processes, network, logs) or hand back shared objects, so a name
# imported from them is not treated as a plain function of its arguments.
_OUTSIDE_EFFECT_ROOTS = frozenset(
    {"os", "shutil", "subprocess", "sqlite3", "logging", "io", "csv", "copy", "requests", "httpx", "urllib"}
)


def _sets_globals_dynamically(stmt: ast.stmt) -> bool:
    """`globals()[name] = ...`, `globals().update(...)`, `vars()[...] = ...`: names no analysis sees."""
    for node in ast.walk(stmt):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            target = node.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("update", "setdefault")
        ):
            target = node.func.value
        else:
            continue
        if isinstance(target, ast.Call) and isinstance(target.func, ast.Name) and target.func.id in ("globals", "vars"):
            return True
    return False


def _calls_only_pure(node: ast.AST) -> bool:
    """No call in `node` (lambda bodies aside: they run later) but to PURE_CALLS."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Lambda):
            continue
        if isinstance(current, ast.Call):
            try:
                name = ast.unparse(current.func)
            except (ValueError, RecursionError):
                return False
            if name not in PURE_CALLS:
                return False
        stack.extend(ast.iter_child_nodes(current))
    return True


MAX_PARAMETER_NESTING = 50  # the script writes the value and its type (`list[list[...]]`): Python's parser stops at 200


def _not_json(value: Any, depth: int = 0) -> str | None:
    """What in a parameter literal JSON cannot carry (sets, bytes, complex numbers), if anything."""
    if depth > MAX_PARAMETER_NESTING:
        return f"value nested deeper than {MAX_PARAMETER_NESTING} levels"
    if isinstance(value, (set, frozenset)):  # travels as a JSON list; the `set[...]` type restores it
        return next((b for b in (_not_json(v, depth + 1) for v in value) if b), None)
    if isinstance(value, (bytes, complex)):
        return type(value).__name__
    if isinstance(value, float) and not math.isfinite(value):
        return "float infinity or NaN"
    if isinstance(value, (list, tuple)):
        return next((b for b in (_not_json(v, depth + 1) for v in value) if b), None)
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, (str, int, float, bool)) and k is not None:
                return f"dict key of type {type(k).__name__}"
            bad = _not_json(v, depth + 1)
            if bad:
                return bad
    return None


def import_bindings(node: ast.Import | ast.ImportFrom) -> dict[str, str]:
    """What each name an import binds refers to (`import a.b` binds `a` to module a)."""
    if isinstance(node, ast.Import):
        return {
            (a.asname or a.name).split(".")[0]: f"import {a.name if a.asname else a.name.split('.')[0]}"
            for a in node.names
        }
    module = "." * node.level + (node.module or "")
    return {a.asname or a.name: f"from {module} import {a.name}" for a in node.names}


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
