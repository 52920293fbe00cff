"""Prefect flow `inplace_with_as` of project `inplace_with_as`, compiled by etlnb from "inplace_with_as.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, lines 1-3
import json
import time
from contextlib import nullcontext


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_state():
    # cell 2 [extract] id=c1, line 1
    state = {"runs": 0, "items": []}
    return state


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_state(state):
    # cell 3 [transform] id=c2, lines 1-4
    with nullcontext(state) as s:
        time.sleep(0.3)
        s["runs"] += 1
        s["items"].append("a")
    return state


@task(cache_policy=NO_CACHE, persist_result=False)
def load(state):
    # cell 4 [load] id=c3, lines 1-2
    with open("state.json", "w") as f:
        json.dump(state, f)


@flow(name="inplace_with_as", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_with_as_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    state = extract_state()
    state = transform_state(state)
    load(state)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_with_as"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_with_as_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
