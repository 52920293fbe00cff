"""Sample values read from the environment (or otherwise computed) never reach an artifact:
not the script, not prefect.yaml, not the stored version, not a deployed run's parameters.
Local sample runs still get them: the script recomputes them with the sample cells' code."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from .conftest import PYTHON, make_notebook

SECRET = "pg-Pa55word-7f3a9c"
POOL = "etlnb-sample-secrets"  # a pool of its own; its worker is stopped when the test ends
CELLS = [
    ("import json\nimport os", ["imports"]),
    ("db_url = 'sqlite:///local.db'\nlimit = 2", ["parameters"]),
    ("db_url = f\"postgresql://etl:{os.environ['SAMPLE_DB_PASSWORD']}@db/x\"\nlimit = 3", ["sample"]),
    ("rows = [len(db_url), limit]", ["extract"]),
    ("print(json.dumps({'rows': rows}))", ["load"]),
]


def _project(tmp_path):
    notebook = tmp_path / "envproj" / "envnb.ipynb"
    notebook.parent.mkdir()
    notebook.write_text(make_notebook(CELLS))
    return notebook


def _env(**more):
    env = dict(os.environ, SAMPLE_DB_PASSWORD=SECRET, **more)
    env.pop("PREFECT_API_URL", None)
    return env


def _no_secret_under(*roots):
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and not path.name.endswith((".db", ".db-wal", ".db-shm", ".log")):
                assert SECRET not in path.read_bytes().decode("utf-8", "replace"), path


def test_an_environment_sample_value_is_recomputed_not_written(tmp_path):
    notebook = _project(tmp_path)
    done = subprocess.run(
        [PYTHON, "-m", "etlnb", "compile", str(notebook), "--strict", "-o", str(tmp_path / "build")],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    script = tmp_path / "build" / "envproj" / "envnb.py"
    _no_secret_under(tmp_path / "build")
    assert "os.environ['SAMPLE_DB_PASSWORD']" in script.read_text()  # the analyst's code, not its value
    # run directly on its samples, the script computes the same value the notebook had
    ran = subprocess.run(
        [PYTHON, str(script)],
        capture_output=True,
        text=True,
        env=_env(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120"),
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    expected = len(f"postgresql://etl:{SECRET}@db/x")
    assert json.dumps({"rows": [expected, 3]}) in ran.stdout + ran.stderr


@pytest.mark.integration
def test_deploy_and_deployed_run_carry_no_computed_sample_value(tmp_path, prefect_server):
    from etlnb.local.worker import stop_worker
    from etlnb.targets.prefect3.api import prefect_client

    notebook = _project(tmp_path)
    env = _env(ETLNB_HOME=str(prefect_server.home), ETLNB_SERVER_PORT=str(prefect_server.port))
    storage = tmp_path / "store"
    common = ["--storage", str(storage), "--work-pool", POOL, "-o", str(tmp_path / "build")]
    try:
        deployed = subprocess.run(
            [PYTHON, "-m", "etlnb", "deploy", str(notebook), "--unverified", *common],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=300,
        )
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        _no_secret_under(tmp_path / "build", storage)
        # `run --deployed` starts a local process worker for POOL (under the session server's
        # home); it must not outlive this test
        ran = subprocess.run(
            [PYTHON, "-m", "etlnb", "run", str(notebook), "--deployed", "-o", str(tmp_path / "build")],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=400,
        )
        assert SECRET not in ran.stdout + ran.stderr
        assert "computed sample values are not sent to the deployment (db_url)" in ran.stderr, ran.stderr
        os.environ["PREFECT_API_URL"] = prefect_server.api_url
        with prefect_client() as client:
            deployment = client.read_deployment_by_name("envnb/envproj")
            runs = client.read_flow_runs()
            mine = [r for r in runs if r.deployment_id == deployment.id]
            assert mine, "run --deployed created no run"
            for run in mine:
                assert SECRET not in json.dumps(run.parameters), run.parameters
                assert run.parameters.get("limit") == 3  # literal sample values are still sent
            assert SECRET not in deployment.model_dump_json()
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        stop_worker(prefect_server, POOL)


@pytest.mark.integration
@pytest.mark.parametrize("mode", ["--flow", "--parity"])
def test_local_runs_never_send_a_computed_sample_value_to_prefect(tmp_path, prefect_server, mode):
    """`etlnb run --flow/--parity` (also behind %etl_run and the panel): the run's process computes
    the value again and the flow run records it masked; the run still uses the real value."""
    from etlnb.targets.prefect3.api import prefect_client

    notebook = _project(tmp_path)
    env = _env(ETLNB_HOME=str(prefect_server.home), ETLNB_SERVER_PORT=str(prefect_server.port))
    ran = subprocess.run(
        [PYTHON, "-m", "etlnb", "run", str(notebook), mode, "-o", str(tmp_path / "build")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=400,
    )
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    expected = len(f"postgresql://etl:{SECRET}@db/x")
    if mode == "--flow":
        assert json.dumps({"rows": [expected, 3]}) in ran.stdout + ran.stderr  # the real value was used
    assert SECRET not in ran.stdout + ran.stderr
    _no_secret_under(tmp_path / "build", tmp_path / "envproj")
    try:
        os.environ["PREFECT_API_URL"] = prefect_server.api_url
        with prefect_client() as client:
            runs = [r for r in client.read_flow_runs() if r.parameters.get("limit") == 3 and "db_url" in r.parameters]
            assert runs
            for run in runs:
                assert SECRET not in json.dumps(run.parameters), run.parameters
                assert run.parameters["db_url"].startswith("<computed")
    finally:
        os.environ.pop("PREFECT_API_URL", None)
    # and the API's database file holds no trace of it
    for database in prefect_server.prefect_home.glob("prefect.db*"):  # the database and its WAL
        assert SECRET.encode() not in database.read_bytes(), database
