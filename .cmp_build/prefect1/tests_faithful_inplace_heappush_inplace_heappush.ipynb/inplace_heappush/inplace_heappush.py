"""Prefect 1 flow `inplace_heappush` of project `inplace_heappush`, compiled by etlnb from "inplace_heappush.ipynb".

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


# cell 1 [imports] id=c0, lines 1-3
import heapq
import json
import time


@task(checkpoint=False, log_stdout=True)
def extract_queue():
    # cell 2 [extract] id=c1, line 1
    queue = [(3, "low"), (1, "high"), (2, "mid")]
    return queue


@task(checkpoint=False, log_stdout=True)
def transform_queue(queue):
    # cell 3 [transform] id=c2, lines 1-3
    time.sleep(0.3)
    heapq.heapify(queue)
    heapq.heappush(queue, (0, "urgent"))
    return queue


@task(checkpoint=False, log_stdout=True)
def load(queue):
    # cell 4 [load] id=c3, lines 1-5
    order = []
    while queue:
        order.append(heapq.heappop(queue)[1])
    with open("order.json", "w") as f:
        json.dump(order, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "inplace_heappush",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        queue = extract_queue()
        queue = transform_queue(queue)
        load(queue)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_heappush"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
