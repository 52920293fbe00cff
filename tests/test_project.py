"""The project skeleton stays consistent: pins, environment.yml, layout."""

from __future__ import annotations

import re
import tomllib

import yaml

from .conftest import REPO


def _constraints() -> dict[str, str]:
    pins = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def _direct_dependencies() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    names = set()
    for req in reqs:
        name = re.split(r"[<>=!\[; ]", req, maxsplit=1)[0].lower().replace("_", "-")
        if name != "etlnb":
            names.add(name)
    return names


def test_environment_yml_pins_every_direct_dependency_as_constraints_does():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    pinned = {}
    for line in pip_section:
        if "==" in line:
            name, version = line.split("==")
            pinned[name.lower().replace("_", "-")] = version
    constraints = _constraints()
    assert set(pinned) == _direct_dependencies()
    for name, version in pinned.items():
        assert constraints.get(name) == version, (
            f"{name}: environment.yml {version}, constraints.txt {constraints.get(name)}"
        )
    assert "-e ." in pip_section
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python == "python=3.11"


def test_prefect_and_fastapi_are_pinned_to_the_tested_working_set():
    constraints = _constraints()
    assert constraints["prefect"] == "3.8.8"
    major, minor, *_ = (int(x) for x in constraints["fastapi"].split("."))
    assert (major, minor) < (0, 151)


def test_layout_has_the_designed_top_level_folders():
    for folder in ("etlnb", "notebooks", "kernels", "images", "tests", "benchmarks"):
        assert (REPO / folder).is_dir(), folder
    for project in (REPO / "notebooks").iterdir():
        if project.is_dir():
            assert (project / "samples").is_dir(), f"{project.name} has no samples/"


def test_importing_prefect_and_nbformat_builds_no_iri_grammars():
    """The working set keeps jsonschema below 4.24: from 4.24 it imports rfc3987-syntax, whose ~35
    Lark parsers are built on import, 1.3-2.5 s in every flow run, parity and papermill process."""
    import subprocess
    import sys

    probe = "import sys, prefect, nbformat.validator; print(sorted(m for m in ('rfc3987_syntax', 'lark') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout
    assert "rfc3987-syntax" not in _constraints()
