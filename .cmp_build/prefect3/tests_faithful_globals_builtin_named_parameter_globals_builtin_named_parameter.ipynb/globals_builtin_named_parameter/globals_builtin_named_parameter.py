"""Prefect flow `globals_builtin_named_parameter` of project `globals_builtin_named_parameter`, compiled by etlnb from "globals_builtin_named_parameter.ipynb".

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


# cell 3 [functions] id=c2, lines 1-2
def pick(items):
    return [name for name, kind in items if kind == filter]


# Notebook values that helper functions read as module globals; the flow sets
# them from its parameters before the first step (steps run one at a time).
filter = None


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_items():
    # cell 4 [extract] id=c3, line 1
    items = [("apple", "fruit"), ("leek", "veg"), ("fig", "fruit")]
    return items


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_picked(items):
    # cell 5 [transform] id=c4, line 1
    picked = pick(items)
    return picked


@task(cache_policy=NO_CACHE, persist_result=False)
def load(picked):
    # cell 6 [load] id=c5, lines 1-2
    with open("picked.json", "w") as f:
        json.dump(picked, f)


@flow(name="globals_builtin_named_parameter", log_prints=True, task_runner=ThreadPoolTaskRunner())
def globals_builtin_named_parameter_flow(
    filter: str = "fruit",
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    globals().update(filter=filter)  # helper functions read these as module globals
    items = extract_items()
    picked = transform_picked(items)
    load(picked)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"filter": "fruit"}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/globals_builtin_named_parameter"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    globals_builtin_named_parameter_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
