"""prefect.yaml is data whatever the strings hold: `yaml.safe_load` (PyYAML, what `prefect deploy`
reads it with) gives back exactly the values etlnb wrote, and `prefect deploy --all` registers them."""

from __future__ import annotations

import json
import math
import os
import subprocess

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from etlnb.targets.prefect3.prefect_yaml import dump, render

from .conftest import PYTHON, make_notebook

HOSTILE = [
    "say \"hi\" and 'bye'",
    "key: value",
    "a # not a comment",
    "line one\nline two\r\nthree",
    "{{ prefect.variables.x }}",
    "{{ prefect.blocks.secret.s }}",
    "ünïcødé ½ ﬁle 😀 中文",
    "del\x7fchar",
    "c1\x80\x9bcontrols\x9f",
    "nel\x85break",
    "ls\u2028ps\u2029",
    "bom\ufeff and \ufffe\uffff",
    "*alias",
    "&anchor",
    "!tag",
    "!!python/object:os.system",
    "- list item",
    "? complex key",
    "|",
    ">",
    "%YAML 1.1",
    "---",
    "...",
    "@at",
    "`tick",
    "null",
    "~",
    "yes",
    "on",
    "0x1f",
    "1e3",
    "2026-01-01",
    "",
    " leading and trailing ",
    "tab\there",
    "back\\slash \\n \\u0041 \\x41 \\N",
    "\x00nul\x01\x1b[31mansi",
    "lone \ud800 surrogate",
]


@pytest.mark.parametrize("text", HOSTILE, ids=[json.dumps(t)[:40] for t in HOSTILE])
def test_prefect_yaml_reads_back_every_hostile_string_unchanged(text):
    pull = {"prefect.deployments.steps.set_working_directory": {"directory": f"/store/{text}"}}
    written = render(
        project=text,
        deployment=text,
        entrypoint=f"{text}.py:flow",
        pull_steps=[pull],
        work_pool=text,
        job_variables={"image": text, text: [text, {text: text}]},
        schedule=text,
        tags=[text, "etl", text + text],
        version=text,
    )

    document = yaml.safe_load(written)

    assert document["name"] == text
    assert document["pull"] == [pull]
    (deployment,) = document["deployments"]
    assert deployment == {
        "name": text,
        "version": text,
        "entrypoint": f"{text}.py:flow",
        "tags": [text, "etl", text + text],
        "parameters": {},
        "work_pool": {"name": text, "job_variables": {"image": text, text: [text, {text: text}]}},
        **({"schedules": [{"cron": text}]} if text else {}),  # an empty schedule is no schedule
    }
    assert written.encode("utf-8")  # writable as UTF-8 (no raw surrogate)


def test_interval_schedule_and_no_schedule():
    def deployment(schedule):
        text = render("p", "d", "f.py:f", {}, "pool", {}, schedule, [], "v")
        return yaml.safe_load(text)["deployments"][0]

    assert deployment(3600)["schedules"] == [{"interval": 3600}]
    assert "schedules" not in deployment(None)


# any JSON-like value prefect.yaml could carry: all of Unicode (surrogates too), every number
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(st.characters(codec=None, exclude_categories=()), max_size=30)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=()), max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(values)
def test_any_value_round_trips_through_safe_load(value):
    document = {"deployments": [{"job_variables": value, "tags": [value] if isinstance(value, str) else []}]}

    assert yaml.safe_load(dump(document)) == document


def test_nan_is_still_nan():
    (loaded,) = yaml.safe_load(dump([math.nan]))
    assert math.isnan(loaded)


@pytest.mark.integration
def test_prefect_deploy_all_registers_what_the_generated_prefect_yaml_says(tmp_path, prefect_server):
    """`prefect deploy --all` in the build folder (as the README says) reads etlnb's prefect.yaml,
    hostile tags included, and registers the same name, version, tags and schedule."""
    from etlnb.pipeline import compile_file, write

    tags = ['say "hi"', "a: b # c", "ünï ½ 😀", "*star", "- dash", "? q", "!bang", "&amp"]
    (tmp_path / "pyproject.toml").write_text(
        "[tool.etlnb]\n"
        f"tags = {json.dumps(tags, ensure_ascii=False)}\n"
        'schedule = "5 4 * * *"\n'
        'work_pool = "yaml-pool"\n'
        f'storage = "{tmp_path / "store"}"\n'
    )
    nb = tmp_path / "notebooks" / "yamlproj" / "yamlflow.ipynb"
    nb.parent.mkdir(parents=True)
    nb.write_text(make_notebook([("n = 2", ["parameters"]), ("xs = list(range(n))", ["extract"])]))
    build = tmp_path / "build"
    compiled = compile_file(nb, build)
    write(compiled)
    folder = compiled.path.parent
    spec = yaml.safe_load((folder / "prefect.yaml").read_text(encoding="utf-8"))["deployments"][0]
    env = dict(os.environ, PREFECT_API_URL=prefect_server.api_url)
    prefect = [PYTHON, "-m", "prefect", "--no-prompt"]
    subprocess.run([*prefect, "work-pool", "create", "yaml-pool", "--type", "process"], env=env, capture_output=True)

    done = subprocess.run(
        [*prefect, "deploy", "--all"], cwd=folder, env=env, capture_output=True, text=True, timeout=300
    )

    assert done.returncode == 0, done.stdout + done.stderr
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: prefect_server.api_url}), get_client(sync_client=True) as client:
        live = client.read_deployment_by_name(f"yamlflow/{spec['name']}")
        schedules = [s.schedule.cron for s in live.schedules]
    assert sorted(live.tags) == sorted(tags)
    assert live.version == compiled.sha == spec["version"]
    assert schedules == ["5 4 * * *"]
    assert live.work_pool_name == "yaml-pool"
