"""Prefect flow `inplace_helper_transitive` of project `inplace_helper_transitive`, compiled by etlnb from "inplace_helper_transitive.ipynb".

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


# cell 2 [functions] id=c1, lines 1-8
def _bump(rec, by):
    rec["n"] += by


def bump_all(recs):
    time.sleep(0.3)
    for rec in recs:
        _bump(rec, 10)


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_counters():
    # cell 3 [extract] id=c2, line 1
    counters = [{"n": 1}, {"n": 2}]
    return counters


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_counters(counters):
    # cell 4 [transform] id=c3, line 1
    bump_all(counters)
    return counters


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_total(counters):
    # cell 5 [transform] id=c4, line 1
    total = sum(c["n"] for c in counters)
    return total


@task(cache_policy=NO_CACHE, persist_result=False)
def load(counters, total):
    # cell 6 [load] id=c5, lines 1-2
    with open("counters.json", "w") as f:
        json.dump({"counters": counters, "total": total}, f)


@flow(name="inplace_helper_transitive", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_helper_transitive_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    counters = extract_counters()
    counters = transform_counters(counters)
    total = transform_total(counters)
    load(counters, total)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_helper_transitive"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_helper_transitive_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
