"""Prefect flow `valid_try_nameerror_cache` of project `valid_try_nameerror_cache`, compiled by etlnb from "valid_try_nameerror_cache.ipynb".

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
def extract():
    global lookup  # module globals, as in the notebook
    # ruff: disable[B018]  # the notebook's own code, copied verbatim
    # cell 2 [extract] id=c1, lines 1-6
    try:
        lookup
    except NameError:
        lookup = {}
    for k in ["a", "b"]:
        lookup[k] = len(lookup)
    # ruff: enable[B018]


@task(cache_policy=NO_CACHE, persist_result=False)
def load():
    # cell 3 [load] id=c2, lines 1-2
    with open("lookup.json", "w") as f:
        json.dump(lookup, f)


@flow(name="valid_try_nameerror_cache", log_prints=True, task_runner=ThreadPoolTaskRunner())
def valid_try_nameerror_cache_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    extract()
    load()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/valid_try_nameerror_cache"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    valid_try_nameerror_cache_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
