"""Prefect flow `valid_walrus_filter` of project `valid_walrus_filter`, compiled by etlnb from "valid_walrus_filter.ipynb".

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
def extract_tokens():
    # cell 2 [extract] id=c1, line 1
    tokens = ["1", "5", " 3", "2"]
    return tokens


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_big(tokens):
    # cell 3 [transform] id=c2, line 1
    big = [n for s in tokens if (n := int(s)) > 2]
    return big


@task(cache_policy=NO_CACHE, persist_result=False)
def load(big):
    # cell 4 [load] id=c3, lines 1-2
    with open("big.json", "w") as f:
        json.dump(big, f)


@flow(name="valid_walrus_filter", log_prints=True, task_runner=ThreadPoolTaskRunner())
def valid_walrus_filter_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    tokens = extract_tokens()
    big = transform_big(tokens)
    load(big)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/valid_walrus_filter"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    valid_walrus_filter_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
