"""Prefect flow `inplace_alias_plain_and_index` of project `inplace_alias_plain_and_index`, compiled by etlnb from "inplace_alias_plain_and_index.ipynb".

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
def extract_grid():
    # cell 2 [extract] id=c1, line 1
    grid = [[0, 0], [0, 0]]
    return grid


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_grid(grid):
    # cell 3 [transform] id=c2, lines 1-5
    view = grid
    time.sleep(0.2)
    view[0] = [1, 1]
    row = grid[1]
    row.append(9)
    return grid


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_width(grid):
    # cell 4 [transform] id=c3, line 1
    width = [len(r) for r in grid]
    return width


@task(cache_policy=NO_CACHE, persist_result=False)
def load(grid, width):
    # cell 5 [load] id=c4, lines 1-2
    with open("grid.json", "w") as f:
        json.dump({"grid": grid, "width": width}, f)


@flow(name="inplace_alias_plain_and_index", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_alias_plain_and_index_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    grid = extract_grid()
    grid = transform_grid(grid)
    width = transform_width(grid)
    load(grid, width)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_alias_plain_and_index"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_alias_plain_and_index_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
