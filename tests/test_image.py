"""`etlnb image NOTEBOOK|PROJECT`: the base image files of a project, as a user meets them.

Each test copies the demo project `weather` into a temporary project root and runs
`etlnb.deploy.image.main` in a subprocess from there.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import NOTEBOOKS, PYTHON, REPO

MAIN = "import sys; from etlnb.deploy.image import main; sys.exit(main(sys.argv[1]))"
PY = f"{sys.version_info.major}.{sys.version_info.minor}"
MISSING = "etlnb_no_such_module"


def installed(name: str) -> str:
    return importlib.metadata.version(name)


def image(cwd: Path, target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "-c", MAIN, target], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A project root (pyproject.toml) holding a copy of notebooks/weather."""
    repo = tmp_path / "repo"
    shutil.copytree(
        NOTEBOOKS / "weather", repo / "notebooks" / "weather", ignore=shutil.ignore_patterns("out", ".ipynb_*")
    )
    (repo / "pyproject.toml").write_text('[project]\nname = "demo"\n', encoding="utf-8")
    return repo


def notebook(root: Path) -> Path:
    return root / "notebooks" / "weather" / "weather.ipynb"


def add_cell(root: Path, source: str, tags: list[str], after_tag: str = "imports") -> int:
    """Insert a code cell after the first cell tagged `after_tag`; returns its index."""
    path = notebook(root)
    data = json.loads(path.read_text(encoding="utf-8"))
    index = next(i for i, c in enumerate(data["cells"]) if after_tag in c.get("metadata", {}).get("tags", [])) + 1
    cell = {"cell_type": "code", "id": f"added-{index}", "metadata": {"tags": tags}, "source": source}
    data["cells"].insert(index, cell | {"outputs": [], "execution_count": None})
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return index


