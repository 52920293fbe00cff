"""Prefect flow `valid_conditional_del` of project `valid_conditional_del`, compiled by etlnb from "valid_conditional_del.ipynb".

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


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_staging():
    # cell 3 [extract] id=c2, line 1
    staging = [3, 1, 2]
    return staging


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_final(staging, keep_staging):
    # cell 4 [transform] id=c3, lines 1-3
    final = sorted(staging)
    if not keep_staging:
        del staging
    return final


@task(cache_policy=NO_CACHE, persist_result=False)
def load(final):
    # cell 5 [load] id=c4, lines 1-2
    with open("final.json", "w") as f:
        json.dump(final, f)


@flow(name="valid_conditional_del", log_prints=True, task_runner=ThreadPoolTaskRunner())
def valid_conditional_del_flow(
    keep_staging: bool = False,
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    staging = extract_staging()
    final = transform_final(staging, keep_staging)
    load(final)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"keep_staging": False}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/valid_conditional_del"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    valid_conditional_del_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
