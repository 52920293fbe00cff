"""Prefect flow `hoist_local_module_beside_notebook` of project `hoist_local_module_beside_notebook`, compiled by etlnb from "hoist_local_module_beside_notebook.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os
import sys

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# The notebook imports modules from its own folder: Jupyter runs it from there, with
# that folder on sys.path, and so does this script when run directly (local runs only:
# `etlnb deploy` refuses such imports, a deployed flow gets only this script).
if __name__ == "__main__":
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../../tests/faithful/hoist_local_module_beside_notebook"))
    sys.path.insert(0, "")


# cell 1 [imports] id=c0, lines 1-3
import json

import helpers_local


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_words():
    # cell 2 [extract] id=c1, line 1
    words = ["alpha", "beta"]
    return words


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_codes(words):
    # cell 3 [transform] id=c2, line 1
    codes = [helpers_local.code(w) for w in words]
    return codes


@task(cache_policy=NO_CACHE, persist_result=False)
def load(codes):
    # cell 4 [load] id=c3, lines 1-2
    with open("codes.json", "w") as f:
        json.dump(codes, f)


@flow(name="hoist_local_module_beside_notebook", log_prints=True, task_runner=ThreadPoolTaskRunner())
def hoist_local_module_beside_notebook_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    words = extract_words()
    codes = transform_codes(words)
    load(codes)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/hoist_local_module_beside_notebook"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    hoist_local_module_beside_notebook_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
