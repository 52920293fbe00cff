"""Peak memory of a transform over a 1M-row DataFrame: the compiled flow against the notebook.

Both runs measure the same thing from inside the code: the process's peak
resident memory (ru_maxrss) at the end of the load step, minus the resident
memory before the extract step (after imports). So the figure is what the
data and the transform cost, not the different fixed start-up of a Jupyter
kernel and a Prefect process. Target: flow <= 1.3x the notebook.

    .venv/bin/python benchmarks/memory_peak.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import notebook as notebook_json

CELLS = [
    ("import resource\n\nimport numpy as np\nimport pandas as pd", ["imports"]),
    ("rows = 1_000_000", ["parameters"]),
    (
        "def rss_mb():\n    with open('/proc/self/status') as f:\n        return int(next(x for x in f if x.startswith('VmRSS')).split()[1]) / 1024",
        ["functions"],
    ),
    (
        "baseline = rss_mb()\nrng = np.random.default_rng(7)\n"
        "df = pd.DataFrame({'key': rng.integers(0, 1000, rows), 'x': rng.random(rows), 'y': rng.random(rows)})",
        ["extract"],
    ),
    (
        "df['z'] = df['x'] * df['y']\nsummary = df.groupby('key', as_index=False).agg(n=('z', 'size'), total=('z', 'sum'), top=('x', 'max'))",
        ["transform"],
    ),
    (
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(f'PEAK_DELTA_MB={peak - baseline:.1f} ROWS={int(summary.n.sum())}')",
        ["load"],
    ),
]


def notebook() -> dict:
    return notebook_json(CELLS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    from etlnb.local.server import private_server

    work = Path(tempfile.mkdtemp(prefix="etlnb-mem-"))
    nb = work / "membench" / "membench.ipynb"
    nb.parent.mkdir()
    data = notebook()
    data["cells"][1]["source"] = f"rows = {args.rows}"
    nb.write_text(json.dumps(data))
    with private_server(work / "home") as srv:
        env = dict(os.environ, ETLNB_HOME=str(srv.home), ETLNB_SERVER_PORT=str(srv.port))
        env.pop("PREFECT_API_URL", None)
        etlnb = [sys.executable, "-m", "etlnb", "run", str(nb), "-o", str(work / "build")]
        subprocess.run([*etlnb, "--sample"], env=env, check=True, capture_output=True)
        executed = (work / "build" / "membench" / "membench.executed.ipynb").read_text()
        flow = subprocess.run([*etlnb, "--flow"], env=env, check=True, capture_output=True, text=True)
    shutil.rmtree(work, ignore_errors=True)
    nb_mb, nb_rows = re.search(r"PEAK_DELTA_MB=([\d.]+) ROWS=(\d+)", executed).groups()
    flow_mb, flow_rows = re.search(r"PEAK_DELTA_MB=([\d.]+) ROWS=(\d+)", flow.stdout).groups()
    assert nb_rows == flow_rows == str(args.rows), (nb_rows, flow_rows)
    ratio = float(flow_mb) / float(nb_mb)
    print(f"{args.rows} rows; peak memory above the pre-extract baseline")
    print(f"{'notebook MB':>12} {'flow MB':>9} {'ratio':>6}")
    print(f"{float(nb_mb):>12.1f} {float(flow_mb):>9.1f} {ratio:>5.2f}x")
    print(f"flow peak {ratio:.2f}x the notebook's (target <= 1.3)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
