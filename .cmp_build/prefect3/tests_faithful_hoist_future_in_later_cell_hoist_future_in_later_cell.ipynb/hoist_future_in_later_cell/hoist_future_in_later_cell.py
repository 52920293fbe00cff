"""Prefect flow `hoist_future_in_later_cell` of project `hoist_future_in_later_cell`, compiled by etlnb from "hoist_future_in_later_cell.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

from __future__ import annotations

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, line 1
import json


# ruff: disable[F821]  # the notebook's own code, copied verbatim
# cell 2 [functions] id=c1, lines 4-5
def area(box: Box) -> float:
    return box[0] * box[1]
# ruff: enable[F821]


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_boxes():
    # cell 3 [extract] id=c2, line 1
    boxes = [(2, 3), (4, 5)]
    return boxes


# cell 4 [transform] id=c3, line 1: areas = [area(b) for b in boxes]
@task(cache_policy=NO_CACHE, persist_result=False)
def transform_areas(b):
    return area(b)


@task(cache_policy=NO_CACHE, persist_result=False)
def load(areas):
    # cell 5 [load] id=c4, lines 1-2
    with open("areas.json", "w") as f:
        json.dump(areas, f)


@flow(name="hoist_future_in_later_cell", log_prints=True, task_runner=ThreadPoolTaskRunner())
def hoist_future_in_later_cell_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    boxes = extract_boxes()
    areas = transform_areas.map(list(boxes)).result()
    load(areas)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/hoist_future_in_later_cell"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    hoist_future_in_later_cell_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
