"""The witness's cost: a sample run with it against papermill alone, and peak memory of
fingerprinting a 1M-row DataFrame step.

1. Per demo notebook, in-process (one kernel start each, as `etlnb run --sample`
   does): papermill on the plain notebook vs `run_notebook` with the witness and
   capture cells. Medians over --runs, interleaved. Target: <= 1.2x.
2. One fingerprint of a DataFrame of --rows rows (int, float, datetime and
   string columns), in this process: the peak traced allocation (tracemalloc,
   which sees numpy and pandas buffers) against the frame's own size. Target:
   the fingerprint does not copy the frame (peak well below 1x its size).

    .venv/bin/python benchmarks/witness_overhead.py [--runs 3] [--rows 1000000] [NOTEBOOK...]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from _common import REPO


def sample_runs(notebook: Path, runs: int) -> tuple[float, float, float]:
    """(papermill s, etlnb-with-witness s, witness's own seconds inside the kernel), medians."""
    import papermill

    from etlnb.verify.notebook_run import run_notebook
    from etlnb.verify.runner import compile_to

    work = Path(tempfile.mkdtemp(prefix="etlnb-wit-"))
    project = work / notebook.parent.name
    shutil.copytree(notebook.parent, project, ignore=shutil.ignore_patterns("out", "build"))
    nb = project / notebook.name
    compiled = compile_to(nb, work / "build")
    plain, witnessed, inside = [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        papermill.execute_notebook(str(nb), str(work / "pm.ipynb"), cwd=str(project), progress_bar=False)
        plain.append(time.perf_counter() - started)
        started = time.perf_counter()
        run = run_notebook(
            nb, compiled.analysis.graph, work / "w.executed.ipynb", work / "capture", progress=False, cwd=project
        )
        witnessed.append(time.perf_counter() - started)
        assert run.ok and run.witness is not None and run.witness.ok, run.error
        inside.append(run.witness.record.get("witness_seconds", 0.0))
    shutil.rmtree(work, ignore_errors=True)
    return statistics.median(plain), statistics.median(witnessed), statistics.median(inside)


def fingerprint_memory(rows: int) -> tuple[float, float, float, float]:
    """(frame MB, peak MB while fingerprinting, seconds, re-fingerprint equal?)."""
    import numpy as np
    import pandas as pd

    from etlnb.verify.witness import fingerprint

    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "key": rng.integers(0, 1000, rows),
            "x": rng.random(rows),
            "t": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 10**6, rows), unit="s"),
            "city": pd.Series(rng.choice(["oslo", "lima", "pune", "kyiv"], rows)),
        }
    )
    size = frame.memory_usage(deep=True).sum() / 1e6
    fingerprint(frame)  # warm imports
    tracemalloc.start()
    started = time.perf_counter()
    first = fingerprint(frame)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert first is not None and first == fingerprint(frame)
    frame.loc[rows // 2, "x"] = -1.0
    assert fingerprint(frame) != first
    return size, peak / 1e6, seconds, peak / 1e6 / size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("notebooks", nargs="*", type=Path, default=sorted((REPO / "notebooks").glob("*/*.ipynb")))
    args = parser.parse_args()
    logging.getLogger("papermill").setLevel(logging.WARNING)
    print(f"{'notebook':<12} {'papermill s':>12} {'with witness s':>15} {'witness in kernel s':>20} {'ratio':>6}")
    worst = 0.0
    for notebook in args.notebooks:
        pm, wit, inside = sample_runs(notebook, args.runs)
        worst = max(worst, wit / pm)
        print(f"{notebook.stem:<12} {pm:>12.2f} {wit:>15.2f} {inside:>20.3f} {wit / pm:>6.2f}")
    size, peak, seconds, ratio = fingerprint_memory(args.rows)
    print(
        f"fingerprint of a {args.rows}-row DataFrame ({size:.1f} MB): {seconds:.3f}s, peak {peak:.1f} MB ({ratio:.2f}x the frame)"
    )
    print(
        f"worst sample-run ratio {worst:.2f} (target <= 1.20); fingerprint peak {ratio:.2f}x the frame (target < 1.0)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
