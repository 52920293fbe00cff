"""Prefect flow `inplace_step_mutates_parameter` of project `inplace_step_mutates_parameter`, compiled by etlnb from "inplace_step_mutates_parameter.ipynb".

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
def extract_raw(regions):
    # cell 3 [extract] id=c2, lines 1-2
    regions.append("apac")
    raw = {r: len(r) for r in regions}
    return raw, regions


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_n_regions(regions):
    # cell 4 [transform] id=c3, line 1
    n_regions = len(regions)
    return n_regions


@task(cache_policy=NO_CACHE, persist_result=False)
def load(raw, n_regions):
    # cell 5 [load] id=c4, lines 1-2
    with open("regions.json", "w") as f:
        json.dump({"raw": raw, "n": n_regions}, f)


@flow(name="inplace_step_mutates_parameter", log_prints=True, task_runner=ThreadPoolTaskRunner())
def inplace_step_mutates_parameter_flow(
    regions: list[str] = ["eu", "us"],  # noqa: B006
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    raw, regions = extract_raw(regions)
    n_regions = transform_n_regions(regions)
    load(raw, n_regions)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"regions": ["eu", "us"]}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/inplace_step_mutates_parameter"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    inplace_step_mutates_parameter_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
