"""A process record counts only for the project whose process it names (issue 26, class 6): a copied
project folder (`cp -a A B`) must neither claim nor stop A's server, and changing ETLNB_SERVER_PORT
while the server runs must not delete the record etlnb stops it by."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from etlnb.local import server as srv
from etlnb.local import worker

from .conftest import PYTHON


@pytest.mark.integration
def test_a_copied_project_neither_claims_nor_stops_the_original_server(prefect_server, tmp_path):
    copy = srv.Server(tmp_path / "B" / ".etlnb", prefect_server.port)
    copy.home.mkdir(parents=True)
    shutil.copy2(prefect_server.state_file, copy.state_file)  # what `cp -a A B` copies
    assert srv._running_pid(prefect_server) is not None  # the record is the original's own
    assert srv._running_pid(copy) is None
    said = srv.status(copy)
    assert said.startswith("not running here: port") and "not this project's" in said, said
    with pytest.raises(srv.ServerError):
        srv.stop(copy)  # signals nothing: the record names A's process, not B's
    with pytest.raises(srv.ServerError, match="not this project"):
        srv.ensure(copy, quiet=True)
    assert srv.healthy(prefect_server) and srv._running_pid(prefect_server) is not None
    # a worker record copied the same way is not B's either
    record = srv.read_record(prefect_server.state_file)
    assert srv.verified_pid(record, srv._server_args(prefect_server), copy.prefect_home) is None
    assert worker.worker_pid(copy, "etlnb-local") is None


@pytest.mark.integration
def test_another_port_keeps_the_record_and_says_how_to_stop_the_server(prefect_server, tmp_path):
    moved = srv.Server(prefect_server.home, srv.free_port())
    said = srv.status(moved)
    assert said.startswith("running on another port") and f"ETLNB_SERVER_PORT={prefect_server.port}" in said
    with pytest.raises(srv.ServerError, match=f"ETLNB_SERVER_PORT={prefect_server.port} etlnb server stop"):
        srv.ensure(moved, quiet=True)
    with pytest.raises(srv.ServerError, match="stop it with"):
        srv.stop(moved)
    assert prefect_server.state_file.exists() and srv.healthy(prefect_server)


@pytest.mark.integration
def test_the_cli_in_a_copied_project_says_whose_server_it_is(prefect_server, tmp_path):
    project = tmp_path / "B"
    (project / ".etlnb").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "b"\n')
    shutil.copy2(prefect_server.state_file, project / ".etlnb" / "server.json")
    env = {"PATH": "/usr/bin:/bin", "ETLNB_SERVER_PORT": str(prefect_server.port), "HOME": str(tmp_path)}
    stop = subprocess.run(
        [PYTHON, "-m", "etlnb", "server", "stop"], cwd=project, env=env, capture_output=True, text=True
    )
    assert "Traceback" not in stop.stderr
    assert srv.healthy(prefect_server), stop.stdout + stop.stderr
