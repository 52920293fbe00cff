"""Conservative in-place effects of code: which names' objects a piece of code
may change, and which names may end up bound to objects it did not create.

"When in doubt it is a write" (DESIGN.md, Faithful execution): a method call
on a name changes it unless the method is known not to; a name passed to a
function may be changed by it unless the function is known not to; a loop
target, an unpacked name or a value taken out of a container is an alias of
the container. The analysis is flow-insensitive inside a statement (an alias
made anywhere in it counts everywhere in it), which only ever adds writes.

The sample run's witness (etlnb run --sample) catches what this misses.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

# Builtins and module functions that return a new scalar or string: never an alias.
SCALAR_FUNCTIONS = frozenset(
    {
        "len",
        "int",
        "float",
        "str",
        "bool",
        "repr",
        "hash",
        "id",
        "isinstance",
        "issubclass",
        "hasattr",
        "callable",
        "round",
        "abs",
        "ord",
        "chr",
        "format",
        "ascii",
        "bin",
        "hex",
        "oct",
        "divmod",
        "pow",
        "print",
        "input",
        "type",
        "open",
    }
)
# Builtins that do not change their arguments (their result may still hold them).
PURE_FUNCTIONS = SCALAR_FUNCTIONS | frozenset(
    {
        "sorted",
        "list",
        "tuple",
        "set",
        "frozenset",
        "dict",
        "sum",
        "min",
        "max",
        "any",
        "all",
        "enumerate",
        "zip",
        "range",
        "reversed",
        "iter",
        "map",
        "filter",
        "getattr",
        "vars",
        "dir",
        "open",
        "slice",
        "bytes",
        "bytearray",
        "complex",
        "memoryview",
        "object",
        "super",
    }
)
# Modules whose functions do not change their arguments (by the usual import names).
PURE_MODULES = frozenset(
    {
        "math",
        "cmath",
        "statistics",
        "json",
        "re",
        "os.path",
        "posixpath",
        "datetime",
        "time",
        "hashlib",
        "operator",
        "string",
        "textwrap",
        "decimal",
        "fractions",
        "uuid",
        "base64",
        "pd",
        "pandas",
        "np",
        "numpy",
        "itertools",
        "functools",
        "collections",
        "copy",
        "pathlib",
        "Path",
        "csv",
        "io",
        "urllib.parse",
        "sqlite3",
        "glob",
        "logging",
        "os",
        "shutil",
        "urllib",
        "urllib.request",
        "requests",
        "httpx",
        "subprocess",
        "gzip",
        "zipfile",
        "pyarrow",
        "pa",
        "pq",
    }
)
# Modules whose functions build new objects from their arguments (pandas copies its inputs; a
# parsed JSON document shares nothing with the text): their results alias nothing.
FRESH_MODULES = frozenset(
    {
        "pd",
        "pandas",
        "json",
        "math",
        "statistics",
        "re",
        "datetime",
        "time",
        "hashlib",
        "base64",
        "uuid",
        "requests",
        "csv",
    }
)
# ...except these, which change an argument in place.
MUTATING_MODULE_FUNCTIONS = frozenset(
    {
        "shuffle",
        "copyto",
        "put",
        "place",
        "putmask",
        "fill_diagonal",
        "heapify",
        "heappush",
        "heappop",
        "heapreplace",
        "heappushpop",
        "insort",
        "insort_left",
        "insort_right",
        "writerow",
        "writerows",
    }
)
# Methods that never change their object (pandas, numpy, str, dict, list readers).
PURE_METHODS = frozenset(
    """
    copy head tail groupby agg aggregate merge join describe sum mean median min max std var count
    nunique unique value_counts to_csv to_parquet to_json to_dict to_list tolist to_numpy to_records
    to_string to_sql to_excel to_frame to_datetime astype query assign rename drop fillna dropna replace
    apply applymap map filter sort_values sort_index reset_index set_index pivot pivot_table melt explode
    round abs clip isin isna notna isnull notnull any all get items keys values startswith endswith strip
    lstrip rstrip split rsplit lower upper title capitalize casefold format format_map encode decode
    find rfind index rindex splitlines zfill partition rpartition ljust rjust center expandtabs isdigit
    isalpha isalnum isspace islower isupper isnumeric isdecimal isidentifier shift diff pct_change
    cumsum cumprod cummax cummin rolling resample expanding ewm sample nlargest nsmallest idxmax idxmin
    corr cov dot where mask duplicated drop_duplicates equals info memory_usage select_dtypes
    strftime isoformat date time timestamp total_seconds weekday isoweekday json reshape flatten ravel
    transpose argmax argmin argsort searchsorted nonzero prod predict predict_proba predict_log_proba
    decision_function score get_params issubset issuperset union intersection difference
    symmetric_difference isdisjoint most_common elements bit_length is_integer conjugate as_integer_ratio
    iterrows itertuples groups get_group first last nth size cut qcut between combine_first
    interpolate reindex align stack unstack droplevel swaplevel squeeze to_period to_timestamp tz_convert
    tz_localize floor ceil translate maketrans removeprefix removesuffix exists is_file is_dir
    joinpath with_suffix with_name relative_to resolve absolute glob rglob stat read_text read_bytes
    fetchone fetchall fetchmany cursor keys_view hexdigest digest gt lt ge le eq ne sub mul div truediv
    floordiv mod radd rsub rmul rdiv read readline readlines plot hist boxplot to_markdown to_html nsmallest all_equal
    """.split()
)
# Pure methods whose result shares no mutable state with the object (pandas copy-on-write, str).
FRESH_METHODS = PURE_METHODS - frozenset(
    {
        "copy",
        "get",
        "items",
        "keys",
        "values",
        "groupby",
        "reshape",
        "ravel",
        "transpose",
        "iterrows",
        "itertuples",
        "groups",
        "get_group",
        "first",
        "last",
        "nth",
        "squeeze",
        "to_numpy",
        "min",
        "max",
        "filter",
        "map",
        "apply",
        "where",
        "mask",
        "sample",
        "head",
        "tail",
        "cursor",
        "fetchone",
        "fetchall",
        "fetchmany",
        "most_common",
        "elements",
        "union",
        "intersection",
        "difference",
        "symmetric_difference",
    }
)


# Mutating methods that change only their object, never their arguments.
_RECEIVER_ONLY = frozenset(
    {
        "append",
        "add",
        "insert",
        "setdefault",
        "appendleft",
        "fit",
        "fit_transform",
        "partial_fit",
        "pop",
        "remove",
        "write",
        "writelines",
        "writerow",
        "writerows",
        "writeheader",
        "execute",
        "executemany",
        "executescript",
        "commit",
        "put",
        "send",
        # a random generator's draws advance its state (`rng.integers(...)`, `r.random()`)
        "integers",
        "random",
        "choice",
        "standard_normal",
        "normal",
        "uniform",
        "permutation",
        "randint",
        "randn",
        "rand",
        "poisson",
        "binomial",
        "exponential",
        "gauss",
    }
)
# Methods that certainly change their object: what an exploration cell may not call on step data.
# Beyond the receiver-only ones, these may also keep or change their arguments (`extend(other)`).
MUTATING_METHODS = _RECEIVER_ONLY | frozenset(
    {
        "shuffle",  # the generator's state and the sequence it is given
        "extend",
        "clear",
        "update",
        "sort",
        "reverse",
        "discard",
        "popitem",
        "extendleft",
        "popleft",
        "rotate",
        "difference_update",
        "intersection_update",
        "symmetric_difference_update",
        "seek",
        "close",
    }
)
# Builtins that consume an iterator they are given.
_CONSUMERS = frozenset(
    {"list", "tuple", "set", "frozenset", "dict", "sorted", "sum", "min", "max", "any", "all", "next"}
)
# Calls that return iterators (advanced by whoever loops over them) or generators.
_ITERATOR_FUNCTIONS = frozenset({"iter", "map", "filter", "zip", "enumerate", "reversed"})
_ITERATOR_METHODS = frozenset({"iterrows", "itertuples", "reader", "DictReader", "finditer", "imap", "islice"})


def iterator_kind(value: ast.expr) -> str | None:
    """ "generator" for a generator expression, "iterator" for iter()/map()/csv.reader(...), else None."""
    if isinstance(value, ast.GeneratorExp):
        return "generator"
    if isinstance(value, ast.Call):
        func = value.func
        if isinstance(func, ast.Name) and func.id in _ITERATOR_FUNCTIONS:
            return "iterator"
        if isinstance(func, ast.Attribute) and func.attr in _ITERATOR_METHODS:
            return "iterator"
    return None


@dataclass
class Effects:
    """What one statement (or function body) may do to objects it did not create."""

    mutated: set[str] = field(default_factory=set)  # names whose objects may change in place
    surely_mutated: set[str] = field(default_factory=set)  # certainly (stores, known mutating methods)
    calls: list[tuple[str, set[str]]] = field(default_factory=list)  # f(args) of a name-called function
    aliases: dict[str, set[str]] = field(default_factory=dict)  # bound name -> names it may alias
    iterated: set[str] = field(default_factory=set)  # names looped over or consumed by a builtin


def _inplace(call: ast.Call) -> bool:
    return any(
        k.arg == "inplace" and isinstance(k.value, ast.Constant) and k.value.value is True for k in call.keywords
    )


def _dotted(node: ast.expr) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def roots(node: ast.expr | None) -> set[str]:
    """Names whose objects an expression's value may be (or hold): its alias sources."""
    out: set[str] = set()
    _roots(node, out)
    return out


