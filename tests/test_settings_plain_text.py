"""Settings are plain text and never carry credentials (issue 26, classes 1, 2, 8, 10): Prefect
resolves `{{ ... }}` in what it stores, so a template in any setting is refused in one line, in
both targets; credentials in a storage URL or S3 endpoint are refused wherever they come from."""

from __future__ import annotations

import os
import shlex
import subprocess

import pytest

from etlnb.deploy.trigger import start_hint

from .conftest import PYTHON, make_notebook

CELLS = [("import json", ["imports"]), ("x = 1", ["extract"]), ("print(json.dumps(x))", ["load"])]

STRING_SETTINGS = [
    "project", "flow", "storage", "s3_endpoint_url", "work_pool", "image", "namespace",
    "deployment", "schedule", "dask_address", "dask_cluster_class",
]  # fmt: skip


def compile_with(tmp_path, table: str, target: str = "prefect3", env: dict | None = None):
    folder = tmp_path / "proj"
    folder.mkdir(exist_ok=True)
    (folder / "nb.ipynb").write_text(make_notebook(CELLS))
    (folder / "pyproject.toml").write_text("[tool.etlnb]\n" + table)
    return subprocess.run(
        [PYTHON, "-m", "etlnb", "compile", "nb.ipynb", "-o", str(tmp_path / "build"), "--target", target],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


def assert_refused_in_one_line(done, *words):
    assert done.returncode != 0, done.stdout
    first = done.stderr.splitlines()[0]
    assert "Traceback" not in done.stderr and all(w in first for w in words), done.stderr


@pytest.mark.parametrize("key", STRING_SETTINGS)
@pytest.mark.parametrize("mark", ["{{ prefect.blocks.secret.s }}", "x }}", "{% if %}"])
def test_a_template_in_any_string_setting_is_refused(tmp_path, key, mark):
    value = mark if key != "schedule" else f"0 6 * * * {mark}"
    done = compile_with(tmp_path, f"{key} = {value!r}\n".replace("'", '"'))
    assert_refused_in_one_line(done, key)
    assert not (tmp_path / "build").exists()


@pytest.mark.parametrize(
    "table",
    [
        'tags = ["ok", "{{ prefect.variables.v }}"]\n',
        'dask_cluster_kwargs = {n_workers = 1, name = "{{ x }}"}\n',
        'tags = ["a\\nb"]\n',
    ],
)
def test_templates_and_line_breaks_inside_lists_and_tables_are_refused(tmp_path, table):
    assert_refused_in_one_line(compile_with(tmp_path, table), "pyproject.toml")


@pytest.mark.parametrize("target", ["prefect3", "prefect1"])
@pytest.mark.parametrize(
    ("table", "env"),
    [
        ('storage = "s3://KEY:SECRET@bucket/prefix"\n', None),
        ('s3_endpoint_url = "http://user:PASS@minio:9000"\n', None),
        ("", {"ETLNB_S3_ENDPOINT_URL": "http://user:PASS@minio:9000"}),
    ],
)
def test_credentials_in_addresses_are_refused_by_every_target(tmp_path, target, table, env):
    done = compile_with(tmp_path, table, target, env)
    assert_refused_in_one_line(done, "credentials")
    assert "PASS" not in done.stderr and "SECRET" not in done.stderr  # not even echoed back
    written = [p.read_text() for p in (tmp_path / "build").rglob("*") if p.is_file()]
    assert not any("SECRET" in text or "PASS" in text for text in written)


@pytest.mark.parametrize(
    ("table", "env"),
    [
        ('storage = "s3://[x/y"\n', None),
        ("", {"ETLNB_S3_ENDPOINT_URL": "http://[::1"}),
        ('storage = "s3://b:x9/p"\n', None),
    ],
)
def test_unparseable_addresses_get_one_line_not_an_internal_error(tmp_path, table, env):
    done = compile_with(tmp_path, table, env=env)
    assert_refused_in_one_line(done, "is not a valid address")
    assert "internal error" not in done.stderr


@pytest.mark.parametrize("pool", ["etl;touch X", "a b", "$(id)", "pool'quote"])
def test_worker_hints_quote_the_pool_as_a_shell_reads_it(pool):
    for kind in ("process", "kubernetes"):
        command = start_hint(pool, kind).split("`")[1]
        words = shlex.split(command)
        assert words[words.index("--pool") + 1] == pool


def test_nested_settings_are_refused_before_they_reach_the_script(tmp_path):
    deep = "{a = " * 30 + "1" + "}" * 30
    done = compile_with(tmp_path, f'task_runner = "dask"\ndask_cluster_kwargs = {deep}\n')
    assert_refused_in_one_line(done, "dask_cluster_kwargs is nested deeper than")
    assert "internal error" not in done.stderr


@pytest.mark.parametrize("role", ["parameters", "sample"])
def test_deeply_nested_parameter_values_get_one_line_at_their_cell(tmp_path, role):
    deep = "[" * 120 + "1" + "]" * 120
    cells = [CELLS[0], ("deep = 1" if role == "sample" else f"deep = {deep}", ["parameters"])]
    if role == "sample":
        cells.append((f"deep = {deep}", ["sample"]))
    cells += [("x = deep", ["extract"]), ("print(x)", ["load"])]
    notebook = tmp_path / "deep.ipynb"
    notebook.write_text(make_notebook(cells))
    done = subprocess.run(
        [PYTHON, "-m", "etlnb", "compile", str(notebook), "-o", str(tmp_path / "b")], capture_output=True, text=True
    )
    cell = 3 if role == "sample" else 2
    assert_refused_in_one_line(done, f"cell {cell} (id=c{cell - 1}): line 1: error:", "nested deeper than 50 levels")


@pytest.mark.parametrize(
    ("home", "says"), [("~nouser_xyz/x", "home folder of a user"), ("/tmp/" + "x" * 300 + "/h", "not usable")]
)
def test_an_unusable_etlnb_home_is_one_line(tmp_path, home, says):
    done = subprocess.run(
        [PYTHON, "-m", "etlnb", "server", "status"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "ETLNB_HOME": home},
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    assert says in done.stderr.splitlines()[0]
