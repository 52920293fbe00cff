"""Prefect flow `outside_makedirs_then_write` of project `outside_makedirs_then_write`, compiled by etlnb from "outside_makedirs_then_write.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, lines 1-3
import json
import os
import time


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_totals():
    # cell 2 [extract] id=c1, line 1
    totals = {"a": 1}
    return totals


@task(cache_policy=NO_CACHE, persist_result=False)
def load():
    # cell 3 [load] id=c2, lines 1-2
    time.sleep(0.3)
    os.makedirs("out/daily", exist_ok=True)


@task(cache_policy=NO_CACHE, persist_result=False)
def load_2(totals):
    # cell 4 [load] id=c3, lines 1-2
    with open("out/daily/totals.json", "w") as f:
        json.dump(totals, f)


@flow(name="outside_makedirs_then_write", log_prints=True, task_runner=ThreadPoolTaskRunner())
def outside_makedirs_then_write_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    totals = extract_totals()
    load()
    load_2(totals)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_makedirs_then_write"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    outside_makedirs_then_write_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
