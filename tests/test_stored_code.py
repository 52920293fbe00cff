"""Stored code is checked where it runs, and runs never write into it (issue 26, classes 4 and 11):
through a real local worker, an edited stored version fails its run in one line before any of its
code runs, `etlnb versions` lists it as tampered, and a deployed run writes its relative outputs in
the notebook's folder, leaving the version folder exactly as deployed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from etlnb.deploy.steps import deploy
from etlnb.deploy.storage import folder_state
from etlnb.local.worker import stop_worker

from .conftest import PYTHON, make_notebook

pytestmark = pytest.mark.integration


@pytest.fixture
def api(prefect_server, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", prefect_server.api_url)
    return prefect_server


def etlnb(api, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, ETLNB_HOME=str(api.home), ETLNB_SERVER_PORT=str(api.port))
    env.pop("PREFECT_API_URL", None)
    return subprocess.run([PYTHON, "-m", "etlnb", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def test_a_run_writes_beside_the_notebook_and_an_edited_version_never_runs(tmp_path, api):
    notebook = tmp_path / "proj" / "stored.ipynb"
    notebook.parent.mkdir()
    (notebook.parent / "pyproject.toml").write_text('[project]\nname = "stored"\n')
    notebook.write_text(
        make_notebook(
            [
                ("import json", ["imports"]),
                ("values = [1, 2, 3]", ["extract"]),
                ("with open('written.json', 'w') as f:\n    json.dump(values, f)", ["load"]),
            ]
        )
    )
    store = tmp_path / "store"
    result = deploy(notebook, {"storage": str(store)}, tmp_path / "build", echo=False, unverified=True)
    version = Path(result.location)
    try:
        done = etlnb(api, "run", notebook.name, "--deployed", "-o", str(tmp_path / "b1"), cwd=notebook.parent)
        assert done.returncode == 0, done.stdout + done.stderr
        assert (notebook.parent / "written.json").read_text() == "[1, 2, 3]"  # where local runs write
        assert folder_state(version, result.sha) == "intact"  # nothing written into stored code
        assert not (version / "written.json").exists()

        listed = etlnb(api, "versions", notebook.name, "--storage", str(store), cwd=notebook.parent)
        assert listed.returncode == 0 and result.sha in listed.stdout and "TAMPERED" not in listed.stdout

        script = next(version.glob("*.py"))
        evil = tmp_path / "evil-ran"
        script.write_text(script.read_text() + f"\nopen({str(evil)!r}, 'w').close()\n")
        listed = etlnb(api, "versions", notebook.name, "--storage", str(store), cwd=notebook.parent)
        assert listed.returncode == 1 and "TAMPERED" in listed.stdout, listed.stdout + listed.stderr
        assert listed.stderr.splitlines()[0].startswith(f"etlnb versions: stored version {result.sha} is altered")

        (notebook.parent / "written.json").unlink()
        done = etlnb(api, "run", notebook.name, "--deployed", "-o", str(tmp_path / "b2"), cwd=notebook.parent)
        assert done.returncode != 0
        assert (
            "is altered" in done.stdout + done.stderr and "the run stops before loading it" in done.stdout + done.stderr
        )
        assert not evil.exists() and not (notebook.parent / "written.json").exists()
    finally:
        stop_worker(api, "etlnb-local")
