"""`etlnb deploy --target prefect1`: Prefect 1's own CLI, in the Prefect 1 venv.

Prefect 1 cannot be imported next to Prefect 3, so etlnb runs `prefect build` (which
uploads the script to the flow's storage and writes flows.json) and then `prefect register
--json` (one GraphQL call per flow) as subprocesses of `.venv-prefect1`. Upload first,
register second, as for Prefect 3: a failed build registers nothing. With no Prefect 1
backend configured, it prints exactly these commands instead.

With storage_key = "versioned" the script's S3 key names its version (etlnb.deploy.storage's
definition), so every registered flow version keeps its own script; `--version V` (rollback)
downloads stored version V, checks it hashes to V, and builds and registers that script.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etlnb.deploy.progress import DeployError
from etlnb.targets.prefect1.emit import s3_key, s3_location, versioned_key

# Prefect 1 reads its backend from these (or from ~/.prefect/backend.toml, `prefect backend ...`);
# only their presence is checked, never their values
BACKEND_ENV = ("PREFECT__BACKEND", "PREFECT__SERVER__ENDPOINT", "PREFECT__CLOUD__API", "PREFECT__CLOUD__API_KEY")
VENV = ".venv-prefect1"


@dataclass
class Prefect1Result:
    flow: str
    project: str
    script: Path
    commands: list[list[str]]
    registered: bool = False
    flow_id: str = ""
    version: str = ""  # Prefect 1's own flow version number
    code: str = ""  # where runs load the script: s3://bucket/key
    code_version: str = ""  # the content version a versioned key names ("" with the fixed key)
    rollback: bool = False  # a stored version registered again (--version)
    notes: list[str] = field(default_factory=list)
    run_config: str = "LocalRun"  # KubernetesRun for work_pool_type = "kubernetes"
    storage: str = ""  # where flow runs load the script from: s3://bucket/key, or Local: the script
    labels: list[str] = field(default_factory=list)  # the run config's labels (as built, once registered)
    labels_built: bool = False  # labels read from `prefect build`'s flows.json (storage labels included)
    skipped: bool = False  # `prefect register` skipped it: that exact flow is registered already
    image: str = ""  # KubernetesRun's image as `prefect build` resolved it (base_image())

    target = "prefect1"

    def report(self) -> str:
        """What `etlnb deploy` prints: the summary, then which agent runs the flow."""
        return f"{self.summary()}\n{self.agent_line()}"

    def summary(self) -> str:
        if not self.registered:
            wrote = f"downloaded stored version {self.code_version} to" if self.rollback else "wrote"
            lines = [
                f"{wrote} {self.script} (Prefect 1); no Prefect 1 backend is configured, so nothing was registered.",
                "Build (uploads the script to the flow's storage) and register it with Prefect 1's CLI:",
            ]
            lines += ["  " + c for c in self.command_lines()]
            if self.code_version:
                lines.append(f"  (code version {self.code_version}: prefect build uploads it to {self.code})")
            return "\n".join(lines + self.notes)
        if self.skipped:
            head = (
                f"Prefect 1 flow {self.flow} in project {self.project} is registered already with this exact"
                " metadata (prefect register skipped it)"
            )
        else:
            head = f"registered Prefect 1 flow {self.flow} in project {self.project} (id {self.flow_id}, version {self.version})"
        lines = [head, f"  script    {self.script}"]
        if self.code_version:
            lines.append(f"  code      {self.code_version}{' (rollback)' if self.rollback else ''}  {self.code}")
        else:
            lines.append(f"  code      {self.storage}")
        return "\n".join(lines + self.notes)

    def image_text(self) -> str:
        """KubernetesRun's image, as registered ("" for LocalRun: the agent's own environment)."""
        if self.run_config != "KubernetesRun":
            return ""
        return self.image or "none: the agent's job template image, else prefecthq/prefect"

    def command_lines(self) -> list[str]:
        return [shlex.join(c) for c in self.commands]

    def agent_line(self) -> str:
        """Which Prefect 1 agent runs this flow: one of the run config's kind (a LocalAgent runs
        LocalRun, a KubernetesAgent KubernetesRun) whose labels include all of the flow's labels."""
        kind, start = (
            ("Kubernetes", "prefect agent kubernetes start")
            if self.run_config == "KubernetesRun"
            else ("local", "prefect agent local start")
        )
        command = shlex.join([*start.split(), *[a for label in self.labels for a in ("--label", label)]])
        if self.labels_built:
            has = f"with the flow's labels [{', '.join(self.labels)}]" if self.labels else "(the flow has no labels)"
            return f"runs need a Prefect 1 {kind} agent {has}: `{command}`"
        configured = f"[{', '.join(self.labels)}]" if self.labels else "none configured"
        local = (
            " plus this machine's hostname (Local storage adds it by default)"
            if self.storage.startswith("Local")
            else ""
        )
        return f"runs will need a Prefect 1 {kind} agent with the flow's labels: {configured}{local}"

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON data (the JupyterLab panel's)."""
        return {
            "target": self.target,
            "flow": self.flow,
            "project": self.project,
            "script": str(self.script),
            "registered": self.registered,
            "skipped": self.skipped,
            "flow_id": self.flow_id,
            "version": self.version,
            "code_version": self.code_version,
            "rollback": self.rollback,
            "commands": self.command_lines(),
            "notes": [n.strip() for n in self.notes],
            "run_config": self.run_config,
            "storage": self.storage,
            "labels": list(self.labels),
            "image": self.image_text(),
            "agent": self.agent_line(),
        }


def nothing_registered(step: str, settings: Any = None) -> str:
    """What a failed Prefect 1 deploy left. `prefect register` failed or never ran, so there is no
    new flow version; but where runs of the registered flow load their script may already hold
    the new code: Local storage runs build/'s script (compile rewrote it), and the fixed S3 key is
    overwritten by `prefect build`. Said as it is, never "unchanged" when it is not."""
    if settings is not None and s3_location(settings.storage) is None:
        return (
            "nothing was registered, but runs of an already registered flow load build/'s script (Local"
            " storage), which now holds this code"
        )
    if settings is not None and versioned_key(settings):
        return "nothing was registered; the registered flow is unchanged (each version's script has its own S3 key)"
    if step == "register" or (step == "upload" and settings is not None):
        built = "had replaced" if step == "register" else "may have replaced"
        return (
            f"nothing was registered, but prefect build {built} the script at the fixed S3 key that runs of the"
            ' registered flow load; storage_key = "versioned" gives each version its own'
        )
    return "nothing was registered; the registered flow is unchanged"


def prefect1_python(root: Path) -> Path | None:
    """The Prefect 1 venv's python: $ETLNB_PREFECT1_PYTHON, else .venv-prefect1 in the project or etlnb's checkout."""
    if os.environ.get("ETLNB_PREFECT1_PYTHON"):
        return Path(os.environ["ETLNB_PREFECT1_PYTHON"])
    for folder in (root, Path(__file__).resolve().parents[3]):
        candidate = folder / VENV / "bin" / "python"
        if candidate.exists():
            return candidate
    return None


def backend_configured() -> bool:
    home = Path(os.environ.get("PREFECT__HOME_DIR", "~/.prefect")).expanduser()
    return any(os.environ.get(k) for k in BACKEND_ENV) or (home / "backend.toml").exists()


def commands(prefect: str, script: Path, project: str) -> list[list[str]]:
    flows_json = script.with_name(f"{script.stem}.flows.json")
    return [
        [prefect, "build", "-p", str(script), "-o", str(flows_json)],
        [prefect, "register", "--json", str(flows_json), "--project", project],
    ]


def _last_lines(text: str, count: int = 3) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip() and not ln.startswith("Traceback")]
    return " / ".join(lines[-count:]) or "no output"


