"""Prefect flow `globals_counter_in_helper` of project `globals_counter_in_helper`, compiled by etlnb from "globals_counter_in_helper.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, line 1
import json


# cell 2 [functions] id=c1, lines 1-4
def fetch(key):
    global calls
    calls += 1
    return key.upper()


@task(cache_policy=NO_CACHE, persist_result=False)
def extract():
    global calls  # module globals, as in the notebook
    # cell 3 [extract] id=c2, line 1
    calls = 0


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_a():
    global calls  # module globals, as in the notebook
    # cell 4 [transform] id=c3, lines 1-2
    a = fetch("x")
    b = fetch("y")
    return a, b


@task(cache_policy=NO_CACHE, persist_result=False)
def load(a, b):
    # cell 5 [load] id=c4, lines 1-2
    with open("calls.json", "w") as f:
        json.dump({"calls": calls, "values": [a, b]}, f)


@flow(name="globals_counter_in_helper", log_prints=True, task_runner=ThreadPoolTaskRunner())
def globals_counter_in_helper_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    extract()
    a, b = transform_a()
    load(a, b)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/globals_counter_in_helper"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    globals_counter_in_helper_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
