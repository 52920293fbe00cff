"""Parse step: each code cell's source -> syntax tree and statement facts."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from etlnb.analyse import ipython_syntax
from etlnb.analyse.diagnostics import Diagnostic
from etlnb.analyse.names import StatementInfo, analyse_module, at_names, query_names
from etlnb.analyse.roles import RoleCell


@dataclass
class ParsedCell:
    rc: RoleCell
    source: str  # IPython lines commented out, line numbers kept
    statements: list[StatementInfo] = field(default_factory=list)
    ok: bool = True

    @property
    def lines(self) -> list[str]:
        return self.source.split("\n")


def parse_cells(path: str, cells: list[RoleCell]) -> tuple[list[ParsedCell], list[Diagnostic]]:
    parsed: list[ParsedCell] = []
    diagnostics: list[Diagnostic] = []
    trees = []
    for rc in cells:
        pc, tree, diags = _parse_tree(path, rc)
        parsed.append(pc)
        trees.append(tree)
        diagnostics.extend(diags)
    # a query string the analysis cannot read (`df.query(rule)`) may name any `@name` the notebook writes
    with query_names(at_names(t for t in trees if t is not None)):
        for pc, tree in zip(parsed, trees, strict=True):
            if tree is not None:
                diagnostics += _analyse(path, pc, tree)
    return parsed, diagnostics


def _diag(
    path: str, rc: RoleCell, line: int | None, message: str, hint: str = "", severity: str = "error"
) -> Diagnostic:
    return Diagnostic(severity, message, path, cell=rc.cell.index, cell_id=rc.cell.id, line=line, hint=hint)  # type: ignore[arg-type]


def parse_cell(path: str, rc: RoleCell) -> tuple[ParsedCell, list[Diagnostic]]:
    pc, tree, diagnostics = _parse_tree(path, rc)
    if tree is not None:
        diagnostics += _analyse(path, pc, tree)
    return pc, diagnostics


def _parse_tree(path: str, rc: RoleCell) -> tuple[ParsedCell, ast.Module | None, list[Diagnostic]]:
    source = rc.cell.source
    diagnostics: list[Diagnostic] = []
    tree = _try_parse(source)
    if tree is None:
        source, findings = ipython_syntax.scan(source)
        if rc.compiled:
            for f in findings:
                diagnostics.append(_finding_diagnostic(path, rc, f))
        tree = _try_parse(source)
    pc = ParsedCell(rc, source)
    if tree is not None and source.count(",") >= BIG_LITERAL:  # a display that big needs the commas
        _fold_big_literals(tree)
    if tree is not None and (deep := _too_deep(tree)) is not None:
        # the analysis and the code generator walk the tree recursively
        pc.ok = False
        if rc.compiled:
            diagnostics.append(_nesting_diagnostic(path, rc, getattr(deep, "lineno", None)))
        return pc, None, diagnostics
    if tree is None:
        pc.ok = False
        if rc.compiled:
            diagnostics.append(syntax_diagnostic(path, rc, source))
    return pc, tree, diagnostics


def _analyse(path: str, pc: ParsedCell, tree: ast.Module) -> list[Diagnostic]:
    rc = pc.rc
    diagnostics: list[Diagnostic] = []
    pc.statements = analyse_module(tree)
    if rc.compiled:
        for st in pc.statements:
            if st.star_import is not None:
                diagnostics.append(
                    _diag(
                        path,
                        rc,
                        st.node.lineno,
                        f"star import from {st.star_import} hides which names the cell uses",
                        f"import the names you need: from {st.star_import} import a, b",
                    )
                )
                pc.ok = False
    return diagnostics


def _try_parse(source: str) -> ast.Module | None:
    try:
        tree = ast.parse(source)
        # compile() also rejects what parses but cannot run: `return` or
        # `yield` outside a function, top-level `await`.
        compile(tree, "<cell>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        # MemoryError / RecursionError: nesting too deep for Python's parser or compiler
        return None
    return tree


BIG_LITERAL = 1000  # elements in one list/tuple/set/dict display
_DISPLAYS = (ast.List, ast.Tuple, ast.Set, ast.Dict)


def _fold_big_literals(tree: ast.AST) -> None:
    """Replace each big all-literal display (`data = [1, 2, ...]`, megabytes of it) by one
    Constant holding its value, in place. Every later pass (names, effects, graph, depth)
    walks the whole tree; a 5 MB literal is a million nodes that say nothing about names or
    effects, and took those passes tens of seconds and a gigabyte. The script copies the
    cell's text, never this tree, and ast.literal_eval of the Constant gives the same value."""
    stack = [tree]
    while stack:
        node = stack.pop()
        for name, value in ast.iter_fields(node):
            children = value if isinstance(value, list) else [value]
            for index, child in enumerate(children):
                if not isinstance(child, ast.AST):
                    continue
                if (
                    isinstance(child, _DISPLAYS)
                    and len(child.keys if isinstance(child, ast.Dict) else child.elts) >= BIG_LITERAL
                ):
                    try:
                        folded = ast.copy_location(ast.Constant(ast.literal_eval(child)), child)
                    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                        pass  # not all literal (a name, a call inside): analysed node by node
                    else:
                        folded.end_lineno, folded.end_col_offset = child.end_lineno, child.end_col_offset
                        if isinstance(value, list):
                            value[index] = folded
                        else:
                            setattr(node, name, folded)
                        continue
                stack.append(child)


