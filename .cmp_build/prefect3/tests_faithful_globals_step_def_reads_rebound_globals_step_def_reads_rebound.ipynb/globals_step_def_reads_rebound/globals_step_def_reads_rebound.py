"""Prefect flow `globals_step_def_reads_rebound` of project `globals_step_def_reads_rebound`, compiled by etlnb from "globals_step_def_reads_rebound.ipynb".

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


# cell 2 [transform] id=c1, lines 4-5
def fmt(v):
    return f"{v} {unit}"


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_a():
    global unit  # module globals, as in the notebook
    # cell 2 [transform] id=c1, lines 1, 8
    unit = "kg"
    a = fmt(1)
    return a


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_b():
    global unit  # module globals, as in the notebook
    # cell 3 [transform] id=c2, lines 1-2
    unit = "g"
    b = fmt(2)
    return b


@task(cache_policy=NO_CACHE, persist_result=False)
def load(a, b):
    # cell 4 [load] id=c3, lines 1-2
    with open("fmt.json", "w") as f:
        json.dump([a, b], f)


@flow(name="globals_step_def_reads_rebound", log_prints=True, task_runner=ThreadPoolTaskRunner())
def globals_step_def_reads_rebound_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    a = transform_a()
    b = transform_b()
    load(a, b)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/globals_step_def_reads_rebound"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    globals_step_def_reads_rebound_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
