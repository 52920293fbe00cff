"""`etlnb kernel install`: the "Python 3 (etlnb)" kernel spec, via jupyter_client."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

SPEC = Path(__file__).resolve().parents[2] / "kernels" / "etlnb" / "kernel.json"
LOGOS = ("logo-32x32.png", "logo-64x64.png")


def spec() -> dict:
    data = (
        json.loads(SPEC.read_text())
        if SPEC.exists()
        else {
            "argv": ["python", "-m", "ipykernel_launcher", "--ext=etlnb", "-f", "{connection_file}"],
            "display_name": "Python 3 (etlnb)",
            "language": "python",
        }
    )
    data["argv"][0] = sys.executable  # the interpreter etlnb lives in
    return data


def install(user: bool, sys_prefix: bool) -> str:
    from jupyter_client.kernelspec import KernelSpecManager

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "kernel.json").write_text(json.dumps(spec(), indent=1))
        for logo in LOGOS:  # JupyterLab's launcher and kernel picker show them
            if (SPEC.parent / logo).exists():
                shutil.copyfile(SPEC.parent / logo, Path(folder) / logo)
        return KernelSpecManager().install_kernel_spec(
            folder, kernel_name="etlnb", user=user, prefix=sys.prefix if sys_prefix else None
        )


def main(user: bool, sys_prefix: bool) -> int:
    if user and sys_prefix:
        print("etlnb kernel install: choose --user or --sys-prefix, not both", file=sys.stderr)
        return 2
    try:
        where = install(user, sys_prefix)
    except (OSError, PermissionError) as exc:
        print(f"etlnb kernel install: {exc}; try --user", file=sys.stderr)
        return 1
    print(f"installed kernel spec 'etlnb' (Python 3 (etlnb)) in {where}")
    return 0
