"""Prefect 1 flow `globals_dict_of_functions` of project `globals_dict_of_functions`, compiled by etlnb from "globals_dict_of_functions.ipynb".

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


# cell 3 [functions] id=c2, lines 1-9
def shout(s):
    return s.upper() + suffix


def whisper(s):
    return s.lower() + suffix


OPS = {"shout": shout, "whisper": whisper}


# Notebook values that helper functions read as module globals; the flow sets
# them from its parameters before the first step (steps run one at a time).
suffix = None


@task(checkpoint=False)
def set_module_globals(suffix):
    """Set the notebook values helper functions read as module globals."""
    globals().update(suffix=suffix)


@task(checkpoint=False, log_stdout=True)
def extract_jobs():
    # cell 4 [extract] id=c3, line 1
    jobs = [("shout", "Hi"), ("whisper", "Bye")]
    return jobs


@task(checkpoint=False, log_stdout=True)
def transform_said(jobs):
    # cell 5 [transform] id=c4, line 1
    said = [OPS[op](text) for op, text in jobs]
    return said


@task(checkpoint=False, log_stdout=True)
def load(said):
    # cell 6 [load] id=c5, lines 1-2
    with open("said.json", "w") as f:
        json.dump(said, f)


# `prefect build` / `prefect register` run this file with `__file__`; a flow run loads it
# again from storage without one (and needs no local path then).
SCRIPT_PATH = globals().get("__file__")


def build_flow() -> Flow:
    """Steps run one at a time, in notebook order (each waits for the one before it);
    mapped steps fan out over the executor."""
    with Flow(
        "globals_dict_of_functions",
        storage=Local(path=SCRIPT_PATH, stored_as_script=True),
        run_config=LocalRun(),
        executor=LocalExecutor(),
    ) as flow:
        suffix = Parameter("suffix", default="!")
        module_globals = set_module_globals(suffix)
        jobs = extract_jobs(upstream_tasks=[module_globals])
        said = transform_said(jobs)
        load(said)
    return flow


flow = build_flow()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"suffix": "!"}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/globals_dict_of_functions"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder (no server needed)."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    state = flow.run(parameters=SAMPLE_PARAMETERS, run_on_schedule=False)
    raise SystemExit(0 if state.is_successful() else 1)


if __name__ == "__main__":
    run_sample()
