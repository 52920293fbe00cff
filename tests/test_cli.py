"""The etlnb command line as a user meets it: exit codes, what lands on stdout/stderr, what is written.

Every test runs the real CLI in a subprocess (`python -m etlnb ...`) from a temporary folder, on
notebooks written there as nbformat-4 JSON.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

# -- helpers ------------------------------------------------------------------------------------

Cells = list[tuple[str, list[str]] | tuple[str, list[str], str]]


def cell_id(index: int) -> str:
    return f"c{index}-e7a1"


def write_notebook(path: Path, cells: Cells, metadata: dict | None = None) -> Path:
    """Write an nbformat-4 notebook; each cell is (source, tags) or (source, tags, cell_type)."""
    nb_cells = []
    for index, spec in enumerate(cells):
        source, tags = spec[0], spec[1]
        cell_type = spec[2] if len(spec) == 3 else "code"
        cell: dict = {
            "cell_type": cell_type,
            "id": cell_id(index),
            "metadata": {"tags": list(tags)} if tags else {},
            "source": source.splitlines(keepends=True),
        }
        if cell_type == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        nb_cells.append(cell)
    data = {
        "cells": nb_cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            **(metadata or {}),
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path


def etlnb(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "etlnb", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def files_under(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*")}


def first_line(text: str) -> str:
    lines = text.splitlines()
    assert lines, "expected a message on stderr, got nothing"
    return lines[0]


def assert_error(
    result: subprocess.CompletedProcess[str],
    notebook: str,
    *,
    cell: int | None = None,
    line: int | None = None,
    contains: tuple[str, ...] = (),
) -> str:
    """Exit 1, no traceback, and the first stderr line locates the error; returns that line."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
    head = first_line(result.stderr)
    assert head.startswith(notebook), head
    assert "error" in head, head
    if cell is not None:
        assert f"cell {cell + 1} (id={cell_id(cell)})" in head, head  # 1-based, as JupyterLab counts
    if line is not None:
        assert re.search(rf"\bline {line}\b", head), head
    for text in contains:
        assert text in result.stderr, (text, result.stderr)
    return head


PARAMS = ("n = 3", ["parameters"])
GOOD_CELLS: Cells = [
    PARAMS,
    ("xs = list(range(n))", ["transform"]),
    ("print(sum(xs))", ["load"]),
]

# -- check: good notebook ------------------------------------------------------------------------


def test_check_good_notebook_exits_0_and_says_ok(tmp_path: Path) -> None:
    write_notebook(tmp_path / "good.ipynb", GOOD_CELLS)
    before = files_under(tmp_path)

    result = etlnb(tmp_path, "check", "good.ipynb")

    assert result.returncode == 0, result.stderr
    assert "good.ipynb" in result.stdout
    assert "ok" in result.stdout
    assert "error" not in result.stderr
    assert files_under(tmp_path) == before


def test_check_several_notebooks_reports_each_and_fails_if_any_fails(tmp_path: Path) -> None:
    write_notebook(tmp_path / "good.ipynb", GOOD_CELLS)
    write_notebook(tmp_path / "bad.ipynb", [PARAMS, ("x = 1", [])])

    result = etlnb(tmp_path, "check", "bad.ipynb", "good.ipynb")

    assert result.returncode == 1
    assert "good.ipynb: ok" in result.stdout
    assert first_line(result.stderr).startswith("bad.ipynb")
    assert "Traceback" not in result.stderr


# -- check: notebook files that are not usable --------------------------------------------------


def _check_fails_writing_nothing(tmp_path: Path, name: str) -> tuple[subprocess.CompletedProcess[str], str]:
    before = files_under(tmp_path)
    result = etlnb(tmp_path, "check", name)
    assert files_under(tmp_path) == before
    assert result.stdout.strip() == ""
    return result, assert_error(result, name)


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    # A merge conflict left in the file: the marker is on line 3, column 1.
    good = (write_notebook(tmp_path / "x.ipynb", GOOD_CELLS)).read_text().splitlines()
    text = "\n".join([*good[:2], "<<<<<<< HEAD", *good[2:]])
    (tmp_path / "broken.ipynb").write_text(text, encoding="utf-8")
    (tmp_path / "x.ipynb").unlink()

    _, head = _check_fails_writing_nothing(tmp_path, "broken.ipynb")

    assert "JSON" in head
    assert re.search(r"\bline 3\b", head), head
    assert re.search(r"\bcolumn 1\b", head), head


