"""Prefect flow `outside_class_attribute` of project `outside_class_attribute`, compiled by etlnb from "outside_class_attribute.ipynb".

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
import json
import time


# cell 2 [functions] id=c1, lines 1-2
class Stats:
    rows_seen = 0


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_rows():
    # cell 3 [extract] id=c2, line 1
    rows = [4, 5, 6]
    return rows


@task(cache_policy=NO_CACHE, persist_result=False)
def transform(rows):
    # cell 4 [transform] id=c3, lines 1-2
    time.sleep(0.3)
    Stats.rows_seen += len(rows)


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_summary(rows):
    # cell 5 [transform] id=c4, line 1
    summary = {"seen": Stats.rows_seen, "sum": sum(rows)}
    return summary


@task(cache_policy=NO_CACHE, persist_result=False)
def load(summary):
    # cell 6 [load] id=c5, lines 1-2
    with open("summary.json", "w") as f:
        json.dump(summary, f)


@flow(name="outside_class_attribute", log_prints=True, task_runner=ThreadPoolTaskRunner())
def outside_class_attribute_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    rows = extract_rows()
    transform(rows)
    summary = transform_summary(rows)
    load(summary)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_class_attribute"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    outside_class_attribute_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
