"""Prefect 1 flow `globals_step_def_reads_rebound` of project `globals_step_def_reads_rebound`, compiled by etlnb from "globals_step_def_reads_rebound.ipynb".

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


# cell 2 [transform] id=c1, lines 4-5
def fmt(v):
    return f"{v} {unit}"


@task(checkpoint=False, log_stdout=True)
def transform_a():
    global unit  # module globals, as in the notebook
    # cell 2 [transform] id=c1, lines 1, 8
    unit = "kg"
    a = fmt(1)
    return a


@task(checkpoint=False, log_stdout=True)
def transform_b():
    global unit  # module globals, as in the notebook
    # cell 3 [transform] id=c2, lines 1-2
    unit = "g"
    b = fmt(2)
    return b


@task(checkpoint=False, log_stdout=True)
def load(a, b):
    # cell 4 [load] id=c3, lines 1-2
    with open("fmt.json", "w") as f:
        json.dump([a, b], f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "globals_step_def_reads_rebound",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        a = transform_a()
        b = transform_b(upstream_tasks=[a])
        load(a, b)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/globals_step_def_reads_rebound"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
