"""Prefect flow `hoist_functions_cell_reads_parameter` of project `hoist_functions_cell_reads_parameter`, compiled by etlnb from "hoist_functions_cell_reads_parameter.ipynb".

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
import csv


# cell 3 [functions] id=c2, lines 4-6
def write_report(rows):
    with open(REPORT_PATH, "w", newline="") as f:
        csv.writer(f).writerows(rows)


@task(cache_policy=NO_CACHE, persist_result=False)
def functions(out_name):
    global REPORT_PATH  # module globals, as in the notebook
    # cell 3 [functions] id=c2, line 1
    REPORT_PATH = out_name + ".csv"


@task(cache_policy=NO_CACHE, persist_result=False)
def extract_rows():
    # cell 4 [extract] id=c3, line 1
    rows = [["a", 1], ["b", 2]]
    return rows


@task(cache_policy=NO_CACHE, persist_result=False)
def load(rows):
    # cell 5 [load] id=c4, line 1
    write_report(rows)


@flow(name="hoist_functions_cell_reads_parameter", log_prints=True, task_runner=ThreadPoolTaskRunner())
def hoist_functions_cell_reads_parameter_flow(
    out_name: str = "summary",
) -> None:
    """Steps run one at a time, in notebook order; mapped steps fan out over the task runner."""
    functions(out_name)
    rows = extract_rows()
    load(rows)


# The notebook's sample parameters: its parameters and sample cells, run in order.
SAMPLE_PARAMETERS = {"out_name": "summary"}
# Sample paths are relative to the notebook's folder, as in Jupyter.
NOTEBOOK_DIR = "../../../../tests/faithful/hoist_functions_cell_reads_parameter"


def run_sample() -> None:
    """Run the flow on the sample parameters, from the notebook's folder."""
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), NOTEBOOK_DIR))
    hoist_functions_cell_reads_parameter_flow(**SAMPLE_PARAMETERS)


if __name__ == "__main__":
    run_sample()
