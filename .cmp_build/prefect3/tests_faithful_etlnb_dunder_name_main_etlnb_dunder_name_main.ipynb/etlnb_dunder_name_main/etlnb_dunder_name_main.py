"""Prefect flow `etlnb_dunder_name_main` of project `etlnb_dunder_name_main`, compiled by etlnb from "etlnb_dunder_name_main.ipynb".

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
    # cell 2 [extract] id=c1, line 1
    rows = [1, 2]
    return rows


@task(cache_policy=NO_CACHE, persist_result=False)
def load(rows):
    __name__ = "__main__"  # as in the notebook's kernel
    # cell 3 [load] id=c2, lines 1-3
    if __name__ == "__main__":
        with open("rows.json", "w") as f:
            json.dump(rows, f)


@flow(name="etlnb_dunder_name_main", log_prints=True, task_runner=ThreadPoolTaskRunner())
def etlnb_dunder_name_main_flow() -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    rows = extract_rows()
    load(rows)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/etlnb_dunder_name_main"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    etlnb_dunder_name_main_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
