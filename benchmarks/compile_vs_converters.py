"""`etlnb compile` of a demo notebook, cold process, against the converters users know:
`jupyter nbconvert --to script` and `jupytext --to py` on the same notebook.

Targets: etlnb median <= 0.2 s and >= 20x faster than nbconvert.

    .venv/bin/python benchmarks/compile_vs_converters.py [--runs 7] [NOTEBOOK]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("notebook", nargs="?", type=Path, default=REPO / "notebooks" / "weather" / "weather.ipynb")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="etlnb-bench-"))
    commands = {
        "etlnb compile": [str(BIN / "etlnb"), "compile", str(args.notebook), "-o", str(work / "build")],
        "nbconvert --to script": [
            str(BIN / "jupyter"),
            "nbconvert",
            "--to",
            "script",
            str(args.notebook),
            "--output-dir",
            str(work / "nbconvert"),
        ],
        "jupytext --to py": [str(BIN / "jupytext"), "--to", "py", str(args.notebook), "-o", str(work / "jupytext.py")],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):  # interleaved: drift hits all alike
        for name, command in commands.items():
            times[name].append(timed(command))
    shutil.rmtree(work, ignore_errors=True)
    ours = statistics.median(times["etlnb compile"])
    print(f"{'command':<24} {'median s':>9} {'min s':>7} {'vs etlnb':>9}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<24} {median:>9.3f} {min(values):>7.3f} {median / ours:>8.1f}x")
    nbconvert = statistics.median(times["nbconvert --to script"])
    print(f"etlnb median {ours:.3f} s (target <= 0.2), {nbconvert / ours:.1f}x faster than nbconvert (target >= 20)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
