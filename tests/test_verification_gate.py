"""Deploy is gated on verification: only content with a passing parity on record deploys.

End to end through the command line on the session's Prefect server: refused before parity,
deployed after it (the deployment says "verified"), refused again after an edit of a tagged or
a sample cell but not of an untagged one, and `--unverified` marks the deployment where the
Prefect UI shows it (read back from the API). Records that are corrupt, foreign, stale or from
another etlnb version count as no record, in one line.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.request
from pathlib import Path

import pytest

from .conftest import PYTHON, make_notebook

POOL = "etlnb-gate-test"  # no worker serves it: nothing here runs a deployment
PROJECT = "gated"


def _cells(
    word: str = "ok", sample_rows: int = 3, plot: str = "print(total)", pause: float = 0
) -> list[tuple[str, list[str]]]:
    return [
        ("import json\nimport time", ["imports"]),
        ("rows = 10\ndestination = 'out.json'", ["parameters"]),
        (f"rows = {sample_rows}", ["sample"]),
        (f"values = [i * 2 for i in range(rows)]\nword = {word!r}\ntime.sleep({pause})", ["extract"]),
        ("total = sum(values)", ["transform"]),
        (plot, []),  # exploration: never reaches the flow
        ("with open(destination, 'w') as f:\n    json.dump({'total': total, 'word': word}, f)", ["load"]),
    ]


def _project(tmp_path: Path, **kwargs) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    notebook = tmp_path / PROJECT / f"{PROJECT}.ipynb"
    notebook.parent.mkdir(exist_ok=True)
    notebook.write_text(make_notebook(_cells(**kwargs)))
    return notebook


def _etlnb(prefect_server, tmp_path: Path, *args) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ETLNB_HOME=str(prefect_server.home), ETLNB_SERVER_PORT=str(prefect_server.port))
    env.pop("PREFECT_API_URL", None)
    return subprocess.run(
        [PYTHON, "-m", "etlnb", *map(str, args)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300
    )


def _deploy(prefect_server, tmp_path: Path, notebook: Path, *more) -> subprocess.CompletedProcess[str]:
    return _etlnb(
        prefect_server, tmp_path, "deploy", notebook, "--work-pool", POOL, "--storage", tmp_path / "store", *more
    )


def _deployment(prefect_server, name: str) -> dict | None:
    url = f"{prefect_server.api_url}/deployments/name/{PROJECT}/{name}"
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return json.load(answer)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def _refusal(done: subprocess.CompletedProcess[str]) -> str:
    """The one error line deploy printed (its progress lines aside)."""
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("etlnb deploy:")]
    assert len(errors) == 1, done.stderr
    return errors[0]


def _edit(notebook: Path, index: int, source: str) -> None:
    nb = json.loads(notebook.read_text())
    nb["cells"][index]["source"] = source
    notebook.write_text(json.dumps(nb))


@pytest.mark.integration
def test_deploy_requires_a_passing_parity_of_the_current_content(prefect_server, tmp_path):
    notebook = _project(tmp_path, pause=3)  # long enough for parity's progress lines (every 2 s)
    line = _refusal(_deploy(prefect_server, tmp_path, notebook, "--name", "first"))
    assert line.startswith(f"etlnb deploy: verify failed: {notebook} is not verified: no parity has run"), line
    assert f"etlnb run {notebook} --parity" in line and "--unverified" in line, line
    assert not (tmp_path / "store").exists()  # nothing uploaded
    assert _deployment(prefect_server, "first") is None  # nothing registered

    parity = _etlnb(prefect_server, tmp_path, "run", notebook, "--parity")
    assert parity.returncode == 0, parity.stdout + parity.stderr
    assert "parity ok" in parity.stdout and "verified: content " in parity.stdout, parity.stdout
    records = list((tmp_path / ".etlnb" / "verified").glob("*.json"))
    assert len(records) == 1
    record = json.loads(records[0].read_text())
    assert record["ok"] is True and record["values_equal"] >= 3 and record["notebook"] == f"{PROJECT}/{PROJECT}.ipynb"
    assert record["rule"] == "exact"
    # the notebook and the flow ran at the same time, and parity said where they were meanwhile
    (nb_start, nb_end), (flow_start, flow_end) = record["timing"]["notebook"], record["timing"]["flow"]
    assert max(nb_start, flow_start) < min(nb_end, flow_end), record["timing"]
    assert re.search(r"^parity: notebook [0-3] of 3 steps done.*; flow ", parity.stderr, re.M), parity.stderr

    done = _deploy(prefect_server, tmp_path, notebook, "--name", "first")
    assert done.returncode == 0, done.stdout + done.stderr
    deployed = _deployment(prefect_server, "first")
    assert "unverified" not in deployed["tags"], deployed
    assert f"verified: passing parity {records[0].stem[:12]}" in deployed["description"], deployed

    # an untagged cell never reaches the flow: editing it keeps the content verified
    _edit(notebook, 5, "print('a plot', total)")
    done = _deploy(prefect_server, tmp_path, notebook, "--name", "first")
    assert done.returncode == 0, done.stdout + done.stderr

    # a tagged cell: refused, naming the cell that changed since the last parity
    _edit(notebook, 4, "total = sum(values) + 1")
    line = _refusal(_deploy(prefect_server, tmp_path, notebook, "--name", "first"))
    assert "is not verified: cell 5 [transform] id=c4 changed since the last parity" in line, line

    # a sample cell too (it is what parity ran on)
    _edit(notebook, 4, "total = sum(values)")
    assert _deploy(prefect_server, tmp_path, notebook, "--name", "first").returncode == 0  # back as verified
    _edit(notebook, 2, "rows = 4")
    line = _refusal(_deploy(prefect_server, tmp_path, notebook, "--name", "first"))
    assert "cell 3 [sample] id=c2 changed since the last parity" in line, line
    _edit(notebook, 2, "rows = 3")

    # the same cells at other places (an exploration cell moved up): the script's cell numbers change
    nb = json.loads(notebook.read_text())
    nb["cells"].insert(3, nb["cells"].pop(5))
    notebook.write_text(json.dumps(nb))
    line = _refusal(_deploy(prefect_server, tmp_path, notebook, "--name", "first"))
    assert "cells moved since the last parity (cell 5 [extract] id=c3 and more has a new number)" in line, line
    nb["cells"].insert(5, nb["cells"].pop(3))
    notebook.write_text(json.dumps(nb))
    _edit(notebook, 2, "rows = 4")  # unverified again, for what follows

    # --unverified deploys and marks the deployment (tag and description, as the Prefect UI shows them)
    done = _deploy(prefect_server, tmp_path, notebook, "--name", "marked", "--unverified", "--tag", "etl")
    assert done.returncode == 0, done.stdout + done.stderr
    marked = _deployment(prefect_server, "marked")
    assert sorted(marked["tags"]) == ["etl", "unverified"], marked
    assert "UNVERIFIED: deployed with --unverified" in marked["description"], marked


@pytest.mark.integration
def test_a_failed_parity_is_recorded_and_deploy_names_what_failed(prefect_server, tmp_path):
    # the notebook draws from the unseeded global RNG: notebook and flow differ
    notebook = _project(tmp_path, word="x")
    _edit(notebook, 3, "import random\nvalues = [random.random() for i in range(rows)]\nword = 'x'")
    parity = _etlnb(prefect_server, tmp_path, "run", notebook, "--parity")
    assert parity.returncode == 1, parity.stdout + parity.stderr
    assert "not verified: content " in parity.stdout, parity.stdout
    [record] = (tmp_path / ".etlnb" / "verified").glob("*.json")
    assert json.loads(record.read_text())["ok"] is False
    line = _refusal(_deploy(prefect_server, tmp_path, notebook))
    assert "is not verified: parity failed on this content: " in line and "`values`" in line, line


@pytest.mark.integration
def test_a_notebook_that_fails_on_its_samples_writes_no_record(prefect_server, tmp_path):
    notebook = _project(tmp_path)
    _edit(notebook, 4, "total = sum(values) / 0")
    done = _etlnb(prefect_server, tmp_path, "run", notebook, "--parity")
    assert done.returncode == 1 and "ZeroDivisionError" in done.stdout + done.stderr, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / ".etlnb" / "verified").exists()


@pytest.mark.parametrize("damage", ["not-json", "other-version", "foreign", "unreadable"])
def test_a_damaged_record_is_one_line_and_counts_as_unverified(tmp_path, damage):
    from etlnb.pipeline import compile_file
    from etlnb.verify import record

    notebook = _project(tmp_path)
    compiled = compile_file(notebook, tmp_path / "build")
    path = record.write(notebook, compiled, True, {})
    assert record.verdict(notebook, compiled).verified  # the record as parity writes it
    if damage == "not-json":
        path.write_text("{")
    elif damage == "other-version":
        data = json.loads(path.read_text())
        data["content"]["etlnb"] = "0.0.1"
        path.write_text(json.dumps(data))
    elif damage == "foreign":  # a passing record of other content, copied under this content's name
        _edit(notebook, 4, "total = -1")
        other = record.write(notebook, compile_file(notebook, tmp_path / "build"), True, {})
        _edit(notebook, 4, "total = sum(values)")
        path.write_text(other.read_text())
    else:
        path.unlink()
        path.mkdir()
    found = record.verdict(notebook, compiled)
    assert not found.verified
    assert "\n" not in found.line and found.line.startswith(f"{notebook} is not verified: its record "), found.line
    expected = {
        "not-json": "is not a verification record (not JSON)",
        "other-version": "was made by etlnb 0.0.1",
        "foreign": "belongs to other content",
        "unreadable": "cannot be read",
    }[damage]
    assert expected in found.line, found.line
    assert "--parity" in found.line
