"""Prefect flow `inplace_augassign_list` of project `inplace_augassign_list`, compiled by etlnb from "inplace_augassign_list.ipynb".

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


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_tags():
    # cell 2 [extract] id=c1, lines 1-2
    tags = ["a"]
    meta = {"tags": tags}
    return tags, meta


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_meta(tags, meta):
    # cell 3 [transform] id=c2, lines 1-2
    time.sleep(0.3)
    tags += ["b", "c"]
    return meta


@task(cache_policy=NO_CACHE, persist_result=False)
def load(meta):
    # cell 4 [load] id=c3, lines 1-2
    with open("meta.json", "w") as f:
        json.dump(meta, f)


@flow(name="inplace_augassign_list", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_augassign_list_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    tags, meta = extract_tags()
    meta = transform_meta(tags, meta)
    load(meta)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_augassign_list"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_augassign_list_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
