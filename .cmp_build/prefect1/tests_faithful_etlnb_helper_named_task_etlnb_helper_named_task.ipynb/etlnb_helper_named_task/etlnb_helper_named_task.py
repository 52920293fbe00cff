"""Prefect 1 flow `etlnb_helper_named_task` of project `etlnb_helper_named_task`, compiled by etlnb from "etlnb_helper_named_task.ipynb".

Generated code: change the notebook and run `etlnb compile --target prefect1` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
Register it with Prefect 1's CLI: `prefect register -p THIS_FILE --project PROJECT`.
"""

import os

from prefect import Flow, Parameter, task as etlnb_task
from prefect.executors import LocalExecutor
from prefect.run_configs import LocalRun
from prefect.storage import Local

# isort: split


# cell 1 [imports] id=c0, line 1
import json


# cell 2 [functions] id=c1, lines 1-6
def task(name):
    return {"task": name}


def flow(items):
    return [i["task"] for i in items]


@etlnb_task(checkpoint=False, log_stdout=True)
def extract_jobs():
    # cell 3 [extract] id=c2, line 1
    jobs = [task("a"), task("b")]
    return jobs


@etlnb_task(checkpoint=False, log_stdout=True)
def transform_names(jobs):
    # cell 4 [transform] id=c3, line 1
    names = flow(jobs)
    return names


@etlnb_task(checkpoint=False, log_stdout=True)
def load(names):
    # cell 5 [load] id=c4, lines 1-2
    with open("names.json", "w") as f:
        json.dump(names, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "etlnb_helper_named_task",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow_:
        jobs = extract_jobs()
        names = transform_names(jobs)
        load(names)
    return flow_


etlnb_flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/etlnb_helper_named_task"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = etlnb_flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
