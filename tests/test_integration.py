"""The compiled flow, run on a real Prefect server, loads what the notebook loads."""

from __future__ import annotations

import subprocess

import pytest

from .conftest import DEMOS, PYTHON, copy_project, make_notebook


def run_notebook(path):
    """Execute the notebook top to bottom in its own folder, as Jupyter does."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()


def compile_and_run(notebook, env, *extra):
    out = notebook.parent / "build"
    done = subprocess.run(
        [PYTHON, "-m", "etlnb", "compile", str(notebook), "-o", str(out)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    (script,) = out.glob("*/*.py")
    return subprocess.run([PYTHON, str(script), *extra], capture_output=True, text=True, env=env, timeout=300)


def read_outputs(folder):
    import pandas as pd

    tables = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".csv":
            tables[path.name] = pd.read_csv(path)
        elif path.suffix == ".parquet":
            tables[path.name] = pd.read_parquet(path)
    return tables


@pytest.mark.integration
@pytest.mark.parametrize("notebook", DEMOS, ids=lambda p: p.stem)
def test_flow_loads_what_the_notebook_loads(notebook, tmp_path, flow_env):
    import pandas as pd

    in_notebook = copy_project(notebook, tmp_path / "notebook")
    in_flow = copy_project(notebook, tmp_path / "flow")
    run_notebook(in_notebook)
    done = compile_and_run(in_flow, flow_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Finished in state Completed()" in done.stdout + done.stderr

    expected = read_outputs(in_notebook.parent / "out")
    actual = read_outputs(in_flow.parent / "out")
    assert expected, "the notebook's load step wrote nothing"
    assert actual.keys() == expected.keys()
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(actual[name], frame, obj=name)
    # same bytes too, for the text formats
    for path in (in_notebook.parent / "out").glob("*.csv"):
        assert (in_flow.parent / "out" / path.name).read_bytes() == path.read_bytes()


@pytest.mark.integration
def test_failed_validation_fails_the_run_and_skips_the_load(tmp_path, flow_env):
    notebook = tmp_path / "checks" / "checks.ipynb"
    notebook.parent.mkdir()
    notebook.write_text(
        make_notebook(
            [
                ("import pathlib", ["imports"]),
                ("limit = 10\ndestination = 'out.txt'", ["parameters"]),
                ("def double(x):\n    return 2 * x\n\nvalues = [double(v) for v in range(limit)]", ["extract"]),
                ("assert max(values) < 5, f'value too large: {max(values)}'", ["validate"]),
                ("pathlib.Path(destination).write_text(str(values))", ["load"]),
            ]
        )
    )
    done = compile_and_run(notebook, flow_env)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "value too large: 18" in output
    assert not (notebook.parent / "out.txt").exists(), "load ran although validation failed"


@pytest.mark.integration
def test_steps_run_in_notebook_order_even_when_independent(tmp_path, flow_env):
    """Order by default: two extract cells with no data path between them still run one after the
    other, in the flow's own thread (they could share a file, a table or a connection)."""
    notebook = tmp_path / "conc" / "conc.ipynb"
    notebook.parent.mkdir()
    notebook.write_text(
        make_notebook(
            [
                ("import threading\nimport time", ["imports"]),
                ("delay = 0.5", ["parameters"]),
                ("t0 = time.time()\ntime.sleep(delay)\na = (t0, time.time())", ["extract"]),
                ("t1 = time.time()\ntime.sleep(delay)\nb = (t1, time.time())", ["extract"]),
                (
                    "overlap = min(a[1], b[1]) - max(a[0], b[0])\nprint(f'overlap={overlap:.2f}')\n"
                    "print('thread=' + threading.current_thread().name)",
                    ["load"],
                ),
            ]
        )
    )
    done = compile_and_run(notebook, flow_env)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    overlap = float(output.split("overlap=")[1].split()[0])
    assert overlap <= 0, output
    assert "thread=MainThread" in output


def run_cells_in_process(cells, folder):
    """The notebook's own semantics for a pure-Python notebook: every code cell, in order."""
    import contextlib
    import io
    import os

    namespace: dict = {}
    out = io.StringIO()
    old = os.getcwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stdout(out):
            for source, _tags in cells:
                exec(compile(source, "<cell>", "exec"), namespace)
    finally:
        os.chdir(old)
    return out.getvalue()


@pytest.mark.integration
def test_rich_notebook_flow_prints_what_the_notebook_prints(tmp_path, flow_env):
    """Multi-output steps, maps, helpers reading parameters, mutation, multi-line strings."""
    import json

    from .test_emit import RICH

    notebook = tmp_path / "proj" / "richnb.ipynb"
    notebook.parent.mkdir()
    notebook.write_text(make_notebook(RICH))
    expected = json.loads(run_cells_in_process(RICH, notebook.parent).strip())
    done = compile_and_run(notebook, flow_env)
    assert done.returncode == 0, done.stdout + done.stderr
    line = next(ln for ln in (done.stdout + done.stderr).splitlines() if '{"loud"' in ln)
    actual = json.loads(line[line.index('{"loud"') :])
    assert actual == expected
