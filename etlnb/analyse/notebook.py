"""Load step: notebook JSON -> plain cells, without nbformat (it costs seconds to import)."""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etlnb.analyse.diagnostics import CompileError, Diagnostic


@dataclass(frozen=True)
class Cell:
    index: int
    cell_type: str
    source: str
    tags: tuple[str, ...]
    id: str | None = None


@dataclass(frozen=True)
class Notebook:
    path: str  # as the user named it; used in every message
    cells: tuple[Cell, ...]
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def etlnb_metadata(self) -> dict[str, Any]:
        meta = self.metadata.get("etlnb")
        return meta if isinstance(meta, dict) else {}


def read_notebook(path: str | Path) -> Notebook:
    """Read and parse a notebook file; every failure is a CompileError."""
    name = str(path)
    try:
        data = _read_regular_file(Path(path))
    except OSError as exc:
        raise CompileError([Diagnostic("error", f"cannot read notebook: {exc.strerror}", name)]) from None
    if data is None:
        raise _fail(
            name, "not a regular file (a folder, FIFO, device or socket)", "pass the path of a saved .ipynb file"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        # json.loads would say "decode using utf-8-sig"; nbformat (Jupyter) rejects the file too
        raise _fail(
            name,
            "starts with a UTF-8 byte-order mark (BOM); Jupyter cannot open it either",
            "save it as UTF-8 without a BOM",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CompileError(
            [
                Diagnostic(
                    "error",
                    f"not UTF-8 (bad byte at offset {exc.start}); notebooks are UTF-8 JSON",
                    name,
                    hint="re-save the notebook from Jupyter",
                )
            ]
        ) from None
    return parse_notebook(text, name)


def _read_regular_file(path: Path) -> bytes | None:
    """The file's bytes; None when it is not a regular file. Opened without blocking and checked
    on the open descriptor: reading a FIFO named x.ipynb would wait forever for a writer."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with open(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return None
        return f.read()


_CELL_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")


def _fail(name: str, message: str, hint: str = "", cell: int | None = None) -> CompileError:
    hint = hint or "the file is damaged: re-save it from Jupyter or restore it from version control"
    return CompileError([Diagnostic("error", message, name, cell=cell, hint=hint)])


def _source_text(value: Any) -> str | None:
    if isinstance(value, str):
        text = value
    elif isinstance(value, list) and all(isinstance(s, str) for s in value):
        text = "".join(value)
    else:
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_notebook(text: str, name: str) -> Notebook:
    """Parse notebook JSON text (nbformat 4) into cells."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise _fail(name, "JSON nested too deeply to be a notebook") from None
    except json.JSONDecodeError as exc:
        raise CompileError(
            [
                Diagnostic(
                    "error",
                    f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                    name,
                    hint="the file is damaged or not a notebook; restore it from version control",
                )
            ]
        ) from None
    if not isinstance(data, dict) or ("cells" not in data and "worksheets" not in data):
        raise _fail(name, "not a Jupyter notebook (no 'cells')", "pass an .ipynb file")
    major = data.get("nbformat")
    if "worksheets" in data or (isinstance(major, int) and major < 4):
        raise _fail(
            name,
            f"nbformat {major} is too old; etlnb reads nbformat 4",
            f"upgrade it: jupyter nbconvert --to notebook --inplace {name}",
        )
    if not isinstance(major, int) or major > 4:
        raise _fail(name, f"unsupported nbformat {major!r}; etlnb reads nbformat 4")
    cells_data = data["cells"]
    if not isinstance(cells_data, list):
        raise _fail(name, "'cells' is not a list", "the file is damaged; restore it")
    metadata = data.get("metadata", {})
    if not isinstance(metadata, dict):
        raise _fail(name, "notebook metadata is not a JSON object")
    if "etlnb" in metadata and not isinstance(metadata["etlnb"], dict):
        raise _fail(
            name,
            "notebook metadata 'etlnb' is not a JSON object",
            'write it as an object, e.g. "etlnb": {"flow": "...", "project": "..."}',
        )
    cells = []
    for index, raw in enumerate(cells_data):
        cells.append(_parse_cell(raw, index, name))
    return Notebook(path=name, cells=tuple(cells), metadata=metadata)


def _parse_cell(raw: Any, index: int, name: str) -> Cell:
    if not isinstance(raw, dict):
        raise _fail(name, "cell is not a JSON object", cell=index)
    cell_type = raw.get("cell_type")
    if not isinstance(cell_type, str):
        raise _fail(name, "cell has no cell_type", cell=index)
    source = _source_text(raw.get("source", ""))
    if source is None:
        raise _fail(name, "cell source is neither a string nor a list of strings", cell=index)
    cell_id = raw.get("id")
    if not isinstance(cell_id, str):
        cell_id = None  # a non-string id is ignored like a missing one (it is never pasted anywhere)
    elif not _CELL_ID.fullmatch(cell_id):
        # ids reach comments of the generated script: only what Jupyter's schema allows
        raise _fail(
            name,
            f"cell id {json.dumps(cell_id)[:80]} is not a valid Jupyter cell id (letters, digits, - and _, 1-64)",
            "re-save the notebook from JupyterLab, or fix the id in the file",
            cell=index,
        )
    meta = raw.get("metadata", {})
    if not isinstance(meta, dict):
        # its tags (the cell's role) cannot be read: never guess the cell is untagged
        raise _fail(name, "cell metadata is not a JSON object", cell=index)
    tags_value = meta.get("tags", [])
    if not isinstance(tags_value, list) or not all(isinstance(t, str) for t in tags_value):
        # a string is refused too: nbformat's schema says list, and `"extract, load"` would be a guess
        found = f" (found {json.dumps(tags_value)[:60]})" if isinstance(tags_value, str) else ""
        example = json.dumps([tags_value]) if isinstance(tags_value, str) else '["extract"]'
        raise CompileError(
            [
                Diagnostic(
                    "error",
                    f"cell tags must be a list of strings{found}",
                    name,
                    cell=index,
                    cell_id=cell_id,
                    hint=f'write "tags": {example[:60]} in the cell metadata, or set them in JupyterLab\'s property inspector',
                )
            ]
        )
    return Cell(index=index, cell_type=cell_type, source=source, tags=tuple(tags_value), id=cell_id)
