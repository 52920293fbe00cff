"""Prefect flow `hoist_default_reads_parameter` of project `hoist_default_reads_parameter`, compiled by etlnb from "hoist_default_reads_parameter.ipynb".

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
def extract_values():
    # cell 3 [extract] id=c2, line 1
    values = [4, 12, 10, 30]
    return values


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_kept(threshold, values):
    # cell 4 [transform] id=c3, lines 1-5
    def keep(v, limit=threshold):
        return v >= limit


    kept = [v for v in values if keep(v)]
    return kept


@task(cache_policy=NO_CACHE, persist_result=False)
def load(kept):
    # cell 5 [load] id=c4, lines 1-2
    with open("kept.json", "w") as f:
        json.dump(kept, f)


@flow(name="hoist_default_reads_parameter", log_prints=True, task_runner=ThreadPoolTaskRunner())
def hoist_default_reads_parameter_flow(
    threshold: int = 10,
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    values = extract_values()
    kept = transform_kept(threshold, values)
    load(kept)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"threshold": 10}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/hoist_default_reads_parameter"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    hoist_default_reads_parameter_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
