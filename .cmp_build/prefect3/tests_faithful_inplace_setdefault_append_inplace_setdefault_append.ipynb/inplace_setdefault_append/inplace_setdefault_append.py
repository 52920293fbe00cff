"""Prefect flow `inplace_setdefault_append` of project `inplace_setdefault_append`, compiled by etlnb from "inplace_setdefault_append.ipynb".

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
def extract_people():
    # cell 2 [extract] id=c1, lines 1-2
    people = [("ann", "oslo"), ("bob", "rome"), ("cat", "oslo")]
    by_city = {}
    return people, by_city


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_by_city(people, by_city):
    # cell 3 [transform] id=c2, lines 1-3
    time.sleep(0.3)
    for name, city in people:
        by_city.setdefault(city, []).append(name)
    return by_city


@task(cache_policy=NO_CACHE, persist_result=False)
def load(by_city):
    # cell 4 [load] id=c3, lines 1-2
    with open("by_city.json", "w") as f:
        json.dump(by_city, f, sort_keys=True)


@flow(name="inplace_setdefault_append", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_setdefault_append_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    people, by_city = extract_people()
    by_city = transform_by_city(people, by_city)
    load(by_city)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_setdefault_append"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_setdefault_append_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
