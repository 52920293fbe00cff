"""Prefect flow `globals_lambda_in_functions` of project `globals_lambda_in_functions`, compiled by etlnb from "globals_lambda_in_functions.ipynb".

Generated code: change the notebook and run `etlnb compile` again.
Each block is marked with the notebook cell (index, role, id) and lines it
comes from; a traceback line inside a block maps to that cell line.
"""

import os

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

# isort: split


# ruff: disable[F401, I001]  # the notebook's own code, copied verbatim
# cell 1 [imports] id=c0, line 1
import json
# ruff: enable[F401, I001]


# ruff: disable[RUF100]  # the notebook's own code, copied verbatim
# cell 3 [functions] id=c2, line 1
join_row = lambda row: sep.join(str(v) for v in row)  # noqa: E731
# ruff: enable[RUF100]


# Notebook values that helper functions read as module globals; the flow sets
# them from its parameters before the first step (steps run one at a time).
sep = None


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_rows():
    # cell 4 [extract] id=c3, line 1
    rows = [[1, "a"], [2, "b"]]
    return rows


@task(cache_policy=NO_CACHE, persist_result=False)
def transform_lines(rows):
    # cell 5 [transform] id=c4, line 1
    lines = [join_row(r) for r in rows]
    return lines


@task(cache_policy=NO_CACHE, persist_result=False)
def load(lines):
    # cell 6 [load] id=c5, lines 1-2
    with open("lines.txt", "w") as f:
        f.write("\n".join(lines))


@flow(name="globals_lambda_in_functions", log_prints=True, task_runner=ThreadPoolTaskRunner())
def globals_lambda_in_functions_flow(
    sep: str = "|",
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    globals().update(sep=sep)  # helper functions read these as module globals
    rows = extract_rows()
    lines = transform_lines(rows)
    load(lines)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"sep": "|"}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/globals_lambda_in_functions"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    globals_lambda_in_functions_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