def _settings(compiled: Any, result: Prefect1Result) -> None:
    """Run config, storage and labels as the script sets them (from the same settings)."""
    settings = compiled.settings
    result.run_config = "KubernetesRun" if settings.work_pool_type == "kubernetes" else "LocalRun"
    result.labels = list(settings.tags or ())
    result.image = settings.image or ""
    # where runs load the script: its S3 key (with its version, for versioned keys), or Local's path
    result.storage = result.code or f"Local: {result.script}"


def _built(flows_json: Path, result: Prefect1Result) -> None:
    """What `prefect build` wrote: the run config's labels (storage labels included) and type."""
    try:
        (flow,) = json.loads(flows_json.read_text(encoding="utf-8"))["flows"]
        run_config = flow["run_config"]
        result.labels = sorted(str(label) for label in run_config.get("labels") or [])
        result.run_config = str(run_config.get("type") or result.run_config)
        result.image = str(run_config.get("image") or "")
        result.labels_built = True
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # the labels configured stay: said as "will need"


def versions_problem(settings: Any, what: str = "--version (rollback) with target = prefect1") -> str | None:
    """Why this Prefect 1 flow's storage keeps no versions (for `what`); None when it does."""
    if s3_location(settings.storage) is None:
        return (
            f'{what} needs S3 storage (storage = "s3://bucket/prefix") and'
            ' storage_key = "versioned": Prefect 1\'s Local storage runs build/<project>/<flow>.py and keeps no versions'
        )
    if not versioned_key(settings):
        return (
            f'{what} needs storage_key = "versioned" in [tool.etlnb]: with the fixed key'
            " every registration overwrites the one stored script, so no earlier version is kept"
        )
    return None


