"""Mapped CPU-bound (pure Python, GIL-bound) tasks: threads vs an existing Dask cluster.

A notebook maps `burn(p)` over --partitions partitions of --seconds of CPU each; the helper
reads the parameter `work` as a module global (it reaches Dask workers as an `unmapped`
argument). It is compiled twice (task_runner threads, and dask with dask_address) and each
flow runs in this process on a private Prefect server. The Dask cluster is a LocalCluster
with --workers worker processes of one thread each, started once and warmed up, as an
existing cluster is. Reported: wall time of each flow run, their ratio, Prefect's per-task
overhead on each runner (--noop tasks doing nothing) and the crossover task size where
Dask starts to win. Target: Dask >= 1.6x threads at 16 partitions of >= 1 s on 2 cores.

    .venv/bin/python benchmarks/dask_vs_threads.py [--partitions 16] [--seconds 1.1] [--noop 32] [--workers 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from _common import notebook as notebook_json

BURN = (
    "def burn(seed):\n"
    '    """Pure-Python arithmetic: holds the GIL the whole time."""\n'
    "    total = seed\n"
    "    for i in range(work):\n"
    "        total = (total * 1103515245 + 12345 + i) % 2147483648\n"
    "    return total"
)


def calibrate(seconds: float) -> int:
    """Loop iterations of `burn` that take `seconds` of CPU here."""
    namespace: dict = {"work": 200_000}
    exec(BURN, namespace)
    start = time.process_time()
    namespace["burn"](1)
    per_iteration = (time.process_time() - start) / namespace["work"]
    return int(seconds / per_iteration)


def write_notebook(folder: Path) -> Path:
    cells = [
        ("import json\nimport os", ["imports"]),
        ('partitions = [0, 1, 2, 3]\nwork = 1000\ndestination = "out/"', ["parameters"]),
        (BURN, ["functions"]),
        ("results = [burn(p) for p in partitions]", ["transform"]),
        (
            "os.makedirs(destination, exist_ok=True)\n"
            'with open(f"{destination}results.json", "w") as f:\n'
            "    json.dump(results, f)",
            ["load"],
        ),
    ]
    path = folder / "burn" / "burn.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(notebook_json(cells)))
    return path


def load_flow(notebook: Path, out: Path, flags: dict):
    from etlnb.pipeline import compile_file, write

    compiled = compile_file(notebook, out, flags)
    write(compiled)
    spec = importlib.util.spec_from_file_location(f"bench_{out.name}", compiled.path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as Prefect loads an entrypoint: the script registers itself for pickling
    spec.loader.exec_module(module)
    return module.burn_flow


def timed(flow, **params) -> float:
    start = time.perf_counter()
    state = flow(**params, return_state=True)
    seconds = time.perf_counter() - start
    assert state.is_completed(), state
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=1.1, help="CPU seconds per partition")
    parser.add_argument("--noop", type=int, default=32, help="tasks that do nothing, for the per-task overhead")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from etlnb.local.server import private_server

    with ExitStack() as cleanup:
        work = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="etlnb-dask-bench-")))
        srv = cleanup.enter_context(private_server(work / "home"))
        os.environ["PREFECT_API_URL"] = srv.api_url  # before prefect is imported: flows and workers report here
        from distributed import LocalCluster

        cluster = cleanup.enter_context(
            LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=":0")
        )
        notebook = write_notebook(work)
        os.chdir(notebook.parent)
        on_threads = load_flow(notebook, work / "threads", {"task_runner": "threads"})
        on_dask = load_flow(notebook, work / "dask", {"task_runner": "dask", "dask_address": cluster.scheduler_address})
        noop = {"partitions": list(range(args.noop)), "work": 0}
        timed(on_dask, **noop)  # warm-up: workers import prefect once
        timed(on_threads, **noop)
        noop_threads = timed(on_threads, **noop)
        noop_dask = timed(on_dask, **noop)

        iterations = calibrate(args.seconds)
        heavy = {"partitions": list(range(args.partitions)), "work": iterations}
        threads_s = timed(on_threads, **heavy)
        expected = Path("out/results.json").read_text()
        dask_s = timed(on_dask, **heavy)
        assert Path("out/results.json").read_text() == expected, "Dask computed something else"
        os.chdir(Path(__file__).resolve().parent)

    # threads: one task at a time holds the GIL; Dask: `workers` tasks at once, each paying its overhead
    per_task_threads = noop_threads / args.noop
    per_task_dask = noop_dask * args.workers / args.noop  # worker-seconds per task
    crossover = max(per_task_dask - args.workers * per_task_threads, 0.0) / (args.workers - 1)
    ratio = threads_s / dask_s
    print(f"{args.partitions} partitions x {args.seconds:.1f} s CPU, {args.workers} Dask worker processes x 1 thread")
    print(f"{'':<36} {'threads':>9} {'dask':>9}")
    print(f"{'mapped CPU-bound run, wall s':<36} {threads_s:>9.2f} {dask_s:>9.2f}")
    print(f"{f'{args.noop} no-op tasks, wall s':<36} {noop_threads:>9.2f} {noop_dask:>9.2f}")
    print(f"{'per-task overhead, s':<36} {per_task_threads:>9.3f} {per_task_dask:>9.3f}")
    print(f"crossover: Dask wins for tasks above ~{crossover:.2f} s of CPU each")
    print(f"dask {ratio:.2f}x faster than threads (target >= 1.6x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
