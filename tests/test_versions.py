"""What a version is, end to end: only a complete, content-addressed stored version can be
registered (rollback stays in storage), and a flow run executes the version it records
even when a newer version is deployed before it starts."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time

import pytest

from .conftest import PYTHON, make_notebook

pytestmark = pytest.mark.integration

POOL = "etlnb-versions-test"  # a pool of its own: no other test's worker takes these runs
PROJECT, FLOW = "versioned", "pinned"


def _notebook(tmp_path, word: str):
    notebook = tmp_path / PROJECT / f"{FLOW}.ipynb"
    notebook.parent.mkdir(exist_ok=True)
    cells = [
        ("import json", ["imports"]),
        ("destination = 'out.json'", ["parameters"]),
        (f"word = {word!r}", ["transform"]),
        ("with open(destination, 'w') as f:\n    json.dump({'word': word}, f)", ["load"]),
    ]
    notebook.write_text(make_notebook(cells))
    return notebook


def _etlnb(prefect_server, tmp_path, *args):
    env = dict(os.environ, ETLNB_HOME=str(prefect_server.home), ETLNB_SERVER_PORT=str(prefect_server.port))
    env.pop("PREFECT_API_URL", None)
    return subprocess.run(
        [PYTHON, "-m", "etlnb", *map(str, args)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )


def _deploy(prefect_server, tmp_path, notebook, *more) -> str:
    done = _etlnb(
        prefect_server,
        tmp_path,
        "deploy",
        notebook,
        "--unverified",
        "--work-pool",
        POOL,
        "--storage",
        tmp_path / "store",
        *more,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return re.search(r"version\s+([0-9a-f]{16})", done.stdout).group(1)


def _client(prefect_server):
    from prefect import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    class _Session:
        def __enter__(self):
            self.settings = temporary_settings({PREFECT_API_URL: prefect_server.api_url})
            self.settings.__enter__()
            self.client = get_client(sync_client=True).__enter__()
            return self.client

        def __exit__(self, *exc):
            self.client.__exit__(*exc)
            self.settings.__exit__(*exc)

    return _Session()


def test_a_run_executes_the_version_it_records_when_a_newer_one_is_deployed_before_it_starts(tmp_path, prefect_server):
    from etlnb.local.worker import ensure_worker, stop_worker

    notebook = _notebook(tmp_path, "one")
    v1 = _deploy(prefect_server, tmp_path, notebook)
    with _client(prefect_server) as client:
        deployment = client.read_deployment_by_name(f"{FLOW}/{PROJECT}")
        early = client.create_flow_run_from_deployment(
            deployment.id, parameters={"destination": str(tmp_path / "early.json")}
        )
    assert early.deployment_version == v1

    _notebook(tmp_path, "two")  # the analyst changes the notebook and deploys again before any worker ran
    v2 = _deploy(prefect_server, tmp_path, notebook)
    assert v2 != v1
    with _client(prefect_server) as client:
        late = client.create_flow_run_from_deployment(
            deployment.id, parameters={"destination": str(tmp_path / "late.json")}
        )
    assert late.deployment_version == v2
    try:
        ensure_worker(prefect_server, POOL, quiet=True)
        deadline = time.monotonic() + 150
        with _client(prefect_server) as client:
            while time.monotonic() < deadline:
                runs = [client.read_flow_run(r.id) for r in (early, late)]
                if all(r.state and r.state.is_final() for r in runs):
                    break
                time.sleep(2)
        assert all(r.state.is_completed() for r in runs), [r.state_name for r in runs]
    finally:
        stop_worker(prefect_server, POOL)
    # each run did what the version it records does
    assert json.loads((tmp_path / "early.json").read_text()) == {"word": "one"}
    assert json.loads((tmp_path / "late.json").read_text()) == {"word": "two"}
    assert [r.deployment_version for r in runs] == [v1, v2]


def test_rollback_accepts_only_a_complete_stored_version(tmp_path, prefect_server):
    notebook = _notebook(tmp_path, "one")
    v1 = _deploy(prefect_server, tmp_path, notebook)
    build = tmp_path / "build" / PROJECT / f"{FLOW}.py"
    live_script = build.read_text()
    folder = tmp_path / "store" / PROJECT / FLOW / v1
    # a folder outside storage, a path escape, an empty and a partial folder with a version's name
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / f"{FLOW}.py").write_text("import os\nos.system('touch pwned')\n")
    empty = folder.parent / ("f" * 16)
    empty.mkdir()
    partial = folder.parent / ("e" * 16)
    partial.mkdir()
    (partial / f"{FLOW}.py").write_text((folder / f"{FLOW}.py").read_text())
    for bad in (str(outside), "../../../../x", "f" * 16, "e" * 16, v1.upper()):
        done = _etlnb(
            prefect_server,
            tmp_path,
            "deploy",
            notebook,
            "--work-pool",
            POOL,
            "--storage",
            tmp_path / "store",
            "--version",
            bad,
        )
        assert done.returncode != 0, bad
        (first,) = [ln for ln in done.stderr.splitlines() if ln.startswith("etlnb deploy:")]
        assert "not a version" in first or "is not stored" in first or "incomplete" in first, done.stderr
        assert "Traceback" not in done.stderr
    assert build.read_text() == live_script, "a refused rollback must not touch build/"
    with _client(prefect_server) as client:
        assert client.read_deployment_by_name(f"{FLOW}/{PROJECT}").version == v1
    listing = _etlnb(prefect_server, tmp_path, "versions", notebook, "--storage", tmp_path / "store")
    # the empty folder holds nothing stored; the partial one is named like a version but is not one:
    # listed as tampered (issue 26: storage never changes silently), and the listing exits 1
    assert listing.returncode == 1, listing.stderr
    assert v1 in listing.stdout and "f" * 16 not in listing.stdout
    (partial_line,) = [ln for ln in listing.stdout.splitlines() if "e" * 16 in ln]
    assert "TAMPERED" in partial_line and "TAMPERED" not in next(ln for ln in listing.stdout.splitlines() if v1 in ln)
    assert not (tmp_path / "pwned").exists()
