"""Compile time of synthetic notebooks with 50 / 500 / 2,000 cells (in-process, median).

Each synthetic notebook repeats a realistic block: a parameters cell, a
functions cell, then extract / transform / load cells that read what earlier
steps wrote, every fourth with a mapped comprehension, plus untagged
exploration cells. Target: 2,000 cells <= 1 s, time growing linearly.

    .venv/bin/python benchmarks/compile_scaling.py [--sizes 50 500 2000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def synthetic(cells: int) -> dict:
    out = [
        ("n = 10\nscale = 2.5\nsources = ['a', 'b', 'c']", ["parameters"]),
        ("import json\nimport math", ["imports"]),
        (
            "def fetch(s):\n    return {'name': s, 'value': len(s) * scale}\n\ndef clean(r):\n    return r['value'] + 1",
            ["functions"],
        ),
        ("raw_0 = [fetch(s) for s in sources]", ["extract"]),
    ]
    i = 0
    while len(out) < cells:
        i += 1
        prev = f"raw_{i - 1}"
        kind = i % 4
        if kind == 0:
            out.append((f"# step {i}: map\nraw_{i} = [clean(r) for r in {prev}]", ["transform"]))
        elif kind == 1:
            out.append(
                (
                    f"total_{i} = sum(x if isinstance(x, (int, float)) else x['value'] for x in {prev})\nraw_{i} = list({prev})\nraw_{i}.append(total_{i})",
                    ["transform"],
                )
            )
        elif kind == 2:
            out.append((f"len({prev})  # exploration", []))
            out.append(
                (
                    f"raw_{i} = [math.sqrt(abs(v if isinstance(v, (int, float)) else v['value'])) for v in {prev}]",
                    ["transform"],
                )
            )
        else:
            out.append((f"print(json.dumps({{'step': {i}, 'items': len({prev})}}))\nraw_{i} = {prev}", ["load"]))
    return {
        "cells": [
            {
                "cell_type": "code",
                "id": f"c{k}",
                "metadata": {"tags": tags},
                "source": src,
                "outputs": [],
                "execution_count": None,
            }
            for k, (src, tags) in enumerate(out[:cells])
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500, 2000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from etlnb.pipeline import compile_file

    work = Path(tempfile.mkdtemp(prefix="etlnb-scale-"))
    rows = []
    for size in args.sizes:
        path = work / "scale" / f"synthetic{size}.ipynb"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(synthetic(size)))
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            compiled = compile_file(path, work / "build")
            times.append(time.perf_counter() - started)
        rows.append((size, statistics.median(times), len(compiled.analysis.graph.segments)))
    base_size, base_time, _ = rows[0]
    print(f"{'cells':>6} {'tasks':>6} {'median s':>9} {'ms/cell':>8} {'growth vs linear':>17}")
    for size, seconds, tasks in rows:
        linear = base_time * size / base_size
        print(f"{size:>6} {tasks:>6} {seconds:>9.3f} {seconds / size * 1000:>8.2f} {seconds / linear:>16.2f}x")
    largest, seconds, _ = rows[-1]
    print(
        f"{largest} cells in {seconds:.3f} s (target <= 1 s for 2000), growth {seconds / (base_time * largest / base_size):.2f}x linear (target ~1)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
