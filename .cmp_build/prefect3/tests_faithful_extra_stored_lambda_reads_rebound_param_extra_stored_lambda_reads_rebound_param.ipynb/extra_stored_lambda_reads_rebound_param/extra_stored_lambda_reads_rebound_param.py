"""Prefect flow `extra_stored_lambda_reads_rebound_param` of project `extra_stored_lambda_reads_rebound_param`, compiled by etlnb from "extra_stored_lambda_reads_rebound_param.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# ruff: disable[I001]  # the notebook's own code, copied verbatim
# cell 2 [imports] id=c1, line 1
import json
# ruff: enable[I001]


# Notebook values that helper functions read as module globals; the flow sets
# them from its parameters before the first step (steps run one at a time).
col = None


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_rows():
    # cell 3 [extract] id=c2, lines 1-2
    rows = [{"a": 2, "b": 1}, {"a": 1, "b": 2}]
    key = lambda r: r[col]
    return rows, key


@task(cache_policy=NO_CACHE, persist_result=False)
def transform():
    global col  # module globals, as in the notebook
    # cell 4 [transform] id=c3, line 1
    col = "b"


@task(cache_policy=NO_CACHE, persist_result=False)
def load(rows, key):
    # cell 5 [load] id=c4, lines 1-3
    ordered = sorted(rows, key=key)
    with open("o.json", "w") as f:
        json.dump(ordered, f)


@flow(name="extra_stored_lambda_reads_rebound_param", log_prints=True, task_runner=ThreadPoolTaskRunner())
def extra_stored_lambda_reads_rebound_param_flow(
    col: str = "a",
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    globals().update(col=col)  # helper functions read these as module globals
    rows, key = extract_rows()
    transform()
    load(rows, key)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"col": "a"}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/extra_stored_lambda_reads_rebound_param"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    extra_stored_lambda_reads_rebound_param_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
