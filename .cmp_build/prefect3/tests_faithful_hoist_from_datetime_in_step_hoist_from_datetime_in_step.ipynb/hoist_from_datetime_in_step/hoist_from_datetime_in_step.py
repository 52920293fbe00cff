"""Prefect flow `hoist_from_datetime_in_step` of project `hoist_from_datetime_in_step`, compiled by etlnb from "hoist_from_datetime_in_step.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, lines 1-2
import datetime
import json


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_days():
    # cell 2 [extract] id=c1, lines 1-2
    start = datetime.date(2024, 1, 30)
    days = [start + datetime.timedelta(days=i) for i in range(3)]
    return days


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_stamps(days):
    # cell 3 [transform] id=c2, lines 1-3
    from datetime import datetime

    stamps = [datetime.strptime(str(d), "%Y-%m-%d").strftime("%d/%m") for d in days]
    return stamps


@task(cache_policy=NO_CACHE, persist_result=False)
def load(stamps):
    # cell 4 [load] id=c3, lines 1-2
    with open("stamps.json", "w") as f:
        json.dump(stamps, f)


@flow(name="hoist_from_datetime_in_step", log_prints=True, task_runner=ThreadPoolTaskRunner())
def hoist_from_datetime_in_step_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    days = extract_days()
    stamps = transform_stamps(days)
    load(stamps)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/hoist_from_datetime_in_step"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    hoist_from_datetime_in_step_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
