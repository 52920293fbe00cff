"""`pytest --etlnb`: one parity item per ETL notebook, failures name step and cell,
and the session's Prefect server is gone when pytest exits."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .conftest import PYTHON, make_notebook

GOOD = [
    ("n = 3", ["parameters"]),
    ("xs = list(range(n))", ["extract"]),
    ("total = sum(xs)", ["transform"]),
    ("print(total)", ["load"]),
]
BROKEN = [
    ("import sys", ["imports"]),
    ("n = 3", ["parameters"]),
    ("xs = list(range(n))", ["extract"]),
    ("total = sum(xs) + ('ipykernel' in sys.modules)", ["transform"]),
    ("print(total)", ["load"]),
]


def _server_pids_with_home(prefix: str) -> set[int]:
    pids = set()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                environ = (proc / "environ").read_bytes()
                cmdline = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if b"server" in cmdline and b"prefect" in cmdline and prefix.encode() in environ:
                pids.add(int(proc.name))
    return pids


@pytest.mark.integration
def test_plugin_reports_the_diverging_step_and_leaves_no_server_behind(tmp_path):
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "goodnb.ipynb").write_text(make_notebook(GOOD))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "brokennb.ipynb").write_text(make_notebook(BROKEN))
    (tmp_path / "plain.ipynb").write_text(make_notebook([("x = 1", [])]))  # no step cells: not collected
    tmp_root = tmp_path / "tmp"
    tmp_root.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp_root))
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run(
        [PYTHON, "-m", "pytest", "--etlnb", "-p", "no:cacheprovider", "-q", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "1 failed, 1 passed" in out
    assert "brokennb.ipynb: cell 4 [transform] id=c3: parity mismatch in `total`" in out
    assert "plain.ipynb" not in out
    # the plugin's server (its home under our TMPDIR) stopped with the session
    assert not _server_pids_with_home(str(tmp_root)), "a Prefect server outlived the pytest session"
