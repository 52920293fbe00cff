"""Prefect flow `inplace_deque_appendleft` of project `inplace_deque_appendleft`, compiled by etlnb from "inplace_deque_appendleft.ipynb".

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
from collections import deque


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_recent(window):
    # cell 3 [extract] id=c2, line 1
    recent = deque([5, 6, 7], maxlen=window)
    return recent, window


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_recent(recent, window):
    # cell 4 [transform] id=c3, line 1
    recent.appendleft(4)
    return recent


@task(cache_policy=NO_CACHE, persist_result=False)
def load(recent):
    # cell 5 [load] id=c4, lines 1-2
    with open("recent.json", "w") as f:
        json.dump(list(recent), f)


@flow(name="inplace_deque_appendleft", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_deque_appendleft_flow(
    window: int = 4,
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    recent, window = extract_recent(window)
    recent = transform_recent(recent, window)
    load(recent)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"window": 4}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_deque_appendleft"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_deque_appendleft_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
