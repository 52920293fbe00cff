"""Parse step: each code cell's source -> syntax tree and statement facts."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from etlnb import ipython_syntax
from etlnb.diagnostics import Diagnostic
from etlnb.names import StatementInfo, analyse_module
from etlnb.roles import RoleCell


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
    for rc in cells:
        pc, diags = parse_cell(path, rc)
        parsed.append(pc)
        diagnostics.extend(diags)
    return parsed, diagnostics


def _diag(
    path: str, rc: RoleCell, line: int | None, message: str, hint: str = "", severity: str = "error"
) -> Diagnostic:
    return Diagnostic(severity, message, path, cell=rc.cell.index, cell_id=rc.cell.id, line=line, hint=hint)  # type: ignore[arg-type]


def parse_cell(path: str, rc: RoleCell) -> tuple[ParsedCell, list[Diagnostic]]:
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
    if tree is None:
        pc.ok = False
        if rc.compiled:
            diagnostics.append(_syntax_diagnostic(path, rc, source))
        return pc, diagnostics
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
    return pc, diagnostics


def _try_parse(source: str) -> ast.Module | None:
    try:
        tree = ast.parse(source)
        # compile() also rejects what parses but cannot run: `return` or
        # `yield` outside a function, top-level `await`.
        compile(tree, "<cell>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None
    return tree


def _syntax_diagnostic(path: str, rc: RoleCell, source: str) -> Diagnostic:
    try:
        compile(source, "<cell>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        message = exc.msg
        hint = "fix the line; the cell must be plain Python"
        if "await" in message:
            hint = "top-level await only works in IPython; put the code in an async function and call asyncio.run()"
        elif "outside function" in message:
            hint = "step cells run as the body of a task: remove the return/yield or move it into a function"
        return _diag(path, rc, exc.lineno, f"syntax error: {message}", hint)
    except ValueError as exc:
        return _diag(path, rc, None, f"cannot compile cell: {exc}")
    return _diag(path, rc, None, "cannot compile cell")


def _finding_diagnostic(path: str, rc: RoleCell, f: ipython_syntax.Finding) -> Diagnostic:
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
