"""Prefect flow `outside_module_set` of project `outside_module_set`, compiled by etlnb from "outside_module_set.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, lines 1-4
import json
import time

SKIPPED = set()


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_values():
    # cell 2 [extract] id=c1, line 1
    values = [3, -1, 4, -5]
    return values


@task(cache_policy=NO_CACHE, persist_result=False)
def transform(values):
    # cell 3 [transform] id=c2, lines 1-4
    time.sleep(0.3)
    for v in values:
        if v < 0:
            SKIPPED.add(v)


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_kept(values):
    # cell 4 [transform] id=c3, line 1
    kept = [v for v in values if v not in SKIPPED]
    return kept


@task(cache_policy=NO_CACHE, persist_result=False)
def load(kept):
    # cell 5 [load] id=c4, lines 1-2
    with open("kept.json", "w") as f:
        json.dump(kept, f)


@flow(name="outside_module_set", log_prints=True, task_runner=ThreadPoolTaskRunner())
def outside_module_set_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    values = extract_values()
    transform(values)
    kept = transform_kept(values)
    load(kept)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_module_set"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    outside_module_set_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
