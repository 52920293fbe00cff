"""Compiled flows on a real Dask cluster (prefect-dask's DaskTaskRunner).

One `distributed.LocalCluster` with two worker processes is started once per session, in
another process and another working directory, with no PYTHONPATH (workers cannot import
the flow script or etlnb), and passed to the flows by address, as an existing cluster is.
"""

from __future__ import annotations

import inspect
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import NOTEBOOKS, PYTHON, copy_project, make_notebook

WEATHER = NOTEBOOKS / "weather" / "weather.ipynb"
PRICES = NOTEBOOKS / "prices" / "prices.ipynb"

CLUSTER = """\
import sys

from distributed import LocalCluster

if __name__ == "__main__":
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        print(cluster.scheduler_address, flush=True)
        sys.stdin.read()  # until the test session closes our stdin
"""


@pytest.fixture(scope="module")  # only this module uses it: stopped when its tests end
def dask_cluster(tmp_path_factory):
    """The scheduler address of a LocalCluster (2 worker processes) in its own process and folder."""
    folder = tmp_path_factory.mktemp("dask-cluster-cwd")
    (folder / "cluster.py").write_text(CLUSTER)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PREFECT_API_URL")}
    process = subprocess.Popen(
        [PYTHON, "cluster.py"],
        cwd=folder,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=open(folder / "cluster.log", "w"),
        text=True,
    )
    address = process.stdout.readline().strip()
    assert address.startswith("tcp://"), (folder / "cluster.log").read_text()[-2000:]
    yield address
    process.stdin.close()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.terminate()
        process.wait(timeout=10)


def compiled(notebook: Path, out: Path, **flags):
    from etlnb.pipeline import compile_file, write

    result = compile_file(notebook, out, flags)
    write(result)
    return result


def run_flow(notebook: Path, out: Path, server, **flags):
    from etlnb.verify.runner import run_compiled_flow

    result = compiled(notebook, out, **flags)
    run = run_compiled_flow(result, notebook, server, result.sample, echo=False)
    assert run.ok, run.output[-3000:]
    return run


def loaded(folder: Path) -> dict:
    import pandas as pd

    tables = {}
    for path in sorted((folder / "out").rglob("*")):
        if path.suffix == ".csv":
            tables[path.name] = pd.read_csv(path)
        elif path.suffix == ".parquet":
            tables[path.name] = pd.read_parquet(path)
        elif path.is_file():
            tables[path.name] = path.read_bytes()
    return tables


def assert_same_loaded(on_threads: Path, on_dask: Path) -> None:
    import pandas as pd

    expected, actual = loaded(on_threads), loaded(on_dask)
    assert expected, "the threads run loaded nothing"
    assert actual.keys() == expected.keys()
    for name, value in expected.items():
        if isinstance(value, bytes):
            assert actual[name] == value, name
        else:
            assert len(value) > 0, name
            pd.testing.assert_frame_equal(actual[name], value, obj=name)


# -- on a real cluster ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def threads_loaded(tmp_path_factory, prefect_server):
    """Each demo's flow on threads, run once: {notebook: its project folder after the run}."""
    done = {}

    def run(notebook: Path) -> Path:
        if notebook not in done:
            tmp = tmp_path_factory.mktemp(f"threads-{notebook.stem}")
            copy = copy_project(notebook, tmp / notebook.parent.name)
            run_flow(copy, tmp / "build", prefect_server)
            done[notebook] = copy.parent
        return done[notebook]

    return run


@pytest.mark.integration
@pytest.mark.parametrize("notebook", [WEATHER, PRICES], ids=lambda p: p.stem)
def test_demo_flow_on_an_existing_dask_cluster_loads_what_threads_load(
    notebook, tmp_path, prefect_server, dask_cluster, threads_loaded
):
    dask = copy_project(notebook, tmp_path / "dask" / notebook.parent.name)
    run = run_flow(dask, tmp_path / "build-dask", prefect_server, task_runner="dask", dask_address=dask_cluster)
    assert run.report["state"] == "Completed"
    assert_same_loaded(threads_loaded(notebook), dask.parent)


