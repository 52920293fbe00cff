"""Prefect flow `etlnb_global_statement_in_step` of project `etlnb_global_statement_in_step`, compiled by etlnb from "etlnb_global_statement_in_step.ipynb".

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
def extract_items():
    global running  # module globals, as in the notebook
    # cell 2 [extract] id=c1, lines 1-2
    running = 1
    items = [2, 3]
    return items


@task(cache_policy=NO_CACHE, persist_result=False)
def transform(items):
    global running  # module globals, as in the notebook
    # cell 3 [transform] id=c2, lines 1-3
    # global running  (declared at the top of this task)
    for it in items:
        running *= it


@task(cache_policy=NO_CACHE, persist_result=False)
def load():
    # cell 4 [load] id=c3, lines 1-2
    with open("running.json", "w") as f:
        json.dump(running, f)


@flow(name="etlnb_global_statement_in_step", log_prints=True, task_runner=ThreadPoolTaskRunner())
def etlnb_global_statement_in_step_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    items = extract_items()
    transform(items)
    load()


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/etlnb_global_statement_in_step"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    etlnb_global_statement_in_step_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
