"""`etlnb run NB --parity` against the notebook's own `etlnb run NB --sample`, on a warm local server.

Parity runs the notebook and the compiled flow at the same time, each in its own scratch copy, so
its wall time should stay close to the notebook's own sample run. Both are cold command-line runs
(new process, new kernel) against a local Prefect server started once before timing (its start is
not counted); the table shows medians over --runs interleaved runs and the ratio. Target: parity
<= 1.3x the sample run (it was ~2.2x when the two ran one after the other).

    .venv/bin/python benchmarks/parity_vs_sample.py [--runs 3] [NOTEBOOK...]

Default notebooks: the demos (notebooks/*/) and a real public notebook of 10+ steps
(benchmarks/real_notebook/*/).
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
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ETLNB = [str(BIN / "etlnb")] if (BIN / "etlnb").exists() else [sys.executable, "-m", "etlnb"]


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        default=sorted((REPO / "notebooks").glob("*/*.ipynb"))
        + sorted((REPO / "benchmarks" / "real_notebook").glob("*/*.ipynb")),
    )
    parser.add_argument("--no-warmup", action="store_true", help="skip the untimed first parity per notebook")
    args = parser.parse_args()
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)
    # a server named by ETLNB_HOME and ETLNB_SERVER_PORT is used as it is (the tests' session server);
    # else one of its own, started before timing and stopped at the end
    own = not (env.get("ETLNB_HOME") and env.get("ETLNB_SERVER_PORT"))
    home = Path(tempfile.mkdtemp(prefix="etlnb-bench-home-")) if own else Path(env["ETLNB_HOME"])
    if own:
        sys.path.insert(0, str(REPO))
        from etlnb.local.server import free_port

        env.update(ETLNB_HOME=str(home), ETLNB_SERVER_PORT=str(free_port()))
    subprocess.run([*ETLNB, "server", "start"], env=env, check=True, capture_output=True)
    print(f"{'notebook':<24} {'--sample s':>10} {'--parity s':>10} {'ratio':>6}")
    worst = 0.0
    try:
        for notebook in args.notebooks:
            work = Path(tempfile.mkdtemp(prefix="etlnb-bench-"))
            project = work / notebook.parent.name
            shutil.copytree(notebook.parent, project, ignore=shutil.ignore_patterns("out", "build", ".etlnb"))
            (work / "pyproject.toml").write_text("")  # the project root: build/ and .etlnb/ go here
            nb = project / notebook.name
            build = ["-o", str(work / "build")]
            if not args.no_warmup:
                timed([*ETLNB, "run", str(nb), "--parity", *build], work, env)  # warm-up: caches, pool, flow
            sample, parity = [], []
            for _ in range(args.runs):  # interleaved, so drift hits both alike
                sample.append(timed([*ETLNB, "run", str(nb), "--sample", *build], work, env))
                parity.append(timed([*ETLNB, "run", str(nb), "--parity", *build], work, env))
            s, p = statistics.median(sample), statistics.median(parity)
            worst = max(worst, p / s)
            print(f"{notebook.stem:<24} {s:>10.2f} {p:>10.2f} {p / s:>6.2f}")
            shutil.rmtree(work, ignore_errors=True)
    finally:
        if own:
            subprocess.run([*ETLNB, "server", "stop"], env=env, capture_output=True)
            shutil.rmtree(home, ignore_errors=True)
    print(f"worst ratio {worst:.2f} (target <= 1.30)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
