"""Prefect flow `outside_chdir_in_step` of project `outside_chdir_in_step`, compiled by etlnb from "outside_chdir_in_step.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 1 [imports] id=c0, lines 1-2
import json
import os


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_values():
    # cell 2 [extract] id=c1, lines 1-3
    os.chdir("data")
    with open("in.json") as f:
        values = json.load(f)
    return values


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_doubled(values):
    # cell 3 [transform] id=c2, line 1
    doubled = [2 * v for v in values]
    return doubled


@task(cache_policy=NO_CACHE, persist_result=False)
def load(doubled):
    # cell 4 [load] id=c3, lines 1-2
    with open("out.json", "w") as f:
        json.dump(doubled, f)


@flow(name="outside_chdir_in_step", log_prints=True, task_runner=ThreadPoolTaskRunner())
def outside_chdir_in_step_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    values = extract_values()
    doubled = transform_doubled(values)
    load(doubled)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/outside_chdir_in_step"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    outside_chdir_in_step_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
