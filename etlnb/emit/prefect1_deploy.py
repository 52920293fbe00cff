"""`etlnb deploy --target prefect1`: Prefect 1's own CLI, in the Prefect 1 venv.

Prefect 1 cannot be imported next to Prefect 3, so etlnb runs `prefect build` (which
uploads the script to the flow's storage and writes flows.json) and then `prefect register
--json` (one GraphQL call per flow) as subprocesses of `.venv-prefect1`. Upload first,
register second, as for Prefect 3: a failed build registers nothing. With no Prefect 1
backend configured, it prints exactly these commands instead.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    version: str = ""
    notes: list[str] = field(default_factory=list)

    def report(self) -> str:
        if not self.registered:
            lines = [
                f"wrote {self.script} (Prefect 1); no Prefect 1 backend is configured, so nothing was registered.",
                "Build (uploads the script to the flow's storage) and register it with Prefect 1's CLI:",
            ]
            lines += ["  " + shlex.join(c) for c in self.commands]
            return "\n".join(lines + self.notes)
        head = f"registered Prefect 1 flow {self.flow} in project {self.project} (id {self.flow_id}, version {self.version})"
        return "\n".join([head, f"  script    {self.script}", *self.notes])


def prefect1_python(root: Path) -> Path | None:
    """The Prefect 1 venv's python: $ETLNB_PREFECT1_PYTHON, else .venv-prefect1 in the project or etlnb's checkout."""
    if os.environ.get("ETLNB_PREFECT1_PYTHON"):
        return Path(os.environ["ETLNB_PREFECT1_PYTHON"])
    for folder in (root, Path(__file__).resolve().parents[2]):
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


def deploy(compiled: Any, root: Path, progress: Any, error: type[Exception]) -> Prefect1Result:
    """Build and register a compiled Prefect 1 script (compile has run and written it)."""
    project, flow = compiled.analysis.project, compiled.analysis.flow_name
    script = compiled.path.resolve()
    with progress.step("check"):
        python = prefect1_python(root)
        prefect = str(python.parent / "prefect") if python is not None else f"{VENV}/bin/prefect"
        result = Prefect1Result(flow, project, compiled.path, commands(prefect, script, project))
        if python is None:
            result.notes.append(f"  (create {VENV} first: ./scripts/setup-prefect1 in etlnb's checkout)")
        if python is None or not backend_configured():
            return result
    build, register = result.commands
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the Prefect 3 venv's paths must not leak into Prefect 1's
    with progress.step("upload", "prefect build (uploads the script to the flow's storage)"):
        done = subprocess.run(build, capture_output=True, text=True, env=env, cwd=script.parent, timeout=600)
        if done.returncode != 0:
            raise error("upload", f"prefect build failed: {_last_lines(done.stdout + done.stderr)}")
    with progress.step("register", f"{flow} in Prefect 1 project {project}"):
        done = subprocess.run(register, capture_output=True, text=True, env=env, cwd=script.parent, timeout=300)
        output = done.stdout + done.stderr
        if done.returncode != 0:
            hint = f"; create it with `{prefect} create project {project}`" if "does not exist" in output else ""
            raise error("register", f"prefect register failed: {_last_lines(output)}{hint}")
    found_id = re.search(r"ID: (\S+)", output)
    found_version = re.search(r"Version: (\S+)", output)
    result.registered = True
    result.flow_id = found_id[1] if found_id else "?"
    result.version = found_version[1] if found_version else "?"
    return result
