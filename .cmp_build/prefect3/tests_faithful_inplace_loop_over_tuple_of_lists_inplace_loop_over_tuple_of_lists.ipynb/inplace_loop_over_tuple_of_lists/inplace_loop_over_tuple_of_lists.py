"""Prefect flow `inplace_loop_over_tuple_of_lists` of project `inplace_loop_over_tuple_of_lists`, compiled by etlnb from "inplace_loop_over_tuple_of_lists.ipynb".

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
def extract_north():
    # cell 2 [extract] id=c1, line 1
    north = [{"v": 1}, {"v": 2}]
    return north


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_south():
    # cell 3 [extract] id=c2, line 1
    south = [{"v": 3}]
    return south


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_north(north, south):
    # cell 4 [transform] id=c3, lines 1-4
    time.sleep(0.3)
    for region, tag in ((north, "N"), (south, "S")):
        for rec in region:
            rec["region"] = tag
    return north, south


@task(cache_policy=NO_CACHE, persist_result=False)
def load(north):
    # cell 5 [load] id=c4, lines 1-2
    with open("north.json", "w") as f:
        json.dump(north, f)


@task(cache_policy=NO_CACHE, persist_result=False)
def load_2(south):
    # cell 6 [load] id=c5, lines 1-2
    with open("south.json", "w") as f:
        json.dump(south, f)


@flow(name="inplace_loop_over_tuple_of_lists", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_loop_over_tuple_of_lists_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    north = extract_north()
    south = extract_south()
    north, south = transform_north(north, south)
    load(north)
    load_2(south)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_loop_over_tuple_of_lists"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_loop_over_tuple_of_lists_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
