"""Analyse step: which names each top-level statement reads, binds and mutates.

Reads are free names in evaluation order (a name bound earlier in the same
statement is not a read). Nested scopes follow Python's rules: function
bodies are summarised as FunctionInfo (their free names count when the
function is used, not when it is defined); lambdas and comprehensions run
where they stand, so their free names are reads of the statement.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from etlnb.analyse import effects

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


@dataclass
class FunctionInfo:
    """What calling (or otherwise using) a function or class touches."""

    name: str
    reads: set[str] = field(default_factory=set)  # free names read
    writes: set[str] = field(default_factory=set)  # globals assigned via `global`
    mutates: set[str] = field(default_factory=set)  # free names mutated in place
    params: list[str] = field(default_factory=list)
    mutates_args: bool = False  # may change an argument in place
    calls: list[tuple[str, set[str]]] = field(default_factory=list)  # name-called functions and their args
    has_globals: bool = False  # declares `global` names
    is_generator: bool = False  # calling it returns a generator


@dataclass
class StatementInfo:
    node: ast.stmt
    reads: list[str] = field(default_factory=list)  # in evaluation order, unique
    read_lines: dict[str, int] = field(default_factory=dict)  # name -> line of its first read
    aliases: list[tuple[str, str]] = field(default_factory=list)  # `b = a`: (b, a), same object
    # reads of names that only some branches before them bound: inputs if an earlier cell defines them
    maybe_reads: list[str] = field(default_factory=list)
    binds: set[str] = field(default_factory=set)  # data names bound
    code: set[str] = field(default_factory=set)  # names bound by import / def / class
    mutates: set[str] = field(default_factory=set)
    deletes: set[str] = field(default_factory=set)
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    star_import: str | None = None  # module of a `from m import *`
    surely_mutates: set[str] = field(default_factory=set)  # certainly changed in place
    calls: list[tuple[str, set[str]]] = field(default_factory=list)  # name-called functions and their args
    alias_sources: dict[str, set[str]] = field(default_factory=dict)  # bound name -> names it may alias
    deferred_reads: dict[str, set[str]] = field(default_factory=dict)  # name bound to lambdas -> their free names
    probed: set[str] = field(default_factory=set)  # read inside `try:` guarded by `except NameError`
    global_names: set[str] = field(default_factory=set)  # `global x` at cell level (a no-op in a notebook)
    maybe_deletes: set[str] = field(default_factory=set)  # deleted on some paths only
    maybe_binds: set[str] = field(default_factory=set)  # bound on some paths only
    iterated: set[str] = field(default_factory=set)  # names looped over or consumed (list(x), next(x))
    iterator_binds: set[str] = field(default_factory=set)  # names bound to iterators or generators
    generator_binds: set[str] = field(default_factory=set)  # names bound to generator objects
    definition_reads: set[str] = field(default_factory=set)  # class body reads (run at definition)

    @property
    def hoisted(self) -> bool:
        """Definitions and imports move to module level in the flow script."""
        return isinstance(self.node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom))

    @property
    def writes(self) -> set[str]:
        return self.binds | self.mutates


def analyse_module(tree: ast.Module) -> list[StatementInfo]:
    last = len(tree.body) - 1
    return [analyse_statement(stmt, displayed=i == last) for i, stmt in enumerate(tree.body)]


def analyse_statement(stmt: ast.stmt, displayed: bool = False) -> StatementInfo:
    """Facts of one top-level statement; `displayed`: the cell's last line, whose value Jupyter shows."""
    info = StatementInfo(stmt)
    walker = _ModuleWalker(info, displayed)
    walker.visit(stmt)
    info.maybe_binds = (walker.maybe - walker.bound) & info.binds
    if isinstance(stmt, ast.ClassDef):  # a class body runs where it stands: its reads are the statement's
        in_body: set[str] = set()
        for node in stmt.body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = analyse_statement(node)
                for name in inner.reads:
                    if name not in in_body:
                        info.definition_reads.add(name)
                        if name not in info.read_lines:
                            info.reads.append(name)
                            info.read_lines[name] = inner.read_lines.get(name, node.lineno)
                in_body |= inner.binds | inner.code
            else:
                in_body.add(node.name)
    fx = effects.scan([stmt])
    bound_here = info.binds | info.code
    info.mutates |= effects.closure(fx.mutated, fx.aliases)
    info.surely_mutates = effects.closure(fx.surely_mutated, fx.aliases)
    info.calls = [(f, effects.closure(args, fx.aliases)) for f, args in fx.calls]
    info.iterated = fx.iterated
    if isinstance(stmt, ast.Assign):
        kind = effects.iterator_kind(stmt.value)
        if kind is not None:
            names = {t.id for t in stmt.targets if isinstance(t, ast.Name)}
            info.iterator_binds = names
            if kind == "generator":
                info.generator_binds = names
    for name in bound_here & set(fx.aliases):
        sources = effects.closure({name}, fx.aliases) - {name}  # `a = b = []`: a and b share it
        if sources:
            info.alias_sources[name] = sources
    return info


