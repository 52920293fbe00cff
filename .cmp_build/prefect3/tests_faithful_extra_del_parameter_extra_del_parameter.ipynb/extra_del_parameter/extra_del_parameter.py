"""Prefect flow `extra_del_parameter` of project `extra_del_parameter`, compiled by etlnb from "extra_del_parameter.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# cell 2 [imports] id=c1, line 1
import json


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_ordered(items):
    # cell 3 [transform] id=c2, lines 1-2
    ordered = sorted(items)
    del items
    return ordered


@task(cache_policy=NO_CACHE, persist_result=False)
def load(ordered):
    # cell 4 [load] id=c3, lines 1-2
    with open("ordered.json", "w") as f:
        json.dump(ordered, f)


@flow(name="extra_del_parameter", log_prints=True, task_runner=ThreadPoolTaskRunner())
def extra_del_parameter_flow(
    items: list[int] = [3, 1, 2],  # noqa: B006
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    ordered = transform_ordered(items)
    load(ordered)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"items": [3, 1, 2]}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/extra_del_parameter"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    extra_del_parameter_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
