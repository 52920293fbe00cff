"""Prefect flow `globals_mapped_reads_rebound` of project `globals_mapped_reads_rebound`, compiled by etlnb from "globals_mapped_reads_rebound.ipynb".

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


# cell 2 [functions] id=c1, lines 1-2
def shift(x):
    return x + offset


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_xs():
    global offset  # module globals, as in the notebook
    # cell 3 [extract] id=c2, lines 1-2
    xs = [1, 2, 3]
    offset = 10
    return xs, offset


# cell 4 [transform] id=c3, line 1: low = [shift(x) for x in xs]
@task(cache_policy=NO_CACHE, persist_result=False)
def transform_low(x, offset):
    """`shift` on one item. The notebook values its helpers read as globals come in as
    arguments, with a copy of those helpers, so each run sees them in any process."""
    # cell 2 [functions] id=c1, lines 1-2
    def shift(x):
        return x + offset
    return shift(x)


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_offset():
    global offset  # module globals, as in the notebook
    # cell 5 [transform] id=c4, line 1
    offset = 100
    return offset


# cell 6 [transform] id=c5, line 1: high = [shift(x) for x in xs]
@task(cache_policy=NO_CACHE, persist_result=False)
def transform_high(x, offset):
    """`shift` on one item. The notebook values its helpers read as globals come in as
    arguments, with a copy of those helpers, so each run sees them in any process."""
    # cell 2 [functions] id=c1, lines 1-2
    def shift(x):
        return x + offset
    return shift(x)


@task(cache_policy=NO_CACHE, persist_result=False)
def load(low, high):
    # cell 7 [load] id=c6, lines 1-2
    with open("shifted.json", "w") as f:
        json.dump([low, high], f)


@flow(name="globals_mapped_reads_rebound", log_prints=True, task_runner=ThreadPoolTaskRunner())
def globals_mapped_reads_rebound_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    xs, offset = extract_xs()
    low = transform_low.map(list(xs), offset=unmapped(offset)).result()
    offset = transform_offset()
    high = transform_high.map(list(xs), offset=unmapped(offset)).result()
    load(low, high)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/globals_mapped_reads_rebound"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    globals_mapped_reads_rebound_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
