"""Prefect 1 flow `outside_makedirs_then_write` of project `outside_makedirs_then_write`, compiled by etlnb from "outside_makedirs_then_write.ipynb".

Generated code: change the notebook and run `etlnb compile --target prefect1` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
Register it with Prefect 1's CLI: `prefect register -p THIS_FILE --project PROJECT`.
"""

from prefect import Flow, Parameter, task
from prefect.executors import LocalExecutor
from prefect.run_configs import LocalRun
from prefect.storage import Local

# isort: split


# cell 1 [imports] id=c0, lines 1-3
import json
import os
import time


@task(checkpoint=False, log_stdout=True)
def extract_totals():
    # cell 2 [extract] id=c1, line 1
    totals = {"a": 1}
    return totals


@task(checkpoint=False, log_stdout=True)
def load():
    # cell 3 [load] id=c2, lines 1-2
    time.sleep(0.3)
    os.makedirs("out/daily", exist_ok=True)


@task(checkpoint=False, log_stdout=True)
def load_2(totals):
    # cell 4 [load] id=c3, lines 1-2
    with open("out/daily/totals.json", "w") as f:
        json.dump(totals, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "outside_makedirs_then_write",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        totals = extract_totals()
        load_done = load(upstream_tasks=[totals])
        load_2(totals, upstream_tasks=[load_done])
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_makedirs_then_write"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
