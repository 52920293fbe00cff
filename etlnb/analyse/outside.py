"""Outside state: what a statement changes beyond the names it binds (the random generators, pandas
options, logging, the environment, the working folder, `sys.path`, the decimal context, the locale,
files at literal paths) and what a step uses of it. Pure, AST only.

The flow leaves exploration (untagged) cells out. When such a cell changes outside state that a
later step uses, the flow computes something else than the notebook did: `graph` refuses it at
check, naming both cells. Uses are judged generously where a library reads the state on the step's
behalf (any step after a change of the environment, the folder or `sys.path`), narrowly where the
state has an obvious reader (the `random` module for its generator).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

# kind -> how a message names it
KINDS = {
    "random": "the global `random` generator",
    "numpy.random": "numpy's global random generator",
    "pandas.options": "pandas options",
    "pandas.display": "pandas display options",
    "logging": "logging's configuration",
    "environment": "the environment",
    "folder": "the working folder",
    "sys.path": "the import path",
    "decimal": "the decimal context",
    "locale": "the locale",
    "file": "a file",
}
DRAWS = {"random", "numpy.random"}  # a draw changes the generator's state only after a seed matters
ANY_LATER_STEP = {"environment", "folder", "sys.path", "locale"}

_NOT_GLOBAL_RANDOM = {"Random", "SystemRandom", "default_rng", "RandomState", "Generator", "SeedSequence", "PCG64"}
_WRITE_METHODS = {"to_csv", "to_parquet", "to_json", "to_excel", "to_pickle", "to_feather", "to_hdf", "write_text"}
_WRITE_METHODS |= {"write_bytes", "savefig", "save", "savetxt", "savez", "to_sql", "dump"}
_TEXT_RENDERERS = {"to_string", "to_html", "to_markdown", "to_latex"}


@dataclass(frozen=True)
class Change:
    kind: str
    line: int
    what: str  # the code that changes it, shortened
    path: str = ""  # kind "file": the literal path written
    seeds: bool = False  # a seed (or a whole new state), not a draw


def imported_names(tree: ast.AST) -> dict[str, str]:
    """alias -> dotted name, for every import in `tree` (`np` -> numpy, `seed` -> random.seed)."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                found[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                if a.name != "*":
                    found[a.asname or a.name] = f"{node.module}.{a.name}"
    return found


