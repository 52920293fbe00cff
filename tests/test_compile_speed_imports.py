"""`etlnb compile` must not import the heavy stacks (each costs seconds)."""

from __future__ import annotations

import subprocess

import pytest

from .conftest import DEMOS, PYTHON

FORBIDDEN = (
    "prefect",
    "nbformat",
    "jupyter_client",
    "jupyter_core",
    "nbclient",
    "IPython",
    "pandas",
    "numpy",
    "papermill",
)


@pytest.mark.parametrize("command", ["compile", "check", "graph"])
def test_compile_check_graph_import_no_heavy_modules(command, tmp_path):
    args = [PYTHON, "-X", "importtime", "-m", "etlnb", command, str(DEMOS[0])]
    if command == "compile":
        args += ["-o", str(tmp_path)]
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    imported = {
        line.split("|")[-1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "etlnb" in imported  # the measurement itself works
    assert not imported & set(FORBIDDEN), sorted(imported & set(FORBIDDEN))
