"""Each benchmark script still runs (on a tiny size), so none can rot. Timings are not asserted here."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from .conftest import DEMOS, PYTHON, REPO

BENCH = REPO / "benchmarks"


@pytest.mark.parametrize(
    "script, args",
    [
        ("compile_vs_converters.py", ["--runs", "1"]),
        ("sample_run_vs_papermill.py", ["--runs", "1", str(DEMOS[0])]),
        ("compile_scaling.py", ["--sizes", "10", "40", "--runs", "1"]),
        ("flow_vs_notebook.py", ["--sources", "4", "--latency", "0.02", "--runs", "1"]),
        ("memory_peak.py", ["--rows", "20000"]),
        ("deploy_roundtrip.py", ["--runs", "1"]),
        ("witness_overhead.py", ["--runs", "1", "--rows", "20000", str(DEMOS[0])]),
        ("yaml_import_cost.py", ["--runs", "1"]),
        ("parity_vs_sample.py", ["--runs", "1", "--no-warmup", str(DEMOS[0])]),
    ],
)
def test_benchmark_runs_and_prints_its_ratio_table(script, args, request):
    env = None
    if script == "parity_vs_sample.py":  # on the session's server: its start is not what this checks
        server = request.getfixturevalue("prefect_server")
        env = dict(os.environ, ETLNB_HOME=str(server.home), ETLNB_SERVER_PORT=str(server.port))
    done = subprocess.run([PYTHON, str(BENCH / script), *args], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert "(target" in last and re.search(r"\d+\.\d+", last), done.stdout
