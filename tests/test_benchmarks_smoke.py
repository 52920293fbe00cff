"""Each benchmark script still runs (on a tiny size), so none can rot. Timings are not asserted here."""

from __future__ import annotations

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
    ],
)
def test_benchmark_runs_and_prints_its_ratio_table(script, args):
    done = subprocess.run([PYTHON, str(BENCH / script), *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert "(target" in last and re.search(r"\d+\.\d+", last), done.stdout
