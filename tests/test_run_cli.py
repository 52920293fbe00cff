"""`etlnb run --sample | --flow | --parity` as a user sees it."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from .conftest import DEMOS, PYTHON, copy_project, make_notebook


@pytest.fixture
def run_env(prefect_server):
    """`etlnb run` finds the session's server as its local server."""
    env = dict(os.environ, ETLNB_HOME=str(prefect_server.home), ETLNB_SERVER_PORT=str(prefect_server.port))
    env.pop("PREFECT_API_URL", None)
    return env


def etlnb(*args, env, cwd):
    return subprocess.run([PYTHON, "-m", "etlnb", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=600)


@pytest.mark.integration
def test_sample_run_summarises_each_step_and_keeps_the_executed_copy(tmp_path, run_env):
    weather = next(p for p in DEMOS if p.stem == "weather")
    notebook = copy_project(weather, tmp_path / "weather")
    done = etlnb("run", str(notebook), "--sample", env=run_env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "sample run ok in" in done.stdout
    assert (tmp_path / "build" / "weather" / "weather.executed.ipynb").exists()
    lines = done.stdout.splitlines()
    assert any("cell 5 [extract]" in ln and "raw_data" in ln and "3 items" in ln for ln in lines), done.stdout
    assert any("cell 8 [load]" in ln and "no outputs" in ln for ln in lines), done.stdout
    # executed copy has outputs and none of etlnb's capture cells
    text = (tmp_path / "build" / "weather" / "weather.executed.ipynb").read_text()
    assert "loaded 9 rows for 3 cities" in text and "etlnb-capture" not in text


@pytest.mark.integration
def test_sample_run_failure_names_the_cell_and_line(tmp_path, run_env):
    path = tmp_path / "proj" / "failing.ipynb"
    path.parent.mkdir()
    path.write_text(make_notebook([("xs = [1, 2]", ["extract"]), ("a = 1\nb = xs[5]", ["transform"])]))
    done = etlnb("run", str(path), "--sample", env=run_env, cwd=tmp_path)
    assert done.returncode == 1
    assert "cell 2 (id=c1) line 2: IndexError: list index out of range" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.integration
def test_flow_run_with_param_override_reports_tasks(tmp_path, run_env):
    path = tmp_path / "proj" / "params.ipynb"
    path.parent.mkdir()
    path.write_text(
        make_notebook(
            [
                ("n = 3\nlabel = 'x'", ["parameters"]),
                ("xs = list(range(n))", ["extract"]),
                ("print(f'{label}: total={sum(xs)}')", ["load"]),
            ]
        )
    )
    done = etlnb("run", str(path), "--flow", "--param", "n=10", "--param", "label=override", env=run_env, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "override: total=45" in done.stdout
    assert f"flow run http://127.0.0.1:{run_env['ETLNB_SERVER_PORT']}/runs/flow-run/" in done.stdout
    assert any(ln.strip().startswith("extract_xs") and "Completed" in ln for ln in done.stdout.splitlines())
    bad = etlnb("run", str(path), "--param", "m=1", env=run_env, cwd=tmp_path)
    assert bad.returncode == 1 and "--param m: the flow has no such parameter (it has: n, label)" in bad.stderr


@pytest.mark.integration
def test_parity_mismatch_exits_1_and_names_the_step(tmp_path, run_env):
    path = tmp_path / "proj" / "diverges.ipynb"
    path.parent.mkdir()
    path.write_text(
        make_notebook(
            [
                ("import sys", ["imports"]),
                ("xs = [1, 2, 3]", ["extract"]),
                (
                    "in_kernel = 'ipykernel' in sys.modules\nys = [x * (2 if in_kernel else 3) for x in xs]",
                    ["transform"],
                ),
                ("print(ys)", ["load"]),
            ]
        )
    )
    done = etlnb("run", str(path), "--parity", env=run_env, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "cell 3 [transform] id=c2: parity mismatch in `ys`" in done.stdout


@pytest.mark.integration
@pytest.mark.parametrize("kernel", ["etlnb", "no-such-kernel"])
def test_sample_and_parity_run_in_etlnbs_python_whatever_the_kernel_name(tmp_path, run_env, kernel):
    """A notebook saved with the "Python 3 (etlnb)" kernel (or any other) runs where that
    kernel spec is not installed: an empty Jupyter data dir and path."""
    jupyter = tmp_path / "empty-jupyter"
    jupyter.mkdir()
    env = dict(run_env, JUPYTER_PATH=str(jupyter), JUPYTER_DATA_DIR=str(jupyter))
    metadata = {"kernelspec": {"name": kernel, "display_name": "Python 3 (etlnb)", "language": "python"}}
    path = tmp_path / "proj" / "kernel_name.ipynb"
    path.parent.mkdir()
    path.write_text(
        make_notebook(
            [
                ("import sys", ["imports"]),
                ("xs = [1, 2, 3]", ["extract"]),
                ("total = sum(xs)", ["transform"]),
                ("print(sys.executable)", []),
            ],
            metadata,
        )
    )
    listed = subprocess.run(
        [PYTHON, "-m", "jupyter", "kernelspec", "list", "--json"], capture_output=True, text=True, env=env
    )
    assert kernel not in json.loads(listed.stdout)["kernelspecs"]
    for mode in ("--sample", "--parity"):
        done = etlnb("run", str(path), mode, env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        assert "NoSuchKernel" not in done.stdout + done.stderr
    executed = json.loads((tmp_path / "build" / "proj" / "kernel_name.executed.ipynb").read_text())
    printed = "".join("".join(o.get("text", "")) for c in executed["cells"] for o in c.get("outputs", []))
    assert printed.strip() == PYTHON  # etlnb's own interpreter
