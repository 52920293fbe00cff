"""`etlnb deploy` round trip against the bare calls it wraps, on a warm local
Prefect server and S3 (moto's server) on loopback, both in one warm process.

etlnb: compile + check + upload + register (`etlnb.deploy.steps.deploy`).
bare:  boto3 `put_object` of the same script + `flow.from_source(folder,
entrypoint).deploy(...)` (the script is already compiled; from_source reads it
from a local folder, since S3 through fsspec would need s3fs).
Target: etlnb <= 1.5x the bare calls.

    .venv/bin/python benchmarks/deploy_roundtrip.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _common import REPO


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("notebook", nargs="?", type=Path, default=REPO / "notebooks" / "weather" / "weather.ipynb")
    args = parser.parse_args()
    from etlnb.local import server as local_server
    from etlnb.local.server import free_port

    work = Path(tempfile.mkdtemp(prefix="etlnb-deploybench-"))
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    s3_port = free_port()
    moto = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    srv = local_server.Server(work / "home", free_port())
    try:
        local_server.start(srv, quiet=True)
        os.environ["PREFECT_API_URL"] = srv.api_url
        endpoint = f"http://127.0.0.1:{s3_port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(endpoint, timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        import boto3

        s3 = boto3.client("s3", endpoint_url=endpoint)
        s3.create_bucket(Bucket="bench")
        from etlnb.deploy.steps import deploy
        from etlnb.pipeline import compile_file, write

        flags = {"storage": "s3://bench/flows", "s3_endpoint_url": endpoint, "work_pool": "bench-pool"}
        compiled = compile_file(args.notebook, work / "build", flags)
        write(compiled)
        from prefect import flow as prefect_flow

        deploy(args.notebook, flags, work / "build", echo=False, unverified=True)  # warm-up: pool, flow, imports
        ours, bare = [], []
        for i in range(args.runs):
            started = time.perf_counter()
            deploy(args.notebook, flags, work / "build", echo=False, unverified=True)
            ours.append(time.perf_counter() - started)

            started = time.perf_counter()
            s3.put_object(Bucket="bench", Key=f"bare/{i}/{compiled.path.name}", Body=compiled.script.encode())
            prefect_flow.from_source(source=str(compiled.path.parent), entrypoint=compiled.entrypoint).deploy(
                name="bare", work_pool_name="bench-pool", build=False, push=False, print_next_steps=False
            )
            bare.append(time.perf_counter() - started)
    finally:
        local_server.stop(srv)
        os.killpg(moto.pid, 9)
        shutil.rmtree(work, ignore_errors=True)
    o, b = statistics.median(ours), statistics.median(bare)
    print(f"{'':<36} {'median s':>9}")
    print(f"{'etlnb deploy (compile..register)':<36} {o:>9.3f}")
    print(f"{'bare: put_object + from_source.deploy':<36} {b:>9.3f}")
    print(f"etlnb {o / b:.2f}x the bare calls (target <= 1.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
