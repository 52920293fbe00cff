"""Prefect 1 flow `inplace_helper_direct` of project `inplace_helper_direct`, compiled by etlnb from "inplace_helper_direct.ipynb".

Generated code: change the notebook and run `etlnb compile --target prefect1` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
Register it with Prefect 1's CLI: `prefect register -p THIS_FILE --project PROJECT`.
"""

import os

from prefect import Flow, Parameter, task
from prefect.executors import LocalExecutor
from prefect.run_configs import LocalRun
from prefect.storage import Local

# isort: split


# cell 1 [imports] id=c0, lines 1-2
import csv
import time


# cell 3 [functions] id=c2, lines 1-4
def stamp(rows, value):
    time.sleep(0.3)
    for r in rows:
        r["day"] = value


@task(checkpoint=False, log_stdout=True)
def extract_rows():
    # cell 4 [extract] id=c3, lines 1-2
    with open("orders.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return rows


@task(checkpoint=False, log_stdout=True)
def transform_rows(rows, day):
    # cell 5 [transform] id=c4, line 1
    stamp(rows, day)
    return rows


@task(checkpoint=False, log_stdout=True)
def load(rows):
    # cell 6 [load] id=c5, lines 1-4
    with open("stamped.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "inplace_helper_direct",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        day = Parameter("day", default="2024-05-01")
        rows = extract_rows()
        rows = transform_rows(rows, day)
        load(rows)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"day": "2024-05-01"}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_helper_direct"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
