"""Prefect flow `extra_unpacked_element_alias` of project `extra_unpacked_element_alias`, compiled by etlnb from "extra_unpacked_element_alias.ipynb".

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
def extract_pair():
    # cell 2 [extract] id=c1, line 1
    pair = ([1], [2])
    return pair


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_pair(pair):
    # ruff: disable[RUF059]  # the notebook's own code, copied verbatim
    # cell 3 [transform] id=c2, lines 1-2
    first, second = pair
    first.append(9)
    # ruff: enable[RUF059]
    return pair


@task(cache_policy=NO_CACHE, persist_result=False)
def load(pair):
    # cell 4 [load] id=c3, lines 1-2
    with open("p.json", "w") as f:
        json.dump(pair, f)


@flow(name="extra_unpacked_element_alias", log_prints=True, task_runner=ThreadPoolTaskRunner())
def extra_unpacked_element_alias_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    pair = extract_pair()
    pair = transform_pair(pair)
    load(pair)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/extra_unpacked_element_alias"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    extra_unpacked_element_alias_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
