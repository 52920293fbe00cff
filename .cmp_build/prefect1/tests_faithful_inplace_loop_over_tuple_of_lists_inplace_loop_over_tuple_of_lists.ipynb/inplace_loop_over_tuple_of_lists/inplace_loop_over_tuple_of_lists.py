"""Prefect 1 flow `inplace_loop_over_tuple_of_lists` of project `inplace_loop_over_tuple_of_lists`, compiled by etlnb from "inplace_loop_over_tuple_of_lists.ipynb".

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
import json
import time


@task(checkpoint=False, log_stdout=True)
def extract_north():
    # cell 2 [extract] id=c1, line 1
    north = [{"v": 1}, {"v": 2}]
    return north


@task(checkpoint=False, log_stdout=True)
def extract_south():
    # cell 3 [extract] id=c2, line 1
    south = [{"v": 3}]
    return south


@task(nout=2, checkpoint=False, log_stdout=True)
def transform_north(north, south):
    # cell 4 [transform] id=c3, lines 1-4
    time.sleep(0.3)
    for region, tag in ((north, "N"), (south, "S")):
        for rec in region:
            rec["region"] = tag
    return north, south


@task(checkpoint=False, log_stdout=True)
def load(north):
    # cell 5 [load] id=c4, lines 1-2
    with open("north.json", "w") as f:
        json.dump(north, f)


@task(checkpoint=False, log_stdout=True)
def load_2(south):
    # cell 6 [load] id=c5, lines 1-2
    with open("south.json", "w") as f:
        json.dump(south, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "inplace_loop_over_tuple_of_lists",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        north = extract_north()
        south = extract_south(upstream_tasks=[north])
        north, south = transform_north(north, south)
        load_done = load(north)
        load_2(south, upstream_tasks=[load_done])
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_loop_over_tuple_of_lists"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