def pins(root: Path, project: str = "weather") -> list[str]:
    text = (root / "images" / project / "requirements.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def tag_of(stdout: str) -> str:
    found = set(re.findall(r"REGISTRY/etlnb-weather:([0-9a-f]+)\b", stdout))
    assert len(found) == 1, stdout
    return found.pop()


# -- the demo project -----------------------------------------------------------------------------


def test_weather_pins_pandas_prefect_and_prefect_aws_to_the_installed_versions(root: Path) -> None:
    result = image(root, "weather")
    assert result.returncode == 0, result.stderr
    assert pins(root) == [
        f"pandas=={installed('pandas')}",
        f"prefect=={installed('prefect')}",
        f"prefect-aws=={installed('prefect-aws')}",
    ]
    names = {line.split("==")[0] for line in pins(root)}
    assert not names & set(sys.stdlib_module_names)  # json, os, urllib are imported too
    text = (root / "images" / "weather" / "requirements.txt").read_text(encoding="utf-8")
    assert text.startswith("# "), text  # a header says what the file is


def test_dockerfile_starts_from_the_prefect_image_and_installs_the_requirements(root: Path) -> None:
    assert image(root, "weather").returncode == 0
    dockerfile = (root / "images" / "weather" / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in dockerfile.splitlines() if line and not line.startswith("#")]
    assert lines[0] == f"FROM prefecthq/prefect:{installed('prefect')}-python{PY}"
    assert any(line.startswith("COPY requirements.txt ") for line in lines), dockerfile
    assert re.search(r"^RUN pip install .*-r \S*requirements\.txt$", dockerfile, re.M), dockerfile
    assert "{{" not in dockerfile


def test_prints_build_push_and_prefect_variable_commands(root: Path) -> None:
    result = image(root, "weather")
    assert result.returncode == 0, result.stderr
    tag = tag_of(result.stdout)
    ref = f"REGISTRY/etlnb-weather:{tag}"
    assert f"docker build -t {ref} images/weather && docker push {ref}" in result.stdout
    assert f"prefect variable set weather_base_image {ref} --overwrite" in result.stdout


def test_variable_name_follows_the_image_variable_setting(root: Path) -> None:
    (root / "pyproject.toml").write_text('[tool.etlnb]\nimage_variable = "meteo_image"\n', encoding="utf-8")
    result = image(root, "weather")
    assert result.returncode == 0, result.stderr
    assert f"prefect variable set meteo_image REGISTRY/etlnb-weather:{tag_of(result.stdout)} --overwrite" in (
        result.stdout
    )


def test_notebook_path_and_project_name_write_the_same_files_under_the_project_root(root: Path) -> None:
    by_name = image(root, "weather")
    assert by_name.returncode == 0, by_name.stderr
    first = {p.name: p.read_bytes() for p in (root / "images" / "weather").iterdir()}
    shutil.rmtree(root / "images")
    elsewhere = root.parent / "elsewhere"
    elsewhere.mkdir()
    by_path = image(elsewhere, str(notebook(root)))
    assert by_path.returncode == 0, by_path.stderr
    assert {p.name: p.read_bytes() for p in (root / "images" / "weather").iterdir()} == first
    assert sorted(first) == ["Dockerfile", "requirements.txt"]
    assert list(elsewhere.iterdir()) == []
    assert tag_of(by_path.stdout) == tag_of(by_name.stdout)  # same pins, same tag


def test_tag_changes_when_the_pins_change(root: Path) -> None:
    before = image(root, "weather")
    add_cell(root, "import yaml", ["imports"])
    after = image(root, "weather")
    assert before.returncode == after.returncode == 0, after.stderr
    assert f"pyyaml=={installed('PyYAML')}" in pins(root)
    assert tag_of(before.stdout) != tag_of(after.stdout)


# -- which imports count --------------------------------------------------------------------------


def test_an_import_no_distribution_provides_is_a_one_line_error(root: Path) -> None:
    index = add_cell(root, f"import json\nfrom {MISSING}.sub import thing", ["functions"])
    result = image(root, "weather")
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "weather.ipynb" in lines[0]
    assert f"cell {index + 1} " in lines[0]  # 1-based, as JupyterLab counts
    assert "line 2" in lines[0]
    assert f"{MISSING}.sub" in lines[0]
    assert not (root / "images").exists()  # nothing half-written


def test_imports_of_cells_the_flow_leaves_out_do_not_count(root: Path) -> None:
    add_cell(root, f"import {MISSING}", [])  # exploration
    add_cell(root, f"import {MISSING}", ["skip"])
    result = image(root, "weather")
    assert result.returncode == 0, result.stderr
    assert [line.split("==")[0] for line in pins(root)] == ["pandas", "prefect", "prefect-aws"]


def test_imports_inside_functions_count_and_optional_missing_ones_do_not(root: Path) -> None:
    source = (
        "def dump(rows):\n"
        "    import yaml\n"
        "    return yaml.safe_dump(rows)\n"
        "\n"
        "try:\n"
        f"    import {MISSING} as fast_json\n"
        "except ImportError:\n"
        "    fast_json = None\n"
    )
    add_cell(root, source, ["functions"])
    result = image(root, "weather")
    assert result.returncode == 0, result.stderr
    assert f"pyyaml=={installed('PyYAML')}" in pins(root)
    assert not any(MISSING in line for line in pins(root))


def test_extra_requirements_are_pinned_too(root: Path) -> None:
    extras = root / "images" / "weather" / "extra-requirements.txt"
    extras.parent.mkdir(parents=True)
    extras.write_text("# read_parquet needs it, nothing imports it\npyarrow\n", encoding="utf-8")
    result = image(root, "weather")
    assert result.returncode == 0, result.stderr
    assert f"pyarrow=={installed('pyarrow')}" in pins(root)

    extras.write_text(f"{MISSING.replace('_', '-')}\n", encoding="utf-8")
    result = image(root, "weather")
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "extra-requirements.txt" in result.stderr and MISSING.replace("_", "-") in result.stderr


# -- targets and templates ------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["nosuchproject", "notebooks/weather/nosuch.ipynb"])
def test_unknown_target_is_a_one_line_error(root: Path, target: str) -> None:
    result = image(root, target)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and target in lines[0], result.stderr
    assert not (root / "images").exists()


def test_the_project_template_is_used_and_the_shipped_one_matches_the_default(root: Path) -> None:
    assert image(root, "weather").returncode == 0
    default = (root / "images" / "weather" / "Dockerfile").read_text(encoding="utf-8")
    shutil.copy(REPO / "images" / "Dockerfile.template", root / "images" / "Dockerfile.template")
    assert image(root, "weather").returncode == 0
    assert (root / "images" / "weather" / "Dockerfile").read_text(encoding="utf-8") == default

    custom = "FROM prefecthq/prefect:{{ prefect_version }}-python{{ python_version }}\nRUN echo {{ project }}\n"
    (root / "images" / "Dockerfile.template").write_text(custom, encoding="utf-8")
    assert image(root, "weather").returncode == 0
    dockerfile = (root / "images" / "weather" / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile == f"FROM prefecthq/prefect:{installed('prefect')}-python{PY}\nRUN echo weather\n"


# -- the requirements resolve ---------------------------------------------------------------------


@pytest.mark.integration
def test_requirements_are_accepted_by_pip_in_a_clean_venv(root: Path, tmp_path: Path) -> None:
    assert image(root, "weather").returncode == 0
    venv = tmp_path / "venv"
    subprocess.run([PYTHON, "-m", "venv", str(venv)], check=True, timeout=300)
    requirements = root / "images" / "weather" / "requirements.txt"
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--dry-run", "-r", str(requirements)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    would_install = next(line for line in result.stdout.splitlines() if line.startswith("Would install "))
    chosen = dict(token.rsplit("-", 1) for token in would_install.split()[2:])
    chosen = {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in chosen.items()}
    for name in ("pandas", "prefect", "prefect-aws"):
        assert chosen.get(name) == installed(name), would_install
