"""Prefect flow `inplace_heappush` of project `inplace_heappush`, compiled by etlnb from "inplace_heappush.ipynb".

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
import heapq
import json
import time


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_queue():
    # cell 2 [extract] id=c1, line 1
    queue = [(3, "low"), (1, "high"), (2, "mid")]
    return queue


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_queue(queue):
    # cell 3 [transform] id=c2, lines 1-3
    time.sleep(0.3)
    heapq.heapify(queue)
    heapq.heappush(queue, (0, "urgent"))
    return queue


@task(cache_policy=NO_CACHE, persist_result=False)
def load(queue):
    # cell 4 [load] id=c3, lines 1-5
    order = []
    while queue:
        order.append(heapq.heappop(queue)[1])
    with open("order.json", "w") as f:
        json.dump(order, f)


@flow(name="inplace_heappush", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_heappush_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    queue = extract_queue()
    queue = transform_queue(queue)
    load(queue)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_heappush"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_heappush_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
