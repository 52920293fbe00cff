"""Prefect flow `extra_instance_state_across_steps` of project `extra_instance_state_across_steps`, compiled by etlnb from "extra_instance_state_across_steps.ipynb".

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


# cell 2 [functions] id=c1, lines 1-6
class Counter:
    def __init__(self):
        self.n = 0

    def inc(self):
        self.n += 1


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_c():
    # cell 3 [extract] id=c2, line 1
    c = Counter()
    return c


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_c(c):
    # cell 4 [transform] id=c3, lines 1-2
    c.inc()
    c.inc()
    return c


@task(cache_policy=NO_CACHE, persist_result=False)
def load(c):
    # cell 5 [load] id=c4, lines 1-2
    with open("n.json", "w") as f:
        json.dump(c.n, f)


@flow(name="extra_instance_state_across_steps", log_prints=True, task_runner=ThreadPoolTaskRunner())
def extra_instance_state_across_steps_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    c = extract_c()
    c = transform_c(c)
    load(c)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/extra_instance_state_across_steps"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    extra_instance_state_across_steps_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
