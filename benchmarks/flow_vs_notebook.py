"""The compiled flow against the notebook on the same HTTP sources.

A local HTTP server answers each of --sources JSON documents after --latency
seconds. The notebook runs them one after the other (papermill, as
`etlnb run --sample` does); the flow maps the extract over them on a warm
local Prefect server. Compared: the run itself (papermill's cell durations vs
the flow run's duration on the server), plus the cold wall time of each
command for context. The loaded files must be identical. Target: flow >= 5x
faster with 32 sources at 200 ms.

    .venv/bin/python benchmarks/flow_vs_notebook.py [--sources 32] [--latency 0.2] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _common import notebook as notebook_json


def serve(latency: float) -> tuple[ThreadingHTTPServer, int]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # http.server's method name
            time.sleep(latency)
            index = int(self.path.rsplit("/", 1)[-1].split(".")[0])
            body = json.dumps(
                {"id": index, "readings": [{"t": t, "value": (index * 7 + t) % 13} for t in range(24)]}
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def http_notebook(port: int, sources: int) -> dict:
    urls = [f"http://127.0.0.1:{port}/source/{i}.json" for i in range(sources)]
    cells = [
        ("import csv\nimport json\nimport os\nimport urllib.request", ["imports"]),
        (f"sources = {json.dumps(urls)}\ndestination = 'out/'", ["parameters"]),
        (
            "def fetch(url):\n    with urllib.request.urlopen(url, timeout=30) as response:\n        return json.load(response)\n\n\n"
            "raw = [fetch(u) for u in sources]",
            ["extract"],
        ),
        (
            "def summarise(doc):\n    values = [r['value'] for r in doc['readings']]\n"
            "    return {'id': doc['id'], 'n': len(values), 'mean': round(sum(values) / len(values), 4)}\n\n\n"
            "rows = [summarise(d) for d in raw]",
            ["transform"],
        ),
        (
            "os.makedirs(destination, exist_ok=True)\nwith open(f'{destination}summary.csv', 'w', newline='') as f:\n"
            "    writer = csv.DictWriter(f, fieldnames=['id', 'n', 'mean'])\n    writer.writeheader()\n"
            "    writer.writerows(sorted(rows, key=lambda r: r['id']))\nprint(f'loaded {len(rows)} sources')",
            ["load"],
        ),
    ]
    return notebook_json(cells)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from etlnb.local.server import private_server

    http, port = serve(args.latency)
    work = Path(tempfile.mkdtemp(prefix="etlnb-flowbench-"))
    cleanup = ExitStack()
    srv = cleanup.enter_context(private_server(work / "home"))
    env = dict(os.environ, ETLNB_HOME=str(srv.home), ETLNB_SERVER_PORT=str(srv.port))
    env.pop("PREFECT_API_URL", None)
    nb = work / "httpbench" / "httpbench.ipynb"
    nb.parent.mkdir()
    nb.write_text(json.dumps(http_notebook(port, args.sources)))
    etlnb = [sys.executable, "-m", "etlnb"]
    notebook_run, flow_run, notebook_wall, flow_wall = [], [], [], []
    try:
        subprocess.run(
            [*etlnb, "run", str(nb), "--flow", "-o", str(work / "build")], env=env, check=True, capture_output=True
        )  # warm-up
        for _ in range(args.runs):
            started = time.perf_counter()
            subprocess.run(
                [*etlnb, "run", str(nb), "--sample", "-o", str(work / "build")],
                env=env,
                check=True,
                capture_output=True,
            )
            notebook_wall.append(time.perf_counter() - started)
            executed = json.loads((work / "build" / "httpbench" / "httpbench.executed.ipynb").read_text())
            notebook_run.append(sum(c["metadata"].get("papermill", {}).get("duration") or 0 for c in executed["cells"]))
            expected = (nb.parent / "out" / "summary.csv").read_bytes()
            (nb.parent / "out" / "summary.csv").unlink()

            started = time.perf_counter()
            done = subprocess.run(
                [*etlnb, "run", str(nb), "--flow", "-o", str(work / "build")],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            flow_wall.append(time.perf_counter() - started)
            flow_run_id = re.search(r"/runs/flow-run/([0-9a-f-]{36})", done.stdout).group(1)
            flow_run.append(_flow_run_seconds(srv, flow_run_id))
            assert (nb.parent / "out" / "summary.csv").read_bytes() == expected, "the flow loaded different data"
    finally:
        cleanup.close()
        http.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    nb_s, flow_s = statistics.median(notebook_run), statistics.median(flow_run)
    print(
        f"{args.sources} sources, {args.latency * 1000:.0f} ms latency each; medians of {args.runs} runs; loaded data identical"
    )
    print(f"{'':<28} {'notebook':>9} {'flow':>9} {'ratio':>6}")
    print(f"{'run (cells / flow run) s':<28} {nb_s:>9.2f} {flow_s:>9.2f} {nb_s / flow_s:>5.1f}x")
    print(f"{'cold command wall s':<28} {statistics.median(notebook_wall):>9.2f} {statistics.median(flow_wall):>9.2f}")
    print(f"flow {nb_s / flow_s:.1f}x faster than the notebook run (target >= 5x at 32 sources, 200 ms)")
    return 0


def _flow_run_seconds(srv, flow_run_id: str) -> float:
    os.environ["PREFECT_API_URL"] = srv.api_url
    from prefect import get_client

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(flow_run_id)
    return run.total_run_time.total_seconds() if run.total_run_time else (run.end_time - run.start_time).total_seconds()


if __name__ == "__main__":
    raise SystemExit(main())
