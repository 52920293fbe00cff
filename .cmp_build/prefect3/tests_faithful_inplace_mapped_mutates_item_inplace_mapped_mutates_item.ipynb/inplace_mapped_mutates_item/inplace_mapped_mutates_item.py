"""Prefect flow `inplace_mapped_mutates_item` of project `inplace_mapped_mutates_item`, compiled by etlnb from "inplace_mapped_mutates_item.ipynb".

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


# cell 2 [functions] id=c1, lines 1-3
def check(rec):
    rec["checked"] = rec["id"] % 2 == 0
    return rec["id"]


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_records():
    # cell 3 [extract] id=c2, line 1
    records = [{"id": 1}, {"id": 2}, {"id": 3}]
    return records


# cell 4 [transform] id=c3, line 1: ids = [check(r) for r in records]
@task(cache_policy=NO_CACHE, persist_result=False)
def transform_ids(r):
    return check(r)


@task(cache_policy=NO_CACHE, persist_result=False)
def load(records, ids):
    # cell 5 [load] id=c4, lines 1-2
    with open("records.json", "w") as f:
        json.dump({"records": records, "ids": ids}, f)


@flow(name="inplace_mapped_mutates_item", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_mapped_mutates_item_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    records = extract_records()
    ids = transform_ids.map(list(records)).result()
    load(records, ids)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_mapped_mutates_item"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_mapped_mutates_item_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