MAX_DEPTH = 250  # syntax tree levels; each costs a few stack frames in ast.NodeVisitor / ast.unparse


def _too_deep(tree: ast.AST) -> ast.AST | None:
    """The first node nested deeper than MAX_DEPTH, if any."""
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return node
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return None


def _nesting_diagnostic(path: str, rc: RoleCell, line: int | None = None) -> Diagnostic:
    return _diag(path, rc, line, "code nested too deeply to analyse", "split the expression into smaller ones")


def syntax_diagnostic(path: str, rc: RoleCell, source: str) -> Diagnostic:
    try:
        compile(source, "<cell>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        if exc.lineno is None and "\0" in source:
            # "source code string cannot contain null bytes" names no line
            exc.lineno = source[: source.index("\0")].count("\n") + 1
        message = exc.msg
        hint = "fix the line; the cell must be plain Python"
        if "await" in message:
            hint = "top-level await only works in IPython; put the code in an async function and call asyncio.run()"
        elif "outside function" in message:
            hint = "step cells run as the body of a task: remove the return/yield or move it into a function"
        return _diag(path, rc, exc.lineno, f"syntax error: {message}", hint)
    except ValueError as exc:
        return _diag(path, rc, None, f"cannot compile cell: {exc}")
    except (MemoryError, RecursionError):
        return _nesting_diagnostic(path, rc)
    # compiled this time; the first attempt hit the parser's or compiler's depth limit
    return _nesting_diagnostic(path, rc)


def _finding_diagnostic(path: str, rc: RoleCell, f: ipython_syntax.Finding) -> Diagnostic:
    from etlnb.analyse.secrets_scan import redact  # the message quotes the line: never a token in it

    f = ipython_syntax.Finding(f.line, redact(f.text), f.kind, f.dropped)
    words = f.text.lstrip("%!").split()
    if f.dropped and words and words[0] in ipython_syntax.INSTALL_MAGICS:
        return _diag(
            path,
            rc,
            f.line,
            f"`{f.text}` dropped from the flow: a flow run does not install packages",
            "list the package in the project's base image requirements (images/)",
            "warning",
        )
    if f.dropped:
        return _diag(
            path,
            rc,
            f.line,
            f"IPython {f.kind} `{f.text}` dropped from the flow",
            "it only changes the notebook session; move it to an untagged cell to silence this",
            "warning",
        )
    return _diag(
        path,
        rc,
        f.line,
        f"IPython {f.kind} `{f.text}` cannot run in a flow",
        "use plain Python (subprocess.run for shell commands), or move the line to an untagged cell",
    )