def dotted(node: ast.AST, imports: dict[str, str]) -> str:
    """`np.random.seed` -> "numpy.random.seed" through the imports; "" for other expressions."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Call):  # getcontext().prec, logging.getLogger().setLevel
        inner = dotted(node.func, imports)
        return ".".join([f"{inner}()", *reversed(parts)]) if inner else ""
    if not isinstance(node, ast.Name) or node.id not in imports:
        return ""
    return ".".join([imports[node.id], *reversed(parts)])


def _literal(node: ast.AST | None, values: dict[str, object] | None = None) -> str:
    if isinstance(node, ast.Name) and values and isinstance(values.get(node.id), str):
        return str(values[node.id])
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""


def _short(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except (ValueError, RecursionError):
        return "..."
    return text if len(text) <= 60 else text[:57] + "..."


def changes(stmt: ast.stmt, imports: dict[str, str], values: dict[str, object] | None = None) -> list[Change]:
    """The outside state one statement changes (function and class bodies aside: they run later).
    `values`: known text values of names (parameters), so `df.to_parquet(dest)` names its file."""
    out: list[Change] = []
    for node in _walk_here(stmt):
        if isinstance(node, ast.Call):
            out += _call_changes(node, imports, values or {})
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                out += _store_changes(target, node, imports)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                out += _store_changes(target, node, imports)
    return out


# scikit-learn callables that draw from numpy's global generator when given no `random_state`
_SKLEARN_RANDOM = {
    "train_test_split", "ShuffleSplit", "StratifiedShuffleSplit", "RandomizedSearchCV",
    "RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor",
    "GradientBoostingClassifier", "GradientBoostingRegressor", "KMeans", "MiniBatchKMeans",
    "MLPClassifier", "MLPRegressor", "SGDClassifier", "SGDRegressor", "IsolationForest", "TSNE",
}  # fmt: skip


def unseeded_estimators(stmt: ast.stmt, imports: dict[str, str]) -> list[Change]:
    """scikit-learn splitters and estimators called without `random_state` (KFold only shuffled)."""
    out = []
    for node in _walk_here(stmt):
        if not isinstance(node, ast.Call) or any(k.arg == "random_state" for k in node.keywords):
            continue
        name = dotted(node.func, imports)
        last = name.rsplit(".", 1)[-1]
        shuffled = last in ("KFold", "StratifiedKFold") and any(
            k.arg == "shuffle" and isinstance(k.value, ast.Constant) and k.value.value is True for k in node.keywords
        )
        if name.startswith("sklearn.") and (last in _SKLEARN_RANDOM or shuffled):
            out.append(Change("numpy.random", node.lineno, _short(node)))
    return out


def _walk_here(stmt: ast.AST):
    stack = [stmt]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                stack.append(child)


def _call_changes(call: ast.Call, imports: dict[str, str], values: dict[str, object]) -> list[Change]:
    name = dotted(call.func, imports)
    line, what = call.lineno, _short(call)
    last = name.rsplit(".", 1)[-1]
    if name.startswith("random.") and name.count(".") == 1 and last not in _NOT_GLOBAL_RANDOM:
        return [Change("random", line, what, seeds=last in ("seed", "setstate"))]
    if name.startswith("numpy.random.") and name.count(".") == 2 and last not in _NOT_GLOBAL_RANDOM:
        return [Change("numpy.random", line, what, seeds=last in ("seed", "set_state"))]
    if name in ("pandas.set_option", "pandas.reset_option", "pandas.options.display.set_option"):
        key = _literal(call.args[0]) if call.args else ""
        kind = (
            "pandas.display"
            if key.startswith("display.") or key in ("precision", "max_rows", "max_columns")
            else "pandas.options"
        )
        return [Change(kind, line, what)]
    if name == "logging.basicConfig" and any(k.arg in ("filename", "handlers", "stream") for k in call.keywords):
        return [Change("logging", line, what)]  # where the log goes; a level alone changes no result
    if name.startswith("logging.getLogger().") and last in ("addHandler", "removeHandler"):
        return [Change("logging", line, what)]
    if name in ("os.chdir",):
        return [Change("folder", line, what)]
    if name in ("os.putenv", "os.unsetenv") or (name.startswith("os.environ.") and last in _ENV_CHANGERS):
        return [Change("environment", line, what)]
    if name.startswith("sys.path.") and last in ("insert", "append", "extend", "remove", "pop", "clear"):
        return [Change("sys.path", line, what)]
    if name in ("decimal.setcontext",):
        return [Change("decimal", line, what)]
    if name == "locale.setlocale":
        return [Change("locale", line, what)]
    if isinstance(call.func, ast.Attribute) and call.func.attr == "sample" and not name:
        if not any(k.arg == "random_state" for k in call.keywords):  # DataFrame.sample draws from numpy's
            return [Change("numpy.random", line, what)]
    path = _written_path(call, imports, values)
    if path:
        return [Change("file", line, what, path=path)]
    return []


_ENV_CHANGERS = {"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__"}


def _written_path(call: ast.Call, imports: dict[str, str], values: dict[str, object]) -> str:
    """A literal path the call writes: `open("x", "w")`, `df.to_csv("x")`, `Path("x").write_text(...)`."""
    func = call.func
    if isinstance(func, ast.Name) and func.id == "open" and func.id not in imports:
        mode = (
            _literal(call.args[1])
            if len(call.args) > 1
            else _literal(next((k.value for k in call.keywords if k.arg == "mode"), None))
        )
        if any(c in mode for c in "wax+"):
            return _literal(call.args[0], values) if call.args else ""
        return ""
    if isinstance(func, ast.Attribute) and func.attr in _WRITE_METHODS:
        if func.attr in ("write_text", "write_bytes"):
            inner = func.value
            if isinstance(inner, ast.Call) and inner.args and dotted(inner.func, imports).endswith("Path"):
                return _literal(inner.args[0], values)
            return ""
        for arg in call.args[:2]:
            text = _literal(arg, values)
            if text and ("." in text or "/" in text):
                return text
    return ""


def _store_changes(target: ast.AST, node: ast.AST, imports: dict[str, str]) -> list[Change]:
    name = dotted(target.value if isinstance(target, ast.Subscript) else target, imports)
    line, what = node.lineno, _short(node)  # type: ignore[attr-defined]
    if name.startswith("os.environ"):
        return [Change("environment", line, what)]
    if name.startswith("pandas.options.display"):
        return [Change("pandas.display", line, what)]
    if name.startswith("pandas.options."):
        return [Change("pandas.options", line, what)]
    if name.startswith("decimal.getcontext()"):
        return [Change("decimal", line, what)]
    if name.startswith("sys.path"):
        return [Change("sys.path", line, what)]
    return []


def uses(code: list[ast.AST], imports: dict[str, str], helper_reads: set[str]) -> set[str]:
    """The kinds of outside state a step's code reads (file: "file:<literal path>" for every
    literal string it holds); `helper_reads` are the free names of the notebook helpers it calls."""
    found: set[str] = set()
    names = set(helper_reads)
    for tree in code:
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                full = dotted(node, imports)
                if full.startswith("numpy.random"):
                    found.add("numpy.random")
                if node.attr in _TEXT_RENDERERS:
                    found.add("pandas.display")
                if node.attr == "sample":
                    found.add("numpy.random")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
                found.add(f"file:{node.value}")
    modules = {imports[n] for n in names if n in imports}
    for module in modules:
        root = module.split(".")[0]
        if root == "random":
            found.add("random")
        if module.startswith("numpy.random") or root in ("sklearn", "imblearn"):
            found.add("numpy.random")
        if root == "pandas":
            found.add("pandas.options")
        if root == "logging":
            found.add("logging")
        if root == "decimal":
            found.add("decimal")
    return found
