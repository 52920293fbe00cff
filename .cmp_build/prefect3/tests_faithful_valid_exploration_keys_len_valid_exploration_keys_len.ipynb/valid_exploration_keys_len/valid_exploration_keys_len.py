"""Prefect flow `valid_exploration_keys_len` of project `valid_exploration_keys_len`, compiled by etlnb from "valid_exploration_keys_len.ipynb".

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
def extract_raw():
    # cell 2 [extract] id=c1, line 1
    raw = [{"id": 1, "v": 2}, {"id": 2, "v": 5}]
    return raw


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_vs(raw):
    # cell 5 [transform] id=c4, line 1
    vs = [r["v"] for r in raw]
    return vs


@task(cache_policy=NO_CACHE, persist_result=False)
def load(vs):
    # cell 6 [load] id=c5, lines 1-2
    with open("vs.json", "w") as f:
        json.dump(vs, f)


@flow(name="valid_exploration_keys_len", log_prints=True, task_runner=ThreadPoolTaskRunner())
def valid_exploration_keys_len_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    raw = extract_raw()
    vs = transform_vs(raw)
    load(vs)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/valid_exploration_keys_len"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    valid_exploration_keys_len_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
