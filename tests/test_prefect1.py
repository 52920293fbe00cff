"""`--target prefect1`: the Prefect 1 script, run for real in its own venv (.venv-prefect1,
created by scripts/setup-prefect1 on first use): flow.run loads what the notebook loads,
S3 build + get_flow against moto on loopback, `prefect build` metadata, the Kubernetes job
spec, registration against a minimal GraphQL stub, and the base image's fallback path.
All offline: a Prefect 1 server needs Hasura and Postgres, so only registration is a stub.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from etlnb.pipeline import compile_file, write

from .conftest import DEMOS, PYTHON, REPO, GraphQLStub, copy_project, make_notebook
from .test_deploy_s3 import AWS_DUMMY, BUCKET, aws_env, s3  # noqa: F401 - s3: the moto server fixture
from .test_integration import read_outputs, run_notebook

GOLDEN = REPO / "tests" / "golden"
IMAGE = "registry.example.com/etlnb-weather:7"


def p1_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment for Prefect 1 with nothing of the user's Prefect 1 config or backend."""
    env = {k: v for k, v in aws_env(os.environ).items() if not k.startswith(("PREFECT__", "PREFECT_"))}
    env.pop("PYTHONPATH", None)
    home = tmp_path / "prefect1-home"
    home.mkdir(exist_ok=True)
    env.update(PREFECT__HOME_DIR=str(home), PREFECT__USER_CONFIG_PATH=str(home / "config.toml"), **extra)
    return env