PARAMS_NOTEBOOK = [
    ("import json\nimport os\nfrom dataclasses import asdict, dataclass", ["imports"]),
    ('rate = 2\noffset = 0.5\nitems = [1, 2, 3]\ndestination = "/data/out/"', ["parameters"]),
    ('items = [10, 20, 30, 40]\nrate = 3\ndestination = "out/"', ["sample"]),
    (
        "@dataclass\nclass Scaled:\n    item: int\n    value: float\n\n\n"
        "def scale(x):\n"
        '    """Reads the parameters `rate` and `offset` as module globals, as in the notebook."""\n'
        "    return Scaled(x, x * rate + offset)",
        ["functions"],
    ),
    ("scaled = [scale(v) for v in items]", ["transform"]),
    (
        "os.makedirs(destination, exist_ok=True)\n"
        'with open(f"{destination}scaled.json", "w") as f:\n'
        "    json.dump([asdict(s) for s in scaled], f)",
        ["load"],
    ),
]


@pytest.mark.integration
def test_helpers_reading_parameters_and_notebook_dataclasses_on_dask_match_the_notebook_and_threads(
    tmp_path, prefect_server, dask_cluster
):
    """Parity (notebook vs flow on Dask: every value, every file) and the same file as on threads."""
    from etlnb.verify.runner import run_parity

    notebook = tmp_path / "dask" / "params" / "params.ipynb"
    notebook.parent.mkdir(parents=True)
    notebook.write_text(make_notebook(PARAMS_NOTEBOOK))
    flags = {"task_runner": "dask", "dask_address": dask_cluster}
    result = compiled(notebook, tmp_path / "build-dask", **flags)
    assert "rate=unmapped(rate)" in result.script and "offset=unmapped(offset)" in result.script
    outcome, _, _run = run_parity(result, notebook, prefect_server, result.sample, echo=False)
    assert outcome.ok, outcome.text
    assert "parity ok" in outcome.text
    flow_copy = result.path.parent / ".parity" / "params" / "flow" / "params"
    expected = [{"item": v, "value": v * 3 + 0.5} for v in (10, 20, 30, 40)]
    assert json.loads((flow_copy / "out" / "scaled.json").read_text()) == expected

    threads = tmp_path / "threads" / "params" / "params.ipynb"
    threads.parent.mkdir(parents=True)
    threads.write_text(make_notebook(PARAMS_NOTEBOOK))
    run_flow(threads, tmp_path / "build-threads", prefect_server)
    assert (threads.parent / "out" / "scaled.json").read_bytes() == (flow_copy / "out" / "scaled.json").read_bytes()


