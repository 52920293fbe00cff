"""`etlnb deploy` to S3, as a user sees it: a real S3-compatible server (moto, on
loopback), the session's real Prefect server, and a real process worker that
pulls the flow code from the bucket.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import PYTHON, free_port, make_notebook

pytestmark = pytest.mark.integration

AWS_DUMMY = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
BUCKET = "etlnb-flows"
PREFIX = "team/flows"
PULL_FROM_S3 = "prefect_aws.deployments.steps.pull_from_s3"


def aws_env(base: dict[str, str]) -> dict[str, str]:
    """`base` with the dummy credentials and nothing that could point boto3 elsewhere."""
    env = dict(base, **AWS_DUMMY, AWS_EC2_METADATA_DISABLED="true")
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "ETLNB_S3_ENDPOINT_URL"):
        env.pop(key, None)
    return env


@dataclass
class S3Server:
    endpoint: str
    client: object  # a boto3 S3 client for the test's own checks

    def keys(self, bucket: str = BUCKET) -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return {obj["Key"] for page in pages for obj in page.get("Contents", [])}

    def read(self, key: str, bucket: str = BUCKET) -> bytes:
        return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """moto in server mode: a real HTTP S3 endpoint on 127.0.0.1, with one bucket."""
    import boto3
    from botocore.config import Config

    port = free_port()
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            env=aws_env(os.environ),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"moto exited with {process.returncode}: {log_path.read_text()}"
            try:
                client.list_buckets()
                break
            except Exception:
                assert time.monotonic() < deadline, f"moto did not answer on {endpoint}: {log_path.read_text()}"
                time.sleep(0.2)
        client.create_bucket(Bucket=BUCKET)
        yield S3Server(endpoint, client)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def cli_env(prefect_server):
    """`etlnb` finds the session's Prefect server as its local server; boto3 gets dummy credentials."""
    env = aws_env(os.environ)
    env.update(ETLNB_HOME=str(prefect_server.home), ETLNB_SERVER_PORT=str(prefect_server.port))
    env.pop("PREFECT_API_URL", None)
    return env


