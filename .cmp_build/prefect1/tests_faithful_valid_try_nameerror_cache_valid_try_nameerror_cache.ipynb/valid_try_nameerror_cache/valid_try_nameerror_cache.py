"""Prefect 1 flow `valid_try_nameerror_cache` of project `valid_try_nameerror_cache`, compiled by etlnb from "valid_try_nameerror_cache.ipynb".

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
def extract():
    global lookup  # module globals, as in the notebook
    # ruff: disable[B018]  # the notebook's own code, copied verbatim
    # cell 2 [extract] id=c1, lines 1-6
    try:
        lookup
    except NameError:
        lookup = {}
    for k in ["a", "b"]:
        lookup[k] = len(lookup)
    # ruff: enable[B018]


@task(checkpoint=False, log_stdout=True)
def load():
    # cell 3 [load] id=c2, lines 1-2
    with open("lookup.json", "w") as f:
        json.dump(lookup, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "valid_try_nameerror_cache",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        extract_done = extract()
        load(upstream_tasks=[extract_done])
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/valid_try_nameerror_cache"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