def _download(compiled: Any, root: Path, version: str) -> Path:
    """Stored version `version`, verified, written beside the current script (never over it)."""
    from etlnb.deploy.storage import StorageError, is_version, open_storage
    from etlnb.targets.common import flat_literal

    settings = compiled.settings
    project, flow = compiled.analysis.project, compiled.analysis.flow_name
    if (problem := versions_problem(settings)) is not None:
        raise DeployError("check", problem)
    if not is_version(version):
        raise DeployError(
            "check", f"--version {version!r} is not a version: give one of the hashes `etlnb versions` lists"
        )
    try:
        storage = open_storage(settings.storage_url(root), settings.s3_endpoint_url)
        (data,) = storage.verified(project, flow, version, "prefect1").values()
    except StorageError as exc:
        raise DeployError("check", str(exc)) from None
    bucket, _ = s3_location(settings.storage) or ("", "")
    where = f"bucket={flat_literal(bucket)}, key={flat_literal(s3_key(settings, project, flow, version))}, "
    if where.encode() not in data:  # a version copied from elsewhere would build to another place
        raise DeployError(
            "check", f"stored version {version} of {project}/{flow} names another S3 location than {where}"
        )
    path = compiled.path.resolve().with_name(f"{flow}.{version}.py")
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        staged.write_bytes(data)
        staged.replace(path)
    finally:
        staged.unlink(missing_ok=True)
    return path


def deploy(compiled: Any, root: Path, progress: Any, version: str | None = None) -> Prefect1Result:
    """Build and register a compiled Prefect 1 script (compile has run and written it), or with
    `version` (rollback) stored version `version`, leaving build/ as it is until that registered."""
    project, flow = compiled.analysis.project, compiled.analysis.flow_name
    settings = compiled.settings
    versioned = versioned_key(settings)
    with progress.step("check"):
        script = compiled.path.resolve() if version is None else _download(compiled, root, version)
        python = prefect1_python(root)
        prefect = str(python.parent / "prefect") if python is not None else f"{VENV}/bin/prefect"
        shown = compiled.path if version is None else script
        result = Prefect1Result(flow, project, shown, commands(prefect, script, project))
        result.rollback = version is not None
        result.code_version = (version or compiled.sha) if versioned else ""
        if (location := s3_location(settings.storage)) is not None:
            result.code = f"s3://{location[0]}/{s3_key(settings, project, flow, version or compiled.sha)}"
        _settings(compiled, result)
        if version is not None:
            result.notes.append(f"  ({compiled.path} is unchanged until this version is registered)")
        if python is None:
            result.notes.append(f"  (create {VENV} first: ./scripts/setup-prefect1 in etlnb's checkout)")
        if python is None or not backend_configured():
            return result
    flows_json = Path(result.commands[0][-1])
    try:
        _build_and_register(result, script, settings, progress)
    except BaseException:
        if version is not None:  # nothing half-deployed: build/ keeps the current script
            script.unlink(missing_ok=True)
            flows_json.unlink(missing_ok=True)
        raise
    if version is not None:  # build/ mirrors what was registered last
        current = compiled.path.resolve()
        os.replace(script, current)
        os.replace(flows_json, current.with_name(f"{current.stem}.flows.json"))
        result.script = compiled.path
        result.notes.clear()
    return result


def _build_and_register(result: Prefect1Result, script: Path, settings: Any, progress: Any) -> None:
    project, flow = result.project, result.flow
    prefect = result.commands[0][0]
    build, register = result.commands
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the Prefect 3 venv's paths must not leak into Prefect 1's
    with progress.step("upload", "prefect build (uploads the script to the flow's storage)"):
        done = subprocess.run(build, capture_output=True, text=True, env=env, cwd=script.parent, timeout=600)
        if done.returncode != 0:
            raise DeployError("upload", f"prefect build failed: {_last_lines(done.stdout + done.stderr)}")
        if result.code_version:  # read back: register only what is really stored under its version
            from etlnb.deploy.storage import StorageError, open_storage

            try:
                storage = open_storage(settings.storage, settings.s3_endpoint_url)  # versioned: always S3
                storage.verified(project, flow, result.code_version, "prefect1")
            except StorageError as exc:
                raise DeployError("upload", str(exc)) from None
    _built(Path(build[-1]), result)
    with progress.step("register", f"{flow} in Prefect 1 project {project}"):
        done = subprocess.run(register, capture_output=True, text=True, env=env, cwd=script.parent, timeout=300)
        output = done.stdout + done.stderr
        if done.returncode != 0:
            hint = f"; create it with `{prefect} create project {project}`" if "does not exist" in output else ""
            raise DeployError("register", f"prefect register failed: {_last_lines(output)}{hint}")
    found_id = re.search(r"ID: (\S+)", output)
    found_version = re.search(r"Version: (\S+)", output)
    result.registered = True
    result.skipped = found_id is None and "Skipped (metadata unchanged)" in output
    result.flow_id = found_id[1] if found_id else "?"
    result.version = found_version[1] if found_version else "?"
