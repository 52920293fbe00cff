"""Prefect 1 flow `etlnb_map_over_import_constant` of project `etlnb_map_over_import_constant`, compiled by etlnb from "etlnb_map_over_import_constant.ipynb".

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


# cell 1 [imports] id=c0, lines 1-3
import json

REGIONS = ["north", "south"]


# cell 2 [functions] id=c1, lines 1-2
def fetch(region):
    return {"region": region, "n": len(region)}


@task(checkpoint=False)
def as_list(values):
    """A mapped line iterates its value, as the notebook's comprehension did."""
    return list(values)


# cell 3 [extract] id=c2, line 1: raw = [fetch(r) for r in REGIONS]
@task(max_retries=2, retry_delay=timedelta(seconds=10), checkpoint=False, log_stdout=True)
def extract_raw(r):
    return fetch(r)


@task(checkpoint=False, log_stdout=True)
def load(raw):
    # cell 4 [load] id=c3, lines 1-2
    with open("raw.json", "w") as f:
        json.dump(raw, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "etlnb_map_over_import_constant",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalDaskExecutor(scheduler="threads"),
    ) as flow:
        raw = extract_raw.map(as_list(REGIONS))
        load(raw)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/etlnb_map_over_import_constant"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
