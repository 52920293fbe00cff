"""Generated scripts pass ruff's default rules without hiding defects, and the notebook's imports
form one sorted block whose lines `etlnb where` still maps to their cells."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import warnings
from pathlib import Path

from etlnb.analyse.where import origin
from etlnb.pipeline import CompileError, compile_file

from .conftest import PYTHON, make_notebook

ROOT = Path(__file__).resolve().parent.parent
RUFF = os.path.join(os.path.dirname(PYTHON), "ruff")
HIDES_DEFECTS = {"F821", "F811", "F822", "F823"}


def _committed_notebooks() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / line for line in out.split()]


def _ruff(paths: list[Path]) -> list[dict]:
    done = subprocess.run(
        [RUFF, "check", "--isolated", "--no-cache", "--output-format", "json", *map(str, paths)],
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout or "[]")


def test_every_committed_notebook_compiles_ruff_clean_without_pragmas_over_defects(tmp_path):
    scripts: dict[Path, object] = {}
    variants = ({}, {"target": "prefect1"}, {"task_runner": "dask"})
    for n, flags in enumerate(variants):
        for notebook in _committed_notebooks():
            try:
                compiled = compile_file(notebook, tmp_path / f"v{n}", flags=dict(flags))
            except CompileError:
                continue  # refused notebooks (the corpus has many): nothing to lint
            path = tmp_path / f"v{n}" / f"{notebook.stem}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(compiled.script)
            scripts[path] = compiled
    assert len(scripts) > 250
    for path, compiled in scripts.items():
        script = compiled.script
        assert "isort: split" not in script, path
        for rules in re.findall(r"ruff: disable\[([^\]]*)\]", script):
            assert not HIDES_DEFECTS & set(rules.split(", ")), (path, rules)
        assert not re.search(r"noqa: [^\n]*\b(F821|F811)\b", script), path
    # what ruff still finds is a defect of the notebook's own code, and compile said where
    for finding in _ruff(list(scripts)):
        compiled = scripts[Path(finding["filename"])]
        assert finding["code"] in HIDES_DEFECTS, finding
        found = origin(compiled.script, finding["location"]["row"])
        assert found is not None, finding  # never a line etlnb generated
        warned = [d for d in compiled.analysis.diagnostics if finding["code"] in d.message]
        assert [(d.cell, d.line) for d in warned] == [(found.cell, found.line)], finding


CELLS = [
    ("import pandas as pd\nimport os\n\n# comment\nimport json, re", ["imports"]),
    ("rate = 2", ["parameters"]),
    ("def double(x):\n    return x * rate\n", ["functions"]),
    ("from collections import Counter\nimport json\nfrom os import path, sep", ["imports"]),
    ("frame = pd.DataFrame({'a': [1, 2, 2]})", ["extract"]),
    ("counts = Counter(frame['a'].map(double))\nout = json.dumps(sorted(counts.items()))", ["transform"]),
    ("print(out, path.basename('x/y'), sep, os.sep, re.escape('.'))", ["load"]),
]


def test_imports_from_several_cells_form_one_sorted_block_mapped_back(tmp_path):
    notebook = tmp_path / "p" / "sorts.ipynb"
    notebook.parent.mkdir()
    notebook.write_text(make_notebook(CELLS))
    script = compile_file(notebook, tmp_path / "build").script
    tree = ast.parse(script)
    first_code = next(i for i, node in enumerate(tree.body) if i and not isinstance(node, (ast.Import, ast.ImportFrom)))
    imports = [node for node in tree.body[1:first_code]]
    later = [n for n in tree.body[first_code:] if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert not later  # one block at the top, the script's own and the notebook's
    names = {(a.asname or a.name) for node in imports for a in node.names}
    assert {"pd", "os", "json", "re", "Counter", "path", "sep", "flow", "task"} <= names
    assert len([a for node in imports for a in node.names if a.name == "json"]) == 1  # the repeat once
    lines = script.split("\n")
    # every notebook import line says its cell and line, and `etlnb where` reads it
    for text, cell, line in [
        ("import json", 1, 5),
        ("import os", 1, 2),
        ("import pandas as pd", 1, 1),
        ("import re", 1, 5),
        ("from collections import Counter", 4, 1),
    ]:
        row = next(i for i, s in enumerate(lines, 1) if s.startswith(text + "  #"))
        found = origin(script, row)
        assert found is not None and (found.cell + 1, found.role, found.line) == (cell, "imports", line), text
    row = next(i for i, s in enumerate(lines, 1) if s.startswith("from os import "))
    assert origin(script, row).line == 3
    assert origin(script, next(i for i, s in enumerate(lines, 1) if s.startswith("from prefect "))) is None
    ruff = subprocess.run(
        [RUFF, "check", "--isolated", "--no-cache", "--stdin-filename", "flow.py", "-"],
        input=script,
        capture_output=True,
        text=True,
    )
    assert ruff.returncode == 0, ruff.stdout


def test_an_import_only_exploration_uses_stays_marked_not_dropped(tmp_path):
    cells = [
        ("import json\nimport seaborn_free_name_xyz as viz", ["imports"]),
        ("value = 3", ["extract"]),
        ("viz", []),
        ("print(json.dumps(value))", ["load"]),
    ]
    notebook = tmp_path / "p" / "unused.ipynb"
    notebook.parent.mkdir()
    notebook.write_text(make_notebook(cells))
    script = compile_file(notebook, tmp_path / "build").script
    line = next(s for s in script.split("\n") if "seaborn_free_name_xyz" in s)
    assert line.startswith("import seaborn_free_name_xyz as viz  # cell 1 [imports], line 2")
    assert "# noqa: F401" in line


def test_imports_that_would_change_meaning_if_moved_stay_in_place(tmp_path):
    cells = [
        ("import warnings\nimport json", ["imports"]),
        ("def loud(x):\n    return str(x).upper()\n", ["functions"]),
        ("from string import capwords", ["imports"]),  # moves up past the def: one block
        ("warnings.simplefilter('error')\nimport fractions", ["imports"]),  # after a call: stays after it
        ("a = [loud('x'), capwords('a b'), str(fractions.Fraction(1, 3))]", ["extract"]),
        ("print(json.dumps(a))", ["load"]),
    ]
    notebook = tmp_path / "p" / "keep.ipynb"
    notebook.parent.mkdir()
    notebook.write_text(make_notebook(cells))
    compiled = compile_file(notebook, tmp_path / "build")
    script = compiled.script
    assert script.index("from string import capwords") < script.index("def loud")
    assert script.index("warnings.simplefilter") < script.index("import fractions")
    # the module code runs as the notebook ran it: everything up to the first task, executed here
    module_code = script[: script.index("@task")]
    namespace: dict = {}
    with warnings.catch_warnings():  # the notebook's filter stays inside this test
        exec(compile(module_code.replace("from prefect", "# from prefect"), "keep", "exec"), namespace)
    assert namespace["loud"]("x") == "X" and namespace["capwords"]("a b") == "A B"
