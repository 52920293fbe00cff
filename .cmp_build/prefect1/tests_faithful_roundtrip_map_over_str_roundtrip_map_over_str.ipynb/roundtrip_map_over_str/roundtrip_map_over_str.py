"""Prefect 1 flow `roundtrip_map_over_str` of project `roundtrip_map_over_str`, compiled by etlnb from "roundtrip_map_over_str.ipynb".

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
def code(ch):
    return ord(ch) - 96


@task(checkpoint=False)
def as_list(values):
    """A mapped line iterates its value, as the notebook's comprehension did."""
    return list(values)


# cell 4 [transform] id=c3, line 1: codes = [code(ch) for ch in word]
@task(checkpoint=False, log_stdout=True)
def transform_codes(ch):
    return code(ch)


@task(checkpoint=False, log_stdout=True)
def load(codes):
    # cell 5 [load] id=c4, lines 1-2
    with open("codes.json", "w") as f:
        json.dump(codes, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "roundtrip_map_over_str",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalDaskExecutor(scheduler="threads"),
    ) as flow:
        word = Parameter("word", default="etl")
        codes = transform_codes.map(as_list(word))
        load(codes)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"word": "etl"}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/roundtrip_map_over_str"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
