"""Classify step: cell tags -> one role per code cell."""

from __future__ import annotations

from dataclasses import dataclass

from etlnb.analyse.diagnostics import Diagnostic, cell_number
from etlnb.analyse.notebook import Cell, Notebook

STEP_ROLES = ("extract", "transform", "load", "validate")
COMPILED_ROLES = ("parameters", "imports", "functions", *STEP_ROLES)
ROLES = (*COMPILED_ROLES, "sample", "skip")
UNTAGGED = "untagged"


@dataclass(frozen=True)
class RoleCell:
    cell: Cell
    role: str  # one of ROLES, or UNTAGGED

    @property
    def compiled(self) -> bool:
        return self.role in COMPILED_ROLES

    @property
    def is_step(self) -> bool:
        return self.role in STEP_ROLES

    @property
    def label(self) -> str:
        """How messages and generated code name the cell."""
        ident = f" id={self.cell.id}" if self.cell.id else ""
        return f"cell {cell_number(self.cell.index)} [{self.role}]{ident}"


def classify(notebook: Notebook) -> tuple[list[RoleCell], list[Diagnostic]]:
    """Give each code cell its role; markdown and raw cells are left out."""
    cells: list[RoleCell] = []
    diagnostics: list[Diagnostic] = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        roles = sorted({t.lower() for t in cell.tags if t.lower() in ROLES}, key=ROLES.index)
        if len(roles) > 1:
            diagnostics.append(
                Diagnostic(
                    "error",
                    f"conflicting role tags {', '.join(roles)}",
                    notebook.path,
                    cell=cell.index,
                    cell_id=cell.id,
                    hint="give the cell one role tag, or split it into one cell per role",
                )
            )
            continue
        cells.append(RoleCell(cell, roles[0] if roles else UNTAGGED))
    if not any(rc.is_step for rc in cells) and not diagnostics:
        diagnostics.append(
            Diagnostic(
                "error",
                "no step cells: tag at least one code cell extract, transform, load or validate",
                notebook.path,
                hint="JupyterLab: select the cell, open the property inspector, add a Cell Tag",
            )
        )
    return cells, diagnostics
