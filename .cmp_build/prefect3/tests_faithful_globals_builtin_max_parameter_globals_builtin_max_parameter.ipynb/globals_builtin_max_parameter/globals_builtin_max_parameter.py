"""Prefect flow `globals_builtin_max_parameter` of project `globals_builtin_max_parameter`, compiled by etlnb from "globals_builtin_max_parameter.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, line 1
import json


# ruff: disable[FURB136]  # the notebook's own code, copied verbatim
# cell 3 [functions] id=c2, lines 1-2
def clip(v):
    return v if v < max else max
# ruff: enable[FURB136]


# Notebook values that helper functions read as module globals; the flow sets
# them from its parameters before the first step (steps run one at a time).
max = None


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_values():
    # cell 4 [extract] id=c3, line 1
    values = [1, 5, 2, 9]
    return values


# cell 5 [transform] id=c4, line 1: clipped = [clip(v) for v in values]
@task(cache_policy=NO_CACHE, persist_result=False)
def transform_clipped(v, max):
    """`clip` on one item. The notebook values its helpers read as globals come in as
    arguments, with a copy of those helpers, so each run sees them in any process."""
    # ruff: disable[FURB136]  # the notebook's own code, copied verbatim
    # cell 3 [functions] id=c2, lines 1-2
    def clip(v):
        return v if v < max else max
    # ruff: enable[FURB136]
    return clip(v)


@task(cache_policy=NO_CACHE, persist_result=False)
def load(clipped):
    # cell 6 [load] id=c5, lines 1-2
    with open("clipped.json", "w") as f:
        json.dump(clipped, f)


@flow(name="globals_builtin_max_parameter", log_prints=True, task_runner=ThreadPoolTaskRunner())
def globals_builtin_max_parameter_flow(
    max: int = 3,
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    globals().update(max=max)  # helper functions read these as module globals
    values = extract_values()
    clipped = transform_clipped.map(list(values), max=unmapped(max)).result()
    load(clipped)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"max": 3}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/globals_builtin_max_parameter"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    globals_builtin_max_parameter_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