def _roots(node: ast.AST | None, out: set[str]) -> None:
    if node is None or isinstance(node, (ast.Constant, ast.JoinedStr, ast.Compare, ast.Lambda)):
        return
    if isinstance(node, ast.Name):
        out.add(node.id)
    elif isinstance(node, ast.UnaryOp):
        return  # `not x`, `-x`: a new value
    elif isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred, ast.Await, ast.NamedExpr)):
        _roots(node.value, out)
    elif isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id in SCALAR_FUNCTIONS:
            return
        if isinstance(func, ast.Attribute):
            base = _dotted(func.value)
            if base is not None and base.split(".")[0] in FRESH_MODULES:
                return
            if func.attr not in FRESH_METHODS:
                _roots(func.value, out)
        for arg in node.args:
            _roots(arg, out)
        for kw in node.keywords:
            _roots(kw.value, out)
    elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        bound = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        inner: set[str] = set()
        for g in node.generators:
            _roots(g.iter, inner)
        for part in (getattr(node, "elt", None), getattr(node, "key", None), getattr(node, "value", None)):
            _roots(part, inner)
        out |= inner - bound
    else:  # containers, BinOp (list + list shares elements), BoolOp, IfExp, Dict...
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                _roots(child, out)


def _target_names(target: ast.expr) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]


