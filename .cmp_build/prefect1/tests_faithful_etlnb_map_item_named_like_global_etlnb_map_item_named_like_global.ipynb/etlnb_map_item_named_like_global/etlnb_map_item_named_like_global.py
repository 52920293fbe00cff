"""Prefect 1 flow `etlnb_map_item_named_like_global` of project `etlnb_map_item_named_like_global`, compiled by etlnb from "etlnb_map_item_named_like_global.ipynb".

Generated code: change the notebook and run `etlnb compile --target prefect1` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
Register it with Prefect 1's CLI: `prefect register -p THIS_FILE --project PROJECT`.
"""

import os

from prefect import Flow, Parameter, task, unmapped
from prefect.executors import LocalDaskExecutor
from prefect.run_configs import LocalRun
from prefect.storage import Local

# isort: split


# cell 1 [imports] id=c0, line 1
import json


# cell 3 [functions] id=c2, lines 1-2
def move(shift_by):
    return shift_by + shift


# Notebook values that helper functions read as module globals; the flow sets
# them from its parameters before the first step (steps run one at a time).
shift = None


@task(checkpoint=False)
def set_module_globals(shift):
    """Set the notebook values helper functions read as module globals."""
    globals().update(shift=shift)


@task(checkpoint=False)
def as_list(values):
    """A mapped line iterates its value, as the notebook's comprehension did."""
    return list(values)


@task(checkpoint=False, log_stdout=True)
def extract_shifts():
    # cell 4 [extract] id=c3, line 1
    shifts = [1, 2, 3]
    return shifts


# cell 5 [transform] id=c4, line 1: moved = [move(shift) for shift in shifts]
@task(checkpoint=False, log_stdout=True)
def transform_moved(item, shift):
    """`move` on one item. The notebook values its helpers read as globals come in as
    arguments, with a copy of those helpers, so each run sees them in any process."""
    # cell 3 [functions] id=c2, lines 1-2
    def move(shift_by):
        return shift_by + shift
    return move(item)


@task(checkpoint=False, log_stdout=True)
def load(moved):
    # cell 6 [load] id=c5, lines 1-2
    with open("moved.json", "w") as f:
        json.dump(moved, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "etlnb_map_item_named_like_global",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalDaskExecutor(scheduler="threads"),
    ) as flow:
        shift = Parameter("shift", default=5)
        module_globals = set_module_globals(shift)
        shifts = extract_shifts(upstream_tasks=[module_globals])
        moved = transform_moved.map(
            as_list(shifts),
            shift=unmapped(shift),
            upstream_tasks=[unmapped(shifts)],
        )
        load(moved)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"shift": 5}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/etlnb_map_item_named_like_global"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