def mutation_root(node: ast.expr) -> str | None:
    """`x` for `x`, `x.a`, `x[k]`, `x.a[k].b`: the name whose object is changed."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _thrown_away_method_call(stmt: ast.stmt) -> str | None:
    """`x.append(v)` as a statement mutates x (its result is not used)."""
    if isinstance(stmt, ast.Expr):
        value = stmt.value
        if isinstance(value, ast.Await):
            value = value.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            return mutation_root(value.func.value)
    return None


def _target_names(target: ast.expr) -> list[ast.expr]:
    if isinstance(target, (ast.Tuple, ast.List)):
        out = []
        for elt in target.elts:
            out.extend(_target_names(elt))
        return out
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return [target]


_AT_NAME = re.compile(r"@([A-Za-z_]\w*)")


# `@names` of every string the notebook writes, for a query string the analysis cannot read
_QUERY_NAMES: ContextVar[tuple[str, ...]] = ContextVar("etlnb_query_names", default=())


def at_names(trees: Iterable[ast.AST]) -> tuple[str, ...]:
    """Every `@name` in the string literals of the notebook's cells."""
    out: dict[str, None] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "@" in node.value:
                out.update(dict.fromkeys(_AT_NAME.findall(node.value)))
    return tuple(out)


@contextmanager
def query_names(names: tuple[str, ...]) -> Iterator[None]:
    """While analysing one notebook: the names `df.query(rule)` with a non-literal `rule` may read."""
    token = _QUERY_NAMES.set(names)
    try:
        yield
    finally:
        _QUERY_NAMES.reset(token)


def string_reads(call: ast.Call) -> list[str]:
    """Names a call reads through a literal string, which Python's own scoping never sees: pandas'
    `df.query("temp > @min_temp")` and `df.eval(...)` look `@name` up in the caller's scope,
    `pd.eval(...)` bare names too, and builtin `eval`/`exec` every free name of their code. They
    are soft reads: an input when an earlier cell defines the name, nothing otherwise (`@x` may
    be an SQL parameter)."""
    text = next(
        (
            a.value
            for a in [*call.args[:1], *(k.value for k in call.keywords if k.arg in ("expr", "source"))]
            if isinstance(a, ast.Constant) and isinstance(a.value, str)
        ),
        None,
    )
    func = call.func
    if text is None:
        # `df.query(rule)`, `df.query(f"x > {y}")`: the string is built elsewhere (a constant, a
        # parameter, a helper); it may read any `@name` a string in the notebook writes
        given = [*call.args[:1], *(k.value for k in call.keywords if k.arg == "expr")]
        if given and isinstance(func, ast.Attribute) and func.attr in ("query", "eval"):
            return list(_QUERY_NAMES.get())
        return []
    if isinstance(func, ast.Attribute) and func.attr in ("query", "eval"):
        names = _AT_NAME.findall(text)
        if func.attr == "eval" and isinstance(func.value, ast.Name) and func.value.id in ("pd", "pandas"):
            names += _code_reads(_AT_NAME.sub(r"\1", text))
        return list(dict.fromkeys(names))
    if isinstance(func, ast.Name) and func.id in ("eval", "exec"):
        return _code_reads(text)
    return []


