"""Prefect 1 flow `hoist_future_in_later_cell` of project `hoist_future_in_later_cell`, compiled by etlnb from "hoist_future_in_later_cell.ipynb".

Generated code: change the notebook and run `etlnb compile --target prefect1` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
Register it with Prefect 1's CLI: `prefect register -p THIS_FILE --project PROJECT`.
"""

from __future__ import annotations

import os

from prefect import Flow, Parameter, task, unmapped
from prefect.executors import LocalDaskExecutor
from prefect.run_configs import LocalRun
from prefect.storage import Local

# isort: split


# cell 1 [imports] id=c0, line 1
import json


# ruff: disable[F821]  # the notebook's own code, copied verbatim
# cell 2 [functions] id=c1, lines 4-5
def area(box: Box) -> float:
    return box[0] * box[1]
# ruff: enable[F821]


@task(checkpoint=False)
def as_list(values):
    """A mapped line iterates its value, as the notebook's comprehension did."""
    return list(values)


@task(checkpoint=False, log_stdout=True)
def extract_boxes():
    # cell 3 [extract] id=c2, line 1
    boxes = [(2, 3), (4, 5)]
    return boxes


# cell 4 [transform] id=c3, line 1: areas = [area(b) for b in boxes]
@task(checkpoint=False, log_stdout=True)
def transform_areas(b):
    return area(b)


@task(checkpoint=False, log_stdout=True)
def load(areas):
    # cell 5 [load] id=c4, lines 1-2
    with open("areas.json", "w") as f:
        json.dump(areas, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "hoist_future_in_later_cell",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalDaskExecutor(scheduler="threads"),
    ) as flow:
        boxes = extract_boxes()
        areas = transform_areas.map(as_list(boxes), upstream_tasks=[unmapped(boxes)])
        load(areas)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/hoist_future_in_later_cell"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
