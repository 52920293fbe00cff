"""What `import yaml` would add to `etlnb compile` if prefect.yaml were written with
`yaml.safe_dump` instead of etlnb's small emitter (etlnb/targets/prefect3/prefect_yaml.py).

Each run is a fresh process: compile a demo notebook in process, then time `import yaml`
on top of the modules compile has already imported (the marginal cost), with PyYAML's
libyaml extension and with it blocked (pure-Python PyYAML, as on a build without libyaml).

Target: the marginal import cost is at most 3 ms (a few per cent of compile) before
compile may import PyYAML.

    .venv/bin/python benchmarks/yaml_import_cost.py [--runs 7] [NOTEBOOK]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PROBE = """
import contextlib, io, sys, time
if {block}:
    sys.modules["yaml._yaml"] = None  # no libyaml
from etlnb import cli
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    t0 = time.perf_counter()
    code = cli.main(["compile", {notebook!r}, "-o", {out!r}])
    t1 = time.perf_counter()
assert not code, code
import yaml
t2 = time.perf_counter()
assert yaml.__with_libyaml__ is (not {block})
print(t1 - t0, t2 - t1)
"""


def measure(notebook: str, block: bool) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as out:
        code = PROBE.format(block=block, notebook=notebook, out=out)
        done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    compile_s, yaml_s = map(float, done.stdout.split())
    return compile_s, yaml_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("notebook", nargs="?", default=str(REPO / "notebooks" / "weather" / "weather.ipynb"))
    args = parser.parse_args()
    rows = {}
    for block in (False, True):
        samples = [measure(args.notebook, block) for _ in range(args.runs)]
        rows["pure Python" if block else "libyaml"] = (
            statistics.median(s[0] for s in samples),
            statistics.median(s[1] for s in samples),
        )
    print("| PyYAML | compile in process, ms | + import yaml, ms | share |")
    print("|---|---|---|---|")
    for name, (compile_s, yaml_s) in rows.items():
        print(f"| {name} | {compile_s * 1000:.1f} | {yaml_s * 1000:.1f} | {yaml_s / compile_s:.0%} |")
    worst = max(yaml_s for _, yaml_s in rows.values())
    print(f"import yaml adds {worst * 1000:.1f} ms (target <= 3 ms to import it at compile)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
