"""Prefect flow `outside_file_handoff` of project `outside_file_handoff`, compiled by etlnb from "outside_file_handoff.ipynb".

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
def extract():
    # cell 2 [extract] id=c1, lines 1-3
    time.sleep(0.3)
    with open("staging.json", "w") as f:
        json.dump([1, 2, 3], f)


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_doubled():
    # cell 3 [transform] id=c2, lines 1-3
    with open("staging.json") as f:
        staged = json.load(f)
    doubled = [2 * v for v in staged]
    return doubled


@task(cache_policy=NO_CACHE, persist_result=False)
def load(doubled):
    # cell 4 [load] id=c3, lines 1-2
    with open("doubled.json", "w") as f:
        json.dump(doubled, f)


@flow(name="outside_file_handoff", log_prints=True, task_runner=ThreadPoolTaskRunner())
def outside_file_handoff_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    extract()
    doubled = transform_doubled()
    load(doubled)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_file_handoff"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    outside_file_handoff_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
