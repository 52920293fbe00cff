"""Map a line of a generated flow script back to its notebook cell and line.

Every copied block starts right below a marker comment
`# cell N [role] id=ID, lines A-B, C-D`; the copied lines follow the ranges
in order, so a traceback's script line maps back by counting. The sorted
import block at the top says it line by line: `import x  # cell N [role], line L`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from etlnb.analyse.diagnostics import cell_number

_MARKER = re.compile(r"^\s*# cell (\d+) \[(\w+)\](?: id=(\S+?))?, lines? ([\d, -]+?)(:.*)?$")


_TRAILING = re.compile(r"  # (?:.*?, )?cell (\d+) \[(\w+)\], line (\d+)")


@dataclass(frozen=True)
class Origin:
    cell: int  # the cell's index (the marker shows it 1-based, as JupyterLab counts)
    role: str
    cell_id: str | None
    line: int

    def __str__(self) -> str:
        ident = f" (id={self.cell_id})" if self.cell_id else ""
        return f"cell {cell_number(self.cell)}{ident} [{self.role}] line {self.line}"


def _ranges(spec: str) -> list[tuple[int, int]]:
    out = []
    for part in spec.split(","):
        a, _, b = part.strip().partition("-")
        out.append((int(a), int(b or a)))
    return out


def _import_origin(lines: list[str], index: int) -> Origin | bool | None:
    """The origin a line of the sorted import block names (None: an import etlnb added); False
    when the line is not in that block."""
    text = lines[index]
    if text[:1] in " \t" or text.startswith(")"):  # a member of a wrapped `from m import (...)`
        first = index
        while first > 0 and (lines[first][:1] in " \t" or lines[first].startswith(")")):
            first -= 1
        head = lines[first]
        if not head.startswith("from ") or not head.split("  #")[0].rstrip().endswith("("):
            return False
        found = _TRAILING.search(text) or _TRAILING.search(head)
    elif text.startswith(("import ", "from ")):
        found = _TRAILING.search(text)
    else:
        return False
    if found is None:
        return None
    cell, role, number = found.groups()
    return Origin(int(cell) - 1, role, None, int(number))


def origin(script: str, line: int) -> Origin | None:
    """Where script line `line` (1-based) came from; None for generated lines."""
    lines = script.split("\n")
    if not 1 <= line <= len(lines):
        return None
    imported = _import_origin(lines, line - 1)
    if imported is not False:
        return imported or None
    for marker_line in range(line - 1, 0, -1):
        m = _MARKER.match(lines[marker_line - 1])
        if m is None:
            continue
        cell, role, cell_id, spec, mapped = m.groups()
        ranges = _ranges(spec)
        if mapped:  # a mapped comprehension: its wrapper task (decorator, def, body) runs that one line
            body = lines[marker_line + 1 : line]  # the def line onwards
            inside = all(not text or text[0] in " \t" for text in body[1:])
            return Origin(int(cell) - 1, role, cell_id, ranges[0][0]) if inside else None
        offset = line - marker_line - 1
        for start, end in ranges:
            if offset <= end - start:
                return Origin(int(cell) - 1, role, cell_id, start + offset)
            offset -= end - start + 1
        if m.group(0)[0] in " \t":
            continue  # past a block copied into a function: the enclosing marker may still cover it
        return None
    return None