@pytest.mark.parametrize(
    "content",
    [
        '{"name": "my-package", "version": "1.0.0"}',
        "[1, 2, 3]",
    ],
    ids=["json-object", "json-list"],
)
def test_json_that_is_not_a_notebook(tmp_path: Path, content: str) -> None:
    (tmp_path / "data.ipynb").write_text(content, encoding="utf-8")

    _, head = _check_fails_writing_nothing(tmp_path, "data.ipynb")

    assert "notebook" in head.lower()


def test_nbformat_3_says_how_to_upgrade(tmp_path: Path) -> None:
    old = {
        "metadata": {"name": "old"},
        "nbformat": 3,
        "nbformat_minor": 0,
        "worksheets": [{"cells": [{"cell_type": "code", "input": "x = 1", "language": "python", "outputs": []}]}],
    }
    (tmp_path / "old.ipynb").write_text(json.dumps(old), encoding="utf-8")

    result, head = _check_fails_writing_nothing(tmp_path, "old.ipynb")

    assert "nbformat 3" in head
    hint = result.stderr.split("\n", 1)[1]
    assert "jupyter nbconvert --to notebook" in hint
    assert "old.ipynb" in hint


def test_non_utf8_bytes(tmp_path: Path) -> None:
    write_notebook(tmp_path / "latin.ipynb", [PARAMS, ("city = 'Zurich'", ["transform"])])
    raw = (tmp_path / "latin.ipynb").read_bytes().replace(b"Zurich", "Zürich".encode("latin-1"))
    (tmp_path / "latin.ipynb").write_bytes(raw)

    _, head = _check_fails_writing_nothing(tmp_path, "latin.ipynb")

    assert "UTF-8" in head


def test_no_step_cells(tmp_path: Path) -> None:
    write_notebook(
        tmp_path / "explore.ipynb",
        [("# Exploration", [], "markdown"), PARAMS, ("xs = list(range(n))", []), ("xs", ["skip"])],
    )

    _, head = _check_fails_writing_nothing(tmp_path, "explore.ipynb")

    assert "step" in head
    assert "extract" in head or "transform" in head or "load" in head


