"""Prefect flow `roundtrip_lambda_step_output` of project `roundtrip_lambda_step_output`, compiled by etlnb from "roundtrip_lambda_step_output.ipynb".

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
def extract_rows():
    global by_n  # module globals, as in the notebook
    # ruff: disable[RUF100]  # the notebook's own code, copied verbatim
    # cell 2 [extract] id=c1, lines 1-2
    rows = [{"n": 3}, {"n": 1}, {"n": 2}]
    by_n = lambda r: r["n"]  # noqa: E731
    # ruff: enable[RUF100]
    return rows


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_ordered(rows):
    # cell 3 [transform] id=c2, line 1
    ordered = sorted(rows, key=by_n)
    return ordered


@task(cache_policy=NO_CACHE, persist_result=False)
def load(ordered):
    # cell 4 [load] id=c3, lines 1-2
    with open("ordered.json", "w") as f:
        json.dump(ordered, f)


@flow(name="roundtrip_lambda_step_output", log_prints=True, task_runner=ThreadPoolTaskRunner())
def roundtrip_lambda_step_output_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    rows = extract_rows()
    ordered = transform_ordered(rows)
    load(ordered)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/roundtrip_lambda_step_output"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    roundtrip_lambda_step_output_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
