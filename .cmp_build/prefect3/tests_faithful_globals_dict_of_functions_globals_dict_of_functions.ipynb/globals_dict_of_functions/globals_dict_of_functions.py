"""Prefect flow `globals_dict_of_functions` of project `globals_dict_of_functions`, compiled by etlnb from "globals_dict_of_functions.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

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


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_jobs():
    # cell 4 [extract] id=c3, line 1
    jobs = [("shout", "Hi"), ("whisper", "Bye")]
    return jobs


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_said(jobs):
    # cell 5 [transform] id=c4, line 1
    said = [OPS[op](text) for op, text in jobs]
    return said


@task(cache_policy=NO_CACHE, persist_result=False)
def load(said):
    # cell 6 [load] id=c5, lines 1-2
    with open("said.json", "w") as f:
        json.dump(said, f)


@flow(name="globals_dict_of_functions", log_prints=True, task_runner=ThreadPoolTaskRunner())
def globals_dict_of_functions_flow(
    suffix: str = "!",
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    globals().update(suffix=suffix)  # helper functions read these as module globals
    jobs = extract_jobs()
    said = transform_said(jobs)
    load(said)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"suffix": "!"}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/globals_dict_of_functions"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    globals_dict_of_functions_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
