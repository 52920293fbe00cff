"""Prefect 1 flow `globals_method_reads_rebound` of project `globals_method_reads_rebound`, compiled by etlnb from "globals_method_reads_rebound.ipynb".

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


# cell 2 [functions] id=c1, lines 1-3
class Scaler:
    def apply(self, x):
        return x * factor


@task(checkpoint=False, log_stdout=True)
def extract_scaler():
    global factor  # module globals, as in the notebook
    # cell 3 [extract] id=c2, lines 1-2
    factor = 2
    scaler = Scaler()
    return scaler


@task(checkpoint=False, log_stdout=True)
def transform_a(scaler):
    # cell 4 [transform] id=c3, line 1
    a = scaler.apply(10)
    return a


@task(checkpoint=False, log_stdout=True)
def transform():
    global factor  # module globals, as in the notebook
    # cell 5 [transform] id=c4, line 1
    factor = 3


@task(checkpoint=False, log_stdout=True)
def transform_b(scaler):
    # cell 6 [transform] id=c5, line 1
    b = scaler.apply(10)
    return b


@task(checkpoint=False, log_stdout=True)
def load(a, b):
    # cell 7 [load] id=c6, lines 1-2
    with open("scaled.json", "w") as f:
        json.dump([a, b], f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "globals_method_reads_rebound",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        scaler = extract_scaler()
        a = transform_a(scaler)
        transform_done = transform(upstream_tasks=[a])
        b = transform_b(scaler, upstream_tasks=[transform_done])
        load(a, b)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/globals_method_reads_rebound"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
