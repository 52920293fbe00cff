"""The Kubernetes path without a cluster.

`etlnb deploy --pool-type kubernetes` against the session's real Prefect server, then the Job
manifest rendered by prefect-kubernetes' own job-configuration code, exactly as its worker does
for a flow run (`KubernetesWorkerJobConfiguration.resolve_for_flow_run`), and that manifest
checked against the Kubernetes API models (kubernetes_asyncio). Code storage is a local folder:
its pull step (set_working_directory) renders like the S3 one and needs no S3.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import uuid
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest

from .conftest import PYTHON, make_notebook

pytestmark = pytest.mark.integration
PREFECT = str(Path(PYTHON).parent / "prefect")

# Credentials a user might have in their shell; none of them may reach a deployment or a Job.
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLESESSIONTOKEN",
}
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|ACCESS_KEY|CREDENTIAL|AUTH", re.IGNORECASE)
SECRET_VALUE = re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b|-----BEGIN [A-Z ]*PRIVATE KEY-----")

CELLS = [
    ("import json", ["imports"]),
    ("n = 3", ["parameters"]),
    ("values = list(range(n))", ["extract"]),
    ("total = sum(values)", ["transform"]),
    ("print(json.dumps({'total': total}))", ["load"]),
]


def write_project(root: Path, project: str, flow: str, namespace: str | None) -> Path:
    meta: dict[str, Any] = {"project": project, "flow": flow}
    if namespace:
        meta["namespace"] = namespace
    notebook = root / "notebooks" / project / "totals.ipynb"
    notebook.parent.mkdir(parents=True)
    notebook.write_text(
        make_notebook(
            CELLS,
            {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}, "etlnb": meta},
        ),
        encoding="utf-8",
    )
    return notebook


def run(cmd: list[str], cwd: Path, api_url: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, **FAKE_AWS, PREFECT_API_URL=api_url)
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def deploy(notebook: Path, storage: Path, pool: str, api_url: str) -> subprocess.CompletedProcess[str]:
    args = [
        "deploy",
        str(notebook),
        "--unverified",
        "--pool-type",
        "kubernetes",
        "--work-pool",
        pool,
        "--storage",
        str(storage),
    ]
    return run([PYTHON, "-m", "etlnb", *args, "-o", str(notebook.parent / "build")], notebook.parent, api_url)


def in_process(api_url: str, coroutine_fn):
    """Run an async Prefect client call against the session server."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}):
        return asyncio.run(coroutine_fn())


class Deployed:
    """One project deployed to a Kubernetes pool the way a user would: deploy (fails: no image),
    run the `prefect variable set` the error names, deploy again."""

    def __init__(self, root: Path, api_url: str, namespace: str | None):
        tag = uuid.uuid4().hex[:8]
        self.api_url, self.namespace = api_url, namespace
        self._rendered: tuple[Any, Any] | None = None
        self.project, self.flow = f"k8s_{tag}", f"totals_{tag}"
        self.pool = f"etlnb-k8s-{tag}"
        self.variable = f"{self.project}_base_image"
        self.image = f"registry.example.com/etlnb-{self.project}:2024.1"
        self.storage = root / "code"
        self.notebook = write_project(root, self.project, self.flow, namespace)
        self.without_image = deploy(self.notebook, self.storage, self.pool, api_url)
        self.stored_after_failure = sorted(self.storage.rglob("*")) if self.storage.exists() else []
        self.registered_after_failure = in_process(api_url, self._read)
        command = re.search(r"prefect variable set \S+ \S+", self.without_image.stderr)
        self.suggested = command.group(0) if command else ""
        argv = [*self.suggested.split()[1:4], self.image]  # variable set NAME, with a real image
        self.set_variable = run([PREFECT, *argv], root, api_url)
        self.with_image = deploy(self.notebook, self.storage, self.pool, api_url)
        self.deployment, self.pool_type = in_process(api_url, self._read)

    def render(self) -> tuple[Any, Any]:
        """(job configuration, flow run) for a new flow run of the deployment; made once."""
        if self._rendered is None:
            self._rendered = render_job(self.api_url, self.deployment.id)
        return self._rendered

    async def _read(self):
        from prefect import get_client
        from prefect.client.schemas.filters import WorkPoolFilter, WorkPoolFilterName
        from prefect.exceptions import ObjectNotFound

        async with get_client() as client:
            pool_filter = WorkPoolFilter(name=WorkPoolFilterName(any_=[self.pool]))
            deployments = await client.read_deployments(work_pool_filter=pool_filter)
            assert len(deployments) <= 1, deployments
            deployment = deployments[0] if deployments else None
            try:
                pool_type = (await client.read_work_pool(self.pool)).type
            except ObjectNotFound:
                pool_type = None
        return deployment, pool_type


