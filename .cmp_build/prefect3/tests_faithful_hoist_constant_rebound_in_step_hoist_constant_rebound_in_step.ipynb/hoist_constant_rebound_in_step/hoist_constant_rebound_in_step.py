"""Prefect flow `hoist_constant_rebound_in_step` of project `hoist_constant_rebound_in_step`, compiled by etlnb from "hoist_constant_rebound_in_step.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, lines 1-3
import csv

FIELDS = ["id", "name"]


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_raw():
    # cell 2 [extract] id=c1, line 1
    raw = [(1, "ann", 0.5), (2, "bob", 0.7)]
    return raw


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_fields(FIELDS, raw):
    # cell 3 [transform] id=c2, lines 1-2
    FIELDS = FIELDS + ["score"]
    records = [dict(zip(FIELDS, r)) for r in raw]
    return FIELDS, records


@task(cache_policy=NO_CACHE, persist_result=False)
def load(FIELDS, records):
    # cell 4 [load] id=c3, lines 1-4
    with open("records.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(records)


@flow(name="hoist_constant_rebound_in_step", log_prints=True, task_runner=ThreadPoolTaskRunner())
def hoist_constant_rebound_in_step_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    raw = extract_raw()
    FIELDS_value, records = transform_fields(FIELDS, raw)
    load(FIELDS_value, records)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/hoist_constant_rebound_in_step"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    hoist_constant_rebound_in_step_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
