"""Prefect flow `globals_default_arg_helper` of project `globals_default_arg_helper`, compiled by etlnb from "globals_default_arg_helper.ipynb".

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


# cell 3 [functions] id=c2, lines 1-6
def scale(x):
    return x * factor


def apply_all(xs, fn=scale):
    return [fn(x) for x in xs]


# Notebook values that helper functions read as module globals; the flow sets
# them from its parameters before the first step (steps run one at a time).
factor = None


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_xs():
    # cell 4 [extract] id=c3, line 1
    xs = [1, 2]
    return xs


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_ys(xs):
    # cell 5 [transform] id=c4, line 1
    ys = apply_all(xs)
    return ys


@task(cache_policy=NO_CACHE, persist_result=False)
def load(ys):
    # cell 6 [load] id=c5, lines 1-2
    with open("ys.json", "w") as f:
        json.dump(ys, f)


@flow(name="globals_default_arg_helper", log_prints=True, task_runner=ThreadPoolTaskRunner())
def globals_default_arg_helper_flow(
    factor: int = 4,
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    globals().update(factor=factor)  # helper functions read these as module globals
    xs = extract_xs()
    ys = transform_ys(xs)
    load(ys)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"factor": 4}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/globals_default_arg_helper"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    globals_default_arg_helper_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