@pytest.mark.parametrize("command", ["check", "compile"])
def test_missing_notebook_file_is_a_one_line_error(tmp_path: Path, command: str) -> None:
    result = etlnb(tmp_path, command, "nope.ipynb")

    assert_error(result, "nope.ipynb")
    assert sum("error:" in line for line in result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert files_under(tmp_path) == set()


# -- check: errors inside cells -----------------------------------------------------------------


def _check_cell_error(
    tmp_path: Path, cells: Cells, *, cell: int, line: int | None, contains: tuple[str, ...] = ()
) -> tuple[subprocess.CompletedProcess[str], str]:
    write_notebook(tmp_path / "etl.ipynb", cells)
    before = files_under(tmp_path)
    result = etlnb(tmp_path, "check", "etl.ipynb")
    assert files_under(tmp_path) == before
    assert "ok" not in result.stdout
    return result, assert_error(result, "etl.ipynb", cell=cell, line=line, contains=contains)


def test_syntax_error_names_cell_id_and_line(tmp_path: Path) -> None:
    cells: Cells = [
        ("# Prices", [], "markdown"),
        PARAMS,
        ("a = n\nb = a + 1\nc = a +* b\nd = c", ["transform"]),
    ]
    _, head = _check_cell_error(tmp_path, cells, cell=2, line=3)

    assert "syntax" in head.lower()


def test_syntax_error_in_untagged_cell_is_not_reported(tmp_path: Path) -> None:
    write_notebook(tmp_path / "etl.ipynb", [*GOOD_CELLS, ("half a thought (", [])])

    result = etlnb(tmp_path, "check", "etl.ipynb")

    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout


@pytest.mark.parametrize("hidden_role", [[], ["sample"]], ids=["untagged", "sample"])
def test_hidden_state_names_both_cells(tmp_path: Path, hidden_role: list[str]) -> None:
    cells: Cells = [PARAMS, ("secret = 5", hidden_role), ("y = secret + n", ["transform"])]

    _, head = _check_cell_error(tmp_path, cells, cell=2, line=1)

    assert "secret" in head
    assert re.search(r"\bcell 2\b", head), head  # the cell that defines it


def test_hidden_state_through_a_function_names_function_name_and_cells(tmp_path: Path) -> None:
    cells: Cells = [
        PARAMS,
        ("factor = 2", []),
        ("def scale(v):\n    return v * factor", ["functions"]),
        ("y = scale(n)", ["transform"]),
    ]

    _, head = _check_cell_error(tmp_path, cells, cell=3, line=1)

    assert "scale" in head
    assert "factor" in head
    assert re.search(r"\bcell 2\b", head), head


def test_name_nothing_defines_points_at_the_line_and_the_imports_cell(tmp_path: Path) -> None:
    cells: Cells = [
        ("import json", ["imports"]),
        PARAMS,
        ("a = n\nb = a + 1\nc = math.sqrt(b)", ["transform"]),
    ]

    result, head = _check_cell_error(tmp_path, cells, cell=2, line=3)

    assert "math" in head
    assert "imports cell" in result.stderr


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("%timeit sum(xs)", "%timeit"),
        ("!ls", "!ls"),
        ("files = !ls", "!ls"),
    ],
    ids=["timeit", "shell", "shell-assign"],
)
def test_unsupported_ipython_syntax_in_step_is_an_error_with_line(tmp_path: Path, line: str, shown: str) -> None:
    cells: Cells = [PARAMS, (f"xs = list(range(n))\n{line}\nys = xs", ["transform"])]

    _, head = _check_cell_error(tmp_path, cells, cell=1, line=2)

    assert shown in head


def test_magics_in_untagged_cells_are_fine(tmp_path: Path) -> None:
    write_notebook(tmp_path / "etl.ipynb", [*GOOD_CELLS, ("%timeit sum(range(3))\n!ls\nfiles = !ls", [])])

    result = etlnb(tmp_path, "check", "etl.ipynb")

    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout


def test_conflicting_role_tags(tmp_path: Path) -> None:
    cells: Cells = [PARAMS, ("xs = list(range(n))", ["transform", "load"]), ("print(xs)", ["load"])]

    _, head = _check_cell_error(tmp_path, cells, cell=1, line=None)

    assert "transform" in head
    assert "load" in head


@pytest.mark.parametrize(
    ("source", "bad_line"),
    [
        ("n = 3\nm = len('abc')", 2),
        ("n = 3\nprint(n)", 2),
        ("import os\nn = 3", 1),
    ],
    ids=["call", "statement", "import"],
)
def test_parameters_cell_must_hold_literal_assignments(tmp_path: Path, source: str, bad_line: int) -> None:
    cells: Cells = [(source, ["parameters"]), ("xs = list(range(n))", ["transform"])]

    _, head = _check_cell_error(tmp_path, cells, cell=0, line=bad_line)

    assert "literal" in head


def test_star_import(tmp_path: Path) -> None:
    cells: Cells = [
        ("import json\nfrom os.path import *", ["imports"]),
        PARAMS,
        ("xs = json.dumps(list(range(n)))", ["transform"]),
    ]

    _, head = _check_cell_error(tmp_path, cells, cell=0, line=2)

    assert "star import" in head or "import *" in head


# -- %matplotlib: a warning only -----------------------------------------------------------------


