"""Prefect flow `outside_random_seed_then_draw` of project `outside_random_seed_then_draw`, compiled by etlnb from "outside_random_seed_then_draw.ipynb".

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
import json
import random
import time


@task(cache_policy=NO_CACHE, persist_result=False)
def extract():
    # cell 2 [extract] id=c1, lines 1-2
    time.sleep(0.3)
    random.seed(11)


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_ids():
    # cell 3 [extract] id=c2, line 1
    ids = list(range(50))
    return ids


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_picked(ids):
    # cell 4 [transform] id=c3, line 1
    picked = random.sample(ids, 4)
    return picked


@task(cache_policy=NO_CACHE, persist_result=False)
def load(picked):
    # cell 5 [load] id=c4, lines 1-2
    with open("picked.json", "w") as f:
        json.dump(picked, f)


@flow(name="outside_random_seed_then_draw", log_prints=True, task_runner=ThreadPoolTaskRunner())
def outside_random_seed_then_draw_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    extract()
    ids = extract_ids()
    picked = transform_picked(ids)
    load(picked)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_random_seed_then_draw"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    outside_random_seed_then_draw_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
