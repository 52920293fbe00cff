"""Flows a reviewer can read (issue 24, class 9): a task takes the names its cell reads and hands on
what it binds or changes that a later step reads; conservative aliasing does not thread every
frame through every task."""

from __future__ import annotations

import ast
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from .conftest import REPO, make_notebook

MODEL = [
    (
        "import json\nimport pandas as pd\nfrom sklearn.linear_model import LinearRegression\n"
        "from sklearn.metrics import r2_score\nfrom sklearn.model_selection import train_test_split",
        ["imports"],
    ),
    (
        "model_input_table = pd.DataFrame({'a': [1.0, 2, 3, 4, 5, 6], 'b': [2.0, 1, 4, 3, 6, 5],"
        " 'c': [3.1, 2.9, 7.2, 6.8, 11.1, 10.9]})",
        ["extract"],
    ),
    ("X = model_input_table[['a', 'b']]\ny = model_input_table['c']", ["transform"]),
    ("X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=0)", ["transform"]),
    ("model = LinearRegression()\nmodel.fit(X_train, y_train)", ["transform"]),
    ("y_pred = model.predict(X_test)\nscore = r2_score(y_test, y_pred)", ["transform"]),
    ("with open('score.json', 'w') as f:\n    json.dump(round(score, 6), f)", ["load"]),
]


def tasks(script: str) -> dict[str, ast.FunctionDef]:
    with warnings.catch_warnings():  # the analyst's own `"\\."` escapes, copied verbatim
        warnings.simplefilter("ignore")
        tree = ast.parse(script)
    return {
        fn.name: fn
        for fn in tree.body
        if isinstance(fn, ast.FunctionDef) and any("task" in ast.unparse(d) for d in fn.decorator_list)
    }


def compiled(notebook: Path, out: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "etlnb", "compile", notebook.name, "-o", str(out)],
        cwd=notebook.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return next(out.glob("*/*.py")).read_text()


def test_a_model_notebook_passes_each_task_only_what_it_reads(tmp_path):
    notebook = tmp_path / "model" / "model.ipynb"
    notebook.parent.mkdir()
    notebook.write_text(make_notebook(MODEL))
    found = {name: [a.arg for a in fn.args.args] for name, fn in tasks(compiled(notebook, tmp_path / "b")).items()}
    assert found["transform_x_train"] == ["X", "y"], found
    assert found["transform_model"] == ["X_train", "y_train"], found
    assert found["transform_score"] == ["model", "X_test", "y_test"], found


REAL = [
    *sorted((REPO / "notebooks").glob("*/*.ipynb")),
    *sorted((REPO / "benchmarks" / "real_notebook").glob("*/*.ipynb")),
    *sorted((REPO / "tests" / "faithful").glob("real_*/*.ipynb")),
    *sorted((REPO / "tests" / "real").glob("*/*.ipynb")),
]


@pytest.mark.parametrize("notebook", REAL, ids=lambda p: p.stem)
def test_no_task_takes_a_name_it_neither_reads_nor_hands_on(notebook, tmp_path):
    for name, fn in tasks(compiled(notebook, tmp_path / "b")).items():
        used = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
        unused = [a.arg for a in fn.args.args if a.arg not in used and a.arg.removesuffix("_arg") not in used]
        assert not unused, f"{notebook.name}: task {name} takes {unused} and never uses them"
