"""Prefect flow `etlnb_map_item_named_like_global` of project `etlnb_map_item_named_like_global`, compiled by etlnb from "etlnb_map_item_named_like_global.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, line 1
import json


# cell 3 [functions] id=c2, lines 1-2
def move(shift_by):
    return shift_by + shift


# Notebook values that helper functions read as module globals; the flow sets
# them from its parameters before the first step (steps run one at a time).
shift = None


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_shifts():
    # cell 4 [extract] id=c3, line 1
    shifts = [1, 2, 3]
    return shifts


# cell 5 [transform] id=c4, line 1: moved = [move(shift) for shift in shifts]
@task(cache_policy=NO_CACHE, persist_result=False)
def transform_moved(item, shift):
    """`move` on one item. The notebook values its helpers read as globals come in as
    arguments, with a copy of those helpers, so each run sees them in any process."""
    # cell 3 [functions] id=c2, lines 1-2
    def move(shift_by):
        return shift_by + shift
    return move(item)


@task(cache_policy=NO_CACHE, persist_result=False)
def load(moved):
    # cell 6 [load] id=c5, lines 1-2
    with open("moved.json", "w") as f:
        json.dump(moved, f)


@flow(name="etlnb_map_item_named_like_global", log_prints=True, task_runner=ThreadPoolTaskRunner())
def etlnb_map_item_named_like_global_flow(
    shift: int = 5,
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    globals().update(shift=shift)  # helper functions read these as module globals
    shifts = extract_shifts()
    moved = transform_moved.map(list(shifts), shift=unmapped(shift)).result()
    load(moved)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"shift": 5}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/etlnb_map_item_named_like_global"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    etlnb_map_item_named_like_global_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