@pytest.mark.integration
def test_deployed_run_through_the_process_worker_on_dask_loads_what_threads_load(
    tmp_path, prefect_server, dask_cluster, threads_loaded
):
    """Deployed: the worker loads the flow from its entrypoint (Prefect's module name), pulls the code
    from storage, and its mapped tasks run on the existing cluster."""
    from etlnb.local.worker import stop_worker

    project = copy_project(WEATHER, tmp_path / "deployed" / "weather")
    (project.parent / "pyproject.toml").write_text(
        f'[tool.etlnb]\ntask_runner = "dask"\ndask_address = "{dask_cluster}"\n'
    )
    env = dict(os.environ, ETLNB_HOME=str(prefect_server.home), ETLNB_SERVER_PORT=str(prefect_server.port))
    env.pop("PREFECT_API_URL", None)
    pool = "etlnb-dask-test"
    common = ["-o", str(tmp_path / "build")]
    try:
        deployed = subprocess.run(
            [
                PYTHON,
                "-m",
                "etlnb",
                "deploy",
                str(project),
                "--unverified",
                "--storage",
                str(tmp_path / "store"),
                "--work-pool",
                pool,
                *common,
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=300,
        )
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        script = next((tmp_path / "store").rglob("weather.py")).read_text()
        assert f'DaskTaskRunner(address="{dask_cluster}")' in script
        ran = subprocess.run(
            [PYTHON, "-m", "etlnb", "run", str(project), "--deployed", *common],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=300,
        )
    finally:
        stop_worker(prefect_server, pool)
    log = prefect_server.home / f"worker-{pool}.log"
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    assert ran.returncode == 0, ran.stdout + ran.stderr + tail
    assert ": Completed" in ran.stdout
    assert "| loaded 9 rows for 3 cities" in ran.stdout, ran.stdout
    assert_same_loaded(threads_loaded(WEATHER), project.parent)


# -- without a cluster -------------------------------------------------------------------------------

WORKER = """\
import pickle, sys
extract, transform, source, threshold = pickle.loads(sys.stdin.buffer.read())
sys.stdout.buffer.write(pickle.dumps(transform.fn(extract.fn(source), threshold)))
"""


def test_tasks_loaded_from_the_entrypoint_run_where_the_script_cannot_be_imported(tmp_path, monkeypatch):
    """What a Dask worker does, without a cluster: unpickle the task (as distributed pickles it)
    in a process whose sys.path and working directory know nothing of the script, and call it."""
    from distributed.protocol.pickle import dumps
    from prefect.flows import load_flow_from_entrypoint

    notebook = copy_project(WEATHER, tmp_path / "weather")
    result = compiled(notebook, tmp_path / "build", task_runner="dask")
    # an earlier test in this worker process may have loaded another script named weather.py: Prefect
    # then names the module otherwise; a worker process starts without it, as this test must
    monkeypatch.delitem(sys.modules, "weather", raising=False)
    flow = load_flow_from_entrypoint(f"{result.path}:{result.entrypoint.split(':')[1]}")
    module = sys.modules[flow.fn.__module__]
    assert module.__name__ == "weather"  # by reference, a worker would `import weather`
    monkeypatch.chdir(notebook.parent)
    source = module.absolute_sample_paths(module.SAMPLE_PARAMETERS)["sources"][0]
    assert Path(source["url"]).is_absolute()
    payload = dumps((module.extract_raw_data, module.transform_clean_data, source, 5.0))
    elsewhere = tmp_path / "worker-cwd"
    elsewhere.mkdir()
    # -I: no PYTHONPATH, no user site, not even the current folder on sys.path
    done = subprocess.run([PYTHON, "-I", "-c", WORKER], input=payload, capture_output=True, cwd=elsewhere)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    remote = pickle.loads(done.stdout)
    local = module.transform_clean_data.fn(module.extract_raw_data.fn(source), 5.0)
    assert len(local) == 3 and (local["temp_min"] >= 5.0).all()
    assert remote.equals(local)


def _load_script(path: Path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"etlnb_test_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_threads_script_is_unchanged_and_dask_script_passes_ruff(tmp_path):
    notebook = copy_project(WEATHER, tmp_path / "weather")
    threads = compiled(notebook, tmp_path / "t")
    assert "task_runner=ThreadPoolTaskRunner()" in threads.script
    assert "cloudpickle" not in threads.script and "prefect_dask" not in threads.script
    dask = compiled(notebook, tmp_path / "d", task_runner="dask")
    assert 'DaskTaskRunner(cluster_kwargs={"dashboard_address": ":0"})' in dask.script
    assert "cloudpickle.register_pickle_by_value(sys.modules[__name__])" in dask.script
    ruff = Path(sys.executable).parent / "ruff"
    done = subprocess.run([str(ruff), "check", "--no-cache", "--isolated", str(dask.path)], capture_output=True)
    assert done.returncode == 0, done.stdout.decode()


KUBE = {
    "task_runner": "dask",
    "dask_cluster_class": "dask_kubernetes.operator.KubeCluster",
    "dask_cluster_kwargs": {
        "name": "etl-weather",
        "namespace": "etl",
        "image": "registry.example.com/etlnb-weather:0123456789ab",
        "n_workers": 2,
        "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}},
        "env": {"PREFECT_LOGGING_LEVEL": "INFO"},
        "idle_timeout": 600,
    },
    "dask_adapt_min": 1,
    "dask_adapt_max": 8,
}


def test_kubecluster_runner_and_its_dask_cluster_spec_are_valid(tmp_path):
    """The KubeCluster etlnb renders, checked against dask_kubernetes and the Kubernetes models (no cluster)."""
    from dask_kubernetes.operator import KubeCluster, make_cluster_spec
    from prefect_dask import DaskTaskRunner

    from .test_kubernetes import _walk

    notebook = copy_project(WEATHER, tmp_path / "weather")
    (notebook.parent / "pyproject.toml").write_text(
        "[tool.etlnb]\n"
        + "\n".join(f"{k} = {json.dumps(v)}" for k, v in KUBE.items() if k != "dask_cluster_kwargs")
        + "\n[tool.etlnb.dask_cluster_kwargs]\n"
        + "\n".join(f"{k} = {json.dumps(v)}" for k, v in KUBE["dask_cluster_kwargs"].items() if not isinstance(v, dict))
        + '\nresources = { requests = { cpu = "1", memory = "2Gi" }, limits = { cpu = "2", memory = "4Gi" } }'
        + '\nenv = { PREFECT_LOGGING_LEVEL = "INFO" }\n'
    )
    result = compiled(notebook, tmp_path / "build")
    runner = _load_script(result.path).weather_flow.task_runner
    assert isinstance(runner, DaskTaskRunner)
    assert runner.resolved_cluster_class is KubeCluster
    assert runner.cluster_kwargs == KUBE["dask_cluster_kwargs"]  # no dashboard default for a KubeCluster
    assert runner.adapt_kwargs == {"minimum": 1, "maximum": 8}
    explicit = {n for n, p in inspect.signature(KubeCluster).parameters.items() if p.kind is p.KEYWORD_ONLY}
    assert set(runner.cluster_kwargs) <= explicit
    spec_args = inspect.signature(make_cluster_spec).parameters
    spec = make_cluster_spec(**{k: v for k, v in runner.cluster_kwargs.items() if k in spec_args})
    assert (spec["apiVersion"], spec["kind"], spec["metadata"]["name"]) == (
        "kubernetes.dask.org/v1",
        "DaskCluster",
        "etl-weather",
    )
    assert spec["spec"]["worker"]["replicas"] == 2
    problems: list[str] = []
    for role in ("worker", "scheduler"):
        pod = spec["spec"][role]["spec"]
        _walk(pod, "V1PodSpec", f"spec.{role}.spec", problems)
        container = pod["containers"][0]
        assert container["image"] == KUBE["dask_cluster_kwargs"]["image"]
        assert container["resources"] == KUBE["dask_cluster_kwargs"]["resources"]
        assert {"name": "PREFECT_LOGGING_LEVEL", "value": "INFO"} in container["env"]
    _walk(spec["spec"]["scheduler"]["service"], "V1ServiceSpec", "spec.scheduler.service", problems)
    assert problems == []
    # the validator sees a broken spec
    broken: list[str] = []
    _walk({"containers": [{"name": "w", "image": 3, "imagePullPolcy": "x"}]}, "V1PodSpec", "pod", broken)
    assert len(broken) == 2


# -- settings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"task_runner": "processes"}, "task_runner must be one of threads, dask"),
        ({"dask_address": "tcp://user:pw@scheduler:8786"}, "credentials never go into an address"),
        ({"dask_address": "tcp://a:8786", "dask_cluster_class": "x.Y"}, "cannot be combined with dask_cluster_class"),
        ({"dask_cluster_class": "__import__('os').system"}, "is not a qualified class name"),
        ({"dask_cluster_kwargs": {"env": {"AWS_SECRET_ACCESS_KEY": "abc"}}}, "looks like a credential"),
        ({"dask_cluster_kwargs": {"env": [{"name": "DB_PASSWORD", "value": "x"}]}}, "looks like a credential"),
        ({"dask_cluster_kwargs": {"url": "postgresql://etl:hunter2x@db/x"}}, "credentials in a URL"),
        ({"dask_cluster_kwargs": {"asynchronous": True}}, "prefect-dask manages it"),
        ({"dask_adapt_min": 4, "dask_adapt_max": 2}, "larger than dask_adapt_max"),
        ({"dask_adapt_max": "8"}, "wrong type"),
    ],
)
def test_bad_dask_settings_are_one_clear_error(values, message):
    from etlnb.analyse.config import Settings
    from etlnb.analyse.diagnostics import CompileError

    with pytest.raises(CompileError) as raised:
        Settings().with_overrides(values, "pyproject.toml")
    assert message in raised.value.diagnostics[0].message


