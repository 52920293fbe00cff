"""`etlnb run NB --sample` against papermill alone on the same notebook.

Both are cold command-line runs (new process, new kernel), timed wall-clock;
the table shows medians over --runs runs and the ratio. Target: etlnb is at
most 1.10x papermill.

    .venv/bin/python benchmarks/sample_run_vs_papermill.py [--runs 5] [NOTEBOOK...]
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


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("notebooks", nargs="*", type=Path, default=sorted((REPO / "notebooks").glob("*/*.ipynb")))
    args = parser.parse_args()
    print(f"{'notebook':<12} {'papermill s':>12} {'etlnb --sample s':>17} {'ratio':>6}")
    worst = 0.0
    for notebook in args.notebooks:
        work = Path(tempfile.mkdtemp(prefix="etlnb-bench-"))
        project = work / notebook.parent.name
        shutil.copytree(notebook.parent, project, ignore=shutil.ignore_patterns("out"))
        nb = project / notebook.name
        papermill, etlnb = [], []
        for _ in range(args.runs):  # interleaved, so drift hits both alike
            papermill.append(
                timed(
                    [
                        str(BIN / "papermill"),
                        str(nb),
                        str(work / "pm.ipynb"),
                        "--cwd",
                        str(project),
                        "--no-progress-bar",
                    ],
                    work,
                )
            )
            etlnb.append(timed([str(BIN / "etlnb"), "run", str(nb), "--sample", "-o", str(work / "build")], work))
        pm, en = statistics.median(papermill), statistics.median(etlnb)
        worst = max(worst, en / pm)
        print(f"{notebook.stem:<12} {pm:>12.2f} {en:>17.2f} {en / pm:>6.2f}")
        shutil.rmtree(work, ignore_errors=True)
    print(f"worst ratio {worst:.2f} (target <= 1.10)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