def run_p1(python: Path, args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def compile_p1(notebook: Path, **flags) -> Path:
    compiled = compile_file(notebook, notebook.parent / "build", {"target": "prefect1", **flags})
    return write(compiled)


@pytest.fixture(scope="module")
def notebook_outputs(tmp_path_factory) -> dict[str, Path]:
    """Each demo notebook run top to bottom on its samples (as Jupyter does): its out/ folder."""
    outputs = {}
    for notebook in DEMOS:
        copy = copy_project(notebook, tmp_path_factory.mktemp("nb") / notebook.parent.name)
        run_notebook(copy)
        outputs[notebook.stem] = copy.parent / "out"
    return outputs


def assert_same_outputs(actual: Path, expected: Path) -> None:
    import pandas as pd

    want, got = read_outputs(expected), read_outputs(actual)
    assert want, "the notebook's load step wrote nothing"
    assert got.keys() == want.keys()
    for name, frame in want.items():
        pd.testing.assert_frame_equal(got[name], frame, obj=name)
    for path in expected.glob("*.csv"):
        assert (actual / path.name).read_bytes() == path.read_bytes()


@pytest.mark.parametrize("notebook", DEMOS, ids=lambda p: p.stem)
def test_script_matches_golden_and_is_ruff_clean(notebook):
    from etlnb.targets.lint import findings

    compiled = compile_file(notebook, REPO / "build", {"target": "prefect1"})
    golden = GOLDEN / f"{compiled.analysis.project}.{compiled.analysis.flow_name}.prefect1.py"
    if os.environ.get("ETLNB_UPDATE_GOLDEN"):
        golden.write_text(compiled.script, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden}; run with ETLNB_UPDATE_GOLDEN=1"
    assert compiled.script == golden.read_text(encoding="utf-8")
    assert findings(compiled.script) == []
    assert "with Flow(" in compiled.script and "prefect.yaml" not in compiled.script
    assert compiled.prefect_yaml == ""  # Prefect 3's deployment file is not written for Prefect 1


@pytest.mark.parametrize("notebook", DEMOS, ids=lambda p: p.stem)
def test_flow_run_loads_what_the_notebook_loads(notebook, tmp_path, p1_python, notebook_outputs):
    copy = copy_project(notebook, tmp_path / notebook.parent.name)
    script = compile_p1(copy)
    done = run_p1(p1_python, [str(script)], p1_env(tmp_path), tmp_path)  # run_sample: from the notebook's folder
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Flow run SUCCESS" in done.stdout + done.stderr
    assert_same_outputs(copy.parent / "out", notebook_outputs[notebook.stem])


def test_a_failing_step_fails_the_run_and_skips_the_load(tmp_path, p1_python):
    prices = next(d for d in DEMOS if d.stem == "prices")
    copy = copy_project(prices, tmp_path / "prices")
    script = compile_p1(copy)
    code = (
        "import runpy, sys\n"
        f"ns = runpy.run_path({str(script)!r})\n"
        "state = ns['flow'].run(parameters=dict(ns['SAMPLE_PARAMETERS'], target_currency='XXX'),"
        " run_on_schedule=False)\n"
        "sys.exit(0 if state.is_successful() else 3)\n"
    )
    done = run_p1(p1_python, ["-c", code], p1_env(tmp_path), copy.parent)
    assert done.returncode == 3, done.stdout + done.stderr
    assert not (copy.parent / "out").exists()  # load never ran


# -- S3 storage, prefect build, get_flow, job spec ------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory, s3, p1_python):  # noqa: F811 - s3 is the imported fixture
    """weather compiled for S3 + Kubernetes and built with `prefect build` (which uploads it)."""
    root = tmp_path_factory.mktemp("built")
    notebook = copy_project(next(d for d in DEMOS if d.stem == "weather"), root / "weather")
    script = compile_p1(
        notebook,
        storage=f"s3://{BUCKET}/team",
        s3_endpoint_url=s3.endpoint,
        work_pool_type="kubernetes",
        tags=["k8s"],
    )
    flows_json = script.with_name("flows.json")
    env = p1_env(root, WEATHER_BASE_IMAGE=IMAGE)
    done = run_p1(p1_python, ["-m", "prefect", "build", "-p", str(script), "-o", str(flows_json)], env, root)
    assert done.returncode == 0, done.stdout + done.stderr
    return {"root": root, "script": script, "flows": json.loads(flows_json.read_text())["flows"], "s3": s3}


def test_prefect_build_uploads_the_script_and_writes_the_metadata(built):
    (flow,) = built["flows"]
    script = built["script"]
    assert flow["name"] == "weather"
    storage = flow["storage"]
    assert storage["type"] == "S3" and storage["bucket"] == BUCKET
    assert storage["key"] == "team/weather/weather.py" and storage["stored_as_script"] is True
    assert storage["client_options"] == {"endpoint_url": built["s3"].endpoint}
    assert built["s3"].read("team/weather/weather.py") == script.read_bytes()  # uploaded as it is
    run_config = flow["run_config"]
    assert run_config["type"] == "KubernetesRun" and run_config["image"] == IMAGE
    assert run_config["labels"] == ["k8s"]
    params = {p["name"]: p["default"] for p in flow["parameters"]}
    assert list(params) == ["destination", "min_valid_temp_c", "sources"]
    assert params["min_valid_temp_c"] == -60.0 and len(params["sources"]) == 3
    tasks = {t["slug"].rsplit("-", 1)[0] for t in flow["tasks"]}
    assert {"set_module_globals", "extract_raw_data", "transform_clean_data", "load"} <= tasks
    names = {t["slug"]: t["name"] for t in flow["tasks"]}
    edges = {
        (names[e["upstream_task"]["slug"]], names[e["downstream_task"]["slug"]], e["mapped"]) for e in flow["edges"]
    }
    assert ("sources", "extract_raw_data", True) in edges
    assert ("set_module_globals", "extract_raw_data", False) in edges  # notebook order
    assert ("extract_raw_data", "transform_clean_data", True) in edges
    assert ("extract_raw_data", "transform_clean_data", False) in edges  # all of extract before transform
    assert ("transform_clean_data", "load", False) in edges
    extract = next(t for t in flow["tasks"] if t["name"] == "extract_raw_data")
    assert extract["max_retries"] == 2 and extract["retry_delay"] == 10.0
    text = script.read_text()
    assert "testing" not in text and "AWS_" not in text  # no credentials


GET_FLOW = """
import json, os, sys
import prefect
from prefect.serialization.storage import StorageSchema

(meta,) = json.load(open(sys.argv[1]))["flows"]
storage = StorageSchema().load(meta["storage"])
with prefect.context(loading_flow=True, flow_run_id="run-1"):  # as `prefect execute flow-run` loads it
    flow = storage.get_flow("weather")
print("image in the run:", flow.run_config.image)
print("executor:", type(flow.executor).__name__, flow.executor.scheduler)  # not in the metadata: from the script
print("checkpoint:", sorted({t.checkpoint for t in flow.tasks if type(t).__name__ == "FunctionTask"}))
os.chdir(sys.argv[2])
samples = [{"city": c, "url": f"samples/{c}.json"} for c in ("berlin", "lisbon", "oslo")]
state = flow.run(parameters={"sources": samples, "destination": "out/"}, run_on_schedule=False)
sys.exit(0 if state.is_successful() else 3)
"""


def test_get_flow_from_s3_runs_and_loads_what_the_notebook_loads(built, p1_python, tmp_path, notebook_outputs):
    folder = copy_project(next(d for d in DEMOS if d.stem == "weather"), tmp_path / "weather").parent
    # the downloaded script is executed without __file__ and must not resolve the image again
    env = p1_env(tmp_path, WEATHER_BASE_IMAGE="must-not-be-used")
    flows_json = built["script"].with_name("flows.json")
    done = run_p1(p1_python, ["-c", GET_FLOW, str(flows_json), str(folder)], env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "image in the run: None" in done.stdout
    assert "executor: LocalDaskExecutor threads" in done.stdout
    assert "checkpoint: [False]" in done.stdout  # task results stay in memory, never pickled to the bucket
    assert_same_outputs(folder / "out", notebook_outputs["weather"])


JOB_SPEC = """
import json, sys
from prefect.agent.kubernetes import KubernetesAgent
from prefect.utilities.graphql import GraphQLResult

(meta,) = json.load(open(sys.argv[1]))["flows"]
flow_run = GraphQLResult({
    "id": "run-1", "name": "brisk-otter", "version": 1, "run_config": meta["run_config"],
    "flow": {"id": "flow-1", "name": meta["name"], "storage": meta["storage"], "core_version": "1.4.1"},
})
agent = KubernetesAgent(namespace="etl", labels=["k8s"])
print(json.dumps(agent.generate_job_spec(flow_run)))
"""


def test_kubernetes_job_spec_runs_the_flow_from_the_project_image(built, p1_python, tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "dead", "cluster": {"server": "https://127.0.0.1:9"}}],
                "users": [{"name": "u", "user": {}}],
                "contexts": [{"name": "dead", "context": {"cluster": "dead", "user": "u"}}],
                "current-context": "dead",
            }
        )
    )
    env = p1_env(tmp_path, KUBECONFIG=str(kubeconfig))
    flows_json = built["script"].with_name("flows.json")
    done = run_p1(p1_python, ["-c", JOB_SPEC, str(flows_json)], env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    job = json.loads(done.stdout.strip().splitlines()[-1])
    assert job["metadata"]["labels"]["prefect.io/flow_run_id"] == "run-1"
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["image"] == IMAGE
    assert container["args"] == ["prefect", "execute", "flow-run"]
    env_vars = {e["name"]: e.get("value") for e in container["env"]}
    assert env_vars["PREFECT__CONTEXT__IMAGE"] == IMAGE
    assert env_vars["PREFECT__CONTEXT__FLOW_RUN_ID"] == "run-1"
    assert env_vars["PREFECT__CLOUD__AGENT__LABELS"] == "['k8s']"  # the agent picks it by label


# -- registration and the KV store, against a minimal GraphQL stub ------------------------


@pytest.fixture
def stub(prefect1_graphql):
    """The minimal Prefect 1 GraphQL stub (conftest's prefect1_graphql)."""
    return prefect1_graphql


def etlnb_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(env, PYTHONPATH=str(REPO))
    return subprocess.run([PYTHON, "-m", "etlnb", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def test_deploy_without_a_backend_prints_the_commands(tmp_path, p1_python):
    notebook = copy_project(next(d for d in DEMOS if d.stem == "weather"), tmp_path / "weather")
    done = etlnb_cli(
        "deploy", str(notebook), "--unverified", "--target", "prefect1", env=p1_env(tmp_path), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    script = tmp_path / "build" / "weather" / "weather.py"
    flows_json = script.with_name("weather.flows.json")
    prefect = p1_python.parent / "prefect"
    assert "no Prefect 1 backend is configured, so nothing was registered" in done.stdout
    assert f"  {prefect} build -p {script} -o {flows_json}" in done.stdout
    assert f"  {prefect} register --json {flows_json} --project weather" in done.stdout
    assert "with Flow(" in script.read_text()


def test_deploy_builds_to_s3_then_registers_what_the_script_describes(tmp_path, p1_python, s3, stub):  # noqa: F811
    notebook = copy_project(next(d for d in DEMOS if d.stem == "weather"), tmp_path / "weather")
    env = p1_env(tmp_path, PREFECT__BACKEND="server", PREFECT__SERVER__ENDPOINT=stub.url, WEATHER_BASE_IMAGE=IMAGE)
    args = ["--storage", f"s3://{BUCKET}/deployed", "--s3-endpoint-url", s3.endpoint, "--pool-type", "kubernetes"]
    done = etlnb_cli("deploy", str(notebook), "--unverified", "--target", "prefect1", *args, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "registered Prefect 1 flow weather in project weather (id flow-1, version 1)" in done.stdout
    assert "[4/5] upload" in done.stderr and "[5/5] register" in done.stderr
    script = tmp_path / "build" / "weather" / "weather.py"
    assert s3.read("deployed/weather/weather.py") == script.read_bytes()  # uploaded before registering

    (project_query,) = stub.queries("project(")
    assert 'name: { _eq: "weather" }' in project_query["query"]
    assert len(stub.queries("order_by: { version: desc }")) == 1  # the latest version, to number the new one
    (create,) = stub.queries("create_flow_from_compressed_string")
    sent = json.loads(create["variables"])["input"]
    assert sent["project_id"] == "project-1" and sent["set_schedule_active"] is True
    flow = json.loads(gzip.decompress(base64.b64decode(sent["serialized_flow"])))
    assert sent["idempotency_key"] == hashlib.sha256(json.dumps(flow, sort_keys=True).encode()).hexdigest()
    assert flow["name"] == "weather"
    assert flow["storage"]["type"] == "S3" and flow["storage"]["key"] == "deployed/weather/weather.py"
    assert flow["storage"]["bucket"] == BUCKET
    assert flow["run_config"]["type"] == "KubernetesRun" and flow["run_config"]["image"] == IMAGE
    assert {p["name"] for p in flow["parameters"]} == {"sources", "destination", "min_valid_temp_c"}
    assert not any(k in json.dumps(flow) for k in AWS_DUMMY.values() if k != "us-east-1")  # no credentials


def test_deploy_names_a_missing_prefect1_project(tmp_path, p1_python, stub):
    notebook = copy_project(next(d for d in DEMOS if d.stem == "prices"), tmp_path / "prices")
    env = p1_env(tmp_path, PREFECT__BACKEND="server", PREFECT__SERVER__ENDPOINT=stub.url)
    done = etlnb_cli("deploy", str(notebook), "--unverified", "--target", "prefect1", env=env, cwd=tmp_path)
    assert done.returncode == 1
    first = done.stderr.strip().splitlines()[-2]
    assert first.startswith("etlnb deploy: register failed: prefect register failed:"), done.stderr
    assert "Project 'prices' does not exist" in first and "create project prices" in first
    assert "Traceback" not in done.stderr
    assert not stub.queries("create_flow_from_compressed_string")


BASE_IMAGE = """
import runpy, sys
import prefect

ns = runpy.run_path(sys.argv[1])
base_image = ns["base_image"]
with prefect.context(loading_flow=True):
    print("registering:", base_image())
with prefect.context(loading_flow=True, image="from-context:1"):
    print("context:", base_image())
with prefect.context(loading_flow=True, flow_run_id="run-1"):
    print("flow run:", base_image())
print("plain import:", base_image())
"""


def test_base_image_comes_from_env_then_context_then_the_cloud_kv_store(tmp_path, p1_python, stub):
    notebook = copy_project(next(d for d in DEMOS if d.stem == "weather"), tmp_path / "weather")
    script = compile_p1(notebook, work_pool_type="kubernetes")
    stub.key_values["weather_base_image"] = "from-kv:3"
    # Prefect Cloud's KV store, asked only when nothing closer names the image
    cloud = p1_env(tmp_path, PREFECT__BACKEND="cloud", PREFECT__CLOUD__API=stub.url, PREFECT__CLOUD__API_KEY="dummy")
    done = run_p1(p1_python, ["-c", BASE_IMAGE, str(script)], cloud, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == [
        "registering: from-kv:3",
        "context: from-context:1",
        "flow run: None",
        "plain import: None",
    ]
    (kv,) = stub.queries("key_value")
    assert 'key: { _eq: "weather_base_image" }' in kv["query"]
    # the environment variable wins over the KV store; on Prefect Server there is no KV store
    env = p1_env(tmp_path, PREFECT__BACKEND="server", WEATHER_BASE_IMAGE="from-env:2")
    done = run_p1(p1_python, ["-c", BASE_IMAGE, str(script)], env, tmp_path)
    assert done.stdout.splitlines()[0] == "registering: from-env:2", done.stderr
    done = run_p1(p1_python, ["-c", BASE_IMAGE, str(script)], p1_env(tmp_path, PREFECT__BACKEND="server"), tmp_path)
    assert done.stdout.splitlines()[0] == "registering: None", done.stderr


# -- the Dask executor (settings of the Dask work: read with getattr, so they may not exist yet) -----


def with_dask(monkeypatch, **values) -> None:
    """Compile with task_runner = "dask" and the given dask_* settings (etlnb.analyse.config's own fields)."""
    from dataclasses import replace

    import etlnb.analyse.config

    load = etlnb.analyse.config.load_settings

    def load_settings(notebook, metadata, flags=None):
        return replace(load(notebook, metadata, flags), task_runner="dask", **values)

    monkeypatch.setattr(etlnb.analyse.config, "load_settings", load_settings)


def test_dask_executor_with_a_local_cluster_loads_what_the_notebook_loads(
    tmp_path, p1_python, notebook_outputs, monkeypatch
):
    # prices: steps whose helpers read a parameter as a module global, each run in a worker process
    with_dask(monkeypatch, dask_cluster_kwargs={"n_workers": 2, "threads_per_worker": 1}, dask_adapt_max=2)
    copy = copy_project(next(d for d in DEMOS if d.stem == "prices"), tmp_path / "prices")
    script = compile_p1(copy)
    text = script.read_text()
    assert (
        'executor=DaskExecutor(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1}, adapt_kwargs={"maximum": 2})'
        in text
    )
    done = run_p1(p1_python, [str(script)], p1_env(tmp_path), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert_same_outputs(copy.parent / "out", notebook_outputs["prices"])


def test_dask_executor_by_address_and_a_refused_global(tmp_path, monkeypatch):
    from etlnb.analyse.diagnostics import CompileError

    with_dask(monkeypatch, dask_address="tcp://scheduler:8786")
    copy = copy_project(next(d for d in DEMOS if d.stem == "weather"), tmp_path / "weather")
    assert 'executor=DaskExecutor(address="tcp://scheduler:8786")' in compile_p1(copy).read_text()
    notebook = tmp_path / "g" / "g.ipynb"
    notebook.parent.mkdir()
    cells = [
        ("n = 1", ["parameters"]),
        ("def scaled():\n    return counter * 2", ["functions"]),
        ("counter = n + 1", ["extract"]),
        ("y = scaled()", ["transform"]),
        ("print(y)", ["load"]),
    ]
    notebook.write_text(make_notebook(cells))
    with pytest.raises(CompileError) as caught:
        compile_p1(notebook)
    first = caught.value.diagnostics[0].format().splitlines()[0]
    assert "cell 3" in first and "module global `counter`" in first and "task_runner = dask" in first


@pytest.mark.parametrize(
    ("schedule", "clock"),
    [('"0 6 * * *"', 'Schedule(clocks=[CronClock("0 6 * * *")])'), ("3600", "IntervalClock(timedelta(seconds=3600))")],
)
def test_target_and_schedule_from_the_config_file(tmp_path, p1_python, schedule, clock):
    notebook = copy_project(next(d for d in DEMOS if d.stem == "prices"), tmp_path / "prices")
    (notebook.parent / "etlnb.toml").write_text(f'target = "prefect1"\nschedule = {schedule}\n')
    done = etlnb_cli("compile", str(notebook), "-o", str(tmp_path / "build"), env=dict(os.environ), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    script = tmp_path / "build" / "prices" / "prices.py"
    assert clock in script.read_text()
    code = "import runpy, sys; ns = runpy.run_path(sys.argv[1]); print(len(ns['flow'].schedule.next(2)))"
    done = run_p1(p1_python, ["-c", code, str(script)], p1_env(tmp_path), tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == "2", done.stderr


def test_unknown_target_is_one_clear_line(tmp_path):
    notebook = copy_project(next(d for d in DEMOS if d.stem == "prices"), tmp_path / "prices")
    (notebook.parent / "etlnb.toml").write_text('target = "prefect2"\n')
    done = etlnb_cli("compile", str(notebook), env=dict(os.environ), cwd=tmp_path)
    assert done.returncode == 1
    first = done.stderr.splitlines()[0]
    assert 'target must be one of prefect3, prefect1, not "prefect2"' in first and "etlnb.toml" in first
    assert "Traceback" not in done.stderr
    done = etlnb_cli("compile", str(notebook), "--target", "prefect2", env=dict(os.environ), cwd=tmp_path)
    assert done.returncode == 2 and "invalid choice: 'prefect2'" in done.stderr


def test_names_prefect1_reserves_for_task_arguments_still_work(tmp_path, p1_python):
    """`flow`, `mapped`, `upstream_tasks`, `task_args` are Prefect 1 task keywords; notebooks may use them."""
    from .conftest import make_notebook

    notebook = tmp_path / "r" / "r.ipynb"
    notebook.parent.mkdir()
    cells = [
        ("flow = 2.5\nsources = [1, 2, 3]", ["parameters"]),
        ("def scale(x):\n    return x * flow", ["functions"]),
        ("mapped = [scale(s) for s in sources]", ["extract"]),
        ("task_args = sum(mapped) + flow", ["transform"]),
        ('with open("total.txt", "w") as f:\n    f.write(repr(task_args))', ["load"]),
    ]
    notebook.write_text(make_notebook(cells))
    script = compile_p1(notebook)
    done = run_p1(p1_python, [str(script)], p1_env(tmp_path), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (notebook.parent / "total.txt").read_text() == "17.5"  # (2.5 + 5.0 + 7.5) + 2.5, as in the notebook


ETLNB = str(Path(PYTHON).parent / "etlnb")


def etlnb_run(notebook: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ETLNB, "run", notebook.name, *args],
        capture_output=True,
        text=True,
        cwd=notebook.parent,
        env=env,
        timeout=600,
    )


@pytest.mark.parametrize("notebook", DEMOS, ids=lambda p: p.stem)
def test_parity_runs_the_prefect1_script_when_that_is_the_target(notebook, tmp_path, p1_python):
    copy = copy_project(notebook, tmp_path / notebook.parent.name)
    (copy.parent / "etlnb.toml").write_text('target = "prefect1"\n')
    done = etlnb_run(copy, "--parity")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Prefect 1 flow.run(): Success" in done.stdout
    assert f"{copy.name}: parity ok" in done.stdout
    script = (copy.parent / "build").glob("*/*.py")
    assert all("with Flow(" in s.read_text() for s in script)  # the script parity ran is the Prefect 1 one
    assert not (copy.parent / "out").exists()  # both sides ran in scratch copies, not the project


def test_prefect1_parity_fails_where_the_prefect1_flow_differs(tmp_path, p1_python):
    """A step whose value depends on the Prefect that runs it: the notebook's kernel has Prefect 3,
    the flow Prefect 1, so parity must name that step and cell."""
    notebook = tmp_path / "versions" / "versions.ipynb"
    notebook.parent.mkdir()
    cells = [
        ("import importlib.metadata", ["imports"]),
        ("n = 2", ["parameters"]),
        ('major = importlib.metadata.version("prefect").split(".")[0] * n', ["extract"]),
        ("print(major)", ["load"]),
    ]
    notebook.write_text(make_notebook(cells))
    done = etlnb_run(notebook, "--parity", "--target", "prefect1")
    assert done.returncode == 1, done.stdout + done.stderr
    first = next(ln for ln in done.stdout.splitlines() if "parity" in ln and "versions.ipynb" in ln)
    assert "cell 3" in done.stdout and "major" in done.stdout, done.stdout
    assert "parity ok" not in first


def test_a_failing_prefect1_flow_names_the_notebook_cell(tmp_path, p1_python):
    copy = copy_project(next(d for d in DEMOS if d.stem == "prices"), tmp_path / "prices")
    done = etlnb_run(copy, "--flow", "--target", "prefect1", "--param", "target_currency=XXX")
    assert done.returncode == 1
    assert "Prefect 1 flow.run(): Failed" in done.stdout
    assert "etlnb run: flow prices failed" in done.stderr
    assert "the error was raised in prices.ipynb: cell 5" in done.stderr and "[functions] line 12" in done.stderr
    assert "Traceback" not in done.stderr  # the task's traceback is the run's log (stdout), not etlnb's


def test_prefect1_runs_say_what_is_missing_in_one_line(tmp_path):
    copy = copy_project(next(d for d in DEMOS if d.stem == "prices"), tmp_path / "prices")
    env = dict(os.environ, ETLNB_PREFECT1_PYTHON=str(tmp_path / "no-such-venv" / "bin" / "python"))
    done = etlnb_run(copy, "--parity", "--target", "prefect1", env=env)
    assert done.returncode == 1
    first = done.stderr.strip().splitlines()[0]
    assert first.startswith("etlnb run: target = prefect1 runs the flow with Prefect 1") and "setup-prefect1" in first
    assert "Traceback" not in done.stderr
    assert not (copy.parent / "build" / "prices.executed.ipynb").exists()  # said before the notebook ran
    done = etlnb_run(copy, "--flow", "--target", "prefect1", "--task-runner", "dask")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[0].startswith("etlnb run: local Prefect 1 runs with task_runner = dask")


SQLITE_ACROSS_STEPS = [
    ("import sqlite3", ["imports"]),
    ("n = 6", ["parameters"]),
    ('con = sqlite3.connect("db.sqlite")\ncon.execute("create table if not exists t (v int)")', ["extract"]),
    ("vals = [i * i for i in range(n)]", ["transform"]),
    ('con.executemany("insert into t values (?)", [(v,) for v in vals])\ncon.commit()', ["load"]),
]


def test_unmapped_prefect1_steps_share_the_flows_thread(tmp_path, p1_python):
    """A sqlite3 connection made in one step and used in the next (it refuses other threads):
    with nothing mapped every Prefect 1 task runs in the flow's thread, as the notebook's cells do."""
    notebook = tmp_path / "sq" / "sq.ipynb"
    notebook.parent.mkdir()
    notebook.write_text(make_notebook(SQLITE_ACROSS_STEPS))
    done = etlnb_run(notebook, "--parity", "--target", "prefect1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "executor=LocalExecutor()" in (notebook.parent / "build" / "sq" / "sq.py").read_text()
    assert "sq.ipynb: parity ok" in done.stdout
    assert "SQLite objects created in a thread" not in done.stdout


def test_a_module_missing_from_the_prefect1_venv_is_named_with_where_to_install_it(tmp_path, p1_python):
    notebook = tmp_path / "nbf" / "nbf.ipynb"
    notebook.parent.mkdir()
    cells = [("import nbformat", ["imports"]), ("n = 1", ["parameters"]), ("v = nbformat.__name__ * n", ["extract"])]
    notebook.write_text(make_notebook(cells))
    done = etlnb_run(notebook, "--flow", "--target", "prefect1")
    assert done.returncode == 1
    assert "the error was raised in nbf.ipynb: cell 1" in done.stderr
    assert f"the Prefect 1 venv has no module `nbformat`: install the package that provides it there (`{p1_python}" in (
        done.stderr
    )


# Corpus cases (tests/faithful, written to break the analysis) where Prefect 1 differs from Prefect 3:
# every task runs on an executor thread, parameters travel as JSON, module globals, mapped steps,
# names the script uses. Each must give parity (or, where the case allows it, a refusal) with
# target = prefect1 too. Cases importing packages the Prefect 1 venv has not (sklearn) are left out.
PREFECT1_CASES = [
    "outside_sqlite_connection_across_steps",
    "outside_sqlite_ddl_then_insert",
    "outside_random_seed_then_draw",
    "outside_iterator_two_steps",
    "outside_chdir_in_step",
    "outside_environ_set_then_read",
    "outside_module_set",
    "outside_csv_header_then_append",
    "globals_mapped_reads_rebound",
    "globals_method_reads_rebound",
    "globals_counter_in_helper",
    "globals_dict_of_functions",
    "globals_helper_creates_global",
    "inplace_alias_across_steps",
    "inplace_step_mutates_parameter",
    "inplace_mapped_mutates_item",
    "inplace_rng_shuffle",
    "roundtrip_tuple_parameter",
    "roundtrip_nested_tuple_in_dict",
    "roundtrip_set_parameter",
    "roundtrip_dict_int_and_float",
    "roundtrip_map_over_str",
    "etlnb_helper_named_task",
    "etlnb_map_item_named_like_global",
    "etlnb_dunder_name_main",
    "hoist_syspath_local_module",
    "real_papermill_parameters",
    "real_elyra_noaa_cleaning",
]


@pytest.mark.parametrize("case", PREFECT1_CASES)
def test_corpus_parity_with_the_prefect1_target(case, tmp_path, p1_python):
    import shutil

    from etlnb.verify.runner import parity_check

    source = REPO / "tests" / "faithful" / case
    expect = json.loads((source / f"{case}.ipynb").read_text())["metadata"]["etlnb_test"]
    assert expect["expect"] == "parity"
    folder = tmp_path / case
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("build", ".etlnb", "*.executed.ipynb"))
    (folder / "etlnb.toml").write_text('target = "prefect1"\n')
    outcome = parity_check(folder / f"{case}.ipynb", tmp_path / "build", None)
    assert "with Flow(" in next((tmp_path / "build").glob("*/*.py")).read_text()
    allowed_refusal = expect.get("or") == "refuse" and ": error:" in outcome.text.splitlines()[0]
    assert outcome.ok or allowed_refusal, outcome.text


# -- versioned storage keys and rollback (storage_key = "versioned") ----------------------------

V_PREFIX = "versioned"


def word_notebook(folder: Path, word: str, storage_key: str = "versioned", endpoint: str = "") -> Path:
    """Project `weather` (the stub knows it): a flow whose code differs by `word`, target prefect1 on S3."""
    notebook = folder / "weather" / "weather.ipynb"
    notebook.parent.mkdir(parents=True, exist_ok=True)
    cells = [
        ("import json", ["imports"]),
        ("destination = 'out.json'", ["parameters"]),
        (f"word = {word!r}", ["transform"]),
        ("with open(destination, 'w') as f:\n    json.dump({'word': word}, f)", ["load"]),
    ]
    notebook.write_text(make_notebook(cells))
    (notebook.parent / "etlnb.toml").write_text(
        f'target = "prefect1"\nstorage = "s3://{BUCKET}/{V_PREFIX}"\ns3_endpoint_url = "{endpoint}"\n'
        f'storage_key = "{storage_key}"\n'
    )
    return notebook


def v_key(version: str) -> str:
    return f"{V_PREFIX}/weather/weather/{version}/weather.py"


def test_versioned_key_names_the_scripts_own_hash_and_prefect_build_uploads_there(tmp_path, p1_python, s3):  # noqa: F811
    from etlnb.deploy.storage import VERSION_PLACEHOLDER, is_version, verify, version_sha

    notebook = word_notebook(tmp_path, "one", endpoint=s3.endpoint)
    compiled = compile_file(notebook, tmp_path / "build")
    version = compiled.sha
    assert is_version(version) and f'key="{v_key(version)}"' in compiled.script
    # the version is the hash of the script with the version itself written as the placeholder
    unsealed = compiled.script.replace(version, VERSION_PLACEHOLDER).encode()
    assert version_sha({"weather.py": unsealed}) == version
    script = write(compiled)
    flows_json = script.with_name("flows.json")
    done = run_p1(
        p1_python, ["-m", "prefect", "build", "-p", str(script), "-o", str(flows_json)], p1_env(tmp_path), tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (flow,) = json.loads(flows_json.read_text())["flows"]
    assert flow["storage"]["key"] == v_key(version)
    stored = s3.read(v_key(version))
    assert stored == script.read_bytes() and verify(version, {"weather.py": stored}, "prefect1")
    # the default stays the literal key (the golden files pin it byte for byte)
    (notebook.parent / "etlnb.toml").write_text(f'target = "prefect1"\nstorage = "s3://{BUCKET}/{V_PREFIX}"\n')
    fixed = compile_file(notebook, tmp_path / "build")
    assert f'key="{V_PREFIX}/weather/weather.py"' in fixed.script and version not in fixed.script


def registered_keys(stub: GraphQLStub) -> list[str]:
    """The storage key of every flow the stub was asked to register, in order."""
    keys = []
    for create in stub.queries("create_flow_from_compressed_string"):
        sent = json.loads(create["variables"])["input"]
        keys.append(json.loads(gzip.decompress(base64.b64decode(sent["serialized_flow"])))["storage"]["key"])
    return keys


def test_versions_are_kept_listed_and_rolled_back(tmp_path, p1_python, s3, stub):  # noqa: F811
    env = p1_env(tmp_path, PREFECT__BACKEND="server", PREFECT__SERVER__ENDPOINT=stub.url)
    notebook = word_notebook(tmp_path, "one", endpoint=s3.endpoint)

    def deploy(*more: str, env: dict[str, str] = env) -> subprocess.CompletedProcess:
        return etlnb_cli("deploy", str(notebook), "--unverified", *more, env=env, cwd=tmp_path)

    done = deploy()
    assert done.returncode == 0, done.stdout + done.stderr
    v1 = re.search(r"code\s+([0-9a-f]{16})\s+s3://", done.stdout)[1]
    build = tmp_path / "build" / "weather" / "weather.py"
    first_script = build.read_bytes()
    assert s3.read(v_key(v1)) == first_script

    word_notebook(tmp_path, "two", endpoint=s3.endpoint)  # the analyst changes the code
    done = deploy()
    assert done.returncode == 0, done.stdout + done.stderr
    v2 = re.search(r"code\s+([0-9a-f]{16})\s+s3://", done.stdout)[1]
    assert v2 != v1 and b"'two'" in build.read_bytes()
    assert s3.read(v_key(v1)) == first_script  # the older version's script is still there, unchanged
    assert {v_key(v1), v_key(v2)} <= s3.keys()
    assert registered_keys(stub) == [v_key(v1), v_key(v2)]

    listing = etlnb_cli("versions", str(notebook), env=env, cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.index(v1) < listing.stdout.index(v2)  # oldest first
    assert f"s3://{BUCKET}/{V_PREFIX}/weather/weather/{v1}/" in listing.stdout

    # rollback: the stored script of v1 is built and registered again, then build/ holds it
    done = deploy("--version", v1)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"code      {v1} (rollback)" in done.stdout
    assert registered_keys(stub) == [v_key(v1), v_key(v2), v_key(v1)]
    (create,) = stub.queries("create_flow_from_compressed_string")[-1:]
    sent = json.loads(gzip.decompress(base64.b64decode(json.loads(create["variables"])["input"]["serialized_flow"])))
    assert sent["name"] == "weather" and sent["storage"]["bucket"] == BUCKET
    assert build.read_bytes() == first_script and b"'one'" in first_script
    (flows,) = json.loads(build.with_name("weather.flows.json").read_text())["flows"]
    assert flows["storage"]["key"] == v_key(v1)
    assert s3.read(v_key(v1)) == first_script
    assert sorted(p.name for p in build.parent.glob("weather*")) == ["weather.flows.json", "weather.py"]

    # refusals: one clear line, nothing registered, build/ untouched
    def refused(*more: str, match: str, env: dict[str, str] = env) -> None:
        before, live = len(registered_keys(stub)), build.read_bytes()
        done = deploy(*more, env=env)
        assert done.returncode == 1, done.stdout + done.stderr
        first = done.stderr.strip().splitlines()[-2]
        assert first.startswith("etlnb deploy: check failed: ") and match in first, done.stderr
        assert "Traceback" not in done.stderr
        assert len(registered_keys(stub)) == before and build.read_bytes() == live
        assert sorted(p.name for p in build.parent.glob("weather*")) == ["weather.flows.json", "weather.py"]

    refused("--version", "f" * 16, match="is not stored")
    refused("--version", "../../x", match="is not a version")
    refused("--version", v2.upper(), match="is not a version")
    s3.client.put_object(Bucket=BUCKET, Key=v_key(v2), Body=s3.read(v_key(v2)).replace(b"'two'", b"'evil'"))
    refused("--version", v2, match="incomplete or altered")
    listing = etlnb_cli("versions", str(notebook), env=env, cwd=tmp_path)
    # an altered version is listed as tampered (issue 26: never silently gone), and the listing exits 1
    assert listing.returncode == 1 and v1 in listing.stdout
    (altered,) = [ln for ln in listing.stdout.splitlines() if v2 in ln]
    assert "TAMPERED" in altered and "TAMPERED" not in next(ln for ln in listing.stdout.splitlines() if v1 in ln)

    # no backend: the stored script is downloaded and the commands printed; build/ stays as it is
    done = deploy("--version", v1, env=p1_env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    download = build.with_name(f"weather.{v1}.py")
    assert f"downloaded stored version {v1} to {download}" in done.stdout
    assert f"prefect build -p {download} -o " in done.stdout
    assert download.read_bytes() == first_script and len(registered_keys(stub)) == 3
    assert build.read_bytes() == first_script
    download.unlink()

    # the fixed key keeps no versions: rollback and the listing say what to set
    word_notebook(tmp_path, "one", storage_key="fixed", endpoint=s3.endpoint)
    refused("--version", v1, match='needs storage_key = "versioned"')
    listing = etlnb_cli("versions", str(notebook), env=env, cwd=tmp_path)
    assert listing.returncode == 1 and 'needs storage_key = "versioned"' in listing.stderr.splitlines()[0]


@pytest.mark.parametrize(
    ("storage_key", "left"),
    [
        ("fixed", "nothing was registered, but prefect build had replaced the script at the fixed S3 key"),
        ("versioned", "nothing was registered; the registered flow is unchanged (each version's script has its own"),
    ],
)
def test_a_failed_registration_says_what_it_left(tmp_path, p1_python, s3, stub, storage_key, left):  # noqa: F811
    """`prefect register` fails after `prefect build` uploaded: with the fixed key the script that
    runs of the registered flow load is the new one now, and etlnb must not say "unchanged"."""
    env = p1_env(tmp_path, PREFECT__BACKEND="server", PREFECT__SERVER__ENDPOINT=stub.url)
    notebook = word_notebook(tmp_path, "one", storage_key=storage_key, endpoint=s3.endpoint)
    with (notebook.parent / "etlnb.toml").open("a") as config:
        config.write('project = "elsewhere"\n')  # a Prefect 1 project the backend does not have
    done = etlnb_cli("deploy", str(notebook), "--unverified", env=env, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    first, second = done.stderr.strip().splitlines()[-2:]
    assert first.startswith("etlnb deploy: register failed: prefect register failed:")
    assert second.strip().startswith(left), second
    assert "unchanged" not in second or storage_key == "versioned"
