"""Prefect 1 flow `roundtrip_tuple_parameter` of project `roundtrip_tuple_parameter`, compiled by etlnb from "roundtrip_tuple_parameter.ipynb".

Generated code: change the notebook and run `etlnb compile --target prefect1` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
Register it with Prefect 1's CLI: `prefect register -p THIS_FILE --project PROJECT`.
"""

import os

from prefect import Flow, Parameter, task
from prefect.executors import LocalExecutor
from prefect.run_configs import LocalRun
from prefect.storage import Local

# isort: split


# cell 1 [imports] id=c0, line 1
import json


def as_notebook_types(value, like):
    """Prefect 1 passes parameters as JSON: tuples and sets arrive as lists, dict keys as
    strings. This gives `value` back the types of the notebook's value `like`, as Prefect 3's
    typed parameters do."""
    if isinstance(like, (tuple, list, set, frozenset)) and isinstance(value, list):
        items = list(like) or [None]
        restored = [as_notebook_types(v, items[min(i, len(items) - 1)]) for i, v in enumerate(value)]
        return restored if isinstance(like, list) else type(like)(restored)
    if isinstance(like, dict) and isinstance(value, dict):
        keys = {str(k): k for k in like}
        return {keys.get(k, k): as_notebook_types(v, like.get(keys.get(k, k))) for k, v in value.items()}
    return value


restore_types = task(as_notebook_types, checkpoint=False, name="restore_types")


@task(checkpoint=False, log_stdout=True)
def extract_grid(size):
    # cell 3 [extract] id=c2, line 1
    grid = [[0] * size[0] for _ in range(size[1])]
    return grid


@task(checkpoint=False, log_stdout=True)
def load(size, grid):
    # cell 4 [load] id=c3, lines 1-2
    with open("grid.json", "w") as f:
        json.dump({"size": repr(size), "cells": sum(map(len, grid))}, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "roundtrip_tuple_parameter",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        size = Parameter("size", default=(4, 3))
        size = restore_types(size, like=size.default)
        grid = extract_grid(size)
        load(size, grid)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"size": (4, 3)}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/roundtrip_tuple_parameter"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