def test_matplotlib_magic_is_a_warning_and_compile_succeeds(tmp_path: Path) -> None:
    cells: Cells = [
        PARAMS,
        ("%matplotlib inline\nxs = list(range(n))", ["transform"]),
        ("print(sum(xs))", ["load"]),
    ]
    write_notebook(tmp_path / "plots" / "etl.ipynb", cells)

    check = etlnb(tmp_path, "check", "plots/etl.ipynb")
    assert check.returncode == 0, check.stderr
    assert "ok" in check.stdout
    head = first_line(check.stderr)
    assert head.startswith("plots/etl.ipynb")
    assert f"cell 2 (id={cell_id(1)})" in head
    assert re.search(r"\bline 1\b", head)
    assert "warning" in head and "%matplotlib" in head
    assert "error:" not in check.stderr

    result = etlnb(tmp_path, "compile", "plots/etl.ipynb", "-o", "OUT")
    assert result.returncode == 0, result.stderr
    script = tmp_path / "OUT" / "plots" / "etl.py"
    assert script.is_file()
    ast.parse(script.read_text(encoding="utf-8"))  # the magic is not left as live code


def test_matplotlib_magic_leaves_percent_lines_inside_strings_alone(tmp_path: Path) -> None:
    # IPython only treats `%...` at the start of a *statement* as a magic; the SQL placeholders
    # inside the triple-quoted string are data and must reach the flow unchanged.
    step = '%matplotlib inline\nsql = """\nINSERT INTO t VALUES (\n%s, %s\n)\n"""\nrows = [sql] * n'
    cells: Cells = [PARAMS, (step, ["transform"]), ("print(len(rows))", ["load"])]
    write_notebook(tmp_path / "db" / "etl.ipynb", cells)

    result = etlnb(tmp_path, "compile", "db/etl.ipynb", "-o", "OUT")

    assert result.returncode == 0, result.stderr
    assert "error:" not in result.stderr
    script = (tmp_path / "OUT" / "db" / "etl.py").read_text(encoding="utf-8")
    assert "\n%s, %s\n" in script


# -- compile: errors write nothing ---------------------------------------------------------------

ERROR_NOTEBOOKS: dict[str, tuple[Cells, int, int]] = {
    "syntax": ([PARAMS, ("a = n\nb = a + 1\nc = a +* b", ["transform"])], 1, 3),
    "hidden-state": ([PARAMS, ("secret = 5", []), ("y = secret + n", ["transform"])], 2, 1),
    "shell": ([PARAMS, ("xs = list(range(n))\n!ls", ["transform"])], 1, 2),
}


@pytest.mark.parametrize("case", sorted(ERROR_NOTEBOOKS))
@pytest.mark.parametrize("output", [None, "OUT"], ids=["default-build", "dash-o"])
def test_compile_error_writes_no_script(tmp_path: Path, case: str, output: str | None) -> None:
    cells, cell, line = ERROR_NOTEBOOKS[case]
    write_notebook(tmp_path / "etl.ipynb", cells)
    before = files_under(tmp_path)

    result = etlnb(tmp_path, "compile", "etl.ipynb", *(["-o", output] if output else []))

    assert_error(result, "etl.ipynb", cell=cell, line=line)
    assert "wrote" not in result.stdout
    assert files_under(tmp_path) == before  # no build/ or OUT/ content, not even an empty folder


def test_compile_invalid_json_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "etl.ipynb").write_text('{"cells": [\n  {"cell_type": "code",,}\n]}', encoding="utf-8")

    result = etlnb(tmp_path, "compile", "etl.ipynb", "-o", "OUT")

    head = assert_error(result, "etl.ipynb")
    assert re.search(r"\bline 2\b", head) and "column" in head, head
    assert files_under(tmp_path) == {Path("etl.ipynb")}


# -- compile: where the script goes ---------------------------------------------------------------


def test_compile_writes_project_and_flow_from_folder_and_file_name(tmp_path: Path) -> None:
    write_notebook(tmp_path / "sales" / "daily.ipynb", GOOD_CELLS)

    result = etlnb(tmp_path, "compile", "sales/daily.ipynb", "-o", "OUT")

    assert result.returncode == 0, result.stderr
    script = tmp_path / "OUT" / "sales" / "daily.py"
    assert script.is_file()
    assert str(Path("OUT/sales/daily.py")) in result.stdout
    text = script.read_text(encoding="utf-8")
    tree = ast.parse(text)
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert any(name.startswith("prefect") for name in imported)
    assert not any(name.split(".")[0] == "etlnb" for name in imported)
    assert {p.relative_to(tmp_path / "OUT") for p in (tmp_path / "OUT").rglob("*.py")} == {Path("sales/daily.py")}