@pytest.fixture(scope="module", params=[None, "etl"], ids=["default-namespace", "namespace-etl"])
def deployed(request, prefect_server, tmp_path_factory) -> Deployed:
    return Deployed(tmp_path_factory.mktemp("k8s"), prefect_server.api_url, request.param)


# --------------------------------------------------------------------------------------------
# Rendering the Job exactly as the prefect-kubernetes worker does, and checking it against the
# Kubernetes API models.


async def _render(deployment_id) -> tuple[Any, Any]:
    from prefect import get_client
    from prefect_kubernetes.worker import KubernetesWorkerJobConfiguration

    async with get_client() as client:
        flow_run = await client.create_flow_run_from_deployment(deployment_id)
        deployment = await client.read_deployment(deployment_id)
        pool = await client.read_work_pool(deployment.work_pool_name)
        # the worker's own path (prefect.workers.base.BaseWorker._submit_run_and_capture_errors)
        configuration = await KubernetesWorkerJobConfiguration.resolve_for_flow_run(
            flow_run, client=client, work_pool=pool, worker_name="etlnb-test-worker", deployment=deployment
        )
    return configuration, flow_run


def render_job(api_url: str, deployment_id) -> tuple[Any, Any]:
    return in_process(api_url, lambda: _render(deployment_id))


_STRICT = {"str": str, "bool": bool, "int": int, "float": (int, float)}


def _walk(data: Any, type_name: str, path: str, problems: list[str], quantity: bool = False) -> None:
    """Unknown fields and wrong JSON types, which the models' deserializer silently drops or coerces
    (the API server rejects a wrong type, and drops an unknown field with a warning)."""
    from kubernetes_asyncio.client import models

    if data is None:
        return
    if type_name.startswith("list["):
        if not isinstance(data, list):
            problems.append(f"{path}: expected a list, got {type(data).__name__}")
            return
        for i, item in enumerate(data):
            _walk(item, type_name[5:-1], f"{path}[{i}]", problems, quantity)
        return
    if type_name.startswith("dict("):
        if not isinstance(data, dict):
            problems.append(f"{path}: expected a mapping, got {type(data).__name__}")
            return
        value_type = type_name[5:-1].split(", ", 1)[1]
        for key, item in data.items():
            _walk(item, value_type, f"{path}.{key}", problems, quantity)
        return
    if type_name in _STRICT:
        expected = (str, int, float) if quantity and type_name == "str" else _STRICT[type_name]
        if (isinstance(data, bool) and type_name != "bool") or not isinstance(data, expected):
            problems.append(f"{path}: expected {type_name}, got {type(data).__name__} {data!r}")
        return
    if type_name in ("object", "datetime", "date"):
        return
    klass = getattr(models, type_name)
    if not isinstance(data, dict):
        problems.append(f"{path}: expected a {type_name} mapping, got {type(data).__name__}")
        return
    by_json_name = {json_name: attr for attr, json_name in klass.attribute_map.items()}
    for key, value in data.items():
        where = f"{path}.{key}" if path else key
        if key not in by_json_name:
            problems.append(f"{where}: unknown field of {type_name}")
            continue
        attr = by_json_name[key]
        _walk(value, klass.openapi_types[attr], where, problems, type_name == "V1ResourceRequirements")


async def _deserialize(manifest: dict) -> Any:
    from kubernetes_asyncio.client import ApiClient

    class Response:  # what ApiClient.deserialize reads from an HTTP response
        data = json.dumps(manifest)

    async with ApiClient() as api:
        return api.deserialize(Response(), "V1Job")


DNS_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
DNS_SUBDOMAIN = r"(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
LABEL_NAME = r"(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"


