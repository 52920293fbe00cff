"""A traceback line in the generated script maps back to the notebook cell and line."""

from __future__ import annotations

import subprocess

from etlnb.analyse.where import origin
from etlnb.pipeline import compile_file

from .conftest import PYTHON, make_notebook

CELLS = [
    ("import math", ["imports"]),
    ("n = 4", ["parameters"]),
    ("a = 1\n\ndef helper(v):\n    return v\n\n# comment\nb = math.sqrt(n)\nc = 1 / (b - 2)", ["transform"]),
    ("print(c)", ["load"]),
]


def test_every_copied_line_maps_back_to_its_cell_line(tmp_path):
    path = tmp_path / "where_demo.ipynb"
    path.write_text(make_notebook(CELLS))
    script = compile_file(path, tmp_path / "build").script
    lines = script.split("\n")
    cell = CELLS[2][0].split("\n")
    for cell_line, text in enumerate(cell, start=1):
        if not text.strip():
            continue
        hits = [i + 1 for i, line in enumerate(lines) if line.strip() == text.strip()]
        assert hits, text
        found = origin(script, hits[0])
        assert (found.cell, found.line, found.role) == (2, cell_line, "transform"), text
    flow_line = next(i + 1 for i, line in enumerate(lines) if line.strip().startswith("c = transform_c("))
    assert origin(script, flow_line) is None


def test_traceback_of_a_failing_flow_maps_to_the_failing_cell_line(tmp_path, flow_env):
    path = tmp_path / "where_demo.ipynb"
    path.write_text(make_notebook(CELLS))
    compiled = compile_file(path, tmp_path / "build")
    compiled.path.parent.mkdir(parents=True)
    compiled.path.write_text(compiled.script)
    done = subprocess.run([PYTHON, str(compiled.path)], capture_output=True, text=True, env=flow_env)
    assert done.returncode != 0
    assert "ZeroDivisionError" in done.stderr + done.stdout
    marker = f'File "{compiled.path}", line '
    line = next(ln for ln in (done.stderr + done.stdout).splitlines() if marker in ln and "transform_c" in ln)
    number = line.split(marker)[1].split(",")[0]
    where = subprocess.run(
        [PYTHON, "-m", "etlnb", "where", f"{compiled.path}:{number}"], capture_output=True, text=True
    )
    assert where.returncode == 0, where.stderr
    assert where.stdout.strip().endswith("cell 3 (id=c2) [transform] line 8")


def test_mapped_wrapper_lines_map_to_the_comprehension_line():
    from .conftest import REPO

    script = (REPO / "tests" / "golden" / "weather.weather.py").read_text()
    lines = script.split("\n")
    for call, cell, line in (("return extract(s)", 4, 13), ("return transform(r)", 6, 18)):
        number = next(i + 1 for i, text in enumerate(lines) if text.strip() == call)
        found = origin(script, number)
        assert (found.cell, found.line) == (cell, line), call