def _code_reads(text: str) -> list[str]:
    try:
        tree = ast.parse(text.strip())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    return [
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in stored
    ]


class _ModuleWalker(ast.NodeVisitor):
    """Walks one module-level statement in evaluation order."""

    def __init__(self, info: StatementInfo, displayed: bool = False):
        self.info = info
        self.displayed = displayed
        self.bound: set[str] = set()
        self.maybe: set[str] = set()  # bound on some paths only
        self.depth = 0  # inside a branch, loop or try: what happens there may not happen
        self.escaping: set[int] = set()  # lambdas stored in a name, not run where they stand

    # -- names -------------------------------------------------------
    def _read(self, name: str, line: int) -> None:
        if name in self.maybe and name not in self.bound:
            if name not in self.info.maybe_reads and name not in self.info.reads:
                self.info.maybe_reads.append(name)
                self.info.read_lines.setdefault(name, line)
        elif name not in self.bound and name not in self.info.reads:
            self.info.reads.append(name)
            self.info.read_lines[name] = line

    def _branches(self, branches: list[list[ast.AST]]) -> None:
        """Each branch starts from the same names; after them, only names all bound are certain."""
        entry = set(self.bound)
        results = []
        self.depth += 1
        for branch in branches:
            self.bound = set(entry)
            for node in branch:
                self.visit(node)
            results.append(self.bound)
        self.depth -= 1
        certain = set.intersection(*results) if results else set(entry)
        self.bound = entry | certain
        self.maybe |= set().union(*results) - self.bound

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        self._branches([node.body, node.orelse])

    def visit_Try(self, node: ast.Try) -> None:
        if any(_catches_name_error(h) for h in node.handlers):
            before = set(self.info.reads) | set(self.info.maybe_reads)
            self.depth += 1
            probe_bound = set(self.bound)
            for stmt in node.body:
                self.visit(stmt)
            self.bound = probe_bound
            self.depth -= 1
            self.info.probed |= (set(self.info.reads) | set(self.info.maybe_reads)) - before
            self._branches([node.orelse, *([h] for h in node.handlers)])
            for stmt in node.finalbody:
                self.visit(stmt)
            return
        self._branches([node.body + node.orelse, *([h] for h in node.handlers)])
        for stmt in node.finalbody:
            self.visit(stmt)

    visit_TryStar = visit_Try

    def visit_Match(self, node: ast.Match) -> None:
        self.visit(node.subject)
        branches: list[list[ast.AST]] = [
            [case.pattern, *([case.guard] if case.guard else []), *case.body] for case in node.cases
        ]
        self._branches([*branches, []])

    def _bind(self, name: str, code: bool = False) -> None:
        self.bound.add(name)
        (self.info.code if code else self.info.binds).add(name)

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        for name in string_reads(node):
            if name not in self.bound and name not in self.info.reads and name not in self.info.maybe_reads:
                self.info.maybe_reads.append(name)
                self.info.read_lines.setdefault(name, node.lineno)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._read(node.id, node.lineno)
        elif isinstance(node.ctx, ast.Store):
            self._bind(node.id)
        else:  # `del x` needs x: a read of it, then it is gone
            self._read(node.id, node.lineno)
            (self.info.maybe_deletes if self.depth else self.info.deletes).add(node.id)
            self.bound.discard(node.id)

    def _store_target(self, target: ast.expr) -> None:
        for t in _target_names(target):
            if isinstance(t, ast.Name):
                self._bind(t.id)
            else:
                self.visit(t)  # subscript / attribute: reads its base and index
                root = mutation_root(t)
                if root:
                    self.info.mutates.add(root)

    # -- statements in evaluation order --------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        self.escaping |= _escaping_lambdas(node.value)
        self.visit(node.value)
        for target in node.targets:
            self._store_target(target)
            if isinstance(target, ast.Name) and isinstance(node.value, ast.Name) and node is self.info.node:
                self.info.aliases.append((target.id, node.value.id))

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        if node.value is not None or not isinstance(node.target, ast.Name):
            self._store_target(node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        # x += v reads x and writes it (in place for lists and frames)
        if isinstance(node.target, ast.Name):
            self._read(node.target.id, node.lineno)
        self.visit(node.value)
        self._store_target(node.target)
        root = mutation_root(node.target)
        if root:
            self.info.mutates.add(root)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        # the loop may run zero times: its target and body bindings are maybe-bound
        self._branches([[node.target, *node.body], []])
        for stmt in node.orelse:
            self.visit(stmt)

    def visit_While(self, node: ast.While) -> None:
        self.visit(node.test)
        self._branches([node.body, []])
        for stmt in node.orelse:
            self.visit(stmt)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._store_target(item.optional_vars)
        for stmt in node.body:
            self.visit(stmt)

    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self._bind(node.name)
        for stmt in node.body:
            self.visit(stmt)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            for t in _target_names(target):
                if isinstance(t, ast.Name):
                    self._read(t.id, t.lineno)
                    (self.info.maybe_deletes if self.depth else self.info.deletes).add(t.id)
                    self.bound.discard(t.id)
                else:
                    self.visit(t)
                    root = mutation_root(t)
                    if root:
                        self.info.mutates.add(root)

    def visit_Expr(self, node: ast.Expr) -> None:
        self.visit(node.value)  # what a call changes is etlnb.analyse.effects' business

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self._bind(node.target.id)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._bind(alias.asname or alias.name.split(".")[0], code=True)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                self.info.star_import = "." * node.level + (node.module or "")
            else:
                self._bind(alias.asname or alias.name, code=True)

    def visit_Global(self, node: ast.Global) -> None:
        self.info.global_names.update(node.names)  # module level: a no-op in the notebook

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name:
            self._bind(node.name)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self._bind(node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        self.generic_visit(node)
        if node.rest:
            self._bind(node.rest)

    # -- nested scopes -------------------------------------------------
    def _definition(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        for dec in node.decorator_list:
            self.visit(dec)
        if isinstance(node, ast.ClassDef):
            for base in node.bases + [k.value for k in node.keywords]:
                self.visit(base)
        else:
            _visit_arguments_outside(self, node.args)
            if node.returns is not None:
                self.visit(node.returns)
        self.info.functions[node.name] = function_info(node)
        self._bind(node.name, code=True)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _definition

    def visit_Lambda(self, node: ast.Lambda) -> None:
        _visit_arguments_outside(self, node.args)
        scope = _Scope.of(node)
        if id(node) in self.escaping and isinstance(self.info.node, (ast.Assign, ast.AnnAssign)):
            # stored for later: its free names are read when it is called, like a function's
            targets = self.info.node.targets if isinstance(self.info.node, ast.Assign) else [self.info.node.target]
            for target in targets:
                for t in _target_names(target):
                    if isinstance(t, ast.Name):
                        self.info.deferred_reads.setdefault(t.id, set()).update(scope.free_reads_in_order())
            return
        for name in scope.free_reads_in_order():
            self._read(name, node.lineno)
        self.info.mutates |= scope.free_mutates()

    def _comprehension(self, node: ast.expr) -> None:
        # The first iterable is evaluated here; the rest runs in its own scope.
        generators = node.generators  # type: ignore[attr-defined]
        self.visit(generators[0].iter)
        scope = _Scope.of(node)
        for name in scope.free_reads_in_order():
            self._read(name, node.lineno)
        for name in sorted(scope.walrus_targets):
            self._bind(name)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension


def _catches_name_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name) and t.id in ("NameError", "Exception", "BaseException") for t in types)


def _escaping_lambdas(value: ast.expr) -> set[int]:
    """Lambdas in an assigned value that are not arguments of a call (so not run right away)."""
    out: set[int] = set()
    stack: list[ast.AST] = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Lambda):
            out.add(id(node))
        elif isinstance(node, (ast.Dict, ast.List, ast.Tuple, ast.Set, ast.IfExp, ast.BoolOp)):
            stack.extend(ast.iter_child_nodes(node))
    return out


