"""Prefect flow `inplace_helper_direct` of project `inplace_helper_direct`, compiled by etlnb from "inplace_helper_direct.ipynb".

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
import csv
import time


# cell 3 [functions] id=c2, lines 1-4
def stamp(rows, value):
    time.sleep(0.3)
    for r in rows:
        r["day"] = value


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_rows():
    # cell 4 [extract] id=c3, lines 1-2
    with open("orders.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return rows


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_rows(rows, day):
    # cell 5 [transform] id=c4, line 1
    stamp(rows, day)
    return rows


@task(cache_policy=NO_CACHE, persist_result=False)
def load(rows):
    # cell 6 [load] id=c5, lines 1-4
    with open("stamped.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


@flow(name="inplace_helper_direct", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_helper_direct_flow(
    day: str = "2024-05-01",
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    rows = extract_rows()
    rows = transform_rows(rows, day)
    load(rows)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"day": "2024-05-01"}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_helper_direct"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_helper_direct_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