def job_problems(manifest: dict) -> list[str]:
    """Why the Kubernetes API would reject this Job manifest; [] when it would accept it."""
    problems: list[str] = []
    if manifest.get("apiVersion") != "batch/v1" or manifest.get("kind") != "Job":
        problems.append(f"not a batch/v1 Job: {manifest.get('apiVersion')}/{manifest.get('kind')}")
    _walk(manifest, "V1Job", "", problems)
    try:
        job = asyncio.run(_deserialize(manifest))  # required fields: the models' client-side validation
    except (ValueError, TypeError) as exc:
        return [*problems, f"V1Job: {exc}"]
    # what the API server's validation requires beyond the OpenAPI schema
    if job.spec is None:
        return [*problems, "V1Job: spec is required"]
    meta = job.metadata
    if meta is None or not (meta.name or meta.generate_name):
        problems.append("metadata: name or generateName is required")
    elif meta.generate_name and not re.fullmatch(r"[a-z0-9][-a-z0-9.]{0,57}", meta.generate_name):
        problems.append(f"metadata.generateName: invalid {meta.generate_name!r}")
    if meta is not None and meta.namespace is not None and not re.fullmatch(DNS_LABEL, meta.namespace):
        problems.append(f"metadata.namespace: {meta.namespace!r} is not a DNS label")
    for where, labels in (("metadata", meta), ("spec.template.metadata", job.spec.template.metadata)):
        for key, value in ((labels.labels if labels else None) or {}).items():
            prefix, _, name = key.rpartition("/")
            if not re.fullmatch(LABEL_NAME, name) or (prefix and not re.fullmatch(DNS_SUBDOMAIN, prefix)):
                problems.append(f"{where}.labels: invalid key {key!r}")
            if value and not re.fullmatch(LABEL_NAME, value):
                problems.append(f"{where}.labels.{key}: invalid value {value!r}")
    pod = job.spec.template.spec
    if pod is None:
        return [*problems, "spec.template.spec is required"]
    if pod.restart_policy not in ("Never", "OnFailure"):
        problems.append(
            f"spec.template.spec.restartPolicy must be Never or OnFailure for a Job, not {pod.restart_policy}"
        )
    for i, container in enumerate(pod.containers):
        if not container.image:
            problems.append(f"spec.template.spec.containers[{i}].image is required")
        for var in container.env or []:
            if not re.fullmatch(r"[-._a-zA-Z][-._a-zA-Z0-9]*", var.name):
                problems.append(f"spec.template.spec.containers[{i}].env: invalid name {var.name!r}")
    return problems


# prefect-kubernetes 0.8.0's default template puts these Job fields inside the pod spec; the API
# server drops them with a warning (the Job's own parallelism/completions default to 1 anyway).
TEMPLATE_QUIRKS = {
    "spec.template.spec.parallelism: unknown field of V1PodSpec",
    "spec.template.spec.completions: unknown field of V1PodSpec",
}