def _visit_arguments_outside(visitor: ast.NodeVisitor, args: ast.arguments) -> None:
    """Defaults and annotations are evaluated where the def stands."""
    for default in args.defaults + [d for d in args.kw_defaults if d is not None]:
        visitor.visit(default)
    for arg in args.posonlyargs + args.args + args.kwonlyargs + [a for a in (args.vararg, args.kwarg) if a]:
        if arg.annotation is not None:
            visitor.visit(arg.annotation)


def function_info(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> FunctionInfo:
    scope = _Scope.of(node)
    info = FunctionInfo(
        name=node.name,
        reads=set(scope.free_reads_in_order()),
        writes=set(scope.global_writes),
        mutates=scope.free_mutates(),
        has_globals=bool(scope.global_writes) or any(isinstance(n, ast.Global) for n in ast.walk(node)),
    )
    if isinstance(node, ast.ClassDef):
        methods = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        bodies = [(m, _params(m)[1:]) for m in methods]  # self is the new object
    else:
        bodies = [(node, _params(node))]
        info.params = _params(node)
    declared_global = {n for g in ast.walk(node) if isinstance(g, ast.Global) for n in g.names}
    stored = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    local = (scope.locals | stored) - declared_global  # comprehension targets too
    if not isinstance(node, ast.ClassDef):
        info.is_generator = any(
            isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(node) if not isinstance(n, ast.Lambda)
        )
    for fn, params in bodies:
        fx = effects.scan(list(fn.body), into_defs=True)
        mutated = effects.closure(fx.mutated, fx.aliases)
        info.mutates_args |= bool(mutated & set(params))
        info.mutates |= {n for n in mutated if n not in local and n not in _params(fn)}
        for callee, args in fx.calls:
            args = effects.closure(args, fx.aliases)
            passed = args & set(params)
            free = {n for n in args if n not in local and n not in _params(fn)}
            if passed or free:
                info.calls.append((callee, ({"*args"} if passed else set()) | free))
    return info


def _params(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    a = node.args
    return [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs + [v for v in (a.vararg, a.kwarg) if v]]


class _Scope:
    """One function, lambda, class or comprehension scope (symtable's rules)."""

    def __init__(self, node: ast.AST):
        self.node = node
        self.is_class = isinstance(node, ast.ClassDef)
        self.is_comprehension = isinstance(node, _COMPREHENSIONS)
        self.locals: set[str] = set()
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        self.loads: list[str] = []
        self.mutated: set[str] = set()
        self.stores: set[str] = set()
        self.walrus_targets: set[str] = set()  # comprehension: bound in the enclosing scope
        self.children: list[_Scope] = []

    @classmethod
    def of(cls, node: ast.AST) -> _Scope:
        scope = cls(node)
        scope._collect()
        return scope

    def _collect(self) -> None:
        node = self.node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            for arg in args.posonlyargs + args.args + args.kwonlyargs + [a for a in (args.vararg, args.kwarg) if a]:
                self.locals.add(arg.arg)
            body = node.body if isinstance(node.body, list) else [node.body]
            for child in body:
                self._walk(child)
        elif isinstance(node, ast.ClassDef):
            for child in node.body:
                self._walk(child)
        else:  # comprehension
            for i, gen in enumerate(node.generators):  # type: ignore[attr-defined]
                if i > 0:
                    self._walk(gen.iter)
                self._bind_target(gen.target)
                for cond in gen.ifs:
                    self._walk(cond)
            if isinstance(node, ast.DictComp):
                self._walk(node.key)
                self._walk(node.value)
            else:
                self._walk(node.elt)  # type: ignore[attr-defined]

    def _bind_target(self, target: ast.expr) -> None:
        for t in _target_names(target):
            if isinstance(t, ast.Name):
                self._store(t.id)
            else:
                self._walk(t)
                root = mutation_root(t)
                if root:
                    self.mutated.add(root)

    def _store(self, name: str) -> None:
        self.stores.add(name)
        if name not in self.globals and name not in self.nonlocals:
            self.locals.add(name)

    def _walk(self, node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for dec in node.decorator_list:
                self._walk(dec)
            if isinstance(node, ast.ClassDef):
                for base in node.bases + [k.value for k in node.keywords]:
                    self._walk(base)
            else:
                self._walk_arguments(node.args)
            self._store(node.name)
            self.children.append(_Scope.of(node))
            return
        if isinstance(node, ast.Lambda):
            self._walk_arguments(node.args)
            self.children.append(_Scope.of(node))
            return
        if isinstance(node, _COMPREHENSIONS):
            self._walk(node.generators[0].iter)
            child = _Scope.of(node)
            self.children.append(child)
            for name in child.walrus_targets:
                self._walrus(name)
            return
        if isinstance(node, ast.Global):
            self.globals.update(node.names)
            self.locals.difference_update(node.names)
            return
        if isinstance(node, ast.Nonlocal):
            self.nonlocals.update(node.names)
            self.locals.difference_update(node.names)
            return
        if isinstance(node, ast.NamedExpr):
            self._walk(node.value)
            self._walrus(node.target.id)
            return
        if isinstance(node, ast.Call):
            self.loads.extend(string_reads(node))
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self.loads.append(node.id)
            else:
                self._store(node.id)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    self._store(alias.asname or alias.name.split(".")[0])
            return
        if isinstance(node, ast.ExceptHandler) and node.name:
            self._store(node.name)
        if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            self._store(node.name)
        if isinstance(node, ast.MatchMapping) and node.rest:
            self._store(node.rest)
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for tt in _target_names(t):
                    root = mutation_root(tt)
                    if root and not isinstance(tt, ast.Name):
                        self.mutated.add(root)
            if isinstance(node, ast.AugAssign):
                root = mutation_root(node.target)
                if root:
                    self.mutated.add(root)
                if isinstance(node.target, ast.Name):
                    self.loads.append(node.target.id)
        if isinstance(node, ast.Delete):
            for t in node.targets:
                for tt in _target_names(t):
                    if not isinstance(tt, ast.Name):
                        root = mutation_root(tt)
                        if root:
                            self.mutated.add(root)
        if isinstance(node, ast.stmt):
            root = _thrown_away_method_call(node)
            if root:
                self.mutated.add(root)
        for child in ast.iter_child_nodes(node):
            self._walk(child)

    def _walrus(self, name: str) -> None:
        if self.is_comprehension:
            self.walrus_targets.add(name)
        else:
            self._store(name)

    def _walk_arguments(self, args: ast.arguments) -> None:
        for default in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self._walk(default)
        for arg in args.posonlyargs + args.args + args.kwonlyargs + [a for a in (args.vararg, args.kwarg) if a]:
            if arg.annotation is not None:
                self._walk(arg.annotation)

    def _is_local(self, name: str) -> bool:
        return name in self.locals and name not in self.globals

    def free_reads_in_order(self) -> list[str]:
        """Names this scope (and its nested scopes) read from outside it."""
        out: list[str] = []
        seen: set[str] = set()

        def add(name: str) -> None:
            if name not in seen:
                seen.add(name)
                out.append(name)

        for name in self.loads:
            if not self._is_local(name) and not (self.is_comprehension and name in self.walrus_targets):
                add(name)
        for child in self.children:
            for name in child.free_reads_in_order():
                # a class body's names are not visible to its methods
                if (self.is_class or not self._is_local(name)) and not (
                    self.is_comprehension and name in self.walrus_targets
                ):
                    add(name)
        return out

    @property
    def global_writes(self) -> set[str]:
        out = {n for n in self.stores if n in self.globals}
        for child in self.children:
            out |= child.global_writes
        return out

    def free_mutates(self) -> set[str]:
        out = {n for n in self.mutated if not self._is_local(n)}
        for child in self.children:
            out |= {n for n in child.free_mutates() if self.is_class or not self._is_local(n)}
        return out