def test_compile_from_the_notebook_folder_uses_that_folder_as_project(tmp_path: Path) -> None:
    write_notebook(tmp_path / "weather" / "hourly.ipynb", GOOD_CELLS)

    result = etlnb(tmp_path / "weather", "compile", "hourly.ipynb")

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "weather" / "build" / "weather" / "hourly.py").is_file()


def test_notebook_metadata_overrides_project_and_flow(tmp_path: Path) -> None:
    write_notebook(
        tmp_path / "sales" / "daily.ipynb", GOOD_CELLS, metadata={"etlnb": {"project": "finance", "flow": "nightly"}}
    )

    result = etlnb(tmp_path, "compile", "sales/daily.ipynb", "-o", "OUT")

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "OUT" / "finance" / "nightly.py").is_file()
    assert not (tmp_path / "OUT" / "sales").exists()


# -- graph ----------------------------------------------------------------------------------------

MAPPED_CELLS: Cells = [
    PARAMS,
    ("def square(i):\n    return i * i", ["functions"]),
    ("xs = list(range(n))", ["extract"]),
    ("ys = [square(x) for x in xs]", ["transform"]),
    ("print(sum(ys))", ["load"]),
]

_NODE = re.compile(r"^\s*(\w+)(\[\[|\[/|\[|\(\()")
_EDGE = re.compile(r'^\s*(\w+)\s*-->\s*\|"?([^|"]*)"?\|\s*(\w+)\s*$')


def test_graph_prints_mermaid_with_steps_data_edges_and_mapped_step(tmp_path: Path) -> None:
    write_notebook(tmp_path / "etl.ipynb", MAPPED_CELLS)

    result = etlnb(tmp_path, "graph", "etl.ipynb")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].strip() == "flowchart TD"
    nodes = {m.group(1): (m.group(2), line) for line in lines if (m := _NODE.match(line))}
    steps = {key: nodes[key] for key in nodes if key != "params"}
    by_role = {
        role: [k for k, (_, line) in steps.items() if f"[{role}]" in line] for role in ("extract", "transform", "load")
    }
    assert all(len(keys) == 1 for keys in by_role.values()), steps
    extract, transform, load = (by_role[r][0] for r in ("extract", "transform", "load"))

    edges = {
        (m.group(1), m.group(3)): {s.strip() for s in m.group(2).split(",")}
        for line in lines
        if (m := _EDGE.match(line))
    }
    assert "xs" in edges[(extract, transform)]
    assert "ys" in edges[(transform, load)]
    assert any("n" in names and dst == extract for (_, dst), names in edges.items())

    # the mapped step is drawn differently and says what it maps
    shape, line = steps[transform]
    assert "square" in line and "map" in line
    assert shape != steps[extract][0]
    assert "map" not in steps[extract][1] and "map" not in steps[load][1]


def test_graph_of_a_broken_notebook_prints_diagnostics_not_a_graph(tmp_path: Path) -> None:
    write_notebook(tmp_path / "etl.ipynb", [PARAMS, ("secret = 5", []), ("y = secret + n", ["transform"])])

    result = etlnb(tmp_path, "graph", "etl.ipynb")

    assert_error(result, "etl.ipynb", cell=2, line=1)
    assert "flowchart" not in result.stdout


def test_a_sample_value_json_cannot_carry_names_the_sample_cell_and_line(tmp_path: Path) -> None:
    """A computed sample value (NaN here) cannot travel as a flow parameter: compile says which
    sample cell and line set it, writes nothing, and shows no traceback."""
    cells: Cells = [
        ("threshold = 0.5", ["parameters"]),
        ("import math\nthreshold = math.nan", ["sample"]),
        ("kept = [v for v in [0.1, 0.9] if not v < threshold]", ["transform"]),
        ("print(kept)", ["load"]),
    ]
    write_notebook(tmp_path / "etl.ipynb", cells)
    result = etlnb(tmp_path, "compile", "etl.ipynb", "-o", "out")
    head = assert_error(result, "etl.ipynb", cell=1, line=2)
    assert "sample value of parameter `threshold` is a float infinity or NaN" in head, head
    assert not (tmp_path / "out").exists()
