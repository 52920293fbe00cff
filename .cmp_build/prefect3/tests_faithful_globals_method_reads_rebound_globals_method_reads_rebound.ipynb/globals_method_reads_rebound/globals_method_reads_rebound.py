"""Prefect flow `globals_method_reads_rebound` of project `globals_method_reads_rebound`, compiled by etlnb from "globals_method_reads_rebound.ipynb".

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


# cell 2 [functions] id=c1, lines 1-3
class Scaler:
    def apply(self, x):
        return x * factor


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_scaler():
    global factor  # module globals, as in the notebook
    # cell 3 [extract] id=c2, lines 1-2
    factor = 2
    scaler = Scaler()
    return scaler


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_a(scaler):
    # cell 4 [transform] id=c3, line 1
    a = scaler.apply(10)
    return a


@task(cache_policy=NO_CACHE, persist_result=False)
def transform():
    global factor  # module globals, as in the notebook
    # cell 5 [transform] id=c4, line 1
    factor = 3


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_b(scaler):
    # cell 6 [transform] id=c5, line 1
    b = scaler.apply(10)
    return b


@task(cache_policy=NO_CACHE, persist_result=False)
def load(a, b):
    # cell 7 [load] id=c6, lines 1-2
    with open("scaled.json", "w") as f:
        json.dump([a, b], f)


@flow(name="globals_method_reads_rebound", log_prints=True, task_runner=ThreadPoolTaskRunner())
def globals_method_reads_rebound_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    scaler = extract_scaler()
    a = transform_a(scaler)
    transform()
    b = transform_b(scaler)
    load(a, b)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/globals_method_reads_rebound"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    globals_method_reads_rebound_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