def etlnb(*args, env, cwd, timeout=300):
    return subprocess.run(
        [PYTHON, "-m", "etlnb", *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout
    )


def s3_flags(s3: S3Server, bucket: str = BUCKET) -> list[str]:
    return ["--storage", f"s3://{bucket}/{PREFIX}", "--s3-endpoint-url", s3.endpoint]


def cells(scale: int) -> list[tuple[str, list[str]]]:
    """A small pure-Python ETL notebook; `scale` is the step that changes between versions."""
    return [
        ("import json\nimport os", ["imports"]),
        ("values = [3, 1, 2]\ndestination = 'out/result.json'", ["parameters"]),
        ("rows = [{'n': v, 'square': v * v} for v in values]", ["extract"]),
        (
            f"summary = {{'total': sum(r['square'] for r in rows), 'scaled': [r['n'] * {scale} for r in rows]}}",
            ["transform"],
        ),
        (
            "os.makedirs(os.path.dirname(destination), exist_ok=True)\n"
            "with open(destination, 'w') as f:\n"
            "    json.dump(summary, f, sort_keys=True)\n"
            "print(f\"loaded total={summary['total']} scaled={summary['scaled']}\")",
            ["load"],
        ),
    ]


def write_notebook(path: Path, scale: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(make_notebook(cells(scale)))
    return path


def deployed_sha(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    match = re.search(r"^\s+version\s+([0-9a-f]+)$", done.stdout, re.MULTILINE)
    assert match, done.stdout
    return match.group(1)


def read_deployment(api_url: str, name: str):
    """The deployment as the Prefect server stores it."""
    from prefect import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        return client.read_deployment_by_name(name)


def code_key(project: str, flow: str, sha: str, name: str = "") -> str:
    return "/".join(p for p in (PREFIX, project, flow, sha, name) if p)


# -- upload, versions, rollback ------------------------------------------------


def test_deploy_versions_and_rollback_through_s3(tmp_path, s3, cli_env, prefect_server):
    project, flow = "s3demo", "rollback_numbers"
    notebook = write_notebook(tmp_path / project / f"{flow}.ipynb", scale=10)

    v1 = deployed_sha(etlnb("deploy", notebook, "--unverified", *s3_flags(s3), env=cli_env, cwd=tmp_path))
    v1_script = (tmp_path / "build" / project / f"{flow}.py").read_bytes()
    write_notebook(notebook, scale=100)  # change the transform step
    done = etlnb("deploy", notebook, "--unverified", *s3_flags(s3), env=cli_env, cwd=tmp_path)
    v2 = deployed_sha(done)
    v2_script = (tmp_path / "build" / project / f"{flow}.py").read_bytes()
    assert v1 != v2
    assert f"s3://{BUCKET}/{code_key(project, flow, v2)}/" in done.stdout

    # both versions are stored whole, content-addressed, and are the compiled scripts
    keys = s3.keys()
    for sha, script in ((v1, v1_script), (v2, v2_script)):
        assert code_key(project, flow, sha, f"{flow}.py") in keys
        assert code_key(project, flow, sha, "prefect.yaml") in keys
        assert s3.read(code_key(project, flow, sha, f"{flow}.py")) == script
    assert b"* 10 for r in rows" in v1_script and b"* 100 for r in rows" in v2_script

    listing = etlnb("versions", notebook, *s3_flags(s3), env=cli_env, cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    lines = {sha: [ln for ln in listing.stdout.splitlines() if sha in ln] for sha in (v1, v2)}
    assert len(lines[v1]) == 1 and len(lines[v2]) == 1, listing.stdout
    for sha in (v1, v2):
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", lines[sha][0]), listing.stdout
    assert lines[v2][0].endswith("<- live") and "live" not in lines[v1][0], listing.stdout
    assert listing.stdout.index(v1) < listing.stdout.index(v2), "oldest first"

    back = etlnb("deploy", notebook, "--unverified", "--version", v1, *s3_flags(s3), env=cli_env, cwd=tmp_path)
    assert deployed_sha(back) == v1

    deployment = read_deployment(prefect_server.api_url, f"{flow}/{project}")
    assert deployment.version == v1
    assert deployment.entrypoint == f"{flow}.py:{flow}_flow"
    step, check = deployment.pull_steps
    assert list(step) == [PULL_FROM_S3], deployment.pull_steps
    # then the pulled files are checked where they run (issue 26): Prefect's own shell step
    assert list(check) == ["prefect.deployments.steps.run_shell_script"], deployment.pull_steps
    assert check["prefect.deployments.steps.run_shell_script"]["script"].startswith("python3 -c ")
    assert step[PULL_FROM_S3]["bucket"] == BUCKET
    # the pull step names the version through the run's environment: a run pulls what it records
    assert step[PULL_FROM_S3]["folder"] == code_key(project, flow, "{{ $ETLNB_CODE_VERSION }}")
    assert deployment.job_variables == {"env": {"ETLNB_CODE_VERSION": v1}}
    assert step[PULL_FROM_S3]["client_parameters"] == {"endpoint_url": s3.endpoint}
    stored = json.dumps([deployment.pull_steps, deployment.job_variables]).lower()
    for secret in ("credentials", "aws_access_key_id", "aws_secret_access_key", "secret", "testing"):
        assert secret not in stored, stored
    # rollback registers stored code: v2 is still there, v1 is unchanged
    assert s3.read(code_key(project, flow, v1, f"{flow}.py")) == v1_script
    assert code_key(project, flow, v2, f"{flow}.py") in s3.keys()

    listing = etlnb("versions", notebook, *s3_flags(s3), env=cli_env, cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    live = [ln for ln in listing.stdout.splitlines() if ln.endswith("<- live")]
    assert len(live) == 1 and v1 in live[0], listing.stdout


# -- a real worker pulls the code from S3 --------------------------------------


def run_cells_in_order(folder: Path, scale: int, monkeypatch) -> None:
    """What running the notebook top to bottom (in its folder, as Jupyter does) writes."""
    folder.mkdir(parents=True)
    namespace: dict = {}
    with monkeypatch.context() as patch:
        patch.chdir(folder)
        for source, _tags in cells(scale):
            exec(compile(source, "<cell>", "exec"), namespace)


@pytest.fixture
def local_worker(prefect_server):
    """The process worker `etlnb run --deployed` starts keeps running: stop it after the test."""
    from etlnb.local.worker import stop_worker

    pool = "etlnb-local"
    yield pool
    stop_worker(prefect_server, pool)


def test_process_worker_pulls_from_s3_and_loads_what_the_notebook_loads(
    tmp_path, s3, cli_env, prefect_server, local_worker, monkeypatch
):
    project, flow = "s3demo", "worker_numbers"
    notebook = write_notebook(tmp_path / "deployed" / project / f"{flow}.ipynb", scale=7)
    run_cells_in_order(tmp_path / "notebook" / project, scale=7, monkeypatch=monkeypatch)
    expected = (tmp_path / "notebook" / project / "out" / "result.json").read_bytes()
    assert json.loads(expected) == {"scaled": [21, 7, 14], "total": 14}

    deployed = etlnb("deploy", notebook, "--unverified", *s3_flags(s3), env=cli_env, cwd=tmp_path)
    sha = deployed_sha(deployed)
    assert code_key(project, flow, sha, f"{flow}.py") in s3.keys()
    # whether a worker serves the pool, and how to start one
    assert re.search(
        r"worker +(no worker serves work pool 'etlnb-local'.*etlnb worker start --pool etlnb-local|work pool 'etlnb-local' is served by)",
        deployed.stdout,
    ), deployed.stdout

    done = etlnb("run", notebook, "--deployed", env=cli_env, cwd=tmp_path, timeout=240)
    # it says what it waits for, not ~55 s of silence
    assert "etlnb run: submitted" in done.stderr and "waiting for a worker on pool etlnb-local" in done.stderr, (
        done.stderr
    )
    worker_log = prefect_server.home / f"worker-{local_worker}.log"
    log_tail = worker_log.read_text(errors="replace")[-3000:] if worker_log.exists() else "(no worker log)"
    assert done.returncode == 0, done.stdout + done.stderr + log_tail
    assert re.search(r"^deployed run http://\S+/runs/flow-run/\S+: Completed$", done.stdout, re.MULTILINE), done.stdout
    # the sample destination `out/result.json` is relative to the notebook's folder
    result = notebook.parent / "out" / "result.json"
    assert result.exists(), f"the deployed run did not write {result}\n{done.stdout}"
    assert result.read_bytes() == expected
    # what the load step printed is shown to the user
    assert "| loaded total=14 scaled=[21, 7, 14]" in done.stdout, done.stdout

    # stored code edited in the bucket never runs: the pulled files are checked before loading
    key = code_key(project, flow, sha, f"{flow}.py")
    evil = tmp_path / "evil-ran"
    edited = s3.read(key) + f"\nopen({str(evil)!r}, 'w').close()\n".encode()
    s3.client.put_object(Bucket=BUCKET, Key=key, Body=edited)
    result.unlink()
    done = etlnb("run", notebook, "--deployed", env=cli_env, cwd=tmp_path, timeout=240)
    assert done.returncode != 0
    assert "is altered" in done.stderr and "the run stops before loading it" in done.stderr, done.stdout + done.stderr
    assert not evil.exists() and not result.exists()


# -- faults: a clear error, and the previous deployment untouched ----------------


@dataclass
class Live:
    notebook: Path
    cwd: Path
    project: str
    flow: str
    sha: str
    script: bytes
    pull_steps: list


@pytest.fixture(scope="module")
def live(tmp_path_factory, s3, cli_env, prefect_server):
    """A deployment of version v1 that every fault below must leave as it is."""
    cwd = tmp_path_factory.mktemp("faults")
    project, flow = "s3faults", "fault_numbers"
    notebook = write_notebook(cwd / project / f"{flow}.ipynb", scale=2)
    sha = deployed_sha(etlnb("deploy", notebook, "--unverified", *s3_flags(s3), env=cli_env, cwd=cwd))
    script = s3.read(code_key(project, flow, sha, f"{flow}.py"))
    deployment = read_deployment(prefect_server.api_url, f"{flow}/{project}")
    assert deployment.version == sha
    return Live(notebook, cwd, project, flow, sha, script, deployment.pull_steps)


def assert_clean_failure(done: subprocess.CompletedProcess, step: str) -> str:
    """Exit != 0, no traceback, one `etlnb deploy: STEP failed: ...` line; returns that line."""
    assert done.returncode != 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("etlnb deploy:")]
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith(f"etlnb deploy: {step} failed: "), done.stderr
    assert "deployed " not in done.stdout
    return errors[0]


def assert_untouched(live: Live, s3: S3Server, prefect_server) -> None:
    deployment = read_deployment(prefect_server.api_url, f"{live.flow}/{live.project}")
    assert deployment.version == live.sha
    assert deployment.pull_steps == live.pull_steps
    assert s3.read(code_key(live.project, live.flow, live.sha, f"{live.flow}.py")) == live.script


def test_unreachable_storage_fails_cleanly(live, s3, cli_env, prefect_server):
    write_notebook(live.notebook, scale=3)
    closed = f"http://127.0.0.1:{free_port()}"
    flags = ["--storage", f"s3://{BUCKET}/{PREFIX}", "--s3-endpoint-url", closed]
    done = etlnb("deploy", live.notebook, "--unverified", *flags, env=cli_env, cwd=live.cwd)
    line = assert_clean_failure(done, "upload")
    assert closed in line
    assert_untouched(live, s3, prefect_server)


def test_missing_bucket_fails_cleanly(live, s3, cli_env, prefect_server):
    write_notebook(live.notebook, scale=4)
    done = etlnb(
        "deploy", live.notebook, "--unverified", *s3_flags(s3, bucket="no-such-bucket"), env=cli_env, cwd=live.cwd
    )
    line = assert_clean_failure(done, "upload")
    assert "bucket 'no-such-bucket' does not exist" in line
    assert_untouched(live, s3, prefect_server)


def test_prefect_api_down_fails_before_upload(live, s3, cli_env, prefect_server):
    write_notebook(live.notebook, scale=5)
    before = s3.keys()
    api = f"http://127.0.0.1:{free_port()}/api"
    done = etlnb(
        "deploy", live.notebook, "--unverified", *s3_flags(s3), env=dict(cli_env, PREFECT_API_URL=api), cwd=live.cwd
    )
    line = assert_clean_failure(done, "check")
    assert f"Prefect API at {api} is not reachable" in line
    assert s3.keys() == before, "nothing may be uploaded when the API is down"
    assert_untouched(live, s3, prefect_server)


def test_invalid_schedule_is_rejected_before_upload(live, s3, cli_env, prefect_server):
    write_notebook(live.notebook, scale=6)
    before = s3.keys()
    done = etlnb(
        "deploy", live.notebook, "--unverified", *s3_flags(s3), "--schedule", "not a cron", env=cli_env, cwd=live.cwd
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    (line,) = [ln for ln in done.stderr.splitlines() if ln.startswith("etlnb deploy:")]
    assert "not a cron" in line and "(from --schedule)" in line, "the error must say which schedule is invalid"
    assert s3.keys() == before
    assert_untouched(live, s3, prefect_server)


def test_registration_failure_after_upload_keeps_the_live_version(live, s3, cli_env, prefect_server):
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.settings import PREFECT_API_URL, temporary_settings

    pool = "s3faults-k8s"
    with temporary_settings({PREFECT_API_URL: prefect_server.api_url}), get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name=pool, type="kubernetes"))
    write_notebook(live.notebook, scale=8)
    before = s3.keys()
    done = etlnb("deploy", live.notebook, "--unverified", *s3_flags(s3), "--work-pool", pool, env=cli_env, cwd=live.cwd)
    line = assert_clean_failure(done, "register")
    assert f"work pool '{pool}' exists with type 'kubernetes', not 'process'" in line
    # the new version was uploaded (whole) but is not live
    new_script = (live.cwd / "build" / live.project / f"{live.flow}.py").read_bytes()
    added = s3.keys() - before
    assert {Path(k).name for k in added} == {f"{live.flow}.py", "prefect.yaml"}, added
    (script_key,) = (k for k in added if k.endswith(".py"))
    assert s3.read(script_key) == new_script and b"* 8 for r in rows" in new_script
    assert_untouched(live, s3, prefect_server)
