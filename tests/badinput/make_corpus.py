"""Write the bad-input corpus: notebooks that are damaged, odd or full of IPython-only syntax.

Deterministic: the same files, byte for byte, on every run. Run it from anywhere:

    python tests/badinput/make_corpus.py

Files end in `.nbjson` (never `.ipynb`): `pytest --nbval` would otherwise collect and execute them.
The expectations (exit code, first stderr line) live in tests/test_badinput.py; the huge-output
notebook (tens of MB) is generated at test time there, not stored here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SUFFIX = ".nbjson"

KERNEL = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}


def code(source: Any, tags: Any = None, cell_id: Any = "auto", **extra: Any) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": []}
    if tags is not None:
        cell["metadata"] = {"tags": tags}
    if isinstance(source, str):
        source = source.splitlines(keepends=True)
    cell["source"] = source
    if cell_id != "auto":
        cell["id"] = cell_id
    cell.update(extra)
    return cell


def markdown(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": text.splitlines(keepends=True)}


def notebook(cells: list[Any], metadata: Any = None, *, ids: bool = True) -> dict[str, Any]:
    numbered = []
    for index, cell in enumerate(cells):
        if ids and isinstance(cell, dict) and "id" not in cell:
            cell = {"id": f"c{index}", **cell}
        numbered.append(cell)
    data: dict[str, Any] = {
        "cells": numbered,
        "metadata": KERNEL if metadata is None else metadata,
        "nbformat": 4,
        "nbformat_minor": 5 if ids else 4,
    }
    return data


def dumps(data: Any) -> bytes:
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


# A small notebook that compiles: the base most cases change one thing in.
IMPORTS = code("import json\n", ["imports"])
PARAMS = code('sources = ["a.json", "b.json"]\nlimit = 10\n', ["parameters"])
EXTRACT = code("rows = [json.loads('{}') for _ in sources]\n", ["extract"])
TRANSFORM = code("total = len(rows[:limit])\n", ["transform"])
LOAD = code("print(total)\n", ["load"])


def good(*middle: dict[str, Any]) -> list[dict[str, Any]]:
    """imports, parameters, extract, then `middle`, then load."""
    return [IMPORTS, PARAMS, EXTRACT, *middle, LOAD]


def step(source: Any, tag: str = "transform", **kw: Any) -> dict[str, Any]:
    return code(source, [tag], **kw)


VALID = dumps(notebook(good(TRANSFORM)))

CASES: dict[str, bytes] = {
    # -- file level: not JSON, not a notebook, wrong nbformat --------------------------------------
    "broken_json": b'{"cells": [{"cell_type": "code", "source": ["x = 1"] ,,]}\n',
    "truncated": VALID[: len(VALID) // 2],
    "empty_file": b"",
    "json_array": b"[1, 2, 3]\n",
    "json_null": b"null\n",
    "no_cells_key": dumps({"metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
    "nbformat3": dumps(
        {
            "metadata": {"name": "old"},
            "nbformat": 3,
            "nbformat_minor": 0,
            "worksheets": [{"cells": [{"cell_type": "code", "input": "x = 1", "language": "python"}]}],
        }
    ),
    "nbformat5": dumps({**notebook(good(TRANSFORM)), "nbformat": 5}),
    "nbformat_string": dumps({**notebook(good(TRANSFORM)), "nbformat": "4"}),
    "non_utf8": VALID.replace(b"limit = 10", b"limit = 10  # gr\xf6\xdfe"),
    "utf8_bom": b"\xef\xbb\xbf" + VALID,
    # -- wrong types ---------------------------------------------------------------------------------
    "cells_not_list": dumps({**notebook([]), "cells": {"0": TRANSFORM}}),
    "cell_not_object": dumps(notebook([IMPORTS, "x = 1", TRANSFORM])),
    "cell_no_type": dumps(notebook([IMPORTS, {"metadata": {}, "source": "x = 1\n"}, TRANSFORM])),
    "source_number": dumps(notebook([IMPORTS, PARAMS, EXTRACT, step(42)])),
    "source_list_mixed": dumps(notebook([IMPORTS, PARAMS, EXTRACT, step(["total = 1\n", 2])])),
    "cell_metadata_list": dumps(notebook([IMPORTS, PARAMS, EXTRACT, {**TRANSFORM, "metadata": ["transform"]}, LOAD])),
    "notebook_metadata_list": dumps(notebook(good(TRANSFORM), metadata=[{"etlnb": {}}])),
    "etlnb_metadata_list": dumps(notebook(good(TRANSFORM), metadata={**KERNEL, "etlnb": ["flow"]})),
    "cell_id_number": dumps(notebook([IMPORTS, PARAMS, EXTRACT, code(TRANSFORM["source"], ["transform"], 7), LOAD])),
    # -- tags ----------------------------------------------------------------------------------------
    "tags_string": dumps(notebook([IMPORTS, PARAMS, EXTRACT, code(TRANSFORM["source"], "transform"), LOAD])),
    "tags_number": dumps(notebook([IMPORTS, PARAMS, EXTRACT, code(TRANSFORM["source"], 3), LOAD])),
    "tags_null": dumps(notebook([IMPORTS, PARAMS, EXTRACT, code(TRANSFORM["source"], None, metadata={"tags": None})])),
    "tags_list_with_number": dumps(notebook([IMPORTS, PARAMS, EXTRACT, code(TRANSFORM["source"], ["transform", 1])])),
    "tags_conflicting": dumps(notebook([IMPORTS, PARAMS, EXTRACT, code(TRANSFORM["source"], ["transform", "load"])])),
    "no_step_cells": dumps(notebook([IMPORTS, PARAMS, code("x = 1\n")])),
    # -- cell shapes that are fine -------------------------------------------------------------------
    "crlf_sources": dumps(
        notebook(good(step(["total = len(\r\n", "    rows[:limit]\r\n", ")\r\n"]), step("done = total\r\n")))
    ),
    "source_string": dumps(notebook(good(step("total = len(rows)\nextra = total * 2\n")))),
    "source_list": VALID,
    "unknown_cell_type": dumps(notebook(good(TRANSFORM, {"cell_type": "widget", "metadata": {}, "source": "x"}))),
    "raw_cells": dumps(
        notebook(good({"cell_type": "raw", "metadata": {"tags": ["transform"]}, "source": "not python !!"}, TRANSFORM))
    ),
    "markdown_tagged": dumps(
        notebook(good({**markdown("# total = ???\n"), "metadata": {"tags": ["load"]}}, TRANSFORM))
    ),
    "duplicate_ids": dumps(notebook([{**c, "id": "same"} for c in good(TRANSFORM)])),
    "missing_ids": dumps(notebook(good(TRANSFORM), ids=False)),
    "comment_only_cells": dumps(notebook(good(TRANSFORM, step("# nothing to do yet\n# total = 0\n")))),
    "empty_step_cell": dumps(notebook(good(TRANSFORM, step("")))),
    "no_source_key": dumps(notebook(good(TRANSFORM, {"cell_type": "code", "metadata": {"tags": ["transform"]}}))),
    "unicode_identifiers": dumps(
        notebook(good(step("größe = len(rows)\nλ = größe * 2\n"), step("total = λ + größe\nprint(λ)\n", "load")))
    ),
    "rebinding_across_steps": dumps(
        notebook(good(step("total = len(rows)\n"), step("total = total + 1\n"), step("total = total + 1\n")))
    ),
    "rebinding_parameter": dumps(
        notebook(good(step("limit = limit + 1\n"), step("limit = limit + 1\ntotal = limit\n")))
    ),
    "untagged_broken_code": dumps(notebook(good(TRANSFORM, code("def broken(:\n    ???\n")))),
    # -- Python that parses but cannot be a task body ------------------------------------------------
    "syntax_error": dumps(notebook(good(step("total = len(rows)\nif total >\n    pass\n")))),
    "tab_space_mix": dumps(notebook(good(step("if rows:\n    total = 1\n\ttotal = 2\n")))),
    "null_byte": dumps(notebook(good(step("total = 1\nx = '\x00'\n")))),
    "top_level_await": dumps(
        notebook(good(step("import asyncio\ntotal = 1\nawait asyncio.sleep(0)\n", "extract"), TRANSFORM))
    ),
    "return_outside_function": dumps(notebook(good(step("total = len(rows)\nif not rows:\n    return\n")))),
    "yield_outside_function": dumps(notebook(good(step("total = 0\nfor r in rows:\n    yield r\n")))),
    "deep_nesting_parser": dumps(notebook(good(step("total = " + "-" * 200_000 + "1\n")))),
    "deep_nesting_analysis": dumps(notebook(good(step("x = 1\ntotal = " + "1 + " * 900 + "1\n")))),
    # -- IPython syntax ------------------------------------------------------------------------------
    "magic_line": dumps(notebook(good(step("total = len(rows)\n%time total = len(rows)\n")))),
    "magic_line_harmless": dumps(notebook(good(step("%matplotlib inline\ntotal = len(rows)\n")))),
    "magic_cell_bash": dumps(notebook(good(TRANSFORM, step("%%bash\necho hi\nls -l\n")))),
    "magic_cell_harmless": dumps(notebook(good(step("%%time\ntotal = len(rows)\n")))),
    "magic_cell_not_first": dumps(notebook(good(step("total = len(rows)\n%%bash\necho hi\n")))),
    "magic_assign": dumps(notebook(good(TRANSFORM, step("total = len(rows)\nnames = %who_ls\n")))),
    "shell_escape": dumps(notebook(good(TRANSFORM, step("total = len(rows)\n!ls -l\n")))),
    "shell_assign": dumps(notebook(good(TRANSFORM, step("total = len(rows)\nfiles = !ls\n")))),
    "shell_pip": dumps(notebook(good(step("!pip install requests\ntotal = len(rows)\n")))),
    "help_prefix": dumps(notebook(good(step("?len\ntotal = len(rows)\n")))),
    "help_suffix": dumps(notebook(good(step("total = len(rows)\nrows?\n")))),
    "magic_indented": dumps(notebook(good(step("total = 0\nfor r in rows:\n    !echo {r}\n    total += 1\n")))),
    "magics_untagged": dumps(
        notebook(
            good(
                TRANSFORM,
                code("%load_ext autoreload\n%time x = 1\ny = %who_ls\n!ls\nz = !ls\n?len\nlen?\n"),
                code("%%bash\necho hi\n"),
            )
        )
    ),
    # -- names -------------------------------------------------------------------------------------
    "star_import": dumps(notebook([code("from os.path import *\n", ["imports"]), PARAMS, EXTRACT, TRANSFORM, LOAD])),
    "name_only_untagged": dumps(notebook(good(code("factor = 3\n"), step("total = len(rows) * factor\n")))),
    "name_only_sample": dumps(notebook(good(code("factor = 3\n", ["sample"]), step("total = len(rows) * factor\n")))),
    "parameters_non_literal": dumps(
        notebook([IMPORTS, code("limit = len('abc')\nsources = ['a']\n", ["parameters"]), EXTRACT, TRANSFORM, LOAD])
    ),
    "flow_name_shadows_stdlib": dumps(notebook(good(TRANSFORM), metadata={**KERNEL, "etlnb": {"flow": "json"}})),
    "flow_name_empty": dumps(notebook(good(TRANSFORM), metadata={**KERNEL, "etlnb": {"flow": "", "project": "!!"}})),
}


def main() -> None:
    for old in HERE.glob(f"*{SUFFIX}"):
        old.unlink()
    for name, content in CASES.items():
        (HERE / f"{name}{SUFFIX}").write_bytes(content)
    print(f"wrote {len(CASES)} files to {HERE}")


if __name__ == "__main__":
    main()
