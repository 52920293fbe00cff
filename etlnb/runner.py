"""Local runs of the compiled flow against the local Prefect server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from etlnb import server as local_server
from etlnb.diagnostics import CompileError


def run_flow(notebook: Path, out_dir: Path) -> int:
    """Compile the notebook and run its flow on the sample parameters."""
    from etlnb.cli import _print_diagnostics
    from etlnb.pipeline import compile_file, write

    try:
        compiled = compile_file(notebook, out_dir)
    except CompileError as exc:
        _print_diagnostics(exc.diagnostics)
        return 1
    _print_diagnostics(compiled.diagnostics)
    script = write(compiled)
    print(f"compiled {notebook} -> {script}", file=sys.stderr)
    try:
        server = local_server.ensure()
    except local_server.ServerError as exc:
        print(f"etlnb run: {exc}", file=sys.stderr)
        return 1
    env = dict(os.environ, PREFECT_API_URL=server.api_url)
    result = subprocess.run([sys.executable, str(script)], env=env)
    if result.returncode:
        print(f"etlnb run: flow {compiled.analysis.flow_name} failed (exit {result.returncode})", file=sys.stderr)
    return result.returncode
