"""Find IPython-only syntax (magics, shell escapes, help) in cell source.

Only lines that Python's own parser rejects are looked at, one at a time,
so a '%' or '!' line inside a multi-line string is never taken for a magic.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

# Dropped with a warning: they change display or the session, never the data.
HARMLESS_LINE_MAGICS = frozenset(
    {"matplotlib", "config", "load_ext", "reload_ext", "autoreload", "aimport", "precision", "pprint"}
)
HARMLESS_CELL_MAGICS = frozenset({"time", "capture"})
# Installs belong in the project's base image, not in a flow run.
INSTALL_MAGICS = frozenset({"pip", "conda", "mamba"})

_LINE_MAGIC = re.compile(r"^(\s*)%(?!%)(\w+)")
_CELL_MAGIC = re.compile(r"^\s*%%(\w+)")
_SHELL = re.compile(r"^(\s*)!+\s*(\S*)")
_ASSIGN_MAGIC = re.compile(r"^\s*[\w.,\s]+=\s*[!%]")
_HELP = re.compile(r"^(\s*)(\?\??\S.*|[\w.\[\]\"'()]+\?\??)\s*$")


@dataclass(frozen=True)
class Finding:
    line: int  # 1-based
    text: str
    kind: str  # "magic", "cell magic", "shell", "help"
    dropped: bool  # True: harmless, replaced by a comment


def scan(source: str) -> tuple[str, list[Finding]]:
    """Return source with IPython lines commented out, and every finding.

    Line numbers are kept: each such line becomes a comment in place. Scanning
    stops at the first syntax error that is not IPython syntax.
    """
    lines = source.split("\n")
    findings: list[Finding] = []
    for _ in range(len(lines)):
        try:
            ast.parse("\n".join(lines))
            break
        except SyntaxError as exc:
            number = exc.lineno
        except (ValueError, MemoryError, RecursionError):
            break
        if number is None or not 1 <= number <= len(lines):
            break
        line = lines[number - 1]
        finding = _classify(line, number)
        if finding is None:
            break
        findings.append(finding)
        indent = line[: len(line) - len(line.lstrip())]
        note = f"# {line.strip()}  (dropped by etlnb: IPython {finding.kind})"
        lines[number - 1] = indent + ("pass  " + note if indent else note)
    findings.sort(key=lambda f: f.line)
    return "\n".join(lines), findings


def _classify(line: str, number: int) -> Finding | None:
    if number == 1 and (m := _CELL_MAGIC.match(line)):
        return Finding(number, line.strip(), "cell magic", m.group(1) in HARMLESS_CELL_MAGICS)
    if m := _LINE_MAGIC.match(line):
        name = m.group(2)
        return Finding(number, line.strip(), "magic", name in HARMLESS_LINE_MAGICS or name in INSTALL_MAGICS)
    if m := _SHELL.match(line):
        return Finding(number, line.strip(), "shell escape", m.group(2) in INSTALL_MAGICS)
    if _ASSIGN_MAGIC.match(line) and not _valid(line.strip()):
        return Finding(number, line.strip(), "magic assignment", False)
    if _HELP.match(line) and not _valid(line.strip()):
        return Finding(number, line.strip(), "help", True)
    return None


def _valid(code: str) -> bool:
    try:
        compile(code, "<line>", "exec", dont_inherit=True)
    except SyntaxError:
        return False
    return True
