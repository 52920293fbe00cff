"""Data from a notebook never becomes code: cell ids are validated, file names are escaped."""

from __future__ import annotations

import ast
import json
import subprocess

import pytest

from .conftest import PYTHON, make_notebook


def test_cell_id_with_code_is_refused_naming_the_cell(tmp_path):
    nb = json.loads(make_notebook([("x = 1", ["extract"]), ("y = x", ["load"])]))
    nb["cells"][1]["id"] = "ok\n__import__('os').system('touch pwned')\n#"
    path = tmp_path / "ids.ipynb"
    path.write_text(json.dumps(nb))
    done = subprocess.run(
        [PYTHON, "-m", "etlnb", "compile", str(path), "-o", str(tmp_path / "b")], capture_output=True, text=True
    )
    assert done.returncode == 1
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"{path}: cell 2: error: cell id ") and "not a valid Jupyter cell id" in first
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "b").exists()


@pytest.mark.parametrize(
    ("file_name", "flow"),
    [('a"""b.ipynb', "a_b"), ("c\\N{x}\\u.ipynb", "c_n_x_u"), ("½.ipynb", "_12"), ("ﬁle.ipynb", "file")],
)
def test_file_names_are_escaped_in_the_script_and_give_ascii_flow_names(tmp_path, file_name, flow):
    path = tmp_path / file_name
    path.write_text(make_notebook([("x = 1", ["extract"])]))
    done = subprocess.run(
        [PYTHON, "-m", "etlnb", "compile", str(path), "-o", str(tmp_path / "b")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    script = (tmp_path / "b" / tmp_path.name.lower().replace("-", "_") / f"{flow}.py").read_text()
    tree = ast.parse(script)
    assert json.dumps(file_name) in ast.get_docstring(tree).replace("\n", " ") or file_name in ast.get_docstring(tree)
    # the only statements are generated ones and the cell's: nothing from the file name runs
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "__import__"]


def test_image_variable_that_would_inject_a_template_is_refused(tmp_path):
    path = tmp_path / "tpl.ipynb"
    metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "etlnb": {"work_pool_type": "kubernetes", "image_variable": "x }}{{ prefect.blocks.secret.s"},
    }
    path.write_text(make_notebook([("x = 1", ["extract"])], metadata))
    done = subprocess.run(
        [PYTHON, "-m", "etlnb", "compile", str(path), "-o", str(tmp_path / "b")], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "is not a Prefect Variable name" in done.stderr.splitlines()[0]
    assert not (tmp_path / "b").exists()  # nothing written, no prefect.yaml with the template
