"""Prefect flow `inplace_alias_unpack` of project `inplace_alias_unpack`, compiled by etlnb from "inplace_alias_unpack.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, lines 1-2
import json
import time


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_batches():
    # cell 2 [extract] id=c1, line 1
    batches = [[1, 2], [3]]
    return batches


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_batches(batches):
    # cell 3 [transform] id=c2, lines 1-3
    head, tail = batches
    time.sleep(0.3)
    head.extend(tail)
    return batches


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_first_size(batches):
    # cell 4 [transform] id=c3, line 1
    first_size = len(batches[0])
    return first_size


@task(cache_policy=NO_CACHE, persist_result=False)
def load(batches, first_size):
    # cell 5 [load] id=c4, lines 1-2
    with open("batches.json", "w") as f:
        json.dump({"batches": batches, "first": first_size}, f)


@flow(name="inplace_alias_unpack", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_alias_unpack_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    batches = extract_batches()
    batches = transform_batches(batches)
    first_size = transform_first_size(batches)
    load(batches, first_size)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_alias_unpack"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_alias_unpack_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
