"""Diagnostics: one finding about a notebook, located at a cell and line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


def printable(text: str) -> str:
    """`text` as one safe line: JSON-quoted when it holds a newline, control or invisible character."""
    return text if text.isprintable() else json.dumps(text)


def cell_number(index: int) -> int:
    """The number a person reads for the cell at 0-based `index`: 1-based, as JupyterLab's
    status bar counts cells ("Cell 3/9"). Every message and generated comment uses it."""
    return index + 1


@dataclass(frozen=True)
class Diagnostic:
    """A finding that names where it is and what to do about it."""

    severity: Severity
    message: str
    notebook: str
    cell: int | None = None  # index in the notebook's cell list (0-based); shown as cell_number(cell)
    cell_id: str | None = None
    line: int | None = None  # 1-based line inside the cell
    hint: str = ""
    related: tuple[str, ...] = field(default=())

    @property
    def location(self) -> str:
        parts = [printable(self.notebook)]
        if self.cell is not None:
            cell = f"cell {cell_number(self.cell)}"
            if self.cell_id:
                cell += f" (id={self.cell_id})"
            parts.append(cell)
        if self.line is not None:
            parts.append(f"line {self.line}")
        return ": ".join(parts)

    def format(self) -> str:
        text = f"{self.location}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class CompileError(Exception):
    """Raised when a notebook cannot be compiled; carries every diagnostic."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        errors = [d for d in diagnostics if d.severity == "error"]
        super().__init__(errors[0].format() if errors else "compile failed")


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


def format_diagnostics(diagnostics: list[Diagnostic]) -> str:
    """Errors first (stable), then a count line."""
    ordered = sorted(diagnostics, key=lambda d: d.severity != "error")
    lines = [d.format() for d in ordered]
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    if errors or warnings:
        lines.append(f"{errors} error(s), {warnings} warning(s)")
    return "\n".join(lines)
