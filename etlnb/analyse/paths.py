"""Where a project's root is (its pyproject.toml or .git): build/, .etlnb/, images/ live there."""

from __future__ import annotations

from pathlib import Path


def project_root(start: Path | None = None) -> Path:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").exists() or (folder / ".git").exists():
            return folder
    return here
