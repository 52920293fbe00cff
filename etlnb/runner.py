"""Local runs of the compiled flow against the local Prefect server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from etlnb import server as local_server
from etlnb.diagnostics import CompileError
from etlnb.where import origin


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
    env = dict(os.environ, PREFECT_API_URL=server.api_url, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, str(script)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    origins: list[str] = []
    marker = f'File "{script.resolve()}", line '
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(line)
        if marker in line:
            number = line.split(marker, 1)[1].split(",", 1)[0]
            found = origin(compiled.script, int(number)) if number.isdigit() else None
            if found is not None and str(found) not in origins:
                origins.append(str(found))
    returncode = process.wait()
    if returncode:
        print(f"etlnb run: flow {compiled.analysis.flow_name} failed (exit {returncode})", file=sys.stderr)
        for where in origins[-1:]:
            print(f"  the error was raised in {notebook}: {where}", file=sys.stderr)
    return returncode