def credential_findings(where: str, value: Any) -> list[str]:
    """Names that look like secrets, values that look like keys, and the fake credentials themselves."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and SECRET_NAME.search(key):
                found.append(f"{where}.{key}: credential-like name")
            found += credential_findings(f"{where}.{key}", item)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict) and isinstance(item.get("name"), str) and SECRET_NAME.search(item["name"]):
                found.append(f"{where}[{i}]: credential-like env name {item['name']}")
            found += credential_findings(f"{where}[{i}]", item)
    elif isinstance(value, str):
        if SECRET_VALUE.search(value) or any(secret in value for secret in FAKE_AWS.values()):
            found.append(f"{where}: credential-like value")
    return found


def container(manifest: dict) -> dict:
    return manifest["spec"]["template"]["spec"]["containers"][0]


# --------------------------------------------------------------------------------------------
# 1. No image configured, no Prefect Variable


def test_without_an_image_deploy_fails_at_check_naming_the_variable_and_uploads_nothing(deployed):
    result = deployed.without_image
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("etlnb deploy:")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("etlnb deploy: check failed:"), errors[0]
    assert repr(deployed.variable) in errors[0] or deployed.variable in errors[0]
    assert f"prefect variable set {deployed.variable} " in errors[0]
    assert deployed.stored_after_failure == []
    assert deployed.registered_after_failure == (None, None)  # no deployment, no work pool


# --------------------------------------------------------------------------------------------
# 2. The Prefect Variable set with the command the error names


def test_after_prefect_variable_set_deploy_succeeds_with_that_image(deployed):
    assert deployed.set_variable.returncode == 0, deployed.set_variable.stdout + deployed.set_variable.stderr
    result = deployed.with_image
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"deployed {deployed.flow}/" in result.stdout
    assert deployed.pool_type == "kubernetes"
    assert deployed.deployment is not None
    assert deployed.deployment.job_variables["image"] == deployed.image
    assert deployed.deployment.job_variables.get("namespace") == deployed.namespace
    assert [p.name for p in deployed.storage.rglob("*.py")] == [f"{deployed.flow}.py"]
    # a pod has no etlnb: the stored code is checked by Prefect's shell step with plain Python
    steps = [next(iter(step)) for step in deployed.deployment.pull_steps]
    assert steps == ["prefect.deployments.steps.set_working_directory", "prefect.deployments.steps.run_shell_script"]


def test_deployment_holds_no_credentials(deployed):
    stored = deployed.deployment.model_dump(mode="json")
    assert credential_findings("deployment", stored) == []
    # and the check itself finds the credentials the user had in the deploy command's environment
    assert credential_findings("env", dict(FAKE_AWS)) != []


# --------------------------------------------------------------------------------------------
# 3. The Job the prefect-kubernetes worker would create for a flow run


def test_rendered_job_runs_the_flow_run_in_the_project_image(deployed):
    configuration, flow_run = deployed.render()
    manifest = configuration.job_manifest
    main = container(manifest)
    assert main["image"] == deployed.image
    assert main["args"] == ["prefect", "flow-run", "execute"]
    env = {item["name"]: item.get("value") for item in main["env"]}
    assert env["PREFECT__FLOW_RUN_ID"] == str(flow_run.id)
    assert env["PREFECT_API_URL"] == deployed.api_url
    assert env["PREFECT__DEPLOYMENT_ID"] == str(deployed.deployment.id)
    namespace = deployed.namespace or "default"
    assert manifest["metadata"]["namespace"] == namespace
    assert configuration.namespace == namespace  # where the worker creates the Job
    for labels in (manifest["metadata"]["labels"], manifest["spec"]["template"]["metadata"]["labels"]):
        assert labels["prefect.io/flow-run-id"] == str(flow_run.id)
        assert labels["prefect.io/deployment-name"] == deployed.deployment.name
        assert labels["prefect.io/work-pool-name"] == deployed.pool


def test_rendered_job_holds_no_credentials(deployed, monkeypatch):
    for name, value in FAKE_AWS.items():  # the worker's own environment has them too
        monkeypatch.setenv(name, value)
    configuration, _ = render_job(deployed.api_url, deployed.deployment.id)
    assert credential_findings("job", configuration.job_manifest) == []
    env_names = [item["name"] for item in container(configuration.job_manifest)["env"]]
    assert not [name for name in env_names if name.startswith("AWS_")]


# --------------------------------------------------------------------------------------------
# 4. The rendered manifest against the Kubernetes API models


def test_rendered_job_is_a_valid_kubernetes_job(deployed):
    configuration, _ = deployed.render()
    problems = set(job_problems(configuration.job_manifest))
    assert problems - TEMPLATE_QUIRKS == set()
    job = asyncio.run(_deserialize(configuration.job_manifest))
    assert job.spec.template.spec.containers[0].image == deployed.image
    assert job.metadata.namespace == (deployed.namespace or "default")


def _without(path: tuple):
    def change(manifest: dict) -> None:
        target = manifest
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


POD = ("spec", "template", "spec")
BROKEN = {
    "container without name": (_without((*POD, "containers", 0, "name")), "`name`"),
    "pod without containers": (_without((*POD, "containers")), "`containers`"),
    "job without template": (_without(("spec", "template")), "`template`"),
    "container without image": (_without((*POD, "containers", 0, "image")), "containers[0].image is required"),
    "misspelt field": (
        lambda m: container(m).update(imagePullPolcy=container(m).pop("imagePullPolicy")),
        "imagePullPolcy: unknown field of V1Container",
    ),
    "unrendered placeholder": (
        lambda m: m["spec"].update(backoffLimit="{{ backoff_limit }}"),
        "spec.backoffLimit: expected int",
    ),
    "env value not a string": (
        lambda m: container(m)["env"].append({"name": "RETRIES", "value": 2}),
        "value: expected str",
    ),
    "namespace not a DNS label": (
        lambda m: m["metadata"].update(namespace="ETL_prod"),
        "metadata.namespace: 'ETL_prod' is not a DNS label",
    ),
    "label value too long": (
        lambda m: m["metadata"]["labels"].update({"prefect.io/flow-name": "f" * 64}),
        "metadata.labels.prefect.io/flow-name: invalid value",
    ),
    "restartPolicy Always": (
        lambda m: m["spec"]["template"]["spec"].update(restartPolicy="Always"),
        "restartPolicy must be Never or OnFailure",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_validator_rejects_a_broken_manifest(deployed, case):
    configuration, _ = deployed.render()
    manifest = deepcopy(configuration.job_manifest)
    change, expected = BROKEN[case]
    change(manifest)
    problems = job_problems(manifest)
    assert any(expected in problem for problem in problems), problems
