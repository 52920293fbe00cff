"""Prefect 1 flow `real_papermill_parameters` of project `real_papermill_parameters`, compiled by etlnb from "real_papermill_parameters.ipynb".

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


# cell 3 [imports] id=c2, line 1
import json


@task(checkpoint=False, log_stdout=True)
def extract_greeting(msg, b, a):
    # cell 5 [extract] id=c4, lines 1-2
    greeting = f"{msg}: {' '.join(b)} x{a}"
    print(greeting)
    return greeting


@task(checkpoint=False, log_stdout=True)
def transform_payload(greeting, a, c, msg, b):
    # cell 6 [transform] id=c5, lines 1-2
    payload = {"greeting": greeting, "a": a, "c": c,
               "types": [type(v).__name__ for v in (msg, a, b, c)]}
    return payload


@task(checkpoint=False, log_stdout=True)
def load(payload):
    # cell 7 [load] id=c6, lines 1-2
    with open("payload.json", "w") as f:
        json.dump(payload, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "real_papermill_parameters",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        msg = Parameter("msg", default=None)
        a = Parameter("a", default=2.25)
        b = Parameter("b", default=["Hello", "World"])
        c = Parameter("c", default=None)
        greeting = extract_greeting(msg, b, a)
        payload = transform_payload(greeting, a, c, msg, b)
        load(payload)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"msg": "sample run", "a": 2.25, "b": ["Hello", "World"], "c": None}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/real_papermill_parameters"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
