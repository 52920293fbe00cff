"""Prefect 1 flow `valid_sample_computes_paths` of project `valid_sample_computes_paths`, compiled by etlnb from "valid_sample_computes_paths.ipynb".

Generated code: change the notebook and run `etlnb compile --target prefect1` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
Register it with Prefect 1's CLI: `prefect register -p THIS_FILE --project PROJECT`.
"""

import os
from datetime import timedelta

from prefect import Flow, Parameter, task, unmapped
from prefect.executors import LocalDaskExecutor
from prefect.run_configs import LocalRun
from prefect.storage import Local

# isort: split


# cell 2 [imports] id=c1, lines 1-2
import csv
import glob


# cell 4 [extract] id=c3, lines 1-3
def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# cell 4 [extract] id=c3, line 6: parts = [read(s) for s in sources]
@task(max_retries=2, retry_delay=timedelta(seconds=10), checkpoint=False, log_stdout=True)
def extract_parts(s):
    return read(s)


@task(checkpoint=False, log_stdout=True)
def load(parts):
    # cell 5 [load] id=c4, lines 1-2
    with open("count.txt", "w") as f:
        f.write(str(sum(len(p) for p in parts)))


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "valid_sample_computes_paths",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalDaskExecutor(scheduler="threads"),
    ) as flow:
        sources = Parameter("sources", default=["s3://bucket/a.csv"])
        parts = extract_parts.map(sources)
        load(parts)
    return flow


flow = build_flow()


# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/valid_sample_computes_paths"


def sample_parameters() -> dict:
    """The notebook's sample parameters: its parameters and sample cells, run in order."""
    sources = ["s3://bucket/a.csv"]
    # cell 3 [sample] id=c2, line 1
    sources = sorted(glob.glob("samples/*.csv"))
    return {"sources": sources}


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=sample_parameters(), run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
