"""Prefect flow `hoist_class_in_step_reads_step_value` of project `hoist_class_in_step_reads_step_value`, compiled by etlnb from "hoist_class_in_step_reads_step_value.ipynb".

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


# cell 3 [transform] id=c2, lines 1-3
class Rule:
    def ok(self, v):
        return v > cutoff


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_values():
    global cutoff  # module globals, as in the notebook
    # cell 2 [extract] id=c1, lines 1-2
    cutoff = 5
    values = [3, 7, 9]
    return values


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_passed(values):
    # cell 3 [transform] id=c2, lines 6-7
    rule = Rule()
    passed = [v for v in values if rule.ok(v)]
    return passed


@task(cache_policy=NO_CACHE, persist_result=False)
def load(passed):
    # cell 4 [load] id=c3, lines 1-2
    with open("passed.json", "w") as f:
        json.dump(passed, f)


@flow(name="hoist_class_in_step_reads_step_value", log_prints=True, task_runner=ThreadPoolTaskRunner())
def hoist_class_in_step_reads_step_value_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    values = extract_values()
    passed = transform_passed(values)
    load(passed)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/hoist_class_in_step_reads_step_value"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    hoist_class_in_step_reads_step_value_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
