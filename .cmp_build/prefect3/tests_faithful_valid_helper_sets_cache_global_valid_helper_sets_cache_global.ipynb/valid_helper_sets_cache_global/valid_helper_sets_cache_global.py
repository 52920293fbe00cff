"""Prefect flow `valid_helper_sets_cache_global` of project `valid_helper_sets_cache_global`, compiled by etlnb from "valid_helper_sets_cache_global.ipynb".

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


# cell 2 [functions] id=c1, lines 1-8
def init_cache():
    global CACHE
    CACHE = {}


def remember(k, v):
    CACHE[k] = v
    return len(CACHE)


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_sizes():
    global CACHE  # module globals, as in the notebook
    # cell 3 [extract] id=c2, lines 1-2
    init_cache()
    sizes = [remember(k, k * 2) for k in range(3)]
    return sizes


@task(cache_policy=NO_CACHE, persist_result=False)
def load(sizes):
    # cell 4 [load] id=c3, lines 1-2
    with open("sizes.json", "w") as f:
        json.dump({"sizes": sizes, "cache": CACHE}, f)


@flow(name="valid_helper_sets_cache_global", log_prints=True, task_runner=ThreadPoolTaskRunner())
def valid_helper_sets_cache_global_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    sizes = extract_sizes()
    load(sizes)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/valid_helper_sets_cache_global"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    valid_helper_sets_cache_global_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