def _store_root(target: ast.expr) -> str | None:
    """`x` for `x.a = v`, `x[k] = v`, `x.a[k].b = v`."""
    node = target
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) and node is not target else None


class _Scanner(ast.NodeVisitor):
    def __init__(self, into_defs: bool) -> None:
        self.fx = Effects()
        self.into_defs = into_defs

    def _definition(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        if self.into_defs:
            self.generic_visit(node)
            return
        # a def's body runs when it is called: only what runs where it stands counts here
        for expr in node.decorator_list:
            self.visit(expr)
        if isinstance(node, ast.ClassDef):
            for expr in node.bases + [k.value for k in node.keywords]:
                self.visit(expr)
            for stmt in node.body:  # a class body runs where it stands
                self.visit(stmt)
        else:
            for expr in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
                self.visit(expr)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _definition

    def _alias(self, names: list[str], sources: set[str]) -> None:
        for name in names:
            self.fx.aliases.setdefault(name, set()).update(sources - {name})

    # -- bindings that alias ------------------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        sources = roots(node.value)
        chained = [n for t in node.targets for n in _target_names(t)] if len(node.targets) > 1 else []
        for target in node.targets:
            # `a = b = []`: one object under every name
            self._alias(_target_names(target), sources | set(chained))
            self._stored(target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._alias(_target_names(node.target), roots(node.value))
            self._stored(node.target)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        # `x += v` changes lists and frames in place; `x.a += v` / `x[k] += v` change x
        root = node.target.id if isinstance(node.target, ast.Name) else _store_root(node.target)
        if root:
            self.fx.mutated.add(root)
            if not isinstance(node.target, ast.Name):
                self.fx.surely_mutated.add(root)
        if isinstance(node.target, ast.Name):
            self._alias([node.target.id], roots(node.value))
        self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._alias([node.target.id], roots(node.value))
        self.generic_visit(node)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        if isinstance(node.iter, ast.Name):
            self.fx.iterated.add(node.iter.id)
        self._alias(_target_names(node.target), roots(node.iter))
        self._stored(node.target)
        self.generic_visit(node)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            if item.optional_vars is not None:
                self._alias(_target_names(item.optional_vars), roots(item.context_expr))
        self.generic_visit(node)

    visit_AsyncWith = visit_With

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        for gen in node.generators:
            if isinstance(gen.iter, ast.Name):
                self.fx.iterated.add(gen.iter.id)
            self._alias(_target_names(gen.target), roots(gen.iter))
        self.generic_visit(node)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._stored(target)
        self.generic_visit(node)

    def _stored(self, target: ast.expr) -> None:
        for t in target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]:
            if isinstance(t, ast.Starred):
                t = t.value
            if isinstance(t, (ast.Tuple, ast.List)):
                self._stored(t)
                continue
            root = _store_root(t)
            if root:
                self.fx.mutated.add(root)
                self.fx.surely_mutated.add(root)

    # -- calls ------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        arg_roots: set[str] = set()
        for arg in node.args:
            arg_roots |= roots(arg)
        for kw in node.keywords:
            arg_roots |= roots(kw.value)
        if isinstance(func, ast.Name):
            if func.id in _CONSUMERS:
                self.fx.iterated |= {a.id for a in node.args if isinstance(a, ast.Name)}
            if func.id not in PURE_FUNCTIONS:
                self.fx.calls.append((func.id, arg_roots))
        elif isinstance(func, ast.Attribute):
            dotted = _dotted(func.value)
            receiver = roots(func.value)
            module_call = dotted is not None and (dotted in PURE_MODULES or dotted.split(".")[0] in PURE_MODULES)
            if module_call and not isinstance(func.value, ast.Call):
                if func.attr in MUTATING_MODULE_FUNCTIONS or any(k.arg == "out" for k in node.keywords):
                    self.fx.mutated |= arg_roots
            elif _inplace(node) or func.attr in MUTATING_METHODS:
                self.fx.mutated |= receiver
                self.fx.surely_mutated |= receiver
                if func.attr not in _RECEIVER_ONLY:
                    self.fx.mutated |= arg_roots  # extend(other), update(other) may hold their arguments
            elif func.attr not in PURE_METHODS:
                # an unknown method may change its object and its arguments
                self.fx.mutated |= receiver | arg_roots
        else:  # f()(x), obj[k](x): unknown callee
            self.fx.mutated |= arg_roots
        self.generic_visit(node)


def scan(nodes: list[ast.AST], into_defs: bool = False) -> Effects:
    """Effects of statements (flow-insensitive), alias sources not yet resolved.

    `into_defs`: also the bodies of nested defs (when scanning a function's body).
    """
    scanner = _Scanner(into_defs)
    for node in nodes:
        scanner.visit(node)
    return scanner.fx


def closure(names: set[str], aliases: dict[str, set[str]]) -> set[str]:
    """`names` and every name they may alias, transitively."""
    out = set(names)
    stack = list(names)
    while stack:
        for source in aliases.get(stack.pop(), ()):
            if source not in out:
                out.add(source)
                stack.append(source)
    return out
