"""Schedules fire: `etlnb deploy --schedule SECONDS` on the real local server, the
server's scheduler creates the runs and a local process worker completes one.
"""

from __future__ import annotations

import os
import re
import subprocess
import time

import pytest

from .conftest import PYTHON, make_notebook

pytestmark = pytest.mark.integration

POOL = "etlnb-schedule-test"  # a pool of its own: no other test's worker picks these runs
INTERVAL = 5
TIMEOUT = 80.0

CELLS = [
    ("import json\nimport os", ["imports"]),
    ("values = [1, 2, 3]\ndestination = 'out/total.json'", ["parameters"]),
    ("total = sum(values)", ["transform"]),
    (
        "os.makedirs(os.path.dirname(destination), exist_ok=True)\n"
        "with open(destination, 'w') as f:\n"
        "    json.dump({'total': total}, f)",
        ["load"],
    ),
]


def _runs(api_url: str, deployment_id) -> list:
    """The deployment's flow runs as the server stores them."""
    from prefect import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        return client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])))


def test_interval_schedule_creates_runs_and_the_local_worker_completes_one(tmp_path, prefect_server):
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolUpdate
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from etlnb.local.worker import ensure_worker, stop_worker

    project, flow = "scheduled", "every_few_seconds"
    notebook = tmp_path / project / f"{flow}.ipynb"
    notebook.parent.mkdir()
    notebook.write_text(make_notebook(CELLS))
    env = dict(os.environ, ETLNB_HOME=str(prefect_server.home), ETLNB_SERVER_PORT=str(prefect_server.port))
    env.pop("PREFECT_API_URL", None)

    done = subprocess.run(
        [
            PYTHON,
            "-m",
            "etlnb",
            "deploy",
            str(notebook),
            "--unverified",
            "--schedule",
            str(INTERVAL),
            "--work-pool",
            POOL,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with temporary_settings({PREFECT_API_URL: prefect_server.api_url}), get_client(sync_client=True) as client:
        deployment = client.read_deployment(re.search(r"\(id ([0-9a-f-]+)\)", done.stdout).group(1))
        assert [s.schedule.interval.total_seconds() for s in deployment.schedules] == [INTERVAL]
        # one run at a time on this 2-core budget; the rest wait in the pool's queue
        client.update_work_pool(POOL, WorkPoolUpdate(concurrency_limit=1))
    try:
        ensure_worker(prefect_server, POOL, quiet=True)
        started = time.monotonic()
        runs: list = []
        while time.monotonic() - started < TIMEOUT:
            runs = _runs(prefect_server.api_url, deployment.id)
            if len(runs) >= 2 and any(r.state and r.state.is_completed() for r in runs):
                break
            time.sleep(2)
        states = sorted((r.state_name or "?") for r in runs)
        log = prefect_server.home / f"worker-{POOL}.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no worker log)"
        assert len(runs) >= 2, f"the scheduler created {len(runs)} run(s) in {TIMEOUT:.0f}s: {states}"
        assert all(r.auto_scheduled for r in runs), states
        assert any(r.state and r.state.is_completed() for r in runs), f"no run completed: {states}\n{tail}"
    finally:
        stop_worker(prefect_server, POOL)
        with temporary_settings({PREFECT_API_URL: prefect_server.api_url}), get_client(sync_client=True) as client:
            client.delete_deployment(deployment.id)  # and its scheduled runs