def test_a_kubernetes_secret_reference_is_not_a_credential():
    from etlnb.analyse.config import Settings

    ref = {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}
    settings = Settings().with_overrides({"dask_cluster_kwargs": {"env": [ref]}}, "pyproject.toml")
    assert settings.dask_cluster_kwargs == {"env": [ref]}


def test_cli_task_runner_flag(tmp_path):
    notebook = copy_project(WEATHER, tmp_path / "weather")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    done = subprocess.run(
        [PYTHON, "-m", "etlnb", "compile", str(notebook), "-o", str(tmp_path / "b"), "--task-runner", "dask"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "DaskTaskRunner(" in (tmp_path / "b" / "weather" / "weather.py").read_text()
    bad = subprocess.run(
        [PYTHON, "-m", "etlnb", "run", str(notebook), "--sample", "--task-runner", "dask"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 2
    assert bad.stderr.splitlines() == ["etlnb run: --task-runner applies to --flow and --parity, not --sample"]


# -- what travels to the workers ----------------------------------------------------------------------


def test_etlnb_adds_no_credential_to_what_travels_to_dask_workers(tmp_path, monkeypatch):
    """prefect-dask sends the flow process's Prefect settings (secrets included: workers report task
    runs with them) in every task; etlnb's flow process adds only PREFECT_API_URL, and the runner
    arguments in the script are the configured, credential-free ones."""
    import etlnb.verify.runner as runner

    notebook = copy_project(WEATHER, tmp_path / "weather")
    result = compiled(notebook, tmp_path / "build", task_runner="dask", dask_address="tcp://127.0.0.1:1")
    seen = {}

    class Popen:
        def __init__(self, args, env, **kwargs):
            seen["env"] = env
            raise OSError("not started")

    monkeypatch.setattr(subprocess, "Popen", Popen)

    class Server:
        api_url = "http://127.0.0.1:9/api"

    with pytest.raises(OSError):
        runner.run_compiled_flow(result, notebook, Server(), result.sample, echo=False)
    added = {k: v for k, v in seen["env"].items() if os.environ.get(k) != v}
    assert added == {"PREFECT_API_URL": Server.api_url, "PYTHONUNBUFFERED": "1"} or added == {
        "PREFECT_API_URL": Server.api_url
    }
    task_runner = _load_script(result.path).weather_flow.task_runner
    assert task_runner.client_kwargs == {"set_as_default": False}  # prefect-dask's default: no security objects
    assert (task_runner.address, task_runner.cluster_kwargs, task_runner.adapt_kwargs) == ("tcp://127.0.0.1:1", {}, {})


def test_image_of_a_dask_project_pins_prefect_dask_distributed_and_the_cluster_package(tmp_path):
    import importlib.metadata

    from etlnb.deploy.image import build

    notebook = copy_project(WEATHER, tmp_path / "notebooks" / "weather")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.etlnb]\ntask_runner = "dask"\ndask_cluster_class = "dask_kubernetes.operator.KubeCluster"\n'
    )
    _, out, _, _ = build(str(notebook))
    pins = {line for line in (out / "requirements.txt").read_text().splitlines() if "==" in line}
    for dist in ("prefect-dask", "distributed", "dask", "cloudpickle", "dask-kubernetes"):
        assert f"{dist}=={importlib.metadata.version(dist)}" in pins, dist
    (tmp_path / "pyproject.toml").write_text("[tool.etlnb]\n")
    _, out, _, _ = build(str(notebook))
    assert "prefect-dask" not in (out / "requirements.txt").read_text()
