"""Prefect flow `etlnb_helper_named_task` of project `etlnb_helper_named_task`, compiled by etlnb from "etlnb_helper_named_task.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow as prefect_flow
from prefect import task as prefect_task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, line 1
import json


# cell 2 [functions] id=c1, lines 1-6
def task(name):
    return {"task": name}


def flow(items):
    return [i["task"] for i in items]


@prefect_task(cache_policy=NO_CACHE, persist_result=False)
def extract_jobs():
    # cell 3 [extract] id=c2, line 1
    jobs = [task("a"), task("b")]
    return jobs


@prefect_task(cache_policy=NO_CACHE, persist_result=False)
def transform_names(jobs):
    # cell 4 [transform] id=c3, line 1
    names = flow(jobs)
    return names


@prefect_task(cache_policy=NO_CACHE, persist_result=False)
def load(names):
    # cell 5 [load] id=c4, lines 1-2
    with open("names.json", "w") as f:
        json.dump(names, f)


@prefect_flow(name="etlnb_helper_named_task", log_prints=True, task_runner=ThreadPoolTaskRunner())
def etlnb_helper_named_task_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    jobs = extract_jobs()
    names = transform_names(jobs)
    load(names)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/etlnb_helper_named_task"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    etlnb_helper_named_task_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
