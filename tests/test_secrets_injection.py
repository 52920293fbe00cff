"""Credentials never land in what etlnb writes; values are always data, never code."""

from __future__ import annotations

import ast
import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from etlnb.analyse.diagnostics import CompileError
from etlnb.pipeline import compile_file

from .conftest import PYTHON, make_notebook

FAKE_KEY_ID = "AKIAZZZZZZZZZZZZZZZZ"
FAKE_SECRET = "wJalrXUtnFEMIK7MDENGbPxRfiCYzzzzzzzzzzzz"


@pytest.mark.parametrize(
    "line, what",
    [
        (f"key = '{FAKE_KEY_ID}'", "an AWS access key id"),
        (f"aws_secret_access_key = '{FAKE_SECRET}'", "an AWS secret access key"),
        ("password = 'hunter22'", "a password, token or secret literal"),
        ("db = 'postgresql://etl:s3cret@db:5432/x'", "credentials in a URL"),
        ("pem = '-----BEGIN RSA PRIVATE KEY-----'", "a private key"),
    ],
)
def test_credential_looking_literals_warn_and_fail_with_strict(tmp_path, line, what):
    nb = tmp_path / "proj" / "secretsnb.ipynb"
    nb.parent.mkdir()
    nb.write_text(make_notebook([(f"{line}\nn = 1", ["extract"]), ("print(n)", ["load"])]))
    plain = subprocess.run([PYTHON, "-m", "etlnb", "check", str(nb)], capture_output=True, text=True)
    assert plain.returncode == 0
    assert f"cell 1 (id=c0): line 1: warning: this line looks like it holds {what}" in plain.stderr
    strict = subprocess.run(
        [PYTHON, "-m", "etlnb", "compile", "--strict", str(nb), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert strict.returncode == 1
    assert strict.stderr.splitlines()[0].startswith(
        f"{nb}: cell 1 (id=c0): line 1: error: this line looks like it holds {what}"
    )
    assert not (tmp_path / "out").exists()
    # the message never repeats the secret
    assert FAKE_SECRET not in plain.stderr and "hunter22" not in plain.stderr and "s3cret" not in plain.stderr


def test_ordinary_code_is_not_flagged(tmp_path):
    nb = tmp_path / "proj" / "cleannb.ipynb"
    nb.parent.mkdir()
    nb.write_text(
        make_notebook(
            [
                ("import os", ["imports"]),
                ("password = os.environ['DB_PASSWORD']\nurl = 'https://example.com/a:b'\ntoken_count = 3", ["extract"]),
                ("print(len(password), url, token_count)", ["load"]),
            ]
        )
    )
    done = subprocess.run([PYTHON, "-m", "etlnb", "check", "--strict", str(nb)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr


EVIL = "'); import os; os.system('echo pwned') #\"\"\"\n\\x"
# names and tags refuse control characters (a newline) and Prefect's banned ones; the rest is data
EVIL_NAME = "'); import os; os.system('echo pwned') #\"\"\" \\x"


def test_parameter_values_and_names_are_rendered_as_data(tmp_path):
    meta = {
        "kernelspec": {"name": "python3", "display_name": "P", "language": "python"},
        "etlnb": {"deployment": EVIL_NAME, "tags": [EVIL_NAME]},
    }
    nb = tmp_path / "proj" / "injectnb.ipynb"
    nb.parent.mkdir()
    nb.write_text(
        make_notebook(
            [
                ("label = 'x'\nitems = ['a']", ["parameters"]),
                (f"label = {EVIL!r}\nitems = [{EVIL!r}, {{'k': {EVIL!r}}}]", ["sample"]),
                ("n = len(label) + len(items)", ["extract"]),
                ("print(n)", ["load"]),
            ],
            meta,
        )
    )
    with pytest.raises(CompileError) as refused:  # a line break in a setting never reaches Prefect
        compile_file(nb, tmp_path / "build", {"schedule": None, "image": EVIL})
    assert "control or invisible character" in refused.value.diagnostics[0].message
    compiled = compile_file(nb, tmp_path / "build", {"schedule": None, "image": EVIL_NAME})
    tree = ast.parse(compiled.script)
    sample = next(
        n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "SAMPLE_PARAMETERS"
    )
    assert ast.literal_eval(sample.value) == {"label": EVIL, "items": [EVIL, {"k": EVIL}]}
    # nothing but etlnb's own calls: no `os.system` anywhere in the generated module
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "system"]
    assert calls == []
    document = yaml.safe_load(compiled.prefect_yaml)
    assert document["deployments"][0]["name"] == EVIL_NAME and document["deployments"][0]["tags"] == [EVIL_NAME]


@pytest.mark.integration
def test_no_credential_from_the_environment_reaches_any_artifact(tmp_path, prefect_server):
    """Deploy with credentials in the environment; search every file etlnb wrote and the stored deployment."""
    home = tmp_path / "home"
    storage = tmp_path / "store"
    nb = tmp_path / "proj" / "credsnb.ipynb"
    nb.parent.mkdir()
    nb.write_text(
        make_notebook([("n = 2", ["parameters"]), ("xs = list(range(n))", ["extract"]), ("print(xs)", ["load"])])
    )
    env = dict(
        os.environ,
        AWS_ACCESS_KEY_ID=FAKE_KEY_ID,
        AWS_SECRET_ACCESS_KEY=FAKE_SECRET,
        AWS_SESSION_TOKEN="FAKESESSIONTOKENzzzzzzzzzzzz",
        PREFECT_API_URL=prefect_server.api_url,
        ETLNB_HOME=str(home),
    )
    done = subprocess.run(
        [
            PYTHON,
            "-m",
            "etlnb",
            "deploy",
            str(nb),
            "--unverified",
            "--storage",
            str(storage),
            "-o",
            str(tmp_path / "build"),
            "--work-pool",
            "creds-pool",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    secrets = (FAKE_KEY_ID, FAKE_SECRET, "FAKESESSIONTOKEN")
    written = [
        p for root in (tmp_path / "build", storage, home) if root.exists() for p in root.rglob("*") if p.is_file()
    ]
    assert written, "nothing was written?"
    for path in written:
        text = path.read_bytes().decode("utf-8", "replace")
        assert not any(s in text for s in secrets), path
    assert not any(s in done.stdout + done.stderr for s in secrets)
    os.environ["PREFECT_API_URL"] = prefect_server.api_url
    from etlnb.targets.prefect3.api import prefect_client  # settings for this API URL, whatever ran before

    with prefect_client() as client:
        deployment = client.read_deployment_by_name("credsnb/proj")
        stored = deployment.model_dump_json()
    assert '"pull_steps"' in stored
    assert not any(s in stored for s in secrets)
    folder = json.loads(stored)["pull_steps"][0]["prefect.deployments.steps.set_working_directory"]["directory"]
    assert Path(folder.replace("{{ $ETLNB_CODE_VERSION }}", deployment.version)).exists()
