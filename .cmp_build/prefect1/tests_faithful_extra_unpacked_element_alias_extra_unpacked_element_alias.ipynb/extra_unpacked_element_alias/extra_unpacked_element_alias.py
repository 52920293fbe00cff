"""Prefect 1 flow `extra_unpacked_element_alias` of project `extra_unpacked_element_alias`, compiled by etlnb from "extra_unpacked_element_alias.ipynb".

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


@task(checkpoint=False, log_stdout=True)
def extract_pair():
    # cell 2 [extract] id=c1, line 1
    pair = ([1], [2])
    return pair


@task(checkpoint=False, log_stdout=True)
def transform_pair(pair):
    # ruff: disable[RUF059]  # the notebook's own code, copied verbatim
    # cell 3 [transform] id=c2, lines 1-2
    first, second = pair
    first.append(9)
    # ruff: enable[RUF059]
    return pair


@task(checkpoint=False, log_stdout=True)
def load(pair):
    # cell 4 [load] id=c3, lines 1-2
    with open("p.json", "w") as f:
        json.dump(pair, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "extra_unpacked_element_alias",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        pair = extract_pair()
        pair = transform_pair(pair)
        load(pair)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/extra_unpacked_element_alias"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
