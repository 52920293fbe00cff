"""Prefect flow `inplace_helper_method_sort` of project `inplace_helper_method_sort`, compiled by etlnb from "inplace_helper_method_sort.ipynb".

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
import time


# cell 2 [functions] id=c1, lines 1-4
def tidy(names):
    time.sleep(0.3)
    names.sort()
    names.reverse()


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_names():
    # cell 3 [extract] id=c2, line 1
    names = ["bo", "al", "cy"]
    return names


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_names(names):
    # cell 4 [transform] id=c3, line 1
    tidy(names)
    return names


@task(cache_policy=NO_CACHE, persist_result=False)
def load(names):
    # cell 5 [load] id=c4, lines 1-2
    with open("names.txt", "w") as f:
        f.write("\n".join(names))


@flow(name="inplace_helper_method_sort", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_helper_method_sort_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    names = extract_names()
    names = transform_names(names)
    load(names)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_helper_method_sort"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_helper_method_sort_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
