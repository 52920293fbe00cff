"""Prefect flow `roundtrip_tuple_parameter` of project `roundtrip_tuple_parameter`, compiled by etlnb from "roundtrip_tuple_parameter.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, line 1
import json


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_grid(size):
    # cell 3 [extract] id=c2, line 1
    grid = [[0] * size[0] for _ in range(size[1])]
    return grid


@task(cache_policy=NO_CACHE, persist_result=False)
def load(size, grid):
    # cell 4 [load] id=c3, lines 1-2
    with open("grid.json", "w") as f:
        json.dump({"size": repr(size), "cells": sum(map(len, grid))}, f)


@flow(name="roundtrip_tuple_parameter", log_prints=True, task_runner=ThreadPoolTaskRunner())
def roundtrip_tuple_parameter_flow(
    size: tuple[int, int] = (4, 3),
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    grid = extract_grid(size)
    load(size, grid)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"size": (4, 3)}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/roundtrip_tuple_parameter"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    roundtrip_tuple_parameter_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
